/* aio-respawning-process-service.c: a process service that restarts its child
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-backoff-private.h"
#include "aio-process-service-private.h"
#include "aio-statistics-private.h"
#include "aio-task-private.h"

/**
 * AioRespawningProcessService:
 *
 * An [class@Aio.ProcessService] that restarts its child whenever it exits
 * while the service runs (aiomisc's `RespawningProcessService`, without
 * its polling: the exit is an event).
 *
 * The child is restarted at once, or after a pause computed by
 * [property@Aio.RespawningProcessService:backoff] (its `pause`,
 * `exponent`, `max-pause` and `jitter`, growing with the number of exits
 * within [property@Aio.RespawningProcessService:restart-interval]). A child
 * that crash-loops makes the service fail: once it has exited
 * [property@Aio.RespawningProcessService:restart-limit] times within
 * [property@Aio.RespawningProcessService:restart-interval] seconds, it is
 * not restarted and the service fails at runtime with
 * %AIO_ERROR_SERVICE_FAILED (see [signal@Aio.Service::failed]), as
 * systemd's `StartLimitBurst=` and
 * `StartLimitIntervalSec=` do.
 *
 * Restarts are counted in [property@Aio.RespawningProcessService:restarts]
 * and in the statistics (group `process`, counter `restarts`, see
 * [func@Aio.statistics_get]).
 *
 * Since: 0.2
 */

#define DEFAULT_RESTART_LIMIT 5
#define DEFAULT_RESTART_INTERVAL 10.0

typedef struct
{
  guint       restart_limit;
  double      restart_interval;
  AioBackoff *backoff;
  guint       restarts;
  GRand      *rand;
} AioRespawningProcessServicePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (AioRespawningProcessService, aio_respawning_process_service,
                            AIO_TYPE_PROCESS_SERVICE)

enum {
  PROP_0,
  PROP_RESTART_LIMIT,
  PROP_RESTART_INTERVAL,
  PROP_BACKOFF,
  PROP_RESTARTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One run of the service, from start to stop or failure. */
typedef struct
{
  AioClock *clock;
  GQueue    exits;        /* gint64 monotonic times of the recent exits, oldest first */
  GSource  *pause_timer;
  GSource  *pause_cancel;
} Run;

static void
run_clear_pause (Run *run)
{
  _aio_source_clear (&run->pause_timer);
  _aio_source_clear (&run->pause_cancel);
}

static void
run_free (Run *run)
{
  run_clear_pause (run);
  g_queue_clear_full (&run->exits, g_free);
  g_clear_object (&run->clock);
  g_free (run);
}

static void respawn_waited_cb (GObject *object, GAsyncResult *result, gpointer user_data);

/* Takes @task: runs a child and waits for it. */
static void
respawn_spawn (GTask    *task,
               gboolean  restart)
{
  AioRespawningProcessService *self = g_task_get_source_object (task);
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);
  g_autoptr(GSubprocess) child = NULL;
  GError *error = NULL;

  child = _aio_process_service_spawn (AIO_PROCESS_SERVICE (self), &error);
  if (child == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (restart)
    {
      priv->restarts++;
      aio_statistics_add (AIO_STAT_PROCESS, AIO_STAT_RESTARTS, 1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTARTS]);
    }
  else
    aio_service_set_ready (AIO_SERVICE (self));

  _aio_process_service_wait_async (AIO_PROCESS_SERVICE (self), child,
                                   g_task_get_cancellable (task),
                                   respawn_waited_cb, task);
}

static gboolean
respawn_pause_done_cb (gpointer data)
{
  GTask *task = data;

  run_clear_pause (g_task_get_task_data (task));
  respawn_spawn (task, TRUE);

  return G_SOURCE_REMOVE;
}

static gboolean
respawn_pause_cancelled_cb (GCancellable *cancellable,
                            gpointer      data)
{
  GTask *task = data;

  run_clear_pause (g_task_get_task_data (task));
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);

  return G_SOURCE_REMOVE;
}

static double
respawn_compute_pause (AioRespawningProcessService *self,
                       guint                        recent_exits)
{
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);
  AioBackoff *backoff = priv->backoff;

  if (backoff == NULL)
    return 0;

  return _aio_backoff_compute_pause (aio_backoff_get_pause (backoff),
                                     aio_backoff_get_exponent (backoff),
                                     aio_backoff_get_max_pause (backoff),
                                     recent_exits,
                                     aio_backoff_get_jitter (backoff) ? priv->rand : NULL);
}

static void
respawn_waited_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  AioRespawningProcessService *self = AIO_RESPAWNING_PROCESS_SERVICE (object);
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);
  const char *name = aio_service_get_name (AIO_SERVICE (self));
  GCancellable *cancellable = g_task_get_cancellable (task);
  Run *run = g_task_get_task_data (task);
  g_autofree char *how = NULL;
  gint64 now, window;
  double pause;

  _aio_process_service_wait_finish (AIO_PROCESS_SERVICE (self), result);

  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  how = _aio_process_service_describe_exit (AIO_PROCESS_SERVICE (self));

  /* The crash-loop window: the exits of the last restart-interval seconds. */
  now = aio_clock_get_monotonic_time (run->clock);
  window = _aio_seconds_to_usec (priv->restart_interval);
  g_queue_push_tail (&run->exits, g_memdup2 (&now, sizeof now));
  while (!g_queue_is_empty (&run->exits) &&
         *(gint64 *) g_queue_peek_head (&run->exits) < now - window)
    g_free (g_queue_pop_head (&run->exits));

  if (priv->restart_limit > 0 && run->exits.length >= priv->restart_limit)
    {
      g_task_return_new_error (task, AIO_ERROR, AIO_ERROR_SERVICE_FAILED,
                               "Process service '%s': %s; %u exits within %g s reach "
                               "the restart-limit of %u: not restarting it",
                               name, how, run->exits.length,
                               priv->restart_interval, priv->restart_limit);
      g_object_unref (task);
      return;
    }

  pause = respawn_compute_pause (self, run->exits.length);
  g_message ("Process service '%s': %s; restarting it%s", name, how,
             pause > 0 ? " after a pause" : "");

  if (pause <= 0)
    {
      respawn_spawn (task, TRUE);
      return;
    }

  g_debug ("Process service '%s': restarting in %g s", name, pause);
  run->pause_timer = _aio_clock_timer_new (run->clock, _aio_seconds_to_usec (pause),
                                           respawn_pause_done_cb, task,
                                           g_task_get_context (task));
  run->pause_cancel = g_cancellable_source_new (cancellable);
  g_source_set_callback (run->pause_cancel, G_SOURCE_FUNC (respawn_pause_cancelled_cb), task, NULL);
  g_source_attach (run->pause_cancel, g_task_get_context (task));
}

static void
aio_respawning_process_service_start_async (AioService          *service,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  AioRespawningProcessService *self = AIO_RESPAWNING_PROCESS_SERVICE (service);
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Run *run = g_new0 (Run, 1);

  g_task_set_source_tag (task, aio_respawning_process_service_start_async);
  g_task_set_check_cancellable (task, FALSE);
  g_queue_init (&run->exits);
  run->clock = g_object_ref (priv->backoff != NULL ? aio_backoff_get_clock (priv->backoff)
                                                   : aio_clock_get_default ());
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  respawn_spawn (task, FALSE);
}

static void
aio_respawning_process_service_finalize (GObject *object)
{
  AioRespawningProcessService *self = AIO_RESPAWNING_PROCESS_SERVICE (object);
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  g_clear_object (&priv->backoff);
  g_clear_pointer (&priv->rand, g_rand_free);

  G_OBJECT_CLASS (aio_respawning_process_service_parent_class)->finalize (object);
}

static void
aio_respawning_process_service_get_property (GObject    *object,
                                             guint       prop_id,
                                             GValue     *value,
                                             GParamSpec *pspec)
{
  AioRespawningProcessService *self = AIO_RESPAWNING_PROCESS_SERVICE (object);
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_RESTART_LIMIT:
      g_value_set_uint (value, priv->restart_limit);
      break;
    case PROP_RESTART_INTERVAL:
      g_value_set_double (value, priv->restart_interval);
      break;
    case PROP_BACKOFF:
      g_value_set_object (value, priv->backoff);
      break;
    case PROP_RESTARTS:
      g_value_set_uint (value, priv->restarts);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_respawning_process_service_set_property (GObject      *object,
                                             guint         prop_id,
                                             const GValue *value,
                                             GParamSpec   *pspec)
{
  AioRespawningProcessService *self = AIO_RESPAWNING_PROCESS_SERVICE (object);

  switch (prop_id)
    {
    case PROP_RESTART_LIMIT:
      aio_respawning_process_service_set_restart_limit (self, g_value_get_uint (value));
      break;
    case PROP_RESTART_INTERVAL:
      aio_respawning_process_service_set_restart_interval (self, g_value_get_double (value));
      break;
    case PROP_BACKOFF:
      aio_respawning_process_service_set_backoff (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_respawning_process_service_class_init (AioRespawningProcessServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);

  object_class->finalize = aio_respawning_process_service_finalize;
  object_class->get_property = aio_respawning_process_service_get_property;
  object_class->set_property = aio_respawning_process_service_set_property;

  service_class->start_async = aio_respawning_process_service_start_async;

  /**
   * AioRespawningProcessService:restart-limit:
   *
   * How many exits within
   * [property@Aio.RespawningProcessService:restart-interval] make the
   * service fail instead of restarting the child; 0 restarts for ever.
   *
   * Since: 0.2
   */
  properties[PROP_RESTART_LIMIT] =
    g_param_spec_uint ("restart-limit", NULL, NULL,
                       0, G_MAXUINT, DEFAULT_RESTART_LIMIT,
                       (G_PARAM_READWRITE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * AioRespawningProcessService:restart-interval:
   *
   * The window, in seconds, in which
   * [property@Aio.RespawningProcessService:restart-limit] exits make the
   * service fail; exits further back are forgotten.
   *
   * Since: 0.2
   */
  properties[PROP_RESTART_INTERVAL] =
    g_param_spec_double ("restart-interval", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_RESTART_INTERVAL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioRespawningProcessService:backoff:
   *
   * Where the pause before a restart comes from: the `pause`, `exponent`,
   * `max-pause`, `jitter` and `clock` of the backoff, the exponent applied
   * to the number of exits within
   * [property@Aio.RespawningProcessService:restart-interval]. %NULL (the
   * default) restarts at once.
   *
   * Since: 0.2
   */
  properties[PROP_BACKOFF] =
    g_param_spec_object ("backoff", NULL, NULL,
                         AIO_TYPE_BACKOFF,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioRespawningProcessService:restarts:
   *
   * How many times the child was restarted since the service was created.
   *
   * Since: 0.2
   */
  properties[PROP_RESTARTS] =
    g_param_spec_uint ("restarts", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_respawning_process_service_init (AioRespawningProcessService *self)
{
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  priv->restart_limit = DEFAULT_RESTART_LIMIT;
  priv->restart_interval = DEFAULT_RESTART_INTERVAL;
  priv->rand = g_rand_new ();
}

/**
 * aio_respawning_process_service_new:
 * @argv: (array zero-terminated=1): the program and its arguments
 *
 * Creates a service that runs @argv and restarts it when it exits.
 *
 * Returns: (transfer full): a new #AioRespawningProcessService
 *
 * Since: 0.2
 */
AioRespawningProcessService *
aio_respawning_process_service_new (const char * const *argv)
{
  return g_object_new (AIO_TYPE_RESPAWNING_PROCESS_SERVICE, "argv", argv, NULL);
}

/**
 * aio_respawning_process_service_get_restart_limit:
 * @self: a respawning process service
 *
 * Gets [property@Aio.RespawningProcessService:restart-limit].
 *
 * Returns: the exits within the interval that make the service fail
 *
 * Since: 0.2
 */
guint
aio_respawning_process_service_get_restart_limit (AioRespawningProcessService *self)
{
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_RESPAWNING_PROCESS_SERVICE (self), 0);

  return priv->restart_limit;
}

/**
 * aio_respawning_process_service_set_restart_limit:
 * @self: a respawning process service
 * @restart_limit: exits within the interval that make the service fail, 0
 *   for no limit
 *
 * Sets [property@Aio.RespawningProcessService:restart-limit].
 *
 * Since: 0.2
 */
void
aio_respawning_process_service_set_restart_limit (AioRespawningProcessService *self,
                                                  guint                        restart_limit)
{
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_RESPAWNING_PROCESS_SERVICE (self));

  if (priv->restart_limit == restart_limit)
    return;
  priv->restart_limit = restart_limit;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTART_LIMIT]);
}

/**
 * aio_respawning_process_service_get_restart_interval:
 * @self: a respawning process service
 *
 * Gets [property@Aio.RespawningProcessService:restart-interval].
 *
 * Returns: the crash-loop window in seconds
 *
 * Since: 0.2
 */
double
aio_respawning_process_service_get_restart_interval (AioRespawningProcessService *self)
{
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_RESPAWNING_PROCESS_SERVICE (self), 0);

  return priv->restart_interval;
}

/**
 * aio_respawning_process_service_set_restart_interval:
 * @self: a respawning process service
 * @restart_interval: the crash-loop window in seconds, 0 or more
 *
 * Sets [property@Aio.RespawningProcessService:restart-interval].
 *
 * Since: 0.2
 */
void
aio_respawning_process_service_set_restart_interval (AioRespawningProcessService *self,
                                                     double                       restart_interval)
{
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_RESPAWNING_PROCESS_SERVICE (self));
  g_return_if_fail (restart_interval >= 0);

  if (priv->restart_interval == restart_interval)
    return;
  priv->restart_interval = restart_interval;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESTART_INTERVAL]);
}

/**
 * aio_respawning_process_service_get_backoff:
 * @self: a respawning process service
 *
 * Gets [property@Aio.RespawningProcessService:backoff].
 *
 * Returns: (transfer none) (nullable): the backoff of the restart pauses
 *
 * Since: 0.2
 */
AioBackoff *
aio_respawning_process_service_get_backoff (AioRespawningProcessService *self)
{
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_RESPAWNING_PROCESS_SERVICE (self), NULL);

  return priv->backoff;
}

/**
 * aio_respawning_process_service_set_backoff:
 * @self: a respawning process service
 * @backoff: (nullable): the backoff of the restart pauses, %NULL to restart
 *   at once
 *
 * Sets [property@Aio.RespawningProcessService:backoff].
 *
 * Since: 0.2
 */
void
aio_respawning_process_service_set_backoff (AioRespawningProcessService *self,
                                            AioBackoff                  *backoff)
{
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_RESPAWNING_PROCESS_SERVICE (self));
  g_return_if_fail (backoff == NULL || AIO_IS_BACKOFF (backoff));

  if (g_set_object (&priv->backoff, backoff))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKOFF]);
}

/**
 * aio_respawning_process_service_get_restarts:
 * @self: a respawning process service
 *
 * Gets [property@Aio.RespawningProcessService:restarts].
 *
 * Returns: how many times the child was restarted
 *
 * Since: 0.2
 */
guint
aio_respawning_process_service_get_restarts (AioRespawningProcessService *self)
{
  AioRespawningProcessServicePrivate *priv = aio_respawning_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_RESPAWNING_PROCESS_SERVICE (self), 0);

  return priv->restarts;
}
