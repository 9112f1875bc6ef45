/* aio-timeout.c: running an async operation with a deadline
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-statistics-private.h"
#include "aio-task-private.h"

/*
 * The operation gets a cancellable of its own, cancelled by the caller's
 * cancellable (through a source, see _aio_cancellable_link()) or by the
 * timer, whichever comes first. Either way we wait for the operation to
 * complete its task; GTask defers the callback of a task whose cancellable
 * is cancelled to an idle, so nothing is freed under our feet while we
 * cancel.
 */

typedef struct
{
  GTask        *task;            /* the caller's operation */
  GCancellable *op_cancellable;  /* handed to the operation */
  GSource      *cancel_link;     /* forwards the caller's cancellation */
  GSource      *timer;
  double        seconds;
  guint         timed_out : 1;
} TimeoutData;

static void
timeout_data_free (TimeoutData *data)
{
  _aio_cancellable_unlink (&data->cancel_link);
  if (data->timer != NULL)
    g_source_destroy (data->timer);
  g_clear_pointer (&data->timer, g_source_unref);
  g_clear_object (&data->op_cancellable);
  g_clear_object (&data->task);
  g_free (data);
}

static gboolean
timeout_expired_cb (gpointer user_data)
{
  TimeoutData *data = user_data;
  g_autoptr(GCancellable) op_cancellable = g_object_ref (data->op_cancellable);

  g_debug ("operation timed out after %g s", data->seconds);
  data->timed_out = TRUE;
  g_clear_pointer (&data->timer, g_source_unref);
  aio_statistics_add (AIO_STAT_TIMEOUT, AIO_STAT_TIMEOUTS, 1);

  /* The operation's completion is deferred by GTask (its cancellable is
   * cancelled), so @data stays valid until we return. */
  g_cancellable_cancel (op_cancellable);

  return G_SOURCE_REMOVE;
}

static void
timeout_op_done (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TimeoutData *data = user_data;
  g_autoptr(GTask) task = g_steal_pointer (&data->task);
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  gboolean timed_out = data->timed_out;
  double seconds = data->seconds;
  gboolean ok;

  ok = _aio_task_propagate_op (G_TASK (result), &value, &error);
  timeout_data_free (data);

  if (timed_out)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             "Operation timed out after %g s", seconds);
  else if (ok)
    g_task_return_value (task, &value);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * aio_timeout_async:
 * @seconds: the time limit, 0 or more (infinity means none)
 * @func: (scope call) (closure func_data): the operation to run
 * @func_data: data for @func
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the operation
 *   completed or timed out
 * @user_data: data for @callback
 *
 * Runs an async operation (see [callback@Aio.TaskFunc]) with a time limit,
 * measured by the default [class@Aio.Clock]: aiomisc's `timeout`. See
 * [func@Aio.timeout_full_async] for the details. Call
 * [func@Aio.timeout_finish] from @callback.
 *
 * Since: 0.1
 */
void
aio_timeout_async (double               seconds,
                   AioTaskFunc          func,
                   gpointer             func_data,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  aio_timeout_full_async (NULL, seconds, func, func_data,
                          cancellable, callback, user_data);
}

/**
 * aio_timeout_full_async:
 * @clock: (nullable): the clock that measures @seconds, or %NULL for the
 *   default one
 * @seconds: the time limit, 0 or more (infinity means none)
 * @func: (scope call) (closure func_data): the operation to run
 * @func_data: data for @func
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the operation
 *   completed or timed out
 * @user_data: data for @callback
 *
 * Runs an async operation (see [callback@Aio.TaskFunc]) with a time limit.
 * @func is called before this function returns, with a #GTask whose
 * cancellable is cancelled when @seconds have passed on @clock or when
 * @cancellable is cancelled.
 *
 * Once the operation completed, @callback is called and
 * [func@Aio.timeout_full_finish] (or [func@Aio.timeout_finish]) gives its
 * result: the operation's value or
 * error, %G_IO_ERROR_TIMED_OUT (whose message names the limit) if the time
 * ran out first, %G_IO_ERROR_CANCELLED if @cancellable was cancelled. After
 * a timeout or a cancellation the operation is still waited for, so it
 * never runs past @callback: an operation that ignores its cancellable
 * delays the error until it completes.
 *
 * A negative or NaN @seconds fails with %G_IO_ERROR_INVALID_ARGUMENT
 * without calling @func.
 *
 * Since: 0.1
 */
void
aio_timeout_full_async (AioClock            *clock,
                        double               seconds,
                        AioTaskFunc          func,
                        gpointer             func_data,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) op_task = NULL;
  TimeoutData *data;

  g_return_if_fail (clock == NULL || AIO_IS_CLOCK (clock));
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_timeout_full_async);
  g_task_set_name (task, "[aiomisc-glib] timeout");

  if (isnan (seconds) || seconds < 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Invalid timeout %g: must be a number of seconds, 0 or more",
                               seconds);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  if (clock == NULL)
    clock = aio_clock_get_default ();

  aio_statistics_add (AIO_STAT_TIMEOUT, AIO_STAT_CALLS, 1);

  data = g_new0 (TimeoutData, 1);
  data->task = g_object_ref (task);
  data->seconds = seconds;
  data->op_cancellable = g_cancellable_new ();
  data->cancel_link = _aio_cancellable_link (cancellable, data->op_cancellable,
                                             g_task_get_context (task));

  /* Beyond ~146 000 years the limit is as good as none. */
  if (_aio_seconds_to_usec (seconds) < G_MAXINT64 / 2)
    data->timer = _aio_clock_timer_new (clock, _aio_seconds_to_usec (seconds),
                                        timeout_expired_cb, data,
                                        g_task_get_context (task));

  op_task = g_task_new (NULL, data->op_cancellable, timeout_op_done, data);
  g_task_set_name (op_task, "[aiomisc-glib] timeout operation");
  func (op_task, data->op_cancellable, func_data);
}

/**
 * aio_timeout_finish:
 * @result: the #GAsyncResult passed to the callback
 * @value: (out caller-allocates) (optional): an uninitialized #GValue that
 *   receives the operation's value
 * @error: return location for a #GError
 *
 * Completes [func@Aio.timeout_async] or [func@Aio.timeout_full_async]. On
 * success @value holds what the operation returned (a %G_TYPE_POINTER %NULL
 * if it returned no value); on failure it is left untouched.
 *
 * Returns: (skip): %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
aio_timeout_finish (GAsyncResult  *result,
                    GValue        *value,
                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aio_timeout_full_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _aio_task_propagate_value (G_TASK (result), value, error);
}

/**
 * aio_timeout_full_finish:
 * @result: the #GAsyncResult passed to the callback
 * @value: (out caller-allocates) (optional): an uninitialized #GValue that
 *   receives the operation's value
 * @error: return location for a #GError
 *
 * Completes [func@Aio.timeout_full_async]: the same as
 * [func@Aio.timeout_finish], under the name that pairs it with
 * [func@Aio.timeout_full_async] in language bindings.
 *
 * Returns: (skip): %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
aio_timeout_full_finish (GAsyncResult  *result,
                         GValue        *value,
                         GError       **error)
{
  return aio_timeout_finish (result, value, error);
}
