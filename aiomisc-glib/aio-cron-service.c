/* aio-cron-service.c: a service that runs functions on cron schedules
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

/**
 * AioCronService:
 *
 * A service that runs several [class@Aio.CronCallback]s, after aiomisc's
 * `CronService`: they start when the service starts and stop when it stops.
 *
 * [method@Aio.CronService.register] adds a function with a cron expression;
 * the callbacks it makes follow [property@Aio.CronService:clock] and
 * [property@Aio.CronService:time-zone] (UTC by default).
 * [method@Aio.CronService.add_callback] adds a callback configured by hand,
 * which keeps its own clock, time zone and shield. Callbacks added while the
 * service runs start at once.
 *
 * Stopping the service stops every callback concurrently: a run in progress
 * is cancelled, unless its callback has [property@Aio.CronCallback:shield]
 * set, and the stop completes once every run has completed.
 *
 * Since: 0.1
 */

typedef struct
{
  AioCronCallback *callback;
  gboolean         follows_service;  /* made by register: takes our clock and zone */
} Registration;

struct _AioCronService
{
  AioService  parent_instance;

  GPtrArray  *registrations;   /* Registration* */
  AioClock   *clock;
  GTimeZone  *time_zone;
  gboolean    active;          /* between the start and stop vfuncs */
};

G_DEFINE_FINAL_TYPE (AioCronService, aio_cron_service, AIO_TYPE_SERVICE)

enum {
  PROP_0,
  PROP_CLOCK,
  PROP_TIME_ZONE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
registration_free (gpointer data)
{
  Registration *reg = data;

  g_clear_object (&reg->callback);
  g_free (reg);
}

static void
aio_cron_service_start_async (AioService          *service,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AioCronService *self = AIO_CRON_SERVICE (service);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aio_cron_service_start_async);

  for (guint i = 0; i < self->registrations->len; i++)
    {
      Registration *reg = g_ptr_array_index (self->registrations, i);
      GError *error = NULL;

      if (!aio_cron_callback_start (reg->callback, &error))
        {
          /* Undo: the ones started so far have no run yet. */
          for (guint j = 0; j < i; j++)
            {
              Registration *started = g_ptr_array_index (self->registrations, j);

              aio_cron_callback_stop_async (started->callback, NULL, NULL, NULL);
            }
          g_prefix_error (&error, "Cron service '%s' cannot start: ",
                          aio_service_get_name (service));
          g_task_return_error (task, error);
          return;
        }
    }

  self->active = TRUE;
  g_debug ("Cron service '%s' started %u callbacks",
           aio_service_get_name (service), self->registrations->len);
  g_task_return_boolean (task, TRUE);
}

typedef struct
{
  guint pending;
} StopData;

static void
aio_cron_service_stop_done (GTask *task)
{
  StopData *data = g_task_get_task_data (task);

  if (--data->pending == 0)
    g_task_return_boolean (task, TRUE);
}

static void
aio_cron_service_callback_stopped_cb (GObject      *object,
                                      GAsyncResult *result,
                                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!aio_cron_callback_stop_finish (AIO_CRON_CALLBACK (object), result, &error))
    g_debug ("Cron callback '%s' stop: %s",
             aio_cron_callback_get_name (AIO_CRON_CALLBACK (object)), error->message);
  aio_cron_service_stop_done (task);
}

static void
aio_cron_service_stop_async (AioService          *service,
                             const GError        *reason,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  AioCronService *self = AIO_CRON_SERVICE (service);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  StopData *data = g_new0 (StopData, 1);

  g_task_set_source_tag (task, aio_cron_service_stop_async);
  g_task_set_task_data (task, data, g_free);

  self->active = FALSE;
  data->pending = 1;
  for (guint i = 0; i < self->registrations->len; i++)
    {
      Registration *reg = g_ptr_array_index (self->registrations, i);

      data->pending++;
      aio_cron_callback_stop_async (reg->callback, NULL,
                                    aio_cron_service_callback_stopped_cb,
                                    g_object_ref (task));
    }

  aio_cron_service_stop_done (task);
}

static void
aio_cron_service_dispose (GObject *object)
{
  AioCronService *self = AIO_CRON_SERVICE (object);

  g_ptr_array_set_size (self->registrations, 0);

  G_OBJECT_CLASS (aio_cron_service_parent_class)->dispose (object);
}

static void
aio_cron_service_finalize (GObject *object)
{
  AioCronService *self = AIO_CRON_SERVICE (object);

  g_clear_pointer (&self->registrations, g_ptr_array_unref);
  g_clear_object (&self->clock);
  g_clear_pointer (&self->time_zone, g_time_zone_unref);

  G_OBJECT_CLASS (aio_cron_service_parent_class)->finalize (object);
}

static void
aio_cron_service_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AioCronService *self = AIO_CRON_SERVICE (object);

  switch (prop_id)
    {
    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;

    case PROP_TIME_ZONE:
      g_value_set_boxed (value, self->time_zone);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_cron_service_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  AioCronService *self = AIO_CRON_SERVICE (object);

  switch (prop_id)
    {
    case PROP_CLOCK:
      aio_cron_service_set_clock (self, g_value_get_object (value));
      break;

    case PROP_TIME_ZONE:
      aio_cron_service_set_time_zone (self, g_value_get_boxed (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_cron_service_class_init (AioCronServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);

  object_class->dispose = aio_cron_service_dispose;
  object_class->finalize = aio_cron_service_finalize;
  object_class->get_property = aio_cron_service_get_property;
  object_class->set_property = aio_cron_service_set_property;

  service_class->start_async = aio_cron_service_start_async;
  service_class->stop_async = aio_cron_service_stop_async;

  /**
   * AioCronService:clock:
   *
   * The clock of the callbacks made by [method@Aio.CronService.register];
   * setting %NULL restores the default, [func@Aio.Clock.get_default].
   *
   * Since: 0.1
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL,
                         AIO_TYPE_CLOCK,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioCronService:time-zone:
   *
   * The time zone of the callbacks made by [method@Aio.CronService.register];
   * setting %NULL restores the default, UTC.
   *
   * Since: 0.1
   */
  properties[PROP_TIME_ZONE] =
    g_param_spec_boxed ("time-zone", NULL, NULL,
                        G_TYPE_TIME_ZONE,
                        (G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_cron_service_init (AioCronService *self)
{
  self->registrations = g_ptr_array_new_with_free_func (registration_free);
}

/**
 * aio_cron_service_new:
 *
 * Creates a cron service with no callback.
 *
 * Returns: (transfer full): a new service
 *
 * Since: 0.1
 */
AioCronService *
aio_cron_service_new (void)
{
  return g_object_new (AIO_TYPE_CRON_SERVICE, NULL);
}

static gboolean
aio_cron_service_add (AioCronService   *self,
                      AioCronCallback  *callback,
                      gboolean          follows_service,
                      GError          **error)
{
  Registration *reg;

  for (guint i = 0; i < self->registrations->len; i++)
    {
      reg = g_ptr_array_index (self->registrations, i);
      if (reg->callback == callback)
        return TRUE;
    }

  if (self->active && !aio_cron_callback_start (callback, error))
    {
      g_prefix_error (error, "Cron service '%s': ",
                      aio_service_get_name (AIO_SERVICE (self)));
      return FALSE;
    }

  reg = g_new0 (Registration, 1);
  reg->callback = g_object_ref (callback);
  reg->follows_service = follows_service;
  g_ptr_array_add (self->registrations, reg);

  return TRUE;
}

/**
 * aio_cron_service_register:
 * @self: a cron service
 * @expression: a cron expression, see [struct@Aio.Cron]
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the callback is finalized
 * @error: return location for a #GError
 *
 * Adds a job that runs at each time of @expression while the service runs
 * (at once if it runs already). The callback made for it follows the
 * service's clock and time zone; it is returned to tune it further (its
 * name, its shield).
 *
 * Fails with %AIO_ERROR_CRON_PARSE if @expression is not valid; @destroy is
 * then called on @user_data at once.
 *
 * Returns: (transfer none) (nullable): the callback, owned by the service,
 *   or %NULL with @error set
 *
 * Since: 0.1
 */
AioCronCallback *
aio_cron_service_register (AioCronService  *self,
                           const char      *expression,
                           AioCronFunc      func,
                           gpointer         user_data,
                           GDestroyNotify   destroy,
                           GError         **error)
{
  g_autoptr(AioCron) cron = NULL;
  g_autoptr(AioCronCallback) callback = NULL;

  g_return_val_if_fail (AIO_IS_CRON_SERVICE (self), NULL);
  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  cron = aio_cron_new (expression, error);
  if (cron == NULL)
    {
      if (destroy != NULL)
        destroy (user_data);
      return NULL;
    }

  callback = aio_cron_callback_new (cron, func, user_data, destroy);
  aio_cron_callback_set_clock (callback, self->clock);
  aio_cron_callback_set_time_zone (callback, self->time_zone);

  if (!aio_cron_service_add (self, callback, TRUE, error))
    return NULL;

  return callback;
}

/**
 * aio_cron_service_add_callback:
 * @self: a cron service
 * @callback: a cron callback, not running
 * @error: return location for a #GError
 *
 * Adds a callback configured by hand; it keeps its own clock, time zone and
 * shield. It starts and stops with the service (at once if the service
 * runs). Adding a callback twice has no effect.
 *
 * Fails with %G_IO_ERROR_BUSY if the service runs and @callback runs
 * already.
 *
 * Returns: %TRUE if @callback was added
 *
 * Since: 0.1
 */
gboolean
aio_cron_service_add_callback (AioCronService   *self,
                               AioCronCallback  *callback,
                               GError          **error)
{
  g_return_val_if_fail (AIO_IS_CRON_SERVICE (self), FALSE);
  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (callback), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return aio_cron_service_add (self, callback, FALSE, error);
}

/**
 * aio_cron_service_dup_callbacks:
 * @self: a cron service
 *
 * Gets the callbacks of the service.
 *
 * Returns: (transfer container) (element-type AioCronCallback): the
 *   callbacks, in the order they were added
 *
 * Since: 0.1
 */
GPtrArray *
aio_cron_service_dup_callbacks (AioCronService *self)
{
  GPtrArray *ret;

  g_return_val_if_fail (AIO_IS_CRON_SERVICE (self), NULL);

  ret = g_ptr_array_new_full (self->registrations->len, g_object_unref);
  for (guint i = 0; i < self->registrations->len; i++)
    {
      Registration *reg = g_ptr_array_index (self->registrations, i);

      g_ptr_array_add (ret, g_object_ref (reg->callback));
    }

  return ret;
}

/**
 * aio_cron_service_get_clock:
 * @self: a cron service
 *
 * Gets [property@Aio.CronService:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.1
 */
AioClock *
aio_cron_service_get_clock (AioCronService *self)
{
  g_return_val_if_fail (AIO_IS_CRON_SERVICE (self), NULL);

  return self->clock;
}

/**
 * aio_cron_service_set_clock:
 * @self: a cron service
 * @clock: (nullable): the clock, or %NULL for the system's
 *
 * Sets [property@Aio.CronService:clock], and the clock of every callback
 * made by [method@Aio.CronService.register].
 *
 * Since: 0.1
 */
void
aio_cron_service_set_clock (AioCronService *self,
                            AioClock       *clock)
{
  g_return_if_fail (AIO_IS_CRON_SERVICE (self));
  g_return_if_fail (clock == NULL || AIO_IS_CLOCK (clock));

  if (clock == NULL)
    clock = aio_clock_get_default ();

  if (!g_set_object (&self->clock, clock))
    return;

  for (guint i = 0; i < self->registrations->len; i++)
    {
      Registration *reg = g_ptr_array_index (self->registrations, i);

      if (reg->follows_service)
        aio_cron_callback_set_clock (reg->callback, clock);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK]);
}

/**
 * aio_cron_service_get_time_zone:
 * @self: a cron service
 *
 * Gets [property@Aio.CronService:time-zone].
 *
 * Returns: (transfer none): the time zone
 *
 * Since: 0.1
 */
GTimeZone *
aio_cron_service_get_time_zone (AioCronService *self)
{
  g_return_val_if_fail (AIO_IS_CRON_SERVICE (self), NULL);

  return self->time_zone;
}

/**
 * aio_cron_service_set_time_zone:
 * @self: a cron service
 * @time_zone: (nullable): the time zone, or %NULL for UTC
 *
 * Sets [property@Aio.CronService:time-zone], and the time zone of every
 * callback made by [method@Aio.CronService.register].
 *
 * Since: 0.1
 */
void
aio_cron_service_set_time_zone (AioCronService *self,
                                GTimeZone      *time_zone)
{
  g_return_if_fail (AIO_IS_CRON_SERVICE (self));

  if (time_zone != NULL && time_zone == self->time_zone)
    return;

  g_clear_pointer (&self->time_zone, g_time_zone_unref);
  self->time_zone = time_zone ? g_time_zone_ref (time_zone) : g_time_zone_new_utc ();

  for (guint i = 0; i < self->registrations->len; i++)
    {
      Registration *reg = g_ptr_array_index (self->registrations, i);

      if (reg->follows_service)
        aio_cron_callback_set_time_zone (reg->callback, self->time_zone);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME_ZONE]);
}
