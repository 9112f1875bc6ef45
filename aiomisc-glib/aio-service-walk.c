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
  Walk       *walk;
  guint       blockers;
  GPtrArray  *unblocks;   /* Node*, not owned; NULL while there is none */
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
  Node            *nodes;      /* n_nodes of them, one per service */
  guint            n_nodes;
  /* The nodes to launch, first in first out: each is queued at most once,
   * so n_nodes slots do. */
  Node           **ready;
  guint            ready_head;
  guint            ready_tail;
  gboolean         launching;
  guint            n_in_flight;
  guint            n_launched;
  GCancellable    *cancellable;
  gulong           cancel_id;   /* the walk's one handler on cancellable */
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
  g_assert (walk->cancel_id == 0);
  g_clear_object (&walk->self);
  g_clear_object (&walk->clock);
  g_clear_pointer (&walk->context, g_main_context_unref);
  for (guint i = 0; i < walk->n_nodes; i++)
    g_clear_pointer (&walk->nodes[i].unblocks, g_ptr_array_unref);
  g_free (walk->nodes);
  g_free (walk->ready);
  g_clear_object (&walk->cancellable);
  g_clear_error (&walk->reason);
  g_clear_error (&walk->error);
  g_free (walk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Walk, walk_unref)

static inline void
walk_push_ready (Walk *walk,
                 Node *node)
{
  walk->ready[walk->ready_tail++] = node;
}

static inline Node *
walk_pop_ready (Walk *walk)
{
  return walk->ready_head < walk->ready_tail ? walk->ready[walk->ready_head++] : NULL;
}

static inline gboolean
walk_ready_is_empty (Walk *walk)
{
  return walk->ready_head == walk->ready_tail;
}

/* The handler on the cancellable goes once the walk is over and no start
 * it launched is pending: until then a cancel reaches those starts. It is
 * dropped with g_signal_handler_disconnect(), which unlike
 * g_cancellable_disconnect() does not wait for an emission in progress, so
 * may be called from within one (a start that completes in the handler);
 * the handler's reference keeps the walk alive through such an emission. */
static void
walk_maybe_disconnect (Walk *walk)
{
  gulong id = walk->cancel_id;

  if (id == 0 || !walk->finished || walk->n_in_flight > 0)
    return;

  walk->cancel_id = 0;
  g_signal_handler_disconnect (walk->cancellable, id);
}

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
  walk_maybe_disconnect (walk);
  walk->done (walk->self, error, walk->done_data);
}

static gboolean
walk_would_finish (Walk *walk)
{
  return (!walk->stopping && walk->error != NULL) ||
         (walk->n_in_flight == 0 && walk_ready_is_empty (walk));
}

static void
walk_check_done (Walk *walk)
{
  /* A failed start does not wait for the others still starting: the stop
   * that follows cancels them. */
  if (!walk->stopping && walk->error != NULL)
    walk_finish (walk, g_error_copy (walk->error));
  else if (walk->n_in_flight == 0 && walk_ready_is_empty (walk))
    walk_finish (walk, walk->error ? g_error_copy (walk->error) : NULL);
}

static gboolean
walk_check_done_idle (gpointer data)
{
  walk_check_done (data);
  return G_SOURCE_REMOVE;
}

static void walk_launch_ready (Walk *walk);

static void
walk_node_done (Walk *walk,
                Node *node)
{
  node->done = TRUE;

  for (guint i = 0; node->unblocks != NULL && i < node->unblocks->len; i++)
    {
      Node *next = g_ptr_array_index (node->unblocks, i);

      if (--next->blockers == 0)
        walk_push_ready (walk, next);
    }
}

/* A start or stop the walk launched is done; maybe while it is launching,
 * from within the call that launched it. */
static void
walk_service_done (AioService *service,
                   GError     *error_in,
                   gpointer    data)
{
  Node *node = data;
  g_autoptr(Walk) walk = node->walk;   /* the reference taken at launch */
  g_autoptr(GError) error = error_in;
  gboolean ok = error == NULL;

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

  /* The launch loop goes on with what this unblocked, and its caller
   * checks whether the walk is done. */
  if (walk->launching)
    return;

  walk_launch_ready (walk);
  walk_check_done (walk);
  walk_maybe_disconnect (walk);
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
      !walk_ready_is_empty (walk))
    now = aio_clock_get_monotonic_time (walk->clock);

  while ((node = walk_pop_ready (walk)) != NULL)
    {
      if (!walk->stopping && walk->error != NULL)
        break;

      if (walk->stopping && !walk_service_needs_stop (node->service))
        {
          walk_node_done (walk, node);
          continue;
        }

      walk->n_in_flight++;
      walk->n_launched++;
      node->launched = TRUE;
      node->launched_at = now;
      walk_ref (walk);
      if (walk->stopping)
        _aio_service_walk_stop (node->service, walk->reason, walk_service_done, node);
      else
        /* The entrypoint checked for cycles before any walk. */
        _aio_service_walk_start (node->service, walk->cancellable, walk_service_done, node);
    }

  walk->launching = FALSE;
}

/* A cancel of the start walk's cancellable reaches every start still
 * pending, as a handler per service would, in the walk's context. */
static gboolean
walk_cancel_starts (gpointer data)
{
  Walk *walk = data;

  for (guint i = 0; i < walk->n_nodes; i++)
    {
      Node *node = &walk->nodes[i];

      if (node->launched && !node->settled)
        _aio_service_cancel_walk_start (node->service);
    }

  return G_SOURCE_REMOVE;
}

static void
walk_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  Walk *walk = data;

  /* At once in the walk's thread, else from its context: never in the
   * cancelling thread, which would race with the launch loop. */
  _aio_context_run (walk->context, walk_cancel_starts, walk_ref (walk), (GDestroyNotify) walk_unref);
}

static gboolean
walk_timeout_cb (gpointer data)
{
  Walk *walk = data;
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; i < walk->n_nodes; i++)
    if (!walk->nodes[i].done)
      g_string_append_printf (names, "%s'%s'", names->len ? ", " : "",
                              aio_service_get_name (walk->nodes[i].service));

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

  g_clear_pointer (&walk->watchdog_source, g_source_unref);
  if (walk->finished)
    return G_SOURCE_REMOVE;

  for (guint i = 0; i < walk->n_nodes; i++)
    {
      Node *node = &walk->nodes[i];
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
  g_autoptr(GHashTable) by_service = NULL;
  gboolean any_dependency = FALSE;
  guint n = 0;

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
  walk->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  walk->reason = reason ? g_error_copy (reason) : NULL;
  walk->done = done;
  walk->done_data = done_data;

  /* The nodes, in the order of @services; the order is also that of the
   * launches of the services nothing blocks. */
  walk->nodes = g_new0 (Node, services->len);
  walk->ready = g_new (Node *, services->len);
  for (guint i = 0; i < services->len; i++)
    {
      AioService *service = g_ptr_array_index (services, i);

      if (!stopping && aio_service_get_state (service) == AIO_SERVICE_STATE_RUNNING)
        continue;
      walk->nodes[n].service = service;
      walk->nodes[n].walk = walk;
      if (_aio_service_peek_dependencies (service)->len > 0)
        any_dependency = TRUE;
      n++;
    }
  walk->n_nodes = n;

  /* Edges: a dependency blocks its dependent's start; a dependent blocks
   * its dependency's stop. The lookup table only when there are edges. */
  if (any_dependency)
    {
      by_service = g_hash_table_new (NULL, NULL);
      for (guint i = 0; i < n; i++)
        g_hash_table_insert (by_service, walk->nodes[i].service, &walk->nodes[i]);
    }
  for (guint i = 0; any_dependency && i < n; i++)
    {
      Node *node = &walk->nodes[i];
      GPtrArray *deps = _aio_service_peek_dependencies (node->service);

      for (guint j = 0; j < deps->len; j++)
        {
          Node *dep = g_hash_table_lookup (by_service, g_ptr_array_index (deps, j));
          Node *blocked, *blocker;

          if (dep == NULL)
            continue;
          blocked = stopping ? dep : node;
          blocker = stopping ? node : dep;
          blocked->blockers++;
          if (blocker->unblocks == NULL)
            blocker->unblocks = g_ptr_array_new ();
          g_ptr_array_add (blocker->unblocks, blocked);
        }
    }

  for (guint i = 0; i < n; i++)
    if (walk->nodes[i].blockers == 0)
      walk_push_ready (walk, &walk->nodes[i]);

  if (stopping && timeout > 0)
    {
      walk->timeout_source = _aio_clock_timer_new (clock, _aio_seconds_to_usec (timeout),
                                                   walk_timeout_cb, NULL, context);
      g_source_set_callback (walk->timeout_source, walk_timeout_cb,
                             walk_ref (walk), (GDestroyNotify) walk_unref);
      g_source_set_static_name (walk->timeout_source, "[aiomisc-glib] shutdown timeout");
    }

  /* One handler for the walk rather than one per service (10,000 services:
   * 10,000 connects and disconnects). Already cancelled, it runs at once
   * and finds nothing launched: each start then sees the cancel itself. */
  if (!stopping && cancellable != NULL)
    walk->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (walk_cancelled_cb),
                                             walk_ref (walk), (GDestroyNotify) walk_unref);

  walk_launch_ready (walk);

  /* A walk that launched something finishes in a later dispatch, as when
   * each start or stop completed through a GTask, even when they all
   * completed at once: the caller's next step does not run from within
   * the call that began the walk. */
  if (walk->n_launched > 0 && walk_would_finish (walk))
    _aio_context_defer (context, walk_check_done_idle, walk_ref (walk),
                        (GDestroyNotify) walk_unref, "[aiomisc-glib] service walk done");
  else
    walk_check_done (walk);
  walk_maybe_disconnect (walk);

  if (!walk->finished && (walk->warn_after_us > 0 || walk->fail_after_us > 0))
    {
      gint64 first = walk->warn_after_us > 0 ? walk->warn_after_us : G_MAXINT64;

      if (walk->fail_after_us > 0)
        first = MIN (first, walk->fail_after_us);
      walk_arm_watchdog (walk, aio_clock_get_monotonic_time (clock) + first);
    }
}
