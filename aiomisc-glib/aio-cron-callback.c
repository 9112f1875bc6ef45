/* aio-cron-callback.c: runs a function on a cron schedule
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-statistics-private.h"

/**
 * AioCronCallback:
 *
 * Runs an [callback@Aio.CronFunc] at each time of an [struct@Aio.Cron]
 * schedule, after aiomisc's `CronCallback`.
 *
 * [method@Aio.CronCallback.start] starts the schedule on the thread-default
 * main context; [method@Aio.CronCallback.stop_async] stops it. The times are
 * those of the wall clock of [property@Aio.CronCallback:time-zone] (UTC by
 * default, as in aiomisc), read from [property@Aio.CronCallback:clock].
 *
 * After each fire the next time is computed afresh from the clock's
 * wall-clock time, and waited for with a monotonic timeout of the clock;
 * waits are at most a minute long and re-read the wall clock when they end,
 * so that a suspend or a clock step does not make the schedule drift. When
 * several times were missed (the machine slept through them) the callback
 * fires once, not once per missed time. A clock stepped back by up to three
 * hours does not make times that already fired fire again.
 *
 * Runs never overlap: a time that comes while the previous run is still
 * going is skipped with a warning (and counted as `skipped`). A run that
 * fails is logged with the name of the callback and counted in `errors`; the
 * schedule goes on. The counters, in the `"cron"` group of
 * [func@Aio.statistics_get], are `calls`, `done`, `errors`, `skipped` and
 * `sum_time` (seconds spent in runs).
 *
 * Stopping cancels the #GCancellable of the running run, unless
 * [property@Aio.CronCallback:shield] is set, and completes once that run
 * has completed.
 *
 * Since: 0.1
 */

/* The longest single wait: the wall clock is read again at least this
 * often, which bounds how late a fire is after a suspend. */
#define MAX_WAIT (60 * G_TIME_SPAN_SECOND)
/* A clock stepped back by up to this much does not repeat fired times. */
#define MAX_STEP_BACK (3 * 3600)

struct _AioCronCallback
{
  GObject         parent_instance;

  AioCron        *cron;
  AioCronFunc     func;
  gpointer        func_data;
  GDestroyNotify  func_destroy;
  char           *name;
  AioClock       *clock;
  GTimeZone      *time_zone;
  gboolean        shield;

  /* While started. */
  gboolean        running;
  GMainContext   *context;
  GCancellable   *cancellable;
  GSource        *timeout;
  gint64          next_fire;       /* Unix seconds, valid if has_next */
  gint64          last_fire;       /* Unix seconds, valid if has_last */
  gboolean        has_next;
  gboolean        has_last;

  /* The run in progress, and stop operations waiting for it. */
  GTask          *run;
  gint64          run_started;
  GPtrArray      *stop_tasks;
};

G_DEFINE_FINAL_TYPE (AioCronCallback, aio_cron_callback, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CRON,
  PROP_NAME,
  PROP_CLOCK,
  PROP_TIME_ZONE,
  PROP_SHIELD,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void aio_cron_callback_schedule (AioCronCallback *self);

static gint64
floor_seconds (gint64 usec)
{
  return usec >= 0 ? usec / G_TIME_SPAN_SECOND : -((-usec + G_TIME_SPAN_SECOND - 1) / G_TIME_SPAN_SECOND);
}

static void
aio_cron_callback_cancel_timeout (AioCronCallback *self)
{
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }
}

static void
aio_cron_callback_finish_stop (AioCronCallback *self)
{
  g_autoptr(GPtrArray) tasks = NULL;

  if (self->running || self->run != NULL)
    return;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);

  tasks = g_steal_pointer (&self->stop_tasks);
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

static void
aio_cron_callback_run_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  AioCronCallback *self = AIO_CRON_CALLBACK (object);
  g_autoptr(GObject) keep = g_object_ref (object);
  g_autoptr(GTask) run = g_steal_pointer (&self->run);
  g_autoptr(GError) error = NULL;
  gint64 elapsed;

  g_assert (run == G_TASK (result));

  elapsed = aio_clock_get_monotonic_time (self->clock) - self->run_started;
  _aio_statistics_add_sum_time (AIO_STAT_CRON, elapsed);

  if (g_task_propagate_boolean (run, &error))
    {
      aio_statistics_add (AIO_STAT_CRON, AIO_STAT_DONE, 1);
    }
  else if (error != NULL &&
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
           g_cancellable_is_cancelled (g_task_get_cancellable (run)))
    {
      g_debug ("Cron callback '%s' was cancelled by stop",
               aio_cron_callback_get_name (self));
    }
  else
    {
      aio_statistics_add (AIO_STAT_CRON, AIO_STAT_ERRORS, 1);
      g_warning ("Cron callback '%s' failed: %s",
                 aio_cron_callback_get_name (self),
                 error != NULL ? error->message : "it returned FALSE without an error");
    }

  if (!self->running)
    aio_cron_callback_finish_stop (self);
}

static void
aio_cron_callback_fire (AioCronCallback *self,
                        gint64           when)
{
  g_autoptr(GTask) task = NULL;

  self->last_fire = when;
  self->has_last = TRUE;

  if (self->run != NULL)
    {
      aio_statistics_add (AIO_STAT_CRON, AIO_STAT_SKIPPED, 1);
      g_warning ("Cron callback '%s' is still running: skipping this run",
                 aio_cron_callback_get_name (self));
      return;
    }

  g_debug ("Cron callback '%s' fires", aio_cron_callback_get_name (self));
  aio_statistics_add (AIO_STAT_CRON, AIO_STAT_CALLS, 1);

  task = g_task_new (self, self->cancellable, aio_cron_callback_run_cb, NULL);
  g_task_set_source_tag (task, aio_cron_callback_fire);
  g_task_set_name (task, "[aiomisc-glib] cron run");
  /* The job says how it ended, even if stop cancelled it meanwhile. */
  g_task_set_check_cancellable (task, FALSE);
  self->run = g_object_ref (task);
  self->run_started = aio_clock_get_monotonic_time (self->clock);

  if (self->func != NULL)
    self->func (self, task, self->func_data);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
aio_cron_callback_timeout_cb (gpointer data)
{
  g_autoptr(AioCronCallback) self = g_object_ref (data);
  gint64 now;

  g_clear_pointer (&self->timeout, g_source_unref);
  if (!self->running)
    return G_SOURCE_REMOVE;

  now = aio_clock_get_real_time (self->clock);
  if (self->has_next && now >= self->next_fire * G_TIME_SPAN_SECOND)
    aio_cron_callback_fire (self, self->next_fire);

  /* The job may have stopped us. */
  if (self->running && self->timeout == NULL)
    aio_cron_callback_schedule (self);

  return G_SOURCE_REMOVE;
}

static void
aio_cron_callback_schedule (AioCronCallback *self)
{
  gint64 now, after, next, wait;

  aio_cron_callback_cancel_timeout (self);

  now = aio_clock_get_real_time (self->clock);
  after = floor_seconds (now);
  if (self->has_last && self->last_fire >= after && self->last_fire - after <= MAX_STEP_BACK)
    after = self->last_fire;

  if (!aio_cron_next_unix (self->cron, self->time_zone, after, &next))
    {
      if (self->has_next)
        g_warning ("Cron callback '%s' has no fire time left", aio_cron_callback_get_name (self));
      self->has_next = FALSE;
      return;
    }

  self->next_fire = next;
  self->has_next = TRUE;
  wait = CLAMP (next * G_TIME_SPAN_SECOND - now, 0, MAX_WAIT);

  self->timeout = aio_clock_create_timeout_source (self->clock,
                                                   aio_clock_get_monotonic_time (self->clock) + wait);
  g_source_set_callback (self->timeout, aio_cron_callback_timeout_cb, self, NULL);
  g_source_attach (self->timeout, self->context);
}

static void
aio_cron_callback_dispose (GObject *object)
{
  AioCronCallback *self = AIO_CRON_CALLBACK (object);

  aio_cron_callback_cancel_timeout (self);
  if (self->running && self->cancellable != NULL && !self->shield)
    g_cancellable_cancel (self->cancellable);
  self->running = FALSE;

  G_OBJECT_CLASS (aio_cron_callback_parent_class)->dispose (object);
}

static void
aio_cron_callback_finalize (GObject *object)
{
  AioCronCallback *self = AIO_CRON_CALLBACK (object);

  if (self->func_destroy != NULL)
    self->func_destroy (self->func_data);
  g_clear_pointer (&self->cron, aio_cron_unref);
  g_clear_pointer (&self->name, g_free);
  g_clear_object (&self->clock);
  g_clear_pointer (&self->time_zone, g_time_zone_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->run);
  g_clear_pointer (&self->stop_tasks, g_ptr_array_unref);

  G_OBJECT_CLASS (aio_cron_callback_parent_class)->finalize (object);
}

static void
aio_cron_callback_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AioCronCallback *self = AIO_CRON_CALLBACK (object);

  switch (prop_id)
    {
    case PROP_CRON:
      g_value_set_boxed (value, self->cron);
      break;

    case PROP_NAME:
      g_value_set_string (value, aio_cron_callback_get_name (self));
      break;

    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;

    case PROP_TIME_ZONE:
      g_value_set_boxed (value, self->time_zone);
      break;

    case PROP_SHIELD:
      g_value_set_boolean (value, self->shield);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_cron_callback_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  AioCronCallback *self = AIO_CRON_CALLBACK (object);

  switch (prop_id)
    {
    case PROP_CRON:
      self->cron = g_value_dup_boxed (value);
      break;

    case PROP_NAME:
      aio_cron_callback_set_name (self, g_value_get_string (value));
      break;

    case PROP_CLOCK:
      aio_cron_callback_set_clock (self, g_value_get_object (value));
      break;

    case PROP_TIME_ZONE:
      aio_cron_callback_set_time_zone (self, g_value_get_boxed (value));
      break;

    case PROP_SHIELD:
      aio_cron_callback_set_shield (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_cron_callback_constructed (GObject *object)
{
  AioCronCallback *self = AIO_CRON_CALLBACK (object);

  G_OBJECT_CLASS (aio_cron_callback_parent_class)->constructed (object);

  /* A callback made without a schedule (g_object_new() without "cron")
   * fires at midnight UTC, which is as good as any and never crashes. */
  if (self->cron == NULL)
    self->cron = aio_cron_new ("@daily", NULL);
}

static void
aio_cron_callback_class_init (AioCronCallbackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = aio_cron_callback_constructed;
  object_class->dispose = aio_cron_callback_dispose;
  object_class->finalize = aio_cron_callback_finalize;
  object_class->get_property = aio_cron_callback_get_property;
  object_class->set_property = aio_cron_callback_set_property;

  /**
   * AioCronCallback:cron:
   *
   * The schedule. Defaults to `@daily` if not given at construction.
   *
   * Since: 0.1
   */
  properties[PROP_CRON] =
    g_param_spec_boxed ("cron", NULL, NULL,
                        AIO_TYPE_CRON,
                        (G_PARAM_READWRITE |
                         G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * AioCronCallback:name:
   *
   * The name used in logs. Defaults to the cron expression.
   *
   * Since: 0.1
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioCronCallback:clock:
   *
   * Where the callback reads the time and waits for it; setting %NULL
   * restores the default, [func@Aio.Clock.get_default]. Setting it while
   * the callback runs reschedules the next fire.
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
   * AioCronCallback:time-zone:
   *
   * The time zone whose wall clock the schedule follows; setting %NULL
   * restores the default, UTC. Setting it while the callback runs
   * reschedules the next fire.
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

  /**
   * AioCronCallback:shield:
   *
   * Whether stopping lets a running run finish instead of cancelling it
   * (aiomisc's `shield`). Either way, stopping completes when the run has
   * completed.
   *
   * Since: 0.1
   */
  properties[PROP_SHIELD] =
    g_param_spec_boolean ("shield", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * AioCronCallback:running:
   *
   * Whether the schedule is started.
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
aio_cron_callback_init (AioCronCallback *self)
{
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * aio_cron_callback_new:
 * @cron: the schedule
 * @func: (scope notified) (closure user_data) (destroy destroy): the job
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the callback is finalized
 *
 * Creates a callback that runs @func at each time of @cron once started.
 *
 * Returns: (transfer full): a new callback
 *
 * Since: 0.1
 */
AioCronCallback *
aio_cron_callback_new (AioCron        *cron,
                       AioCronFunc     func,
                       gpointer        user_data,
                       GDestroyNotify  destroy)
{
  AioCronCallback *self;

  g_return_val_if_fail (cron != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (AIO_TYPE_CRON_CALLBACK, "cron", cron, NULL);
  self->func = func;
  self->func_data = user_data;
  self->func_destroy = destroy;

  return self;
}

/**
 * aio_cron_callback_get_cron:
 * @self: a cron callback
 *
 * Gets [property@Aio.CronCallback:cron].
 *
 * Returns: (transfer none): the schedule
 *
 * Since: 0.1
 */
AioCron *
aio_cron_callback_get_cron (AioCronCallback *self)
{
  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (self), NULL);

  return self->cron;
}

/**
 * aio_cron_callback_get_name:
 * @self: a cron callback
 *
 * Gets [property@Aio.CronCallback:name].
 *
 * Returns: (transfer none): the name, the cron expression unless set
 *
 * Since: 0.1
 */
const char *
aio_cron_callback_get_name (AioCronCallback *self)
{
  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (self), NULL);

  return self->name ? self->name : aio_cron_get_expression (self->cron);
}

/**
 * aio_cron_callback_set_name:
 * @self: a cron callback
 * @name: (nullable): the name, or %NULL for the cron expression
 *
 * Sets [property@Aio.CronCallback:name].
 *
 * Since: 0.1
 */
void
aio_cron_callback_set_name (AioCronCallback *self,
                            const char      *name)
{
  g_return_if_fail (AIO_IS_CRON_CALLBACK (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * aio_cron_callback_get_clock:
 * @self: a cron callback
 *
 * Gets [property@Aio.CronCallback:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.1
 */
AioClock *
aio_cron_callback_get_clock (AioCronCallback *self)
{
  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (self), NULL);

  return self->clock;
}

/**
 * aio_cron_callback_set_clock:
 * @self: a cron callback
 * @clock: (nullable): the clock, or %NULL for the system's
 *
 * Sets [property@Aio.CronCallback:clock].
 *
 * Since: 0.1
 */
void
aio_cron_callback_set_clock (AioCronCallback *self,
                             AioClock        *clock)
{
  g_return_if_fail (AIO_IS_CRON_CALLBACK (self));
  g_return_if_fail (clock == NULL || AIO_IS_CLOCK (clock));

  if (clock == NULL)
    clock = aio_clock_get_default ();

  if (!g_set_object (&self->clock, clock))
    return;

  if (self->running)
    aio_cron_callback_schedule (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK]);
}

/**
 * aio_cron_callback_get_time_zone:
 * @self: a cron callback
 *
 * Gets [property@Aio.CronCallback:time-zone].
 *
 * Returns: (transfer none): the time zone
 *
 * Since: 0.1
 */
GTimeZone *
aio_cron_callback_get_time_zone (AioCronCallback *self)
{
  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (self), NULL);

  return self->time_zone;
}

/**
 * aio_cron_callback_set_time_zone:
 * @self: a cron callback
 * @time_zone: (nullable): the time zone, or %NULL for UTC
 *
 * Sets [property@Aio.CronCallback:time-zone].
 *
 * Since: 0.1
 */
void
aio_cron_callback_set_time_zone (AioCronCallback *self,
                                 GTimeZone       *time_zone)
{
  g_return_if_fail (AIO_IS_CRON_CALLBACK (self));

  if (time_zone != NULL && time_zone == self->time_zone)
    return;

  g_clear_pointer (&self->time_zone, g_time_zone_unref);
  self->time_zone = time_zone ? g_time_zone_ref (time_zone) : g_time_zone_new_utc ();

  if (self->running)
    aio_cron_callback_schedule (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME_ZONE]);
}

/**
 * aio_cron_callback_get_shield:
 * @self: a cron callback
 *
 * Gets [property@Aio.CronCallback:shield].
 *
 * Returns: whether stopping lets a run finish
 *
 * Since: 0.1
 */
gboolean
aio_cron_callback_get_shield (AioCronCallback *self)
{
  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (self), FALSE);

  return self->shield;
}

/**
 * aio_cron_callback_set_shield:
 * @self: a cron callback
 * @shield: whether stopping lets a run finish
 *
 * Sets [property@Aio.CronCallback:shield].
 *
 * Since: 0.1
 */
void
aio_cron_callback_set_shield (AioCronCallback *self,
                              gboolean         shield)
{
  g_return_if_fail (AIO_IS_CRON_CALLBACK (self));

  shield = !!shield;
  if (self->shield == shield)
    return;

  self->shield = shield;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHIELD]);
}

/**
 * aio_cron_callback_is_running:
 * @self: a cron callback
 *
 * Gets [property@Aio.CronCallback:running].
 *
 * Returns: whether the schedule is started
 *
 * Since: 0.1
 */
gboolean
aio_cron_callback_is_running (AioCronCallback *self)
{
  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (self), FALSE);

  return self->running;
}

/**
 * aio_cron_callback_dup_next_fire:
 * @self: a cron callback
 *
 * Gets the time of the next fire.
 *
 * Returns: (transfer full) (nullable): the next fire time, in
 *   [property@Aio.CronCallback:time-zone], or %NULL if the callback is not
 *   running or has no fire time left
 *
 * Since: 0.1
 */
GDateTime *
aio_cron_callback_dup_next_fire (AioCronCallback *self)
{
  g_autoptr(GDateTime) utc = NULL;

  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (self), NULL);

  if (!self->running || !self->has_next)
    return NULL;

  utc = g_date_time_new_from_unix_utc (self->next_fire);
  return g_date_time_to_timezone (utc, self->time_zone);
}

/**
 * aio_cron_callback_start:
 * @self: a cron callback
 * @error: return location for a #GError
 *
 * Starts the schedule on the thread-default main context: the job runs at
 * each time of the schedule from now on, until
 * [method@Aio.CronCallback.stop_async].
 *
 * Fails with %G_IO_ERROR_BUSY if the callback is running or still
 * stopping.
 *
 * Returns: %TRUE if the schedule started
 *
 * Since: 0.1
 */
gboolean
aio_cron_callback_start (AioCronCallback  *self,
                         GError          **error)
{
  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->running || self->run != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "Cron callback '%s' is already %s",
                   aio_cron_callback_get_name (self),
                   self->running ? "running" : "stopping");
      return FALSE;
    }

  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->has_next = FALSE;
  self->has_last = FALSE;
  self->running = TRUE;
  aio_cron_callback_schedule (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  return TRUE;
}

/**
 * aio_cron_callback_stop_async:
 * @self: a cron callback
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the callback has stopped
 * @user_data: (closure): data for @callback
 *
 * Stops the schedule: no new run starts. A run in progress is cancelled
 * (through the cancellable of its task) unless
 * [property@Aio.CronCallback:shield] is set; the operation completes once
 * it has completed. Stopping a callback that is not running succeeds at
 * once.
 *
 * Since: 0.1
 */
void
aio_cron_callback_stop_async (AioCronCallback     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AIO_IS_CRON_CALLBACK (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_cron_callback_stop_async);

  if (self->running)
    {
      self->running = FALSE;
      self->has_next = FALSE;
      aio_cron_callback_cancel_timeout (self);
      if (!self->shield && self->cancellable != NULL)
        g_cancellable_cancel (self->cancellable);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
    }

  g_ptr_array_add (self->stop_tasks, g_steal_pointer (&task));
  aio_cron_callback_finish_stop (self);
}

/**
 * aio_cron_callback_stop_finish:
 * @self: a cron callback
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.CronCallback.stop_async].
 *
 * Returns: %TRUE once the callback has stopped; %FALSE only if the
 *   cancellable of the stop was cancelled
 *
 * Since: 0.1
 */
gboolean
aio_cron_callback_stop_finish (AioCronCallback  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (AIO_IS_CRON_CALLBACK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
