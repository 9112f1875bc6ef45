/* aio-service-walk.c: one concurrent, dependency-ordered start or stop of a
 * set of services (the walk an entrypoint makes over their graph)
 *
 * SPDX-License-Identifier: MIT
 *
 * Each service is a node counting the nodes that must finish first (its
 * dependencies on start, its dependents on stop) and listing the nodes it
 * unblocks. A node whose count drops to zero is launched, so the walk takes
 * O(services + dependencies) work and its wall time is the critical path. */
#include "aiomisc-glib.h"
#include "aio-service-private.h"
#include "aio-service-walk-private.h"
#include "aio-task-private.h"

typedef struct _Walk Walk;

typedef struct
{
  AioService *service;
  guint       blockers;
  GPtrArray  *unblocks;   /* Node*, not owned */
  gboolean    done;
  gint64      launched_at;  /* on the walk's clock, for the start watchdog */
  guint       launched : 1;
  guint       settled : 1;  /* its start or stop completed */
  guint       warned : 1;
} Node;

struct _Walk
{
  gatomicrefcount  ref_count;
  AioEntrypoint   *self;
  gboolean         stopping;
  double           timeout;
  GHashTable      *nodes;      /* AioService* -> Node* */
  GQueue           ready;      /* Node* to launch */
  gboolean         launching;
  guint            n_in_flight;
  GCancellable    *cancellable;
  GError          *reason;
  GError          *error;
  GSource         *timeout_source;
  /* Start walks: the watchdog that warns about, and times out, slow starts. */
  AioClock        *clock;
  GMainContext    *context;
  gint64           warn_after_us;   /* 0: no warning */
  gint64           fail_after_us;   /* 0: no timeout */
  GSource         *watchdog_source;
  AioServiceWalkDone done;
  gpointer         done_data;
  gboolean         finished;
};

static void
node_free (gpointer data)
{
  Node *node = data;

  g_clear_pointer (&node->unblocks, g_ptr_array_unref);
  g_free (node);
}

static Walk *
walk_ref (Walk *walk)
{
  g_atomic_ref_count_inc (&walk->ref_count);
  return walk;
}

static void
walk_unref (Walk *walk)
{
  if (!g_atomic_ref_count_dec (&walk->ref_count))
    return;

  g_assert (walk->timeout_source == NULL);
  g_assert (walk->watchdog_source == NULL);
  g_clear_object (&walk->self);
  g_clear_object (&walk->clock);
  g_clear_pointer (&walk->context, g_main_context_unref);
  g_clear_pointer (&walk->nodes, g_hash_table_unref);
  g_queue_clear (&walk->ready);
  g_clear_object (&walk->cancellable);
  g_clear_error (&walk->reason);
  g_clear_error (&walk->error);
  g_free (walk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Walk, walk_unref)

static void
walk_finish (Walk   *walk,
             GError *error)
{
  if (walk->finished)
    {
      g_clear_error (&error);
      return;
    }

  walk->finished = TRUE;
  if (walk->timeout_source != NULL)
    {
      g_source_destroy (walk->timeout_source);
      g_clear_pointer (&walk->timeout_source, g_source_unref);
    }
  if (walk->watchdog_source != NULL)
    {
      g_source_destroy (walk->watchdog_source);
      g_clear_pointer (&walk->watchdog_source, g_source_unref);
    }
  walk->done (walk->self, error, walk->done_data);
}

static void
walk_check_done (Walk *walk)
{
  /* A failed start does not wait for the others still starting: the stop
   * that follows cancels them. */
  if (!walk->stopping && walk->error != NULL)
    walk_finish (walk, g_error_copy (walk->error));
  else if (walk->n_in_flight == 0 && g_queue_is_empty (&walk->ready))
    walk_finish (walk, walk->error ? g_error_copy (walk->error) : NULL);
}

static void walk_launch_ready (Walk *walk);

static void
walk_node_done (Walk *walk,
                Node *node)
{
  node->done = TRUE;

  for (guint i = 0; i < node->unblocks->len; i++)
    {
      Node *next = g_ptr_array_index (node->unblocks, i);

      if (--next->blockers == 0)
        g_queue_push_tail (&walk->ready, next);
    }
}

static void
walk_service_done_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  AioService *service = AIO_SERVICE (object);
  g_autoptr(Walk) walk = user_data;
  g_autoptr(GError) error = NULL;
  Node *node = g_hash_table_lookup (walk->nodes, service);
  gboolean ok;

  if (walk->stopping)
    ok = aio_service_stop_finish (service, result, &error);
  else
    ok = aio_service_start_finish (service, result, &error);

  walk->n_in_flight--;
  node->settled = TRUE;

  if (!ok)
    {
      if (!walk->stopping)
        g_prefix_error (&error, "Service '%s' failed to start: ",
                        aio_service_get_name (service));
      if (walk->error == NULL)
        walk->error = g_steal_pointer (&error);
    }
  /* A success is not logged here: the service logs its state changes. */

  /* A stop goes on after a failure; a failed service's dependents never start. */
  if (ok || walk->stopping)
    walk_node_done (walk, node);

  walk_launch_ready (walk);
  walk_check_done (walk);
}

static gboolean
walk_service_needs_stop (AioService *service)
{
  switch (aio_service_get_state (service))
    {
    case AIO_SERVICE_STATE_STARTING:
    case AIO_SERVICE_STATE_RUNNING:
    case AIO_SERVICE_STATE_STOPPING:
      return TRUE;
    case AIO_SERVICE_STATE_FAILED:
      return _aio_service_has_run (service);
    case AIO_SERVICE_STATE_NEW:
    case AIO_SERVICE_STATE_STOPPED:
    default:
      return FALSE;
    }
}

static void
walk_launch_ready (Walk *walk)
{
  Node *node;
  gint64 now = 0;

  /* Completions that arrive while launching only queue their unblocked nodes. */
  if (walk->launching)
    return;
  walk->launching = TRUE;

  /* One clock read for the batch, and only when a watchdog needs it. */
  if (!walk->stopping && (walk->warn_after_us > 0 || walk->fail_after_us > 0) &&
      !g_queue_is_empty (&walk->ready))
    now = aio_clock_get_monotonic_time (walk->clock);

  while ((node = g_queue_pop_head (&walk->ready)) != NULL)
    {
      if (!walk->stopping && walk->error != NULL)
        break;

      if (walk->stopping && !walk_service_needs_stop (node->service))
        {
          walk_node_done (walk, node);
          continue;
        }

      walk->n_in_flight++;
      node->launched = TRUE;
      node->launched_at = now;
      if (walk->stopping)
        aio_service_stop_async (node->service, walk->reason, walk->cancellable,
                                walk_service_done_cb, walk_ref (walk));
      else
        /* The entrypoint checked for cycles before any walk. */
        _aio_service_start_acyclic_async (node->service, walk->cancellable,
                                          walk_service_done_cb, walk_ref (walk));
    }

  walk->launching = FALSE;
}

static gboolean
walk_timeout_cb (gpointer data)
{
  Walk *walk = data;
  g_autoptr(GString) names = g_string_new (NULL);
  GHashTableIter iter;
  Node *node;

  g_hash_table_iter_init (&iter, walk->nodes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &node))
    if (!node->done)
      g_string_append_printf (names, "%s'%s'", names->len ? ", " : "",
                              aio_service_get_name (node->service));

  walk_finish (walk,
               g_error_new (AIO_ERROR, AIO_ERROR_SHUTDOWN_TIMEOUT,
                            "Services did not stop within the shutdown timeout of %g s: %s",
                            walk->timeout, names->str));

  return G_SOURCE_REMOVE;
}

static gboolean walk_watchdog_cb (gpointer data);

static void
walk_arm_watchdog (Walk   *walk,
                   gint64  deadline)
{
  g_clear_pointer (&walk->watchdog_source, g_source_unref);
  walk->watchdog_source = aio_clock_create_timeout_source (walk->clock, deadline);
  g_source_set_callback (walk->watchdog_source, walk_watchdog_cb,
                         walk_ref (walk), (GDestroyNotify) walk_unref);
  g_source_set_static_name (walk->watchdog_source, "[aiomisc-glib] start watchdog");
  g_source_attach (walk->watchdog_source, walk->context);
}

/* Warns about the starts running for longer than warn_after_us, fails the
 * walk if one ran for fail_after_us, and sleeps until the next deadline. */
static gboolean
walk_watchdog_cb (gpointer data)
{
  Walk *walk = data;
  gint64 now = aio_clock_get_monotonic_time (walk->clock);
  gint64 next = G_MAXINT64;
  GHashTableIter iter;
  Node *node;

  g_clear_pointer (&walk->watchdog_source, g_source_unref);
  if (walk->finished)
    return G_SOURCE_REMOVE;

  g_hash_table_iter_init (&iter, walk->nodes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &node))
    {
      gint64 elapsed;

      if (!node->launched || node->settled)
        continue;

      elapsed = now - node->launched_at;
      if (walk->fail_after_us > 0 && elapsed >= walk->fail_after_us)
        {
          if (walk->error == NULL)
            walk->error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                       "Service '%s' did not start within the start "
                                       "timeout of %g s",
                                       aio_service_get_name (node->service),
                                       walk->fail_after_us / (double) G_USEC_PER_SEC);
          walk_check_done (walk);
          return G_SOURCE_REMOVE;
        }
      if (walk->warn_after_us > 0 && !node->warned)
        {
          if (elapsed >= walk->warn_after_us)
            {
              node->warned = TRUE;
              g_warning ("Service '%s' is still starting after %g s; did it forget "
                         "to call aio_service_set_ready()?",
                         aio_service_get_name (node->service),
                         elapsed / (double) G_USEC_PER_SEC);
            }
          else
            next = MIN (next, node->launched_at + walk->warn_after_us);
        }
      if (walk->fail_after_us > 0)
        next = MIN (next, node->launched_at + walk->fail_after_us);
    }

  /* Nodes launched later get their deadlines from the next round. */
  if (walk->warn_after_us > 0)
    next = MIN (next, now + walk->warn_after_us);
  if (walk->fail_after_us > 0)
    next = MIN (next, now + walk->fail_after_us);
  walk_arm_watchdog (walk, next);

  return G_SOURCE_REMOVE;
}

void
_aio_service_walk_run (AioEntrypoint      *self,
                       GPtrArray          *services,
                       gboolean            stopping,
                       const GError       *reason,
                       GCancellable       *cancellable,
                       double              timeout,
                       double              warn_after,
                       AioClock           *clock,
                       GMainContext       *context,
                       AioServiceWalkDone  done,
                       gpointer            done_data)
{
  g_autoptr(Walk) walk = g_new0 (Walk, 1);
  GHashTableIter iter;
  Node *node;

  g_atomic_ref_count_init (&walk->ref_count);
  walk->self = g_object_ref (self);
  walk->stopping = stopping;
  walk->timeout = timeout;
  walk->clock = g_object_ref (clock);
  walk->context = g_main_context_ref (context);
  if (!stopping)
    {
      walk->warn_after_us = _aio_seconds_to_usec (warn_after);
      walk->fail_after_us = _aio_seconds_to_usec (timeout);
    }
  walk->nodes = g_hash_table_new_full (NULL, NULL, NULL, node_free);
  g_queue_init (&walk->ready);
  walk->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  walk->reason = reason ? g_error_copy (reason) : NULL;
  walk->done = done;
  walk->done_data = done_data;

  for (guint i = 0; i < services->len; i++)
    {
      AioService *service = g_ptr_array_index (services, i);

      if (!stopping && aio_service_get_state (service) == AIO_SERVICE_STATE_RUNNING)
        continue;
      node = g_new0 (Node, 1);
      node->service = service;
      node->unblocks = g_ptr_array_new ();
      g_hash_table_insert (walk->nodes, service, node);
    }

  /* Edges: a dependency blocks its dependent's start; a dependent blocks
   * its dependency's stop. */
  g_hash_table_iter_init (&iter, walk->nodes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &node))
    {
      GPtrArray *deps = _aio_service_peek_dependencies (node->service);

      for (guint i = 0; i < deps->len; i++)
        {
          Node *dep = g_hash_table_lookup (walk->nodes, g_ptr_array_index (deps, i));

          if (dep == NULL)
            continue;
          if (stopping)
            {
              dep->blockers++;
              g_ptr_array_add (node->unblocks, dep);
            }
          else
            {
              node->blockers++;
              g_ptr_array_add (dep->unblocks, node);
            }
        }
    }

  for (guint i = 0; i < services->len; i++)
    {
      node = g_hash_table_lookup (walk->nodes, g_ptr_array_index (services, i));
      if (node != NULL && node->blockers == 0)
        g_queue_push_tail (&walk->ready, node);
    }

  if (stopping && timeout > 0)
    {
      walk->timeout_source = _aio_clock_timer_new (clock, _aio_seconds_to_usec (timeout),
                                                   walk_timeout_cb, NULL, context);
      g_source_set_callback (walk->timeout_source, walk_timeout_cb,
                             walk_ref (walk), (GDestroyNotify) walk_unref);
      g_source_set_static_name (walk->timeout_source, "[aiomisc-glib] shutdown timeout");
    }

  walk_launch_ready (walk);
  walk_check_done (walk);

  if (!walk->finished && (walk->warn_after_us > 0 || walk->fail_after_us > 0))
    {
      gint64 first = walk->warn_after_us > 0 ? walk->warn_after_us : G_MAXINT64;

      if (walk->fail_after_us > 0)
        first = MIN (first, walk->fail_after_us);
      walk_arm_watchdog (walk, aio_clock_get_monotonic_time (clock) + first);
    }
}
