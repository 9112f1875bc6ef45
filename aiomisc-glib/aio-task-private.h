/* aio-task-private.h: helpers shared by the operation runners
 * (timeout, backoff, select, circuit breaker, aggregator)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <math.h>

#include "aiomisc-glib.h"

G_BEGIN_DECLS

/* Takes the outcome of a task handed to an AioTaskFunc. An operation that
 * broke the convention (returned a boolean, an int or a pointer instead of a
 * GValue) makes GTask complain; it is then reported as an error rather than
 * as a success without value. */
static inline gboolean
_aio_task_propagate_op (GTask   *op,
                        GValue  *value,
                        GError **error)
{
  GError *local_error = NULL;

  if (g_task_propagate_value (op, value, &local_error))
    return TRUE;

  if (local_error == NULL)
    local_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                       "The operation did not complete its task "
                                       "with g_task_return_value() or an error");
  g_propagate_error (error, local_error);
  return FALSE;
}

/* Completes the _finish() of a task whose result is a GValue. */
static inline gboolean
_aio_task_propagate_value (GTask   *task,
                           GValue  *value,
                           GError **error)
{
  GValue ignored = G_VALUE_INIT;
  gboolean ret;

  if (value != NULL)
    return g_task_propagate_value (task, value, error);

  ret = g_task_propagate_value (task, &ignored, error);
  g_value_unset (&ignored);
  return ret;
}

/* Seconds (0 or more) to microseconds, rounded (1.9 s is 1 900 000 µs,
 * not 1 899 999) and saturating: anything beyond about 146 000 years,
 * infinity included, is G_MAXINT64 / 2, "never" for a deadline. */
static inline gint64
_aio_seconds_to_usec (double seconds)
{
  if (!(seconds < (double) (G_MAXINT64 / 2 / G_USEC_PER_SEC)))
    return G_MAXINT64 / 2;
  if (seconds <= 0)
    return 0;
  return (gint64) (seconds * G_USEC_PER_SEC + 0.5);
}

/* A double field guarded by @mutex, read under the lock. */
static inline double
_aio_locked_get_double (GMutex       *mutex,
                        const double *field)
{
  double ret;

  g_mutex_lock (mutex);
  ret = *field;
  g_mutex_unlock (mutex);

  return ret;
}

/* Sets a double field guarded by @mutex and notifies @pspec of @object
 * (outside the lock) when the value changed. */
static inline void
_aio_locked_set_double (GObject    *object,
                        GMutex     *mutex,
                        double     *field,
                        double      value,
                        GParamSpec *pspec)
{
  gboolean changed;

  g_mutex_lock (mutex);
  changed = *field != value;
  *field = value;
  g_mutex_unlock (mutex);

  if (changed)
    g_object_notify_by_pspec (object, pspec);
}

/* A one-shot timer of @clock, @usec from now, attached to @context. */
static inline GSource *
_aio_clock_timer_new (AioClock     *clock,
                      gint64        usec,
                      GSourceFunc   func,
                      gpointer      data,
                      GMainContext *context)
{
  GSource *source;

  source = aio_clock_create_timeout_source (clock, aio_clock_get_monotonic_time (clock) + usec);
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);

  return source;
}

static inline gboolean
_aio_forward_cancel (GCancellable *cancellable,
                     gpointer      target)
{
  g_cancellable_cancel (target);
  return G_SOURCE_REMOVE;
}

/* Makes the cancellation of @cancellable (nullable) cancel @target, from a
 * source attached to @context rather than from a "cancelled" handler: the
 * completions it causes then never run inside the emission of the caller's
 * cancellable, where disconnecting from it would deadlock, and an op may
 * complete its task right from its own handler. Returns the source (NULL
 * without @cancellable), for _aio_cancellable_unlink(). */
static inline GSource *
_aio_cancellable_link (GCancellable *cancellable,
                       GCancellable *target,
                       GMainContext *context)
{
  GSource *source;

  if (cancellable == NULL)
    return NULL;

  source = g_cancellable_source_new (cancellable);
  g_source_set_static_name (source, "[aiomisc-glib] cancellation forwarder");
  g_source_set_callback (source, G_SOURCE_FUNC (_aio_forward_cancel),
                         g_object_ref (target), g_object_unref);
  g_source_attach (source, context);

  return source;
}

/* Runs @func (with @data, then @notify) from an idle source of
 * G_PRIORITY_DEFAULT (a GTask's priority, not an idle's) attached to
 * @context, named @name: later, in @context's thread. */
static inline void
_aio_context_defer (GMainContext   *context,
                    GSourceFunc     func,
                    gpointer        data,
                    GDestroyNotify  notify,
                    const char     *name)
{
  GSource *idle = g_idle_source_new ();

  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, func, data, notify);
  g_source_set_static_name (idle, name);
  g_source_attach (idle, context);
  g_source_unref (idle);
}

/* Runs @func (with @data, then @notify) at once when this thread owns
 * @context, else deferred to it (_aio_context_defer). Unlike
 * g_main_context_invoke_full(), never in a thread that merely acquired a
 * free @context: the code it runs expects @context's thread (and what it
 * launches must not race with that thread). */
static inline void
_aio_context_run (GMainContext   *context,
                  GSourceFunc     func,
                  gpointer        data,
                  GDestroyNotify  notify)
{
  if (g_main_context_is_owner (context))
    {
      func (data);
      if (notify != NULL)
        notify (data);
      return;
    }
  _aio_context_defer (context, func, data, notify, "[aiomisc-glib] run on the context");
}

/* Destroys *@source, if any, and drops the reference: for the sources an
 * object keeps to cancel them later. */
static inline void
_aio_source_clear (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* Undoes _aio_cancellable_link(). */
static inline void
_aio_cancellable_unlink (GSource **source)
{
  _aio_source_clear (source);
}

G_END_DECLS
