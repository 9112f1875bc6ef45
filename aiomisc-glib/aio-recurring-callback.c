/* aio-recurring-callback.c: an async callback run on a schedule a strategy decides
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "aiomisc-glib.h"
#include "aio-statistics-private.h"
#include "aio-recurring-callback-private.h"
#include "aio-task-private.h"

/**
 * AioRecurringCallback:
 *
 * Runs an asynchronous function over and over, when a strategy says
 * (aiomisc's `RecurringCallback`).
 *
 * [method@Aio.RecurringCallback.start] takes an [callback@Aio.RecurringStrategy].
 * The strategy is asked for a delay and an [enum@Aio.RecurringAction]: run
 * the callback once the delay has passed, skip this turn and ask again
 * after the delay, or stop. After each call completes, the strategy is
 * asked again, so calls never overlap: the delay counts from the
 * completion of the previous call. (Completions handled in one iteration of
 * the main loop count from the first of them, if it is less than a 16th of
 * the delay earlier: timers that complete together then fall due together,
 * as GLib's own timeouts do, which keeps thousands of them cheap.)
 *
 * The function, an [callback@Aio.RecurringFunc], receives a #GTask to
 * complete, as an [callback@Aio.MainFunc] does. A failed call is logged as
 * a warning with the name of the callback and counted, but does not stop
 * the schedule. The calls are counted in the `"recurring"` group of
 * [func@Aio.statistics_add]: `calls`, `errors` and `sum_time` (the seconds
 * spent in calls).
 *
 * [method@Aio.RecurringCallback.stop_async] ends the schedule. A call in
 * progress is cancelled through the cancellable of its task, or, when
 * [property@Aio.RecurringCallback:shield] is set, allowed to finish; either
 * way the stop completes once the call has completed. A stopped callback
 * may be started again.
 *
 * All time is read from [property@Aio.RecurringCallback:clock], so tests
 * drive the schedule with an [class@Aio.ManualClock]. The callback runs on
 * the thread-default main context of the caller of `start`; it is not
 * thread-safe. A started callback keeps a reference on itself until it has
 * stopped.
 *
 * Since: 0.1
 */

typedef struct
{
  GTask   *task;
  GSource *cancel_source;
} StopWaiter;

struct _AioRecurringCallback
{
  GObject               parent_instance;

  AioRecurringFunc      func;
  gpointer              func_data;
  GDestroyNotify        func_destroy;
  char                 *name;
  gboolean              shield;
  AioClock             *clock;

  gpointer              owner;            /* referenced while active only */
  const char           *statistics_group;
  const char           *label;

  /* One run: from start until fully stopped. */
  guint                 active : 1;       /* holds a reference on itself */
  guint                 running : 1;      /* started and not stopped */
  guint                 in_strategy : 1;
  guint                 timer_runs_call : 1;
  guint                 reuse_timer : 1;     /* system clock: one source, re-armed */
  AioRecurringStrategy  strategy;
  gpointer              strategy_data;
  GDestroyNotify        strategy_destroy;
  GMainContext         *context;
  AioClock             *run_clock;
  GCancellable         *cancellable;
  GSource              *timer;
  GTask                *next_task;        /* the task of the next call, made ahead */
  GTask                *call_task;        /* the call in flight; not owned */
  gint64                call_started;
  GPtrArray            *stop_waiters;     /* StopWaiter* */
};

G_DEFINE_FINAL_TYPE (AioRecurringCallback, aio_recurring_callback, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_SHIELD,
  PROP_CLOCK,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void ask_strategy (AioRecurringCallback *self);

/* Coalescing. GLib's main loop visits every source in every iteration, so
 * thousands of timers cost in proportion to the iterations they cause.
 * GLib's own timeouts count their next interval from the time of the
 * iteration that dispatched them, so timers that fired together stay
 * together. Counting from the exact completion of each call would spread
 * them apart a little more at every turn, and the loop would end up waking
 * for each one. So completions handled in one iteration count from the
 * clock time of the first of them, as long as that is less than a 16th of
 * the delay ago. */
typedef struct
{
  GMainContext *context;     /* compared, never dereferenced */
  AioClock     *clock;       /* idem */
  gint64        iteration;
  gint64        time;
} Snapshot;

static GPrivate snapshot_key = G_PRIVATE_INIT (g_free);

static gint64
coalesced_time (AioClock *clock,
                gint64    slack)
{
  gint64 now = aio_clock_get_monotonic_time (clock);
  GSource *current = g_main_current_source ();
  Snapshot *snapshot;
  GMainContext *context;
  gint64 iteration;

  if (current == NULL || slack <= 0)
    return now;

  context = g_source_get_context (current);
  iteration = g_source_get_time (current);
  snapshot = g_private_get (&snapshot_key);
  if (snapshot == NULL)
    {
      snapshot = g_new0 (Snapshot, 1);
      g_private_set (&snapshot_key, snapshot);
    }
  else if (snapshot->context == context &&
           snapshot->clock == clock &&
           snapshot->iteration == iteration &&
           now >= snapshot->time &&
           now - snapshot->time <= slack)
    return snapshot->time;

  snapshot->context = context;
  snapshot->clock = clock;
  snapshot->iteration = iteration;
  snapshot->time = now;

  return now;
}

/* With the system clock, one source per run is re-armed with
 * g_source_set_ready_time(), as a GLib timeout is: what
 * aio_clock_create_timeout_source() would make, without a new source at
 * every turn. Other clocks make their own sources. */
static gboolean
reusable_timer_dispatch (GSource     *source,
                         GSourceFunc  callback,
                         gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  callback (user_data);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs reusable_timer_funcs = {
  .dispatch = reusable_timer_dispatch,
};

static gboolean
clock_is_system (AioClock *clock)
{
  AioClockClass *system = g_type_class_peek (AIO_TYPE_CLOCK);
  AioClockClass *klass = AIO_CLOCK_GET_CLASS (clock);

  return klass->get_monotonic_time == system->get_monotonic_time &&
         klass->create_timeout_source == system->create_timeout_source;
}

static void
stop_waiter_free (gpointer data)
{
  StopWaiter *waiter = data;

  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static void
release_strategy (AioRecurringCallback *self)
{
  GDestroyNotify destroy = self->strategy_destroy;
  gpointer data = self->strategy_data;

  self->strategy = NULL;
  self->strategy_data = NULL;
  self->strategy_destroy = NULL;
  if (destroy != NULL)
    destroy (data);
}

/* A task made ahead for a call that will not happen: complete it, so that
 * nobody finalizes an unreturned task; call_done_cb() ignores it. */
static void
discard_task (GTask *task)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "The call was dropped by a stop");
  g_object_unref (task);
}

/* Ends the schedule; a call in flight goes on. */
static void
halt (AioRecurringCallback *self)
{
  self->running = FALSE;
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  if (self->next_task != NULL)
    discard_task (g_steal_pointer (&self->next_task));
  /* A strategy that stops the callback is released once it has returned. */
  if (!self->in_strategy)
    release_strategy (self);
}

/* Once halted and no call is in flight: completes the stops and drops the
 * references of the run. The caller holds a reference on @self. */
static void
maybe_finish_stop (AioRecurringCallback *self)
{
  g_autoptr(GPtrArray) waiters = NULL;
  gpointer owner = self->owner;

  if (!self->active || self->running || self->call_task != NULL)
    return;

  self->active = FALSE;
  g_clear_object (&self->cancellable);
  g_clear_object (&self->run_clock);
  g_clear_pointer (&self->context, g_main_context_unref);
  waiters = g_steal_pointer (&self->stop_waiters);
  self->stop_waiters = g_ptr_array_new_with_free_func (stop_waiter_free);

  g_debug ("%s '%s' stopped", self->label, aio_recurring_callback_get_name (self));

  for (guint i = 0; i < waiters->len; i++)
    {
      StopWaiter *waiter = g_ptr_array_index (waiters, i);

      g_task_return_boolean (waiter->task, TRUE);
    }

  if (owner != NULL)
    g_object_unref (owner);
  g_object_unref (self);
}

/* Halts, finishes the stop if nothing is in flight, and tells. */
static void
stop_now (AioRecurringCallback *self)
{
  halt (self);
  maybe_finish_stop (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
call_finished (AioRecurringCallback *self,
               GError               *error)
{
  gint64 elapsed = aio_clock_get_monotonic_time (self->run_clock) - self->call_started;

  self->call_task = NULL;
  aio_statistics_add (self->statistics_group, AIO_STAT_CALLS, 1);
  _aio_statistics_add_sum_time (self->statistics_group, elapsed);

  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          g_cancellable_is_cancelled (self->cancellable))
        g_debug ("%s '%s': the call was cancelled by a stop",
                 self->label, aio_recurring_callback_get_name (self));
      else
        {
          aio_statistics_add (self->statistics_group, AIO_STAT_ERRORS, 1);
          g_warning ("%s '%s' failed: %s",
                     self->label, aio_recurring_callback_get_name (self), error->message);
        }
      g_error_free (error);
    }

  if (self->running)
    ask_strategy (self);
  else
    maybe_finish_stop (self);
}

static void
call_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AioRecurringCallback *self = AIO_RECURRING_CALLBACK (source);
  GTask *task = G_TASK (result);
  GError *error = NULL;

  /* A task made ahead and discarded by a stop. */
  if (task != self->call_task)
    return;

  if (!g_task_propagate_boolean (task, &error) && error == NULL)
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                 "the callback returned FALSE without an error");
  call_finished (self, error);
}

/* The task of a call is made one main loop iteration ahead: completed in the
 * same dispatch that runs the function, a task made earlier calls back at
 * once, where a fresh one would wait for the next iteration. */
static GTask *
new_call_task (AioRecurringCallback *self)
{
  GMainContext *thread_default = g_main_context_get_thread_default ();
  gboolean push = (thread_default ? thread_default : g_main_context_default ()) != self->context;
  GTask *task;

  if (push)
    g_main_context_push_thread_default (self->context);
  task = g_task_new (self, self->cancellable, call_done_cb, NULL);
  if (push)
    g_main_context_pop_thread_default (self->context);
  /* No source tag: in GLib 2.74 it also copies a name into every task. */

  return task;
}

static void
run_call (AioRecurringCallback *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->next_task);

  if (task == NULL)
    task = new_call_task (self);

  self->call_task = task;
  self->call_started = aio_clock_get_monotonic_time (self->run_clock);
  if (self->func != NULL)
    self->func (self, task, self->func_data);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                             "it has no function to run");

  /* Neither completed nor kept: nobody can complete it any more. Count a
   * failure rather than wait forever, and complete it for the record
   * (call_done_cb() ignores it). */
  if (self->call_task == task && g_atomic_int_get (&G_OBJECT (task)->ref_count) == 1)
    {
      call_finished (self,
                     g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                          "the callback dropped its task without completing it"));
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "Dropped");
    }
}

static gboolean
timer_cb (gpointer data)
{
  g_autoptr(AioRecurringCallback) self = g_object_ref (data);

  if (!self->reuse_timer)
    g_clear_pointer (&self->timer, g_source_unref);
  if (self->timer_runs_call)
    run_call (self);
  else
    ask_strategy (self);

  return G_SOURCE_REMOVE;
}

static void
schedule (AioRecurringCallback *self,
          double                delay,
          gboolean              runs_call)
{
  gint64 delay_usec = _aio_seconds_to_usec (delay);
  gint64 ready_time = coalesced_time (self->run_clock, delay_usec / 16) + delay_usec;

  self->timer_runs_call = runs_call;
  if (runs_call && self->next_task == NULL)
    self->next_task = new_call_task (self);

  if (self->timer == NULL)
    {
      if (self->reuse_timer)
        {
          self->timer = g_source_new (&reusable_timer_funcs, sizeof (GSource));
          g_source_set_ready_time (self->timer, MAX (ready_time, 0));
        }
      else
        self->timer = aio_clock_create_timeout_source (self->run_clock, ready_time);
      g_source_set_static_name (self->timer, self->label);
      g_source_set_callback (self->timer, timer_cb, self, NULL);
      g_source_attach (self->timer, self->context);
    }
  else
    g_source_set_ready_time (self->timer, MAX (ready_time, 0));
}

static void
ask_strategy (AioRecurringCallback *self)
{
  AioRecurringAction action = AIO_RECURRING_ACTION_RUN_AFTER;
  double delay;

  self->in_strategy = TRUE;
  delay = self->strategy (self, &action, self->strategy_data);
  self->in_strategy = FALSE;

  if (!self->running)
    {
      /* The strategy stopped the callback itself. */
      release_strategy (self);
      return;
    }

  switch (action)
    {
    case AIO_RECURRING_ACTION_RUN_AFTER:
    case AIO_RECURRING_ACTION_SKIP:
      if (isnan (delay) || isinf (delay))
        {
          g_warning ("%s '%s': its strategy returned an invalid delay of %g s; stopping",
                     self->label, aio_recurring_callback_get_name (self), delay);
          stop_now (self);
          return;
        }
      if (delay < 0)
        {
          g_warning ("%s '%s': its strategy returned a negative delay of %g s; using 0",
                     self->label, aio_recurring_callback_get_name (self), delay);
          delay = 0;
        }
      schedule (self, delay, action == AIO_RECURRING_ACTION_RUN_AFTER);
      break;

    case AIO_RECURRING_ACTION_STOP:
      g_debug ("%s '%s': its strategy stopped it",
               self->label, aio_recurring_callback_get_name (self));
      stop_now (self);
      break;

    default:
      g_warning ("%s '%s': its strategy returned an unknown action %d; stopping",
                 self->label, aio_recurring_callback_get_name (self), (int) action);
      stop_now (self);
      break;
    }
}

static void
aio_recurring_callback_dispose (GObject *object)
{
  AioRecurringCallback *self = AIO_RECURRING_CALLBACK (object);
  GDestroyNotify func_destroy = self->func_destroy;

  /* A run holds a reference: nothing is scheduled here. */
  self->func = NULL;
  self->func_destroy = NULL;
  if (func_destroy != NULL)
    func_destroy (g_steal_pointer (&self->func_data));

  G_OBJECT_CLASS (aio_recurring_callback_parent_class)->dispose (object);
}

static void
aio_recurring_callback_finalize (GObject *object)
{
  AioRecurringCallback *self = AIO_RECURRING_CALLBACK (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_object (&self->clock);
  g_clear_pointer (&self->stop_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (aio_recurring_callback_parent_class)->finalize (object);
}

static void
aio_recurring_callback_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  AioRecurringCallback *self = AIO_RECURRING_CALLBACK (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, aio_recurring_callback_get_name (self));
      break;

    case PROP_SHIELD:
      g_value_set_boolean (value, self->shield);
      break;

    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_recurring_callback_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  AioRecurringCallback *self = AIO_RECURRING_CALLBACK (object);

  switch (prop_id)
    {
    case PROP_NAME:
      aio_recurring_callback_set_name (self, g_value_get_string (value));
      break;

    case PROP_SHIELD:
      aio_recurring_callback_set_shield (self, g_value_get_boolean (value));
      break;

    case PROP_CLOCK:
      aio_recurring_callback_set_clock (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_recurring_callback_class_init (AioRecurringCallbackClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aio_recurring_callback_dispose;
  object_class->finalize = aio_recurring_callback_finalize;
  object_class->get_property = aio_recurring_callback_get_property;
  object_class->set_property = aio_recurring_callback_set_property;

  /**
   * AioRecurringCallback:name:
   *
   * The name of the callback, used in logs and errors. Defaults to the
   * name of its type.
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
   * AioRecurringCallback:shield:
   *
   * Whether a call in progress may finish when the callback is stopped.
   * Without the shield, a stop cancels the cancellable of the call's task.
   * Either way, the stop completes once the call has completed. Read at
   * each stop.
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
   * AioRecurringCallback:clock:
   *
   * The clock the schedule reads and waits on; the system clock unless
   * set. A change takes effect at the next start.
   *
   * Since: 0.1
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL,
                         AIO_TYPE_CLOCK,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioRecurringCallback:running:
   *
   * Whether the callback is scheduled: %TRUE from a successful start until
   * a stop is requested or the strategy stops it. A call may still be in
   * progress for a while after it becomes %FALSE.
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
aio_recurring_callback_init (AioRecurringCallback *self)
{
  self->clock = g_object_ref (aio_clock_get_default ());
  self->stop_waiters = g_ptr_array_new_with_free_func (stop_waiter_free);
  self->statistics_group = AIO_STAT_RECURRING;
  self->label = "Recurring callback";
}

void
_aio_recurring_callback_set_owner (AioRecurringCallback *self,
                                   gpointer              owner,
                                   const char           *statistics_group,
                                   const char           *label)
{
  g_return_if_fail (AIO_IS_RECURRING_CALLBACK (self));
  g_return_if_fail (!self->active);

  self->owner = owner;
  self->statistics_group = statistics_group;
  self->label = label;
}

/**
 * aio_recurring_callback_new:
 * @func: (scope notified) (closure user_data) (destroy destroy): the function
 *   to run
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data when the callback is finalized
 *
 * Creates a recurring callback; [method@Aio.RecurringCallback.start] runs it.
 *
 * Returns: (transfer full): a new recurring callback
 *
 * Since: 0.1
 */
AioRecurringCallback *
aio_recurring_callback_new (AioRecurringFunc func,
                            gpointer         user_data,
                            GDestroyNotify   destroy)
{
  AioRecurringCallback *self;

  g_return_val_if_fail (func != NULL, NULL);

  self = g_object_new (AIO_TYPE_RECURRING_CALLBACK, NULL);
  self->func = func;
  self->func_data = user_data;
  self->func_destroy = destroy;

  return self;
}

/**
 * aio_recurring_callback_start:
 * @self: a recurring callback
 * @strategy: (scope notified) (closure strategy_data) (destroy strategy_destroy):
 *   decides when the callback runs
 * @strategy_data: data for @strategy
 * @strategy_destroy: (nullable): frees @strategy_data once the callback
 *   stops (or at once, if the start fails)
 * @error: return location for a #GError
 *
 * Starts the schedule on the thread-default main context: asks @strategy
 * at once, from this function, for the first delay. The callback itself
 * never runs from this function, only from the main context; if the
 * strategy says %AIO_RECURRING_ACTION_STOP at once, the callback is
 * stopped again when this returns.
 *
 * Fails with %G_IO_ERROR_BUSY if the callback is running, or is
 * still stopping (a call it ran has not completed).
 *
 * Returns: %TRUE if the callback started
 *
 * Since: 0.1
 */
gboolean
aio_recurring_callback_start (AioRecurringCallback  *self,
                              AioRecurringStrategy   strategy,
                              gpointer               strategy_data,
                              GDestroyNotify         strategy_destroy,
                              GError               **error)
{
  g_return_val_if_fail (AIO_IS_RECURRING_CALLBACK (self), FALSE);
  g_return_val_if_fail (strategy != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->active)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "%s '%s' is %s", self->label,
                   aio_recurring_callback_get_name (self),
                   self->running ? "already running" : "still stopping");
      if (strategy_destroy != NULL)
        strategy_destroy (strategy_data);
      return FALSE;
    }

  g_object_ref (self);
  if (self->owner != NULL)
    g_object_ref (self->owner);
  self->active = TRUE;
  self->running = TRUE;
  self->strategy = strategy;
  self->strategy_data = strategy_data;
  self->strategy_destroy = strategy_destroy;
  self->context = g_main_context_ref_thread_default ();
  self->run_clock = g_object_ref (self->clock);
  self->reuse_timer = clock_is_system (self->run_clock);
  self->cancellable = g_cancellable_new ();

  g_debug ("%s '%s' started", self->label, aio_recurring_callback_get_name (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  /* A handler of notify::running may have stopped it already. */
  if (self->running)
    ask_strategy (self);

  return TRUE;
}

static gboolean
stop_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  StopWaiter *waiter = data;
  g_autoptr(AioRecurringCallback) self = g_object_ref (g_task_get_source_object (waiter->task));
  guint index;

  /* Giving up the wait lifts the shield: the call is cancelled too. */
  if (g_ptr_array_find (self->stop_waiters, waiter, &index))
    {
      g_ptr_array_steal_index (self->stop_waiters, index);
      g_task_return_error_if_cancelled (waiter->task);
      stop_waiter_free (waiter);
    }

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  return G_SOURCE_REMOVE;
}

/**
 * aio_recurring_callback_stop_async:
 * @self: a recurring callback
 * @cancellable: (nullable): gives up waiting for the call in progress
 * @callback: (scope async): called once the callback has stopped
 * @user_data: (closure): data for @callback
 *
 * Stops the schedule. The call in progress, if any, is cancelled (unless
 * [property@Aio.RecurringCallback:shield] is set) and the operation
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
aio_recurring_callback_stop_async (AioRecurringCallback *self,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  g_autoptr(AioRecurringCallback) hold = NULL;
  g_autoptr(GTask) task = NULL;
  StopWaiter *waiter;
  gboolean was_running;

  g_return_if_fail (AIO_IS_RECURRING_CALLBACK (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_recurring_callback_stop_async);

  if (!self->active)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  hold = g_object_ref (self);
  waiter = g_new0 (StopWaiter, 1);
  waiter->task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (waiter->cancel_source, "[aiomisc-glib] recurring callback stop");
      g_source_set_callback (waiter->cancel_source, G_SOURCE_FUNC (stop_cancelled_cb), waiter, NULL);
      g_source_attach (waiter->cancel_source, self->context);
    }
  g_ptr_array_add (self->stop_waiters, waiter);

  was_running = self->running;
  if (was_running)
    halt (self);
  if (!self->shield && self->call_task != NULL)
    g_cancellable_cancel (self->cancellable);
  maybe_finish_stop (self);
  if (was_running)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

/**
 * aio_recurring_callback_stop_finish:
 * @self: a recurring callback
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.RecurringCallback.stop_async].
 *
 * Returns: %TRUE once the callback has stopped; %FALSE with
 *   %G_IO_ERROR_CANCELLED if the wait was cancelled
 *
 * Since: 0.1
 */
gboolean
aio_recurring_callback_stop_finish (AioRecurringCallback  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (AIO_IS_RECURRING_CALLBACK (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * aio_recurring_callback_is_running:
 * @self: a recurring callback
 *
 * Gets [property@Aio.RecurringCallback:running].
 *
 * Returns: whether the callback is scheduled
 *
 * Since: 0.1
 */
gboolean
aio_recurring_callback_is_running (AioRecurringCallback *self)
{
  g_return_val_if_fail (AIO_IS_RECURRING_CALLBACK (self), FALSE);

  return self->running;
}

/**
 * aio_recurring_callback_get_name:
 * @self: a recurring callback
 *
 * Gets [property@Aio.RecurringCallback:name].
 *
 * Returns: (transfer none): the name
 *
 * Since: 0.1
 */
const char *
aio_recurring_callback_get_name (AioRecurringCallback *self)
{
  g_return_val_if_fail (AIO_IS_RECURRING_CALLBACK (self), NULL);

  return self->name ? self->name : G_OBJECT_TYPE_NAME (self);
}

/**
 * aio_recurring_callback_set_name:
 * @self: a recurring callback
 * @name: (nullable): the new name, or %NULL for the type name
 *
 * Sets [property@Aio.RecurringCallback:name].
 *
 * Since: 0.1
 */
void
aio_recurring_callback_set_name (AioRecurringCallback *self,
                                 const char           *name)
{
  g_return_if_fail (AIO_IS_RECURRING_CALLBACK (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * aio_recurring_callback_get_shield:
 * @self: a recurring callback
 *
 * Gets [property@Aio.RecurringCallback:shield].
 *
 * Returns: whether a call in progress may finish on stop
 *
 * Since: 0.1
 */
gboolean
aio_recurring_callback_get_shield (AioRecurringCallback *self)
{
  g_return_val_if_fail (AIO_IS_RECURRING_CALLBACK (self), FALSE);

  return self->shield;
}

/**
 * aio_recurring_callback_set_shield:
 * @self: a recurring callback
 * @shield: whether a call in progress may finish on stop
 *
 * Sets [property@Aio.RecurringCallback:shield].
 *
 * Since: 0.1
 */
void
aio_recurring_callback_set_shield (AioRecurringCallback *self,
                                   gboolean              shield)
{
  g_return_if_fail (AIO_IS_RECURRING_CALLBACK (self));

  shield = !!shield;
  if (self->shield == shield)
    return;

  self->shield = shield;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHIELD]);
}

/**
 * aio_recurring_callback_get_clock:
 * @self: a recurring callback
 *
 * Gets [property@Aio.RecurringCallback:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.1
 */
AioClock *
aio_recurring_callback_get_clock (AioRecurringCallback *self)
{
  g_return_val_if_fail (AIO_IS_RECURRING_CALLBACK (self), NULL);

  return self->clock;
}

/**
 * aio_recurring_callback_set_clock:
 * @self: a recurring callback
 * @clock: (nullable): the clock, or %NULL for the system clock
 *
 * Sets [property@Aio.RecurringCallback:clock]; it takes effect at the next
 * start.
 *
 * Since: 0.1
 */
void
aio_recurring_callback_set_clock (AioRecurringCallback *self,
                                  AioClock             *clock)
{
  g_return_if_fail (AIO_IS_RECURRING_CALLBACK (self));
  g_return_if_fail (clock == NULL || AIO_IS_CLOCK (clock));

  if (clock == NULL)
    clock = aio_clock_get_default ();

  if (g_set_object (&self->clock, clock))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK]);
}
