/* aio-periodic-callback.c: an async callback run at a fixed delay
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "aiomisc-glib.h"
#include "aio-recurring-callback-private.h"
#include "aio-statistics-private.h"

/**
 * AioPeriodicCallback:
 *
 * Runs an asynchronous function every [property@Aio.PeriodicCallback:interval]
 * seconds (aiomisc's `PeriodicCallback`).
 *
 * The schedule has a fixed delay: the first call comes
 * [property@Aio.PeriodicCallback:delay] seconds after
 * [method@Aio.PeriodicCallback.start], and each next call `interval`
 * seconds after the previous one *completed*, so calls never overlap,
 * however long they take. (Completions handled in one iteration of the main
 * loop count from the first of them, if it is less than a 16th of the
 * interval earlier: callbacks that complete together then fall due
 * together, as GLib's own timeouts do, which keeps thousands of them cheap.)
 *
 * The function, an [callback@Aio.PeriodicFunc], receives a #GTask to
 * complete, as an [callback@Aio.MainFunc] does: a synchronous function
 * returns it before it returns, an asynchronous one later. A failed call is
 * logged as a warning with the name of the callback and counted, but the
 * schedule goes on. The calls are counted in the `"periodic"` group of
 * [func@Aio.statistics_add]: `calls`, `errors` and `sum_time` (the seconds
 * spent in calls).
 *
 * [method@Aio.PeriodicCallback.stop_async] ends the schedule. A call in
 * progress is cancelled through the cancellable of its task or, with
 * [property@Aio.PeriodicCallback:shield], allowed to finish; either way the
 * stop completes once the call has completed. A stopped callback may be
 * started again.
 *
 * ```c
 * static void
 * tick (AioPeriodicCallback *periodic, GTask *task, gpointer user_data)
 * {
 *   refresh_cache (user_data);
 *   g_task_return_boolean (task, TRUE);
 * }
 *
 * periodic = aio_periodic_callback_new (tick, cache, NULL);
 * aio_periodic_callback_set_interval (periodic, 30.0);
 * if (!aio_periodic_callback_start (periodic, &error))
 *   g_printerr ("%s\n", error->message);
 * ```
 *
 * All time is read from [property@Aio.PeriodicCallback:clock], so tests
 * drive the schedule with an [class@Aio.ManualClock]. The callback runs on
 * the thread-default main context of the caller of `start`; it is not
 * thread-safe. A started callback keeps a reference on itself until it has
 * stopped. [class@Aio.PeriodicService] is the same as a service.
 *
 * Since: 0.1
 */

struct _AioPeriodicCallback
{
  GObject               parent_instance;

  AioRecurringCallback *recurring;
  AioPeriodicFunc       func;
  gpointer              func_data;
  GDestroyNotify        func_destroy;
  char                 *name;
  double                interval;
  double                delay;
  gboolean              first;
};

G_DEFINE_FINAL_TYPE (AioPeriodicCallback, aio_periodic_callback, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_INTERVAL,
  PROP_DELAY,
  PROP_SHIELD,
  PROP_CLOCK,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
interval_is_valid (double interval)
{
  return isfinite (interval) && interval > 0;
}

static gboolean
delay_is_valid (double delay)
{
  return isfinite (delay) && delay >= 0;
}

/* The fixed-delay schedule, as a strategy. */
static double
periodic_strategy (AioRecurringCallback *recurring,
                   AioRecurringAction   *action,
                   gpointer              user_data)
{
  AioPeriodicCallback *self = user_data;

  *action = AIO_RECURRING_ACTION_RUN_AFTER;
  if (self->first)
    {
      self->first = FALSE;
      return self->delay;
    }

  return self->interval;
}

static void
periodic_call (AioRecurringCallback *recurring,
               GTask                *task,
               gpointer              user_data)
{
  AioPeriodicCallback *self = user_data;

  if (self->func != NULL)
    self->func (self, task, self->func_data);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                             "it has no function to run");
}

static void
aio_periodic_callback_dispose (GObject *object)
{
  AioPeriodicCallback *self = AIO_PERIODIC_CALLBACK (object);
  GDestroyNotify func_destroy = self->func_destroy;

  /* A run holds a reference: the engine is idle here. */
  if (self->recurring != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->recurring, self);
      g_clear_object (&self->recurring);
    }

  self->func = NULL;
  self->func_destroy = NULL;
  if (func_destroy != NULL)
    func_destroy (g_steal_pointer (&self->func_data));

  G_OBJECT_CLASS (aio_periodic_callback_parent_class)->dispose (object);
}

static void
aio_periodic_callback_finalize (GObject *object)
{
  AioPeriodicCallback *self = AIO_PERIODIC_CALLBACK (object);

  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (aio_periodic_callback_parent_class)->finalize (object);
}

static void
aio_periodic_callback_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  AioPeriodicCallback *self = AIO_PERIODIC_CALLBACK (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, aio_periodic_callback_get_name (self));
      break;

    case PROP_INTERVAL:
      g_value_set_double (value, self->interval);
      break;

    case PROP_DELAY:
      g_value_set_double (value, self->delay);
      break;

    case PROP_SHIELD:
      g_value_set_boolean (value, aio_periodic_callback_get_shield (self));
      break;

    case PROP_CLOCK:
      g_value_set_object (value, aio_periodic_callback_get_clock (self));
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, aio_periodic_callback_is_running (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_periodic_callback_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  AioPeriodicCallback *self = AIO_PERIODIC_CALLBACK (object);

  switch (prop_id)
    {
    case PROP_NAME:
      aio_periodic_callback_set_name (self, g_value_get_string (value));
      break;

    case PROP_INTERVAL:
      aio_periodic_callback_set_interval (self, g_value_get_double (value));
      break;

    case PROP_DELAY:
      aio_periodic_callback_set_delay (self, g_value_get_double (value));
      break;

    case PROP_SHIELD:
      aio_periodic_callback_set_shield (self, g_value_get_boolean (value));
      break;

    case PROP_CLOCK:
      aio_periodic_callback_set_clock (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_periodic_callback_class_init (AioPeriodicCallbackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = aio_periodic_callback_dispose;
  object_class->finalize = aio_periodic_callback_finalize;
  object_class->get_property = aio_periodic_callback_get_property;
  object_class->set_property = aio_periodic_callback_set_property;

  /**
   * AioPeriodicCallback:name:
   *
   * The name of the callback, used in logs and errors. Defaults to the
   * name of its type.
   *
   * Since: 0.1
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * AioPeriodicCallback:interval:
   *
   * The seconds between the completion of a call and the start of the
   * next. It must be finite and greater than 0 when the callback starts,
   * or the start fails with %G_IO_ERROR_INVALID_ARGUMENT; changed
   * while running, it applies from the next call, and an invalid value is
   * ignored with a warning. There is no default.
   *
   * Since: 0.1
   */
  properties[PROP_INTERVAL] =
    g_param_spec_double ("interval", NULL, NULL,
                         0, G_MAXDOUBLE, 0, flags);

  /**
   * AioPeriodicCallback:delay:
   *
   * The seconds from the start to the first call; finite and 0 or more.
   * Read at start.
   *
   * Since: 0.1
   */
  properties[PROP_DELAY] =
    g_param_spec_double ("delay", NULL, NULL,
                         0, G_MAXDOUBLE, 0, flags);

  /**
   * AioPeriodicCallback:shield:
   *
   * Whether a call in progress may finish when the callback is stopped.
   * Without the shield, a stop cancels the cancellable of the call's task.
   * Either way, the stop completes once the call has completed. Read at
   * each stop.
   *
   * Since: 0.1
   */
  properties[PROP_SHIELD] =
    g_param_spec_boolean ("shield", NULL, NULL, FALSE, flags);

  /**
   * AioPeriodicCallback:clock:
   *
   * The clock the schedule reads and waits on; the system clock unless
   * set. A change takes effect at the next start.
   *
   * Since: 0.1
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL, AIO_TYPE_CLOCK, flags);

  /**
   * AioPeriodicCallback:running:
   *
   * Whether the callback is scheduled: %TRUE from a successful start until
   * a stop is requested. A call may still be in progress for a while after
   * it becomes %FALSE.
   *
   * Since: 0.1
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_periodic_callback_init (AioPeriodicCallback *self)
{
  self->recurring = aio_recurring_callback_new (periodic_call, self, NULL);
  _aio_recurring_callback_set_owner (self->recurring, self, AIO_STAT_PERIODIC, "Periodic callback");
  aio_recurring_callback_set_name (self->recurring, G_OBJECT_TYPE_NAME (self));
  /* Its running, shield and clock are ours. */
  g_signal_connect (self->recurring, "notify::running", G_CALLBACK (_aio_forward_notify_cb), self);
  g_signal_connect (self->recurring, "notify::shield", G_CALLBACK (_aio_forward_notify_cb), self);
  g_signal_connect (self->recurring, "notify::clock", G_CALLBACK (_aio_forward_notify_cb), self);
}

/**
 * aio_periodic_callback_new:
 * @func: (scope notified) (closure user_data) (destroy destroy): the function
 *   to run
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the callback is finalized
 *
 * Creates a periodic callback. Set its
 * [property@Aio.PeriodicCallback:interval], then
 * [method@Aio.PeriodicCallback.start] it.
 *
 * Returns: (transfer full): a new periodic callback
 *
 * Since: 0.1
 */
AioPeriodicCallback *
aio_periodic_callback_new (AioPeriodicFunc func,
                           gpointer        user_data,
                           GDestroyNotify  destroy)
{
  AioPeriodicCallback *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (AIO_TYPE_PERIODIC_CALLBACK, NULL);
  self->func = func;
  self->func_data = user_data;
  self->func_destroy = destroy;

  return self;
}

/**
 * aio_periodic_callback_start:
 * @self: a periodic callback
 * @error: return location for a #GError
 *
 * Starts the schedule on the thread-default main context: the first call
 * comes [property@Aio.PeriodicCallback:delay] seconds from now (never from
 * this function, even with no delay).
 *
 * Fails with %G_IO_ERROR_INVALID_ARGUMENT, naming the value, if the
 * interval is not a finite number greater than 0 or the delay not a finite
 * number of 0 or more, and with %G_IO_ERROR_BUSY if the callback
 * is running or still stopping.
 *
 * Returns: %TRUE if the callback started
 *
 * Since: 0.1
 */
gboolean
aio_periodic_callback_start (AioPeriodicCallback  *self,
                             GError              **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (AIO_IS_PERIODIC_CALLBACK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!interval_is_valid (self->interval))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Periodic callback '%s' has an invalid interval of %g s: "
                   "it must be a finite number of seconds greater than 0",
                   aio_periodic_callback_get_name (self), self->interval);
      return FALSE;
    }

  if (!delay_is_valid (self->delay))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Periodic callback '%s' has an invalid delay of %g s: "
                   "it must be a finite number of seconds, 0 or more",
                   aio_periodic_callback_get_name (self), self->delay);
      return FALSE;
    }

  self->first = TRUE;
  if (!aio_recurring_callback_start (self->recurring, periodic_strategy, self, NULL, &local_error))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           local_error->message);
      return FALSE;
    }

  return TRUE;
}

static void
recurring_stopped_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (aio_recurring_callback_stop_finish (AIO_RECURRING_CALLBACK (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * aio_periodic_callback_stop_async:
 * @self: a periodic callback
 * @cancellable: (nullable): gives up waiting for the call in progress
 * @callback: (scope async): called once the callback has stopped
 * @user_data: (closure): data for @callback
 *
 * Stops the schedule (aiomisc's `PeriodicCallback.stop()`). The call in
 * progress, if any, is cancelled (unless
 * [property@Aio.PeriodicCallback:shield] is set) and the operation
 * completes once it has completed.
 *
 * Cancelling @cancellable while the operation waits cancels the call, even
 * a shielded one, and completes the operation at once with
 * %G_IO_ERROR_CANCELLED; the callback cannot start again until the call
 * has completed. Stopping a callback that is not running succeeds at once.
 *
 * Since: 0.1
 */
void
aio_periodic_callback_stop_async (AioPeriodicCallback *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AIO_IS_PERIODIC_CALLBACK (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_periodic_callback_stop_async);
  aio_recurring_callback_stop_async (self->recurring, cancellable, recurring_stopped_cb, task);
}

/**
 * aio_periodic_callback_stop_finish:
 * @self: a periodic callback
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.PeriodicCallback.stop_async].
 *
 * Returns: %TRUE once the callback has stopped; %FALSE with
 *   %G_IO_ERROR_CANCELLED if the wait was cancelled
 *
 * Since: 0.1
 */
gboolean
aio_periodic_callback_stop_finish (AioPeriodicCallback  *self,
                                   GAsyncResult         *result,
                                   GError              **error)
{
  g_return_val_if_fail (AIO_IS_PERIODIC_CALLBACK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * aio_periodic_callback_is_running:
 * @self: a periodic callback
 *
 * Gets [property@Aio.PeriodicCallback:running].
 *
 * Returns: whether the callback is scheduled
 *
 * Since: 0.1
 */
gboolean
aio_periodic_callback_is_running (AioPeriodicCallback *self)
{
  g_return_val_if_fail (AIO_IS_PERIODIC_CALLBACK (self), FALSE);

  return aio_recurring_callback_is_running (self->recurring);
}

/**
 * aio_periodic_callback_get_interval:
 * @self: a periodic callback
 *
 * Gets [property@Aio.PeriodicCallback:interval].
 *
 * Returns: the interval, in seconds
 *
 * Since: 0.1
 */
double
aio_periodic_callback_get_interval (AioPeriodicCallback *self)
{
  g_return_val_if_fail (AIO_IS_PERIODIC_CALLBACK (self), 0);

  return self->interval;
}

/**
 * aio_periodic_callback_set_interval:
 * @self: a periodic callback
 * @interval: the seconds between a completion and the next call
 *
 * Sets [property@Aio.PeriodicCallback:interval]. Out of range values are
 * reported by [method@Aio.PeriodicCallback.start]; while the callback
 * runs, they are ignored with a warning.
 *
 * Since: 0.1
 */
void
aio_periodic_callback_set_interval (AioPeriodicCallback *self,
                                    double               interval)
{
  g_return_if_fail (AIO_IS_PERIODIC_CALLBACK (self));

  if (!interval_is_valid (interval) && aio_recurring_callback_is_running (self->recurring))
    {
      g_warning ("Periodic callback '%s': ignoring the invalid interval of %g s "
                 "(it must be a finite number of seconds greater than 0)",
                 aio_periodic_callback_get_name (self), interval);
      return;
    }

  if (self->interval == interval)
    return;

  self->interval = interval;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

/**
 * aio_periodic_callback_get_delay:
 * @self: a periodic callback
 *
 * Gets [property@Aio.PeriodicCallback:delay].
 *
 * Returns: the delay before the first call, in seconds
 *
 * Since: 0.1
 */
double
aio_periodic_callback_get_delay (AioPeriodicCallback *self)
{
  g_return_val_if_fail (AIO_IS_PERIODIC_CALLBACK (self), 0);

  return self->delay;
}

/**
 * aio_periodic_callback_set_delay:
 * @self: a periodic callback
 * @delay: the seconds from the start to the first call
 *
 * Sets [property@Aio.PeriodicCallback:delay]; it applies at the next start,
 * which reports an out of range value.
 *
 * Since: 0.1
 */
void
aio_periodic_callback_set_delay (AioPeriodicCallback *self,
                                 double               delay)
{
  g_return_if_fail (AIO_IS_PERIODIC_CALLBACK (self));

  if (self->delay == delay)
    return;

  self->delay = delay;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELAY]);
}

/**
 * aio_periodic_callback_get_shield:
 * @self: a periodic callback
 *
 * Gets [property@Aio.PeriodicCallback:shield].
 *
 * Returns: whether a call in progress may finish on stop
 *
 * Since: 0.1
 */
gboolean
aio_periodic_callback_get_shield (AioPeriodicCallback *self)
{
  g_return_val_if_fail (AIO_IS_PERIODIC_CALLBACK (self), FALSE);

  return aio_recurring_callback_get_shield (self->recurring);
}

/**
 * aio_periodic_callback_set_shield:
 * @self: a periodic callback
 * @shield: whether a call in progress may finish on stop
 *
 * Sets [property@Aio.PeriodicCallback:shield].
 *
 * Since: 0.1
 */
void
aio_periodic_callback_set_shield (AioPeriodicCallback *self,
                                  gboolean             shield)
{
  g_return_if_fail (AIO_IS_PERIODIC_CALLBACK (self));

  aio_recurring_callback_set_shield (self->recurring, shield);
}

/**
 * aio_periodic_callback_get_clock:
 * @self: a periodic callback
 *
 * Gets [property@Aio.PeriodicCallback:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.1
 */
AioClock *
aio_periodic_callback_get_clock (AioPeriodicCallback *self)
{
  g_return_val_if_fail (AIO_IS_PERIODIC_CALLBACK (self), NULL);

  return aio_recurring_callback_get_clock (self->recurring);
}

/**
 * aio_periodic_callback_set_clock:
 * @self: a periodic callback
 * @clock: (nullable): the clock, or %NULL for the system clock
 *
 * Sets [property@Aio.PeriodicCallback:clock]; it takes effect at the next
 * start.
 *
 * Since: 0.1
 */
void
aio_periodic_callback_set_clock (AioPeriodicCallback *self,
                                 AioClock            *clock)
{
  g_return_if_fail (AIO_IS_PERIODIC_CALLBACK (self));
  g_return_if_fail (clock == NULL || AIO_IS_CLOCK (clock));

  aio_recurring_callback_set_clock (self->recurring, clock);
}

/**
 * aio_periodic_callback_get_name:
 * @self: a periodic callback
 *
 * Gets [property@Aio.PeriodicCallback:name].
 *
 * Returns: (transfer none): the name
 *
 * Since: 0.1
 */
const char *
aio_periodic_callback_get_name (AioPeriodicCallback *self)
{
  g_return_val_if_fail (AIO_IS_PERIODIC_CALLBACK (self), NULL);

  return self->name ? self->name : G_OBJECT_TYPE_NAME (self);
}

/**
 * aio_periodic_callback_set_name:
 * @self: a periodic callback
 * @name: (nullable): the new name, or %NULL for the type name
 *
 * Sets [property@Aio.PeriodicCallback:name].
 *
 * Since: 0.1
 */
void
aio_periodic_callback_set_name (AioPeriodicCallback *self,
                                const char          *name)
{
  g_return_if_fail (AIO_IS_PERIODIC_CALLBACK (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  aio_recurring_callback_set_name (self->recurring, aio_periodic_callback_get_name (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}
