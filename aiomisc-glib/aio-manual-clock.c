/* aio-manual-clock.c: a clock that moves only when told, for tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

/**
 * AioManualClock:
 *
 * An [class@Aio.Clock] whose time moves only when
 * [method@Aio.ManualClock.advance] or [method@Aio.ManualClock.set_real_time]
 * say so. Timeout sources of the clock fire, on their own main contexts,
 * when it is advanced past their ready time. Thread-safe.
 *
 * Since: 0.1
 */

struct _AioManualClock
{
  AioClock  parent_instance;

  GMutex    mutex;
  gint64    monotonic;
  gint64    real;
  GList    *sources;    /* ManualSource*, not owned */
};

typedef struct
{
  GSource         source;
  AioManualClock *clock;
  gint64          ready_time;
} ManualSource;

G_DEFINE_FINAL_TYPE (AioManualClock, aio_manual_clock, AIO_TYPE_CLOCK)

static gint64
aio_manual_clock_get_monotonic_time (AioClock *clock)
{
  AioManualClock *self = AIO_MANUAL_CLOCK (clock);
  gint64 ret;

  g_mutex_lock (&self->mutex);
  ret = self->monotonic;
  g_mutex_unlock (&self->mutex);

  return ret;
}

static gint64
aio_manual_clock_get_real_time (AioClock *clock)
{
  AioManualClock *self = AIO_MANUAL_CLOCK (clock);
  gint64 ret;

  g_mutex_lock (&self->mutex);
  ret = self->real;
  g_mutex_unlock (&self->mutex);

  return ret;
}

static gboolean
manual_source_is_ready (GSource *source)
{
  ManualSource *ms = (ManualSource *) source;

  return aio_manual_clock_get_monotonic_time (AIO_CLOCK (ms->clock)) >= ms->ready_time;
}

static gboolean
manual_source_prepare (GSource *source,
                       gint    *timeout)
{
  *timeout = -1;
  return manual_source_is_ready (source);
}

static gboolean
manual_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  if (callback != NULL)
    callback (user_data);
  return G_SOURCE_REMOVE;
}

static void
manual_source_finalize (GSource *source)
{
  ManualSource *ms = (ManualSource *) source;

  g_mutex_lock (&ms->clock->mutex);
  ms->clock->sources = g_list_remove (ms->clock->sources, ms);
  g_mutex_unlock (&ms->clock->mutex);
  g_clear_object (&ms->clock);
}

static GSourceFuncs manual_source_funcs = {
  .prepare = manual_source_prepare,
  .check = manual_source_is_ready,
  .dispatch = manual_source_dispatch,
  .finalize = manual_source_finalize,
};

static GSource *
aio_manual_clock_create_timeout_source (AioClock *clock,
                                        gint64    ready_time)
{
  AioManualClock *self = AIO_MANUAL_CLOCK (clock);
  GSource *source = g_source_new (&manual_source_funcs, sizeof (ManualSource));
  ManualSource *ms = (ManualSource *) source;

  g_source_set_static_name (source, "[aiomisc-glib] manual clock timeout");
  ms->clock = g_object_ref (self);
  ms->ready_time = ready_time;
  g_mutex_lock (&self->mutex);
  self->sources = g_list_prepend (self->sources, ms);
  g_mutex_unlock (&self->mutex);

  return source;
}

static void
aio_manual_clock_finalize (GObject *object)
{
  AioManualClock *self = AIO_MANUAL_CLOCK (object);

  g_assert (self->sources == NULL);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (aio_manual_clock_parent_class)->finalize (object);
}

static void
aio_manual_clock_class_init (AioManualClockClass *klass)
{
  AioClockClass *clock_class = AIO_CLOCK_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = aio_manual_clock_finalize;
  clock_class->get_monotonic_time = aio_manual_clock_get_monotonic_time;
  clock_class->get_real_time = aio_manual_clock_get_real_time;
  clock_class->create_timeout_source = aio_manual_clock_create_timeout_source;
}

static void
aio_manual_clock_init (AioManualClock *self)
{
  g_mutex_init (&self->mutex);
}

/**
 * aio_manual_clock_new:
 * @real_time: the initial wall-clock time, in microseconds since the Unix epoch
 *
 * Creates a manual clock. Its monotonic time starts at 0.
 *
 * Returns: (transfer full): a new clock
 *
 * Since: 0.1
 */
AioClock *
aio_manual_clock_new (gint64 real_time)
{
  AioManualClock *self = g_object_new (AIO_TYPE_MANUAL_CLOCK, NULL);

  self->real = real_time;

  return AIO_CLOCK (self);
}

static void
aio_manual_clock_wake (AioManualClock *self)
{
  g_autoptr(GPtrArray) contexts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_main_context_unref);

  g_mutex_lock (&self->mutex);
  for (GList *l = self->sources; l != NULL; l = l->next)
    {
      GMainContext *context = g_source_get_context (l->data);

      if (context != NULL && !g_ptr_array_find (contexts, context, NULL))
        g_ptr_array_add (contexts, g_main_context_ref (context));
    }
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; i < contexts->len; i++)
    g_main_context_wakeup (g_ptr_array_index (contexts, i));
}

/**
 * aio_manual_clock_advance:
 * @self: a manual clock
 * @microseconds: how far to move, 0 or more
 *
 * Moves both the monotonic and the wall-clock time forward; the timeout
 * sources that became ready fire on the next iteration of their contexts.
 *
 * Since: 0.1
 */
void
aio_manual_clock_advance (AioManualClock *self,
                          gint64          microseconds)
{
  g_return_if_fail (AIO_IS_MANUAL_CLOCK (self));
  g_return_if_fail (microseconds >= 0);

  g_mutex_lock (&self->mutex);
  self->monotonic += microseconds;
  self->real += microseconds;
  g_mutex_unlock (&self->mutex);

  aio_manual_clock_wake (self);
}

/**
 * aio_manual_clock_set_real_time:
 * @self: a manual clock
 * @real_time: the new wall-clock time, in microseconds since the Unix epoch
 *
 * Sets the wall-clock time alone, as a suspend or an NTP step would; the
 * monotonic time does not move.
 *
 * Since: 0.1
 */
void
aio_manual_clock_set_real_time (AioManualClock *self,
                                gint64          real_time)
{
  g_return_if_fail (AIO_IS_MANUAL_CLOCK (self));

  g_mutex_lock (&self->mutex);
  self->real = real_time;
  g_mutex_unlock (&self->mutex);

  aio_manual_clock_wake (self);
}
