/* aio-service.c: the base class of every service
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-log-private.h"
#include "aio-service-private.h"
#include "aio-task-private.h"

/**
 * AioService:
 *
 * The unit of a program: something that starts and stops.
 *
 * A service overrides `start_async`/`start_finish` and, optionally,
 * `stop_async`/`stop_finish` of [class@Aio.Service]. There are two
 * ways to start, as in aiomisc:
 *
 * - *ordinary*: `start` completes once the service is up; `stop` tears it
 *   down.
 * - *long-running*: `start` runs for the whole life of the service. It calls
 *   [method@Aio.Service.set_ready] once the service is up (aiomisc's
 *   `start_event.set()`), at which moment [method@Aio.Service.start_async]
 *   completes. Stopping cancels the #GCancellable that `start` received,
 *   runs `stop`, and completes once `start` has completed. A `start` that
 *   fails after ready is a runtime failure: the service goes to
 *   %AIO_SERVICE_STATE_FAILED and emits [signal@Aio.Service::failed], which
 *   makes a running [class@Aio.Entrypoint] shut the program down.
 *
 * The lifecycle rule, as in aiomisc: `stop` runs for every service whose
 * `start` was invoked, unless that start failed with an error other than
 * cancellation. A start that was cancelled (a stop while starting, a
 * cancelled [method@Aio.Service.start_async], a sibling that failed to start
 * in an [class@Aio.Entrypoint], a signal) may have set things up before it
 * noticed, or may have ignored its cancellable and succeeded (a #GTask that
 * checks its cancellable then reports %G_IO_ERROR_CANCELLED all the same):
 * its `stop` runs once it completed, so `stop` must cope with a start that
 * got only part of the way. A start that failed with any other error is
 * expected to have cleaned up after itself, and its `stop` does not run.
 *
 * A service may depend on others ([method@Aio.Service.add_dependency]): an
 * entrypoint starts it only once all its dependencies run and stops it
 * before any of them.
 *
 * Misuse, such as starting a running service or stopping one that never
 * started, is reported as an error (%G_IO_ERROR_BUSY, %AIO_ERROR_NOT_RUNNING),
 * never as an abort.
 *
 * Since: 0.1
 */

typedef struct
{
  char            *name;
  AioServiceState  state;
  GPtrArray       *dependencies;
  GMainContext    *context;
  gpointer         owner;   /* the entrypoint that runs it, unowned */

  /* The cancellable handed to the start vfunc; cancelled by stop. */
  GCancellable    *run_cancellable;
  /* The pending start operation, until the service is up (or failed):
   * a public one (a GTask) or an entrypoint walk's (a function). */
  GTask           *start_task;
  AioServiceDoneFunc start_done;
  gpointer         start_done_data;
  GCancellable    *start_caller_cancellable;
  gulong           start_cancel_id;
  guint            start_vfunc_pending : 1;
  guint            stop_vfunc_pending : 1;
  guint            ever_running : 1;

  /* Stop operations waiting for the stop to finish: public ones (GTasks,
   * the array made on demand) and an entrypoint walk's (a function). */
  GPtrArray       *stop_tasks;
  AioServiceDoneFunc stop_done;
  gpointer         stop_done_data;
  GError          *stop_reason;
  GError          *stop_error;
} AioServicePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (AioService, aio_service, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_STATE,
  N_PROPS
};

enum {
  FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void aio_service_run_stop_vfunc (AioService *self);

static void
aio_service_set_state (AioService      *self,
                       AioServiceState  state)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  if (priv->state == state)
    return;

  /* Asked first: g_debug() formats the record even when it is dropped. */
  if (_aio_log_debug_wanted (G_LOG_DOMAIN))
    g_debug ("service '%s': %s -> %s",
             aio_service_get_name (self),
             _aio_service_state_to_string (priv->state),
             _aio_service_state_to_string (state));
  priv->state = state;
  /* A plain cast: @self was checked by every caller's way in. */
  g_object_notify_by_pspec ((GObject *) self, properties[PROP_STATE]);
}

const char *
_aio_service_state_to_string (AioServiceState state)
{
  switch (state)
    {
    case AIO_SERVICE_STATE_NEW: return "new";
    case AIO_SERVICE_STATE_STARTING: return "starting";
    case AIO_SERVICE_STATE_RUNNING: return "running";
    case AIO_SERVICE_STATE_STOPPING: return "stopping";
    case AIO_SERVICE_STATE_STOPPED: return "stopped";
    case AIO_SERVICE_STATE_FAILED: return "failed";
    default: return "invalid";
    }
}

static void
aio_service_real_start_async (AioService          *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aio_service_real_start_async);
  /* Every service implements start. A Python service gets this default
   * when PyGObject did not find the Aio override: say so. */
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "Service '%s' does not implement start_async; from Python, "
                           "the Aio override (gi/overrides/Aio.py) was not loaded: put the "
                           "directory holding gi/overrides on PYTHONPATH",
                           aio_service_get_name (self));
}

static gboolean
aio_service_real_finish (AioService    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
aio_service_real_stop_async (AioService          *self,
                             const GError        *reason,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aio_service_real_stop_async);
  g_task_return_boolean (task, TRUE);
}

static void
aio_service_dispose (GObject *object)
{
  AioService *self = AIO_SERVICE (object);
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  g_ptr_array_set_size (priv->dependencies, 0);

  G_OBJECT_CLASS (aio_service_parent_class)->dispose (object);
}

static void
aio_service_finalize (GObject *object)
{
  AioService *self = AIO_SERVICE (object);
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  g_clear_pointer (&priv->name, g_free);
  g_clear_pointer (&priv->dependencies, g_ptr_array_unref);
  g_clear_pointer (&priv->stop_tasks, g_ptr_array_unref);
  g_clear_pointer (&priv->context, g_main_context_unref);
  g_clear_object (&priv->run_cancellable);
  g_clear_error (&priv->stop_reason);
  g_clear_error (&priv->stop_error);

  G_OBJECT_CLASS (aio_service_parent_class)->finalize (object);
}

static void
aio_service_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  AioService *self = AIO_SERVICE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, aio_service_get_name (self));
      break;

    case PROP_STATE:
      g_value_set_enum (value, aio_service_get_state (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_service_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  AioService *self = AIO_SERVICE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      aio_service_set_name (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_service_class_init (AioServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aio_service_dispose;
  object_class->finalize = aio_service_finalize;
  object_class->get_property = aio_service_get_property;
  object_class->set_property = aio_service_set_property;

  klass->start_async = aio_service_real_start_async;
  klass->start_finish = aio_service_real_finish;
  klass->stop_async = aio_service_real_stop_async;
  klass->stop_finish = aio_service_real_finish;

  /**
   * AioService:name:
   *
   * The name of the service, used in logs and errors. Defaults to the
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
   * AioService:state:
   *
   * Where the service is in its life cycle.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       AIO_TYPE_SERVICE_STATE,
                       AIO_SERVICE_STATE_NEW,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AioService::failed:
   * @self: the service
   * @error: what went wrong
   *
   * Emitted when a long-running service fails after it was ready: its
   * `start` completed with an error while nobody was stopping it.
   *
   * Since: 0.1
   */
  signals[FAILED] =
    g_signal_new ("failed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
aio_service_init (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  priv->state = AIO_SERVICE_STATE_NEW;
  priv->dependencies = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * aio_service_get_name:
 * @self: a service
 *
 * Gets the name of the service; the name of its type unless set.
 *
 * Returns: (transfer none): the name
 *
 * Since: 0.1
 */
const char *
aio_service_get_name (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_SERVICE (self), NULL);

  return priv->name ? priv->name : G_OBJECT_TYPE_NAME (self);
}

/**
 * aio_service_set_name:
 * @self: a service
 * @name: (nullable): the new name, or %NULL for the type name
 *
 * Sets [property@Aio.Service:name].
 *
 * Since: 0.1
 */
void
aio_service_set_name (AioService *self,
                      const char *name)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_SERVICE (self));

  if (g_strcmp0 (priv->name, name) == 0)
    return;

  g_free (priv->name);
  priv->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * aio_service_get_state:
 * @self: a service
 *
 * Gets [property@Aio.Service:state].
 *
 * Returns: the state of the service
 *
 * Since: 0.1
 */
AioServiceState
aio_service_get_state (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_SERVICE (self), AIO_SERVICE_STATE_NEW);

  return priv->state;
}

/**
 * aio_service_add_dependency:
 * @self: a service
 * @dependency: the service @self needs
 *
 * Makes @self depend on @dependency: an [class@Aio.Entrypoint] starts @self
 * only once @dependency runs, stops @self before @dependency, and adds
 * @dependency to itself if it was not added. A failed dependency fails its
 * dependents.
 *
 * Adding a dependency twice has no effect. A cycle is not refused here:
 * starting any service of it fails with %AIO_ERROR_DEPENDENCY_CYCLE.
 *
 * Since: 0.1
 */
void
aio_service_add_dependency (AioService *self,
                            AioService *dependency)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_SERVICE (self));
  g_return_if_fail (AIO_IS_SERVICE (dependency));

  if (!g_ptr_array_find (priv->dependencies, dependency, NULL))
    g_ptr_array_add (priv->dependencies, g_object_ref (dependency));
}

/**
 * aio_service_dup_dependencies:
 * @self: a service
 *
 * Gets the services @self depends on directly.
 *
 * Returns: (transfer container) (element-type AioService): the dependencies,
 *   in the order they were added
 *
 * Since: 0.1
 */
GPtrArray *
aio_service_dup_dependencies (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);
  GPtrArray *ret;

  g_return_val_if_fail (AIO_IS_SERVICE (self), NULL);

  ret = g_ptr_array_new_full (priv->dependencies->len, g_object_unref);
  for (guint i = 0; i < priv->dependencies->len; i++)
    g_ptr_array_add (ret, g_object_ref (g_ptr_array_index (priv->dependencies, i)));

  return ret;
}

GPtrArray *
_aio_service_peek_dependencies (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  return priv->dependencies;
}

static gboolean
aio_service_reaches (AioService *from,
                     AioService *target,
                     GHashTable *visited)
{
  GPtrArray *deps = _aio_service_peek_dependencies (from);

  for (guint i = 0; i < deps->len; i++)
    {
      AioService *dep = g_ptr_array_index (deps, i);

      if (dep == target)
        return TRUE;
      if (!g_hash_table_add (visited, dep))
        continue;
      if (aio_service_reaches (dep, target, visited))
        return TRUE;
    }

  return FALSE;
}

gboolean
_aio_service_in_cycle (AioService *self)
{
  g_autoptr(GHashTable) visited = g_hash_table_new (NULL, NULL);

  return aio_service_reaches (self, self, visited);
}

/* Depth-first, each service visited once: on the current path (1) or done
 * (2). Returns a service of a cycle, or NULL. */
static AioService *
aio_service_find_cycle_from (AioService *self,
                             GHashTable *colour)
{
  GPtrArray *deps = _aio_service_peek_dependencies (self);
  gpointer seen;

  if (deps->len == 0)
    return NULL;              /* no cycle goes through a leaf */
  seen = g_hash_table_lookup (colour, self);
  if (seen != NULL)
    return seen == GINT_TO_POINTER (1) ? self : NULL;

  g_hash_table_insert (colour, self, GINT_TO_POINTER (1));
  for (guint i = 0; i < deps->len; i++)
    {
      AioService *found = aio_service_find_cycle_from (g_ptr_array_index (deps, i), colour);

      if (found != NULL)
        return found;
    }
  g_hash_table_insert (colour, self, GINT_TO_POINTER (2));

  return NULL;
}

AioService *
_aio_service_find_cycle (GPtrArray *services)
{
  g_autoptr(GHashTable) colour = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < services->len; i++)
    {
      AioService *found = aio_service_find_cycle_from (g_ptr_array_index (services, i), colour);

      if (found != NULL)
        return found;
    }

  return NULL;
}

gboolean
_aio_service_has_run (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  return priv->ever_running;
}

gpointer
_aio_service_get_owner (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  return priv->owner;
}

void
_aio_service_set_owner (AioService *self,
                        gpointer    owner)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  priv->owner = owner;
}

static void
aio_service_disconnect_start_cancellable (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  if (priv->start_caller_cancellable != NULL)
    {
      g_cancellable_disconnect (priv->start_caller_cancellable, priv->start_cancel_id);
      priv->start_cancel_id = 0;
      g_clear_object (&priv->start_caller_cancellable);
    }
}

/* Completes the public start operation, if it is still pending. */
static void
aio_service_complete_start (AioService *self,
                            GError     *error)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);
  g_autoptr(GTask) task = g_steal_pointer (&priv->start_task);
  AioServiceDoneFunc done = priv->start_done;
  gpointer done_data = priv->start_done_data;

  priv->start_done = NULL;
  priv->start_done_data = NULL;
  aio_service_disconnect_start_cancellable (self);

  if (task != NULL)
    {
      if (error != NULL)
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
    }
  else if (done != NULL)
    done (self, error, done_data);
  else
    g_clear_error (&error);
}

/* Whether a start operation waits for the outcome of the start. */
static inline gboolean
aio_service_start_pending (AioServicePrivate *priv)
{
  return priv->start_task != NULL || priv->start_done != NULL;
}

static void
aio_service_maybe_finish_stop (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);
  g_autoptr(GPtrArray) tasks = NULL;
  g_autoptr(GError) error = NULL;
  AioServiceDoneFunc done;
  gpointer done_data;

  if (priv->state != AIO_SERVICE_STATE_STOPPING ||
      priv->start_vfunc_pending ||
      priv->stop_vfunc_pending)
    return;

  tasks = g_steal_pointer (&priv->stop_tasks);
  done = priv->stop_done;
  done_data = priv->stop_done_data;
  priv->stop_done = NULL;
  priv->stop_done_data = NULL;
  error = g_steal_pointer (&priv->stop_error);
  g_clear_error (&priv->stop_reason);
  g_clear_object (&priv->run_cancellable);

  aio_service_set_state (self, AIO_SERVICE_STATE_STOPPED);

  for (guint i = 0; tasks != NULL && i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
  if (done != NULL)
    done (self, error ? g_error_copy (error) : NULL, done_data);
}

/* The start was cancelled (by the caller, or by itself) but not failed:
 * whatever it set up is torn down by `stop`, and the start reports
 * G_IO_ERROR_CANCELLED. The start vfunc may still be running (a
 * long-running start that called set_ready): the stop then waits for it. */
static void
aio_service_stop_cancelled_start (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);
  GError *error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The start of service '%s' was cancelled",
                               aio_service_get_name (self));

  priv->ever_running = TRUE;
  g_clear_error (&priv->stop_reason);
  priv->stop_reason = g_error_copy (error);
  aio_service_set_state (self, AIO_SERVICE_STATE_STOPPING);
  aio_service_complete_start (self, error);
  aio_service_run_stop_vfunc (self);
}

static void
aio_service_start_vfunc_cb (GObject      *object,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  g_autoptr(AioService) self = user_data;
  AioServicePrivate *priv = aio_service_get_instance_private (self);
  g_autoptr(GError) error = NULL;
  gboolean ok;
  gboolean needs_stop;

  ok = AIO_SERVICE_GET_CLASS (self)->start_finish (self, result, &error);
  if (!ok && error == NULL)
    g_set_error (&error, AIO_ERROR, AIO_ERROR_SERVICE_FAILED,
                 "Service '%s' failed to start without saying why",
                 aio_service_get_name (self));
  priv->start_vfunc_pending = FALSE;

  /* The lifecycle rule: `stop` runs unless the start failed with an error
   * other than cancellation. A start that ignores its cancellable and
   * succeeds anyway comes back as G_IO_ERROR_CANCELLED from a GTask that
   * checks its cancellable: it may have set things up all the same. */
  needs_stop = ok || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  if (aio_service_start_pending (priv))
    {
      /* Ordinary start, or a long-running start that ended before ready. */
      if (priv->state == AIO_SERVICE_STATE_STOPPING)
        {
          /* Somebody stopped us while starting. */
          aio_service_complete_start (self,
                                      g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                   "Service '%s' was stopped while starting",
                                                   aio_service_get_name (self)));
          if (needs_stop)
            {
              priv->ever_running = TRUE;
              aio_service_run_stop_vfunc (self);
            }
          else
            aio_service_maybe_finish_stop (self);
        }
      else if (ok && !g_cancellable_is_cancelled (priv->run_cancellable))
        {
          priv->ever_running = TRUE;
          aio_service_set_state (self, AIO_SERVICE_STATE_RUNNING);
          aio_service_complete_start (self, NULL);
        }
      else if (needs_stop)
        aio_service_stop_cancelled_start (self);
      else
        {
          aio_service_set_state (self, AIO_SERVICE_STATE_FAILED);
          aio_service_complete_start (self, g_steal_pointer (&error));
        }
      return;
    }

  /* A long-running start ended after it was ready. */
  if (priv->state == AIO_SERVICE_STATE_STOPPING)
    {
      if (error != NULL &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Service '%s' failed while stopping: %s",
                   aio_service_get_name (self), error->message);
      aio_service_maybe_finish_stop (self);
    }
  else if (error != NULL)
    {
      g_warning ("Service '%s' failed: %s",
                 aio_service_get_name (self), error->message);
      aio_service_set_state (self, AIO_SERVICE_STATE_FAILED);
      g_signal_emit (self, signals[FAILED], 0, error);
    }
  else
    g_debug ("Service '%s' finished its work", aio_service_get_name (self));
}

static void
aio_service_start_cancelled_cb (GCancellable *cancellable,
                                gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void aio_service_start_internal (AioService          *self,
                                        gboolean             check_cycle,
                                        GCancellable        *cancellable,
                                        GTask               *task,
                                        AioServiceDoneFunc   done,
                                        gpointer             done_data);

/**
 * aio_service_start_async: (virtual start_async)
 * @self: a service
 * @cancellable: (nullable): cancels the start while the service is starting
 * @callback: (scope async): called when the service is up or failed
 * @user_data: (closure): data for @callback
 *
 * Starts the service: runs `start_async` of its class. The operation
 * completes when an ordinary `start` completes or when a long-running one
 * calls [method@Aio.Service.set_ready].
 *
 * If @cancellable is cancelled while the service is starting, the
 * cancellable its `start` received is cancelled; once `start` completed,
 * `stop` runs (unless `start` failed with an error other than cancellation)
 * and the operation fails with %G_IO_ERROR_CANCELLED. Once the service is
 * up, @cancellable has no effect: the outcome always matches the state.
 *
 * Fails with %G_IO_ERROR_BUSY if the service is starting,
 * running or stopping, with %AIO_ERROR_DEPENDENCY_CYCLE if it
 * depends on itself, with %AIO_ERROR_DEPENDENCY_FAILED if a
 * dependency failed (the service then fails too) and with
 * %AIO_ERROR_DEPENDENCY_NOT_RUNNING if a dependency does not run.
 * A stopped or failed service may be started again.
 *
 * Since: 0.1
 */
void
aio_service_start_async (AioService          *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AIO_IS_SERVICE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_service_start_async);
  /* The outcome follows the state of the service, also after @cancellable
   * was cancelled: a start that succeeded anyway is stopped first. */
  g_task_set_check_cancellable (task, FALSE);
  aio_service_start_internal (self, TRUE, cancellable, task, NULL, NULL);
}

/* Hands the outcome of a start or stop to whoever asked: a GTask (taken)
 * or a walk's function. */
static void
aio_service_return (AioService         *self,
                    GTask              *task,
                    AioServiceDoneFunc  done,
                    gpointer            done_data,
                    GError             *error)
{
  if (task != NULL)
    {
      if (error != NULL)
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else
    done (self, error, done_data);
}

/* For the entrypoint's walk, which checked every service for cycles before
 * it began (the per-service search is O(n) per start, O(n²) for a chain)
 * and hears of the outcome through @done rather than a GTask. @cancellable
 * is only looked at once: a later cancel reaches the start through
 * _aio_service_cancel_walk_start(), from one handler of the walk rather
 * than one per service. */
void
_aio_service_walk_start (AioService         *self,
                         GCancellable       *cancellable,
                         AioServiceDoneFunc  done,
                         gpointer            done_data)
{
  aio_service_start_internal (self, FALSE, cancellable, NULL, done, done_data);
}

void
_aio_service_cancel_walk_start (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  if (priv->start_done != NULL && priv->run_cancellable != NULL)
    g_cancellable_cancel (priv->run_cancellable);
}

static void
aio_service_start_internal (AioService          *self,
                            gboolean             check_cycle,
                            GCancellable        *cancellable,
                            GTask               *task,
                            AioServiceDoneFunc   done,
                            gpointer             done_data)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);
  GPtrArray *deps;

  switch (priv->state)
    {
    case AIO_SERVICE_STATE_STARTING:
    case AIO_SERVICE_STATE_RUNNING:
    case AIO_SERVICE_STATE_STOPPING:
      aio_service_return (self, task, done, done_data,
                          g_error_new (G_IO_ERROR, G_IO_ERROR_BUSY,
                                       "Service '%s' is already %s",
                                       aio_service_get_name (self),
                                       _aio_service_state_to_string (priv->state)));
      return;

    case AIO_SERVICE_STATE_NEW:
    case AIO_SERVICE_STATE_STOPPED:
    case AIO_SERVICE_STATE_FAILED:
    default:
      break;
    }

  if (check_cycle && priv->dependencies->len > 0 && _aio_service_in_cycle (self))
    {
      aio_service_return (self, task, done, done_data,
                          g_error_new (AIO_ERROR, AIO_ERROR_DEPENDENCY_CYCLE,
                                       "Service '%s' depends on itself through its dependencies",
                                       aio_service_get_name (self)));
      return;
    }

  deps = priv->dependencies;
  for (guint i = 0; i < deps->len; i++)
    {
      AioService *dep = g_ptr_array_index (deps, i);
      AioServiceState dep_state = aio_service_get_state (dep);

      if (dep_state == AIO_SERVICE_STATE_FAILED)
        {
          aio_service_set_state (self, AIO_SERVICE_STATE_FAILED);
          aio_service_return (self, task, done, done_data,
                              g_error_new (AIO_ERROR, AIO_ERROR_DEPENDENCY_FAILED,
                                           "Service '%s' cannot start: its dependency '%s' failed",
                                           aio_service_get_name (self),
                                           aio_service_get_name (dep)));
          return;
        }

      if (dep_state != AIO_SERVICE_STATE_RUNNING)
        {
          aio_service_return (self, task, done, done_data,
                              g_error_new (AIO_ERROR, AIO_ERROR_DEPENDENCY_NOT_RUNNING,
                                           "Service '%s' cannot start: its dependency '%s' is %s",
                                           aio_service_get_name (self),
                                           aio_service_get_name (dep),
                                           _aio_service_state_to_string (dep_state)));
          return;
        }
    }

  g_clear_pointer (&priv->context, g_main_context_unref);
  priv->context = g_main_context_ref_thread_default ();
  g_clear_object (&priv->run_cancellable);
  priv->run_cancellable = g_cancellable_new ();
  priv->ever_running = FALSE;

  if (task != NULL)
    {
      priv->start_task = task;
      if (cancellable != NULL)
        {
          priv->start_caller_cancellable = g_object_ref (cancellable);
          priv->start_cancel_id =
            g_cancellable_connect (cancellable,
                                   G_CALLBACK (aio_service_start_cancelled_cb),
                                   g_object_ref (priv->run_cancellable),
                                   g_object_unref);
        }
    }
  else
    {
      priv->start_done = done;
      priv->start_done_data = done_data;
      if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
        g_cancellable_cancel (priv->run_cancellable);
    }

  aio_service_set_state (self, AIO_SERVICE_STATE_STARTING);
  priv->start_vfunc_pending = TRUE;
  AIO_SERVICE_GET_CLASS (self)->start_async (self,
                                             priv->run_cancellable,
                                             aio_service_start_vfunc_cb,
                                             g_object_ref (self));
}

/**
 * aio_service_start_finish: (virtual start_finish)
 * @self: a service
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.Service.start_async].
 *
 * Returns: %TRUE if the service is up
 *
 * Since: 0.1
 */
gboolean
aio_service_start_finish (AioService    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (AIO_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
aio_service_set_ready_idle (gpointer data)
{
  aio_service_set_ready (AIO_SERVICE (data));
  return G_SOURCE_REMOVE;
}

/**
 * aio_service_set_ready:
 * @self: a service
 *
 * Tells that a long-running service is up (aiomisc's `start_event.set()`):
 * the service becomes %AIO_SERVICE_STATE_RUNNING and
 * [method@Aio.Service.start_async] completes while `start` goes on.
 *
 * Does nothing unless the service is starting. May be called from any
 * thread; from another thread it takes effect on the main context the
 * service was started on.
 *
 * Since: 0.1
 */
void
aio_service_set_ready (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_SERVICE (self));

  if (priv->context != NULL && !g_main_context_is_owner (priv->context))
    {
      _aio_context_run (priv->context, aio_service_set_ready_idle,
                        g_object_ref (self), g_object_unref);
      return;
    }

  if (priv->state != AIO_SERVICE_STATE_STARTING || !aio_service_start_pending (priv))
    return;

  /* Ready after the caller cancelled the start: stop it. */
  if (g_cancellable_is_cancelled (priv->run_cancellable))
    {
      aio_service_stop_cancelled_start (self);
      return;
    }

  priv->ever_running = TRUE;
  aio_service_set_state (self, AIO_SERVICE_STATE_RUNNING);
  aio_service_complete_start (self, NULL);
}

static void
aio_service_stop_vfunc_cb (GObject      *object,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(AioService) self = user_data;
  AioServicePrivate *priv = aio_service_get_instance_private (self);
  g_autoptr(GError) error = NULL;

  if (!AIO_SERVICE_GET_CLASS (self)->stop_finish (self, result, &error))
    {
      if (error == NULL)
        g_set_error (&error, AIO_ERROR, AIO_ERROR_SERVICE_FAILED,
                     "Service '%s' failed to stop without saying why",
                     aio_service_get_name (self));
      g_prefix_error (&error, "Service '%s' failed to stop: ",
                      aio_service_get_name (self));
      if (priv->stop_error == NULL)
        priv->stop_error = g_steal_pointer (&error);
    }

  priv->stop_vfunc_pending = FALSE;
  aio_service_maybe_finish_stop (self);
}

static void
aio_service_run_stop_vfunc (AioService *self)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);
  AioServiceClass *klass = AIO_SERVICE_GET_CLASS (self);
  GCancellable *cancellable = NULL;

  /* The default stop has nothing to do: done without a GTask round trip. */
  if (klass->stop_async == aio_service_real_stop_async &&
      klass->stop_finish == aio_service_real_finish)
    {
      priv->stop_vfunc_pending = FALSE;
      aio_service_maybe_finish_stop (self);
      return;
    }

  /* The first stop operation's cancellable is handed to the vfunc. */
  if (priv->stop_tasks != NULL && priv->stop_tasks->len > 0)
    cancellable = g_task_get_cancellable (g_ptr_array_index (priv->stop_tasks, 0));

  priv->stop_vfunc_pending = TRUE;
  AIO_SERVICE_GET_CLASS (self)->stop_async (self,
                                            priv->stop_reason,
                                            cancellable,
                                            aio_service_stop_vfunc_cb,
                                            g_object_ref (self));
}

static void aio_service_stop_internal (AioService         *self,
                                       const GError       *reason,
                                       GTask              *task,
                                       AioServiceDoneFunc  done,
                                       gpointer            done_data);

/**
 * aio_service_stop_async: (virtual stop_async)
 * @self: a service
 * @reason: (nullable): why the service is stopped, or %NULL for a normal stop
 * @cancellable: (nullable): handed to the `stop_async` of the class
 * @callback: (scope async): called when the service has stopped
 * @user_data: (closure): data for @callback
 *
 * Stops the service: cancels the cancellable its `start` received, runs
 * `stop_async` of its class and completes once both `stop` and `start`
 * are done.
 *
 * Stopping a service that is starting cancels the start and waits for it;
 * then `stop` runs unless the start failed with an error other than
 * cancellation (a start that succeeded anyway, or one that gave up with
 * %G_IO_ERROR_CANCELLED, may have set things up). Concurrent stops share one
 * run of `stop`. Stopping a stopped service, or one whose start failed,
 * succeeds at once. Stopping a service that was never started fails with
 * %AIO_ERROR_NOT_RUNNING.
 *
 * Since: 0.1
 */
void
aio_service_stop_async (AioService          *self,
                        const GError        *reason,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (AIO_IS_SERVICE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_service_stop_async);
  aio_service_stop_internal (self, reason, task, NULL, NULL);
}

typedef struct
{
  AioServiceDoneFunc done;
  gpointer           done_data;
} WalkStopWaiter;

static void
walk_stop_waiter_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  WalkStopWaiter *waiter = user_data;
  GError *error = NULL;

  aio_service_stop_finish (AIO_SERVICE (object), result, &error);
  waiter->done (AIO_SERVICE (object), error, waiter->done_data);
  g_free (waiter);
}

/* aio_service_stop_async() for the entrypoint's walk, which hears of the
 * outcome through @done (maybe before this returns) rather than a GTask. */
void
_aio_service_walk_stop (AioService         *self,
                        const GError       *reason,
                        AioServiceDoneFunc  done,
                        gpointer            done_data)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  /* One walk waits without a GTask; a second one (a stop walk after a
   * walk that timed out) through one. */
  if (priv->stop_done != NULL)
    {
      WalkStopWaiter *waiter = g_new (WalkStopWaiter, 1);

      waiter->done = done;
      waiter->done_data = done_data;
      aio_service_stop_async (self, reason, NULL, walk_stop_waiter_cb, waiter);
      return;
    }

  aio_service_stop_internal (self, reason, NULL, done, done_data);
}

static void
aio_service_add_stop_waiter (AioService         *self,
                             GTask              *task,
                             AioServiceDoneFunc  done,
                             gpointer            done_data)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);

  if (task != NULL)
    {
      if (priv->stop_tasks == NULL)
        priv->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (priv->stop_tasks, task);
    }
  else
    {
      g_assert (priv->stop_done == NULL);
      priv->stop_done = done;
      priv->stop_done_data = done_data;
    }
}

static void
aio_service_stop_internal (AioService         *self,
                           const GError       *reason,
                           GTask              *task,
                           AioServiceDoneFunc  done,
                           gpointer            done_data)
{
  AioServicePrivate *priv = aio_service_get_instance_private (self);
  AioServiceState state;

  state = priv->state;
  switch (state)
    {
    case AIO_SERVICE_STATE_NEW:
      aio_service_return (self, task, done, done_data,
                          g_error_new (AIO_ERROR, AIO_ERROR_NOT_RUNNING,
                                       "Service '%s' cannot stop: it was never started",
                                       aio_service_get_name (self)));
      return;

    case AIO_SERVICE_STATE_STOPPED:
      aio_service_return (self, task, done, done_data, NULL);
      return;

    case AIO_SERVICE_STATE_FAILED:
      if (!priv->ever_running)
        {
          aio_service_return (self, task, done, done_data, NULL);
          return;
        }
      break;

    case AIO_SERVICE_STATE_STOPPING:
      aio_service_add_stop_waiter (self, task, done, done_data);
      return;

    case AIO_SERVICE_STATE_STARTING:
    case AIO_SERVICE_STATE_RUNNING:
    default:
      break;
    }

  aio_service_add_stop_waiter (self, task, done, done_data);
  g_clear_error (&priv->stop_reason);
  if (reason != NULL)
    priv->stop_reason = g_error_copy (reason);
  aio_service_set_state (self, AIO_SERVICE_STATE_STOPPING);

  if (priv->run_cancellable != NULL)
    g_cancellable_cancel (priv->run_cancellable);

  /* While starting, stop runs once the start completed (and succeeded). */
  if (state != AIO_SERVICE_STATE_STARTING || !aio_service_start_pending (priv))
    aio_service_run_stop_vfunc (self);
}

/**
 * aio_service_stop_finish: (virtual stop_finish)
 * @self: a service
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.Service.stop_async].
 *
 * Returns: %TRUE if the service stopped cleanly
 *
 * Since: 0.1
 */
gboolean
aio_service_stop_finish (AioService    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (AIO_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
