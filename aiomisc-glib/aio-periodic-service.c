/* aio-periodic-service.c: a service that runs a callback at a fixed delay
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "aiomisc-glib.h"
#include "aio-recurring-callback-private.h"

/**
 * AioPeriodicService:
 *
 * A service that runs its `callback` every
 * [property@Aio.PeriodicService:interval] seconds while it runs (aiomisc's
 * `PeriodicService`).
 *
 * Subclasses override `callback_async` (and `callback_finish`) of
 * [class@Aio.PeriodicService]. The service is an ordinary one: its
 * start validates the interval and the delay (failing with
 * %G_IO_ERROR_INVALID_ARGUMENT, naming the value) and schedules the
 * first call [property@Aio.PeriodicService:delay] seconds later; its stop
 * ends the schedule and waits for the call in progress, which is cancelled
 * unless [property@Aio.PeriodicService:shield] is set.
 *
 * The schedule is the fixed-delay one of [class@Aio.PeriodicCallback]:
 * each call comes `interval` seconds after the previous one completed, so
 * calls never overlap. A failed call is logged as a warning with the name
 * of the service and counted in the `"periodic"` group of
 * [func@Aio.statistics_add]; it does not stop the service.
 *
 * ```c
 * static void
 * my_cleaner_callback_async (AioPeriodicService  *service,
 *                            GCancellable        *cancellable,
 *                            GAsyncReadyCallback  callback,
 *                            gpointer             user_data)
 * {
 *   g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);
 *
 *   remove_stale_files (MY_CLEANER (service)->directory);
 *   g_task_return_boolean (task, TRUE);
 * }
 *
 * cleaner = g_object_new (MY_TYPE_CLEANER, "interval", 60.0, NULL);
 * ```
 *
 * Since: 0.1
 */

typedef struct
{
  AioPeriodicCallback *periodic;
} AioPeriodicServicePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (AioPeriodicService, aio_periodic_service, AIO_TYPE_SERVICE)

enum {
  PROP_0,
  PROP_INTERVAL,
  PROP_DELAY,
  PROP_SHIELD,
  PROP_CLOCK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aio_periodic_service_real_callback_async (AioPeriodicService  *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aio_periodic_service_real_callback_async);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "%s does not override callback_async",
                           G_OBJECT_TYPE_NAME (self));
}

static gboolean
aio_periodic_service_real_callback_finish (AioPeriodicService  *self,
                                           GAsyncResult        *result,
                                           GError             **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
service_call_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AioPeriodicService *self = g_task_get_task_data (task);
  GError *error = NULL;

  if (AIO_PERIODIC_SERVICE_GET_CLASS (self)->callback_finish (self, result, &error))
    g_task_return_boolean (task, TRUE);
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, FALSE);
}

/* The function of the periodic callback: runs the vfunc. */
static void
service_call (AioPeriodicCallback *periodic,
              GTask               *task,
              gpointer             user_data)
{
  AioPeriodicService *self = AIO_PERIODIC_SERVICE (user_data);

  /* The task is private to the service: its data carries the service to
   * service_call_done(), whatever source object the subclass uses. */
  g_task_set_task_data (task, self, NULL);
  AIO_PERIODIC_SERVICE_GET_CLASS (self)->callback_async (self,
                                                         g_task_get_cancellable (task),
                                                         service_call_done,
                                                         g_object_ref (task));
}

static void
aio_periodic_service_start_async (AioService          *service,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  AioPeriodicService *self = AIO_PERIODIC_SERVICE (service);
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, aio_periodic_service_start_async);

  aio_periodic_callback_set_name (priv->periodic, aio_service_get_name (service));
  if (!aio_periodic_callback_start (priv->periodic, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_debug ("Periodic service '%s' started: every %g s, first after %g s",
           aio_service_get_name (service),
           aio_periodic_callback_get_interval (priv->periodic),
           aio_periodic_callback_get_delay (priv->periodic));
  g_task_return_boolean (task, TRUE);
}

static void
periodic_stopped_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!aio_periodic_callback_stop_finish (AIO_PERIODIC_CALLBACK (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_debug ("Periodic service '%s' stopped",
           aio_service_get_name (AIO_SERVICE (g_task_get_source_object (task))));
  g_task_return_boolean (task, TRUE);
}

static void
aio_periodic_service_stop_async (AioService          *service,
                                 const GError        *reason,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  AioPeriodicService *self = AIO_PERIODIC_SERVICE (service);
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aio_periodic_service_stop_async);
  aio_periodic_callback_stop_async (priv->periodic, cancellable, periodic_stopped_cb, task);
}

static void
aio_periodic_service_dispose (GObject *object)
{
  AioPeriodicService *self = AIO_PERIODIC_SERVICE (object);
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  if (priv->periodic != NULL)
    {
      /* Dropped while running: no call may reach the service any more. */
      if (aio_periodic_callback_is_running (priv->periodic))
        aio_periodic_callback_stop_async (priv->periodic, NULL, NULL, NULL);
      g_signal_handlers_disconnect_by_data (priv->periodic, self);
      g_clear_object (&priv->periodic);
    }

  G_OBJECT_CLASS (aio_periodic_service_parent_class)->dispose (object);
}

static void
aio_periodic_service_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  AioPeriodicService *self = AIO_PERIODIC_SERVICE (object);

  switch (prop_id)
    {
    case PROP_INTERVAL:
      g_value_set_double (value, aio_periodic_service_get_interval (self));
      break;

    case PROP_DELAY:
      g_value_set_double (value, aio_periodic_service_get_delay (self));
      break;

    case PROP_SHIELD:
      g_value_set_boolean (value, aio_periodic_service_get_shield (self));
      break;

    case PROP_CLOCK:
      g_value_set_object (value, aio_periodic_service_get_clock (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_periodic_service_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  AioPeriodicService *self = AIO_PERIODIC_SERVICE (object);

  switch (prop_id)
    {
    case PROP_INTERVAL:
      aio_periodic_service_set_interval (self, g_value_get_double (value));
      break;

    case PROP_DELAY:
      aio_periodic_service_set_delay (self, g_value_get_double (value));
      break;

    case PROP_SHIELD:
      aio_periodic_service_set_shield (self, g_value_get_boolean (value));
      break;

    case PROP_CLOCK:
      aio_periodic_service_set_clock (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_periodic_service_class_init (AioPeriodicServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = aio_periodic_service_dispose;
  object_class->get_property = aio_periodic_service_get_property;
  object_class->set_property = aio_periodic_service_set_property;

  service_class->start_async = aio_periodic_service_start_async;
  service_class->stop_async = aio_periodic_service_stop_async;

  klass->callback_async = aio_periodic_service_real_callback_async;
  klass->callback_finish = aio_periodic_service_real_callback_finish;

  /**
   * AioPeriodicService:interval:
   *
   * The seconds between the completion of a call and the start of the
   * next; see [property@Aio.PeriodicCallback:interval]. The start fails
   * with %G_IO_ERROR_INVALID_ARGUMENT unless it is finite and
   * greater than 0. There is no default.
   *
   * Since: 0.1
   */
  properties[PROP_INTERVAL] =
    g_param_spec_double ("interval", NULL, NULL,
                         0, G_MAXDOUBLE, 0, flags);

  /**
   * AioPeriodicService:delay:
   *
   * The seconds from the start of the service to the first call; finite
   * and 0 or more. Read at start.
   *
   * Since: 0.1
   */
  properties[PROP_DELAY] =
    g_param_spec_double ("delay", NULL, NULL,
                         0, G_MAXDOUBLE, 0, flags);

  /**
   * AioPeriodicService:shield:
   *
   * Whether a call in progress may finish when the service stops; without
   * the shield its cancellable is cancelled. Either way the stop waits for
   * the call to complete.
   *
   * Since: 0.1
   */
  properties[PROP_SHIELD] =
    g_param_spec_boolean ("shield", NULL, NULL, FALSE, flags);

  /**
   * AioPeriodicService:clock:
   *
   * The clock the schedule reads and waits on; the system clock unless
   * set. A change takes effect at the next start.
   *
   * Since: 0.1
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL, AIO_TYPE_CLOCK, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_periodic_service_init (AioPeriodicService *self)
{
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  /* The periodic callback does not reference the service: the service
   * stops it before it goes away. */
  priv->periodic = aio_periodic_callback_new (service_call, self, NULL);
  /* Its interval, delay, shield and clock are ours. */
  g_signal_connect (priv->periodic, "notify::interval", G_CALLBACK (_aio_forward_notify_cb), self);
  g_signal_connect (priv->periodic, "notify::delay", G_CALLBACK (_aio_forward_notify_cb), self);
  g_signal_connect (priv->periodic, "notify::shield", G_CALLBACK (_aio_forward_notify_cb), self);
  g_signal_connect (priv->periodic, "notify::clock", G_CALLBACK (_aio_forward_notify_cb), self);
}

/**
 * aio_periodic_service_callback_async: (virtual callback_async)
 * @self: a periodic service
 * @cancellable: (nullable): cancelled when the service stops, unless shielded
 * @callback: (scope async): called when the work is done
 * @user_data: (closure): data for @callback
 *
 * Does the periodic work of the service once. The service calls it on its
 * schedule; subclasses override it.
 *
 * Since: 0.1
 */
void
aio_periodic_service_callback_async (AioPeriodicService  *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (AIO_IS_PERIODIC_SERVICE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  AIO_PERIODIC_SERVICE_GET_CLASS (self)->callback_async (self, cancellable, callback, user_data);
}

/**
 * aio_periodic_service_callback_finish: (virtual callback_finish)
 * @self: a periodic service
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.PeriodicService.callback_async].
 *
 * Returns: %TRUE if the work succeeded
 *
 * Since: 0.1
 */
gboolean
aio_periodic_service_callback_finish (AioPeriodicService  *self,
                                      GAsyncResult        *result,
                                      GError             **error)
{
  g_return_val_if_fail (AIO_IS_PERIODIC_SERVICE (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return AIO_PERIODIC_SERVICE_GET_CLASS (self)->callback_finish (self, result, error);
}

/**
 * aio_periodic_service_get_interval:
 * @self: a periodic service
 *
 * Gets [property@Aio.PeriodicService:interval].
 *
 * Returns: the interval, in seconds
 *
 * Since: 0.1
 */
double
aio_periodic_service_get_interval (AioPeriodicService *self)
{
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PERIODIC_SERVICE (self), 0);

  return aio_periodic_callback_get_interval (priv->periodic);
}

/**
 * aio_periodic_service_set_interval:
 * @self: a periodic service
 * @interval: the seconds between a completion and the next call
 *
 * Sets [property@Aio.PeriodicService:interval]. Out of range values are
 * reported by the start of the service; while it runs, they are ignored
 * with a warning.
 *
 * Since: 0.1
 */
void
aio_periodic_service_set_interval (AioPeriodicService *self,
                                   double              interval)
{
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_PERIODIC_SERVICE (self));

  aio_periodic_callback_set_interval (priv->periodic, interval);
}

/**
 * aio_periodic_service_get_delay:
 * @self: a periodic service
 *
 * Gets [property@Aio.PeriodicService:delay].
 *
 * Returns: the delay before the first call, in seconds
 *
 * Since: 0.1
 */
double
aio_periodic_service_get_delay (AioPeriodicService *self)
{
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PERIODIC_SERVICE (self), 0);

  return aio_periodic_callback_get_delay (priv->periodic);
}

/**
 * aio_periodic_service_set_delay:
 * @self: a periodic service
 * @delay: the seconds from the start to the first call
 *
 * Sets [property@Aio.PeriodicService:delay]; it applies at the next start.
 *
 * Since: 0.1
 */
void
aio_periodic_service_set_delay (AioPeriodicService *self,
                                double              delay)
{
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_PERIODIC_SERVICE (self));

  aio_periodic_callback_set_delay (priv->periodic, delay);
}

/**
 * aio_periodic_service_get_shield:
 * @self: a periodic service
 *
 * Gets [property@Aio.PeriodicService:shield].
 *
 * Returns: whether a call in progress may finish on stop
 *
 * Since: 0.1
 */
gboolean
aio_periodic_service_get_shield (AioPeriodicService *self)
{
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PERIODIC_SERVICE (self), FALSE);

  return aio_periodic_callback_get_shield (priv->periodic);
}

/**
 * aio_periodic_service_set_shield:
 * @self: a periodic service
 * @shield: whether a call in progress may finish on stop
 *
 * Sets [property@Aio.PeriodicService:shield].
 *
 * Since: 0.1
 */
void
aio_periodic_service_set_shield (AioPeriodicService *self,
                                 gboolean            shield)
{
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_PERIODIC_SERVICE (self));

  aio_periodic_callback_set_shield (priv->periodic, shield);
}

/**
 * aio_periodic_service_get_clock:
 * @self: a periodic service
 *
 * Gets [property@Aio.PeriodicService:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.1
 */
AioClock *
aio_periodic_service_get_clock (AioPeriodicService *self)
{
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PERIODIC_SERVICE (self), NULL);

  return aio_periodic_callback_get_clock (priv->periodic);
}

/**
 * aio_periodic_service_set_clock:
 * @self: a periodic service
 * @clock: (nullable): the clock, or %NULL for the system clock
 *
 * Sets [property@Aio.PeriodicService:clock]; it takes effect at the next
 * start.
 *
 * Since: 0.1
 */
void
aio_periodic_service_set_clock (AioPeriodicService *self,
                                AioClock           *clock)
{
  AioPeriodicServicePrivate *priv = aio_periodic_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_PERIODIC_SERVICE (self));
  g_return_if_fail (clock == NULL || AIO_IS_CLOCK (clock));

  aio_periodic_callback_set_clock (priv->periodic, clock);
}
