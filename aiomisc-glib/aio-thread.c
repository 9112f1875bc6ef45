/* aio-thread.c: running blocking calls on a dedicated thread pool
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-statistics-private.h"
#include "aio-thread-private.h"

#include <string.h>

/*
 * Design notes
 *
 * A job goes to exactly one exclusive GThreadPool: the current pool (the
 * entrypoint's, while it runs) or the lazily created default pool. GTask's
 * shared pool is deliberately not used: it grows slowly, so jobs that wait
 * for each other can stall it for a long time.
 *
 * pools_lock is a reader/writer lock: submitters hold it for reading while
 * they pick the current pool and push onto it; making a pool current, or
 * retiring it in _aio_worker_pool_free(), takes it for writing. Once a pool
 * is no longer current nobody can push onto it any more, so
 * g_thread_pool_free (pool, FALSE, TRUE) runs every job that reached it and
 * then returns.
 *
 * The job is its own result: an AioThreadResult, a minimal final GObject
 * implementing GAsyncResult, is what the worker runs and what the callback
 * gets. It replaces a GTask per job: GTask's properties, its notify of
 * "completed", its task data and its idle-return machinery cost more than
 * the thread hop itself (see bench/run-thread-callgrind.py), and none of it
 * is needed here, because the callback only ever runs from the dispatch of
 * the completion queue (below), never from inside the _async call.
 *
 * A job's life is a tiny state machine on an atomic int: QUEUED -> RUNNING
 * (a worker picked it up and will run the function) or QUEUED -> CANCELLED
 * (the cancellable fired first: the operation completes at once with
 * G_IO_ERROR_CANCELLED, and the worker that eventually dequeues the job only
 * releases it). Exactly one side wins the compare-and-exchange, so the job
 * is completed exactly once and the function never runs after a
 * cancellation was reported. Once the function ran, its outcome is what the
 * caller gets, even if the cancellable fired meanwhile: a result we cannot
 * free must not be dropped. The data's destroy notify always runs on the
 * worker, exactly once.
 *
 * References on the job: the completion owns the one it is created with
 * (dropped after the callback ran); with a cancellable, the worker owns a
 * second one, because the cancellation may complete the job while it is
 * still queued. Without a cancellable, only the worker completes the job,
 * and it touches it no more once it handed it over.
 *
 * Completion is batched. A worker that finished a job pushes it onto the
 * completion stack of the caller's main context, an AioCompletions GSource
 * attached to that context (one per context, found through a table keyed
 * by the context, and through a one-entry cache per submitting thread).
 * The stack takes no lock: workers push with a compare-and-exchange, the
 * dispatch takes the whole stack with one exchange (a push-only stack
 * emptied at once has no ABA problem) and reverses it, so callbacks run in
 * the order the jobs finished. Only the push that finds the stack empty
 * wakes the context, with g_main_context_wakeup(), which takes no lock
 * either. The dispatch counts the batch in the statistics and runs every
 * callback, with the job's context as the thread-default one: a burst of N
 * jobs that finish together costs one wake-up instead of N.
 */

typedef enum {
  AIO_JOB_QUEUED,
  AIO_JOB_RUNNING,
  AIO_JOB_CANCELLED,
} AioJobState;

typedef struct _AioCompletions AioCompletions;

#define AIO_TYPE_THREAD_RESULT (aio_thread_result_get_type ())
G_DECLARE_FINAL_TYPE (AioThreadResult, aio_thread_result, AIO, THREAD_RESULT, GObject)

struct _AioThreadResult
{
  GObject         parent_instance;

  /* What to run; set before submission. */
  union {
    AioThreadFunc      pointer;
    AioThreadValueFunc value;
  } func;
  gpointer        data;
  GDestroyNotify  destroy;
  GCancellable   *cancellable;   /* owned, nullable */
  gulong          cancelled_id;
  gint            state;         /* AioJobState, atomic */
  gboolean        is_value;

  /* Where to complete. */
  gpointer             source_tag;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  GMainContext        *context;  /* owned: the caller's thread-default one */
  AioCompletions      *completions; /* borrowed: attached to context */
  AioThreadResult     *next;     /* in AioCompletions.head */

  /* The outcome, set by the worker (or the cancellation), handed over
   * by the finish function. */
  gpointer        result;
  GValue          value;         /* instead of result, if is_value */
  GError         *error;
  gint64          elapsed;       /* µs the function ran */
  gboolean        completed;     /* the callback was called */
  gboolean        propagated;    /* the finish function was called */
};

static void aio_thread_result_async_result_iface_init (GAsyncResultIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (AioThreadResult, aio_thread_result, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_ASYNC_RESULT,
                                                      aio_thread_result_async_result_iface_init))

static guint notify_signal_id;

/* Drops what the job holds, back to the state of a new object. */
static void
aio_thread_result_clear (AioThreadResult *self)
{
  /* Not propagated: the value is freed; a pointer result is dropped, as
   * GTask did (the function gave no way to free it). */
  if (self->value.g_type != G_TYPE_INVALID)
    g_value_unset (&self->value);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  memset (&self->func, 0, sizeof *self - G_STRUCT_OFFSET (AioThreadResult, func));
}

static void
aio_thread_result_finalize (GObject *object)
{
  aio_thread_result_clear ((AioThreadResult *) object);

  ((GObjectClass *) aio_thread_result_parent_class)->finalize (object);
}

static void
aio_thread_result_class_init (AioThreadResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aio_thread_result_finalize;
  notify_signal_id = g_signal_lookup ("notify", G_TYPE_OBJECT);
}

static void
aio_thread_result_init (AioThreadResult *self)
{
}

static gpointer
aio_thread_result_get_user_data (GAsyncResult *result)
{
  return AIO_THREAD_RESULT (result)->user_data;
}

static GObject *
aio_thread_result_get_source_object (GAsyncResult *result)
{
  return NULL;
}

static gboolean
aio_thread_result_is_tagged (GAsyncResult *result,
                             gpointer      source_tag)
{
  return AIO_THREAD_RESULT (result)->source_tag == source_tag;
}

static void
aio_thread_result_async_result_iface_init (GAsyncResultIface *iface)
{
  iface->get_user_data = aio_thread_result_get_user_data;
  iface->get_source_object = aio_thread_result_get_source_object;
  iface->is_tagged = aio_thread_result_is_tagged;
}

/* The completion queue of one main context. */
struct _AioCompletions
{
  GSource          source;
  GMainContext    *context;      /* borrowed: it owns the source */
  AioThreadResult *head;         /* atomic; the last finished first; each
                                  * holds the completion's reference */
};

struct _AioWorkerPool
{
  GThreadPool *threads;
  guint        n_threads;
};

static GRWLock        pools_lock;
static AioWorkerPool *current_pool;   /* borrowed, under pools_lock */
static AioWorkerPool *default_pool;   /* owned, created once, never freed */
G_LOCK_DEFINE_STATIC (default_pool);

/* GMainContext -> AioCompletions (borrowed: a source leaves the table when
 * it is finalized; one that is destroyed, because its context went away,
 * is replaced on the next lookup). */
static GHashTable    *completions_table;
G_LOCK_DEFINE_STATIC (completions_table);

/* What a thread keeps between jobs: the last completion queue it
 * submitted to, and results whose callback ran that nobody else holds,
 * to be reused (see aio_job_release()). */
#define AIO_MAX_SPARE_RESULTS 1024

typedef struct
{
  AioCompletions  *completions;  /* a reference, nullable */
  AioThreadResult *spare;        /* owned, linked by next */
  guint            n_spare;
} AioThreadCache;

static void aio_thread_cache_free (gpointer data);
static GPrivate thread_cache = G_PRIVATE_INIT (aio_thread_cache_free);

static inline AioThreadCache *
aio_thread_cache_get (void)
{
  AioThreadCache *cache = g_private_get (&thread_cache);

  if (G_UNLIKELY (cache == NULL))
    {
      cache = g_new0 (AioThreadCache, 1);
      g_private_set (&thread_cache, cache);
    }

  return cache;
}

/* A new result, or a spare one: either way a single reference and every
 * field zero. */
static AioThreadResult *
aio_thread_result_new (AioThreadCache *cache)
{
  AioThreadResult *self = cache->spare;

  if (self == NULL)
    return g_object_new (AIO_TYPE_THREAD_RESULT, NULL);

  cache->spare = g_steal_pointer (&self->next);
  cache->n_spare--;

  return self;
}

/* Drops the completion's reference on @job, after its callback ran.
 *
 * Unless somebody else still holds @job, it is cleared and kept for the
 * next job of this thread instead of being finalized: creating and
 * finalizing a GObject costs more than the rest of a job together. "Nobody
 * else" is checked on what a GObject carries: our reference is the only
 * one (GObject's reference count is public ABI; with it at 1 nobody else
 * can take a new one), and no qdata (no weak references, no toggle
 * references, no data set on it) and no signal handler is attached to it. */
static void
aio_job_release (AioThreadResult *job)
{
  GObject *object = (GObject *) job;
  AioThreadCache *cache;

  if (g_atomic_int_get ((gint *) &object->ref_count) != 1 ||
      g_atomic_pointer_get (&object->qdata) != NULL ||
      g_signal_handler_find (object, G_SIGNAL_MATCH_ID, notify_signal_id, 0,
                             NULL, NULL, NULL) != 0)
    {
      g_object_unref (job);
      return;
    }

  cache = aio_thread_cache_get ();
  if (cache->n_spare >= AIO_MAX_SPARE_RESULTS)
    {
      g_object_unref (job);
      return;
    }

  aio_thread_result_clear (job);
  job->next = cache->spare;
  cache->spare = job;
  cache->n_spare++;
}

static void
aio_job_release_data (AioThreadResult *job)
{
  GDestroyNotify destroy = g_steal_pointer (&job->destroy);

  if (job->cancelled_id != 0)
    {
      g_cancellable_disconnect (job->cancellable, job->cancelled_id);
      job->cancelled_id = 0;
    }

  if (destroy != NULL)
    destroy (g_steal_pointer (&job->data));
}

/* The "thread_pool" group of the statistics: calls, errors, sum_time (s). */
static void
aio_completions_count (AioThreadResult *batch)
{
  guint calls = 0, errors = 0;
  gint64 elapsed = 0;

  for (AioThreadResult *job = batch; job != NULL; job = job->next)
    {
      /* A job cancelled while queued never ran: the worker that dequeues
       * it counts it as "cancelled", and it is no call. */
      if (g_atomic_int_get (&job->state) == AIO_JOB_CANCELLED)
        continue;
      calls++;
      errors += job->error != NULL;
      elapsed += MAX (job->elapsed, 0);
    }

  {
    AioStatisticsAddend addends[] = {
      { AIO_STAT_CALLS, calls },
      { AIO_STAT_SUM_TIME, (double) elapsed / G_USEC_PER_SEC },
      { AIO_STAT_ERRORS, errors },
    };

    /* One lock for the batch; "errors" only once there is one. */
    if (calls > 0)
      _aio_statistics_add_many (AIO_STAT_THREAD_POOL, addends, errors > 0 ? 3 : 2);
  }
}

/* Calls the callback of @job, with its context as the thread-default one
 * (the thread iterating it need not have pushed it). */
static void
aio_job_return (AioThreadResult *job)
{
  GMainContext *current;
  gboolean push;

  job->completed = TRUE;
  if (job->callback == NULL)
    return;

  current = g_main_context_get_thread_default ();
  if (current == NULL)
    push = job->context != g_main_context_default ();
  else
    push = job->context != current;

  if (G_UNLIKELY (push))
    g_main_context_push_thread_default (job->context);
  job->callback (NULL, (GAsyncResult *) job, job->user_data);
  if (G_UNLIKELY (push))
    g_main_context_pop_thread_default (job->context);
}

static gboolean
aio_completions_dispatch (GSource     *source,
                          GSourceFunc  callback,
                          gpointer     user_data)
{
  AioCompletions *self = (AioCompletions *) source;
  AioThreadResult *stack, *batch = NULL;

  /* A job pushed after this finds the stack empty and wakes the context
   * again. */
  stack = g_atomic_pointer_exchange (&self->head, NULL);
  while (stack != NULL)
    {
      AioThreadResult *job = stack;

      stack = job->next;
      job->next = batch;
      batch = job;
    }

  aio_completions_count (batch);

  while (batch != NULL)
    {
      AioThreadResult *job = batch;

      batch = job->next;
      job->next = NULL;
      aio_job_return (job);
      aio_job_release (job);
    }

  return G_SOURCE_CONTINUE;
}

static void
aio_completions_finalize (GSource *source)
{
  AioCompletions *self = (AioCompletions *) source;

  /* Only when the context went away: every job holds a reference on its
   * context, so nothing is queued. */
  g_assert (self->head == NULL);
  G_LOCK (completions_table);
  if (g_hash_table_lookup (completions_table, self->context) == self)
    g_hash_table_remove (completions_table, self->context);
  G_UNLOCK (completions_table);
}

/* Ready while anything is on the stack. */
static gboolean
aio_completions_prepare (GSource *source,
                         gint    *timeout)
{
  *timeout = -1;
  return g_atomic_pointer_get (&((AioCompletions *) source)->head) != NULL;
}

static gboolean
aio_completions_check (GSource *source)
{
  return g_atomic_pointer_get (&((AioCompletions *) source)->head) != NULL;
}

static GSourceFuncs aio_completions_funcs = {
  .prepare = aio_completions_prepare,
  .check = aio_completions_check,
  .dispatch = aio_completions_dispatch,
  .finalize = aio_completions_finalize,
};

static void
aio_thread_cache_free (gpointer data)
{
  AioThreadCache *cache = data;

  if (cache->completions != NULL)
    g_source_unref (&cache->completions->source);
  while (cache->spare != NULL)
    {
      AioThreadResult *self = cache->spare;

      cache->spare = g_steal_pointer (&self->next);
      g_object_unref (self);
    }
  g_free (cache);
}

/* Whether @self is the live completion queue of @context. A queue whose
 * context was finalized is destroyed, and a new context may have been
 * allocated at the same address: then @self is destroyed, not live. */
static inline gboolean
aio_completions_is_for (AioCompletions *self,
                        GMainContext   *context)
{
  return self != NULL && self->context == context && !g_source_is_destroyed (&self->source);
}

/* The completion queue of @context, created on first use. Called on the
 * submitting thread, which holds a reference on @context (and the context
 * holds the queue). */
static AioCompletions *
aio_completions_get (AioThreadCache *cache,
                     GMainContext   *context)
{
  AioCompletions *self = cache->completions;

  if (G_LIKELY (aio_completions_is_for (self, context)))
    return self;

  G_LOCK (completions_table);
  if (G_UNLIKELY (completions_table == NULL))
    completions_table = g_hash_table_new (NULL, NULL);
  self = g_hash_table_lookup (completions_table, context);
  if (!aio_completions_is_for (self, context))
    {
      self = (AioCompletions *) g_source_new (&aio_completions_funcs, sizeof (AioCompletions));
      self->context = context;
      g_source_set_static_name (&self->source, "aio_run_in_thread completions");
      g_source_set_priority (&self->source, G_PRIORITY_DEFAULT);
      /* A callback may run a nested loop on the context until another job
       * completed (as it could when every GTask completed in its own idle
       * source): the dispatch is reentrant, each takes its own batch. */
      g_source_set_can_recurse (&self->source, TRUE);
      g_source_attach (&self->source, context);
      g_hash_table_insert (completions_table, context, self);
      /* The context owns it from now on; the cache takes its own reference. */
      g_source_unref (&self->source);
    }
  /* Replacing the cached one may finalize it, which takes the table lock:
   * unlock first. */
  g_source_ref (&self->source);
  G_UNLOCK (completions_table);
  if (cache->completions != NULL)
    g_source_unref (&cache->completions->source);
  cache->completions = self;

  return self;
}

/* Hands @job over to the main context of its caller, with the reference
 * the completion owns. Called on a worker, or wherever the cancellable
 * fired. */
static void
aio_job_complete (AioThreadResult *job)
{
  /* Once @job is queued, the dispatch may free it (and with it the last
   * reference on the context) at any moment: keep our own reference. */
  AioCompletions *self = job->completions;
  GMainContext *context = g_main_context_ref (job->context);
  AioThreadResult *head;

  do
    {
      head = g_atomic_pointer_get (&self->head);
      job->next = head;
    }
  while (!g_atomic_pointer_compare_and_exchange (&self->head, head, job));

  if (head == NULL)
    g_main_context_wakeup (context);
  g_main_context_unref (context);
}

/* Runs in whichever thread cancels the cancellable (or in the submitting
 * thread, from g_cancellable_connect(), if it was cancelled already). */
static void
aio_job_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  AioThreadResult *job = user_data;

  if (g_atomic_int_compare_and_exchange (&job->state, AIO_JOB_QUEUED, AIO_JOB_CANCELLED))
    {
      job->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "Operation was cancelled");
      aio_job_complete (job);
    }
}

/* The worker's side is done with @job: drops its reference, if it has
 * one (only with a cancellable, see the design notes). */
static inline void
aio_job_worker_done (AioThreadResult *job,
                     gboolean         has_ref)
{
  if (has_ref)
    g_object_unref (job);
}

static void
aio_job_run (gpointer job_data,
             gpointer pool_data)
{
  AioThreadResult *job = job_data;
  gboolean has_ref = job->cancellable != NULL;
  GError *error = NULL;
  gint64 started;

  if (!g_atomic_int_compare_and_exchange (&job->state, AIO_JOB_QUEUED, AIO_JOB_RUNNING))
    {
      /* Cancelled while queued: already completed, do not run. */
      aio_statistics_add (AIO_STAT_THREAD_POOL, AIO_STAT_CANCELLED, 1);
      aio_job_release_data (job);
      aio_job_worker_done (job, has_ref);
      return;
    }

  started = g_get_monotonic_time ();

  if (job->is_value)
    {
      GValue value = G_VALUE_INIT;

      job->func.value (job->data, job->cancellable, &value, &error);
      if (error != NULL)
        g_value_unset (&value);
      else if (G_IS_VALUE (&value))
        job->value = value;   /* a GValue may be moved bitwise */
      else
        g_value_init (&job->value, G_TYPE_POINTER);   /* "no value" reads as NULL */
    }
  else
    {
      job->result = job->func.pointer (job->data, job->cancellable, &error);
    }

  job->elapsed = g_get_monotonic_time () - started;
  job->error = error;
  aio_job_release_data (job);
  if (has_ref)
    {
      aio_job_complete (job);
      g_object_unref (job);
    }
  else
    {
      /* Not to be touched any more. */
      aio_job_complete (job);
    }
}

static guint
aio_worker_pool_default_size (void)
{
  return CLAMP (g_get_num_processors (), 4, 32);
}

AioWorkerPool *
_aio_worker_pool_new (guint    n_threads,
                      GError **error)
{
  AioWorkerPool *pool;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_threads == 0)
    n_threads = aio_worker_pool_default_size ();

  pool = g_new0 (AioWorkerPool, 1);
  pool->n_threads = n_threads;
  pool->threads = g_thread_pool_new (aio_job_run, pool, (gint) MIN (n_threads, G_MAXINT),
                                     TRUE, error);
  if (pool->threads == NULL)
    {
      g_free (pool);
      return NULL;
    }

  return pool;
}

void
_aio_worker_pool_free (AioWorkerPool *pool)
{
  if (pool == NULL)
    return;

  /* Retire the pool: after this, no submitter can reach it. */
  g_rw_lock_writer_lock (&pools_lock);
  if (current_pool == pool)
    current_pool = NULL;
  g_rw_lock_writer_unlock (&pools_lock);

  /* Runs every job already queued, then joins the threads. */
  g_thread_pool_free (pool->threads, FALSE, TRUE);
  g_free (pool);
}

void
_aio_worker_pool_make_current (AioWorkerPool *pool)
{
  g_rw_lock_writer_lock (&pools_lock);
  current_pool = pool;
  g_rw_lock_writer_unlock (&pools_lock);
}

guint
_aio_worker_pool_get_n_threads (AioWorkerPool *pool)
{
  g_return_val_if_fail (pool != NULL, 0);

  return pool->n_threads;
}

guint
_aio_worker_pool_get_default_size (void)
{
  AioWorkerPool *pool = g_atomic_pointer_get (&default_pool);

  return pool != NULL ? pool->n_threads : aio_worker_pool_default_size ();
}

static AioWorkerPool *
aio_worker_pool_get_default (GError **error)
{
  AioWorkerPool *pool = g_atomic_pointer_get (&default_pool);

  if (G_LIKELY (pool != NULL))
    return pool;

  G_LOCK (default_pool);
  pool = default_pool;
  if (pool == NULL)
    {
      pool = _aio_worker_pool_new (0, error);
      g_atomic_pointer_set (&default_pool, pool);
    }
  G_UNLOCK (default_pool);

  return pool;
}

static void
aio_job_submit (AioThreadResult *job)
{
  GError *error = NULL;
  gboolean pushed = FALSE;

  g_rw_lock_reader_lock (&pools_lock);
  if (current_pool != NULL)
    {
      pushed = g_thread_pool_push (current_pool->threads, job, &error);
      g_rw_lock_reader_unlock (&pools_lock);
    }
  else
    {
      AioWorkerPool *pool;

      g_rw_lock_reader_unlock (&pools_lock);
      /* The default pool is never freed: no lock needed to push onto it. */
      pool = aio_worker_pool_get_default (&error);
      if (pool != NULL)
        pushed = g_thread_pool_push (pool->threads, job, &error);
    }

  if (G_UNLIKELY (!pushed))
    {
      /* Exclusive pools never fail to push; only the creation of the
       * default pool can fail. No worker will ever see the job: do its
       * part here. */
      gboolean has_ref = job->cancellable != NULL;

      aio_job_release_data (job);
      if (g_atomic_int_compare_and_exchange (&job->state, AIO_JOB_QUEUED, AIO_JOB_CANCELLED))
        {
          job->error = g_steal_pointer (&error);
          aio_job_complete (job);
        }
      else
        g_clear_error (&error);
      aio_job_worker_done (job, has_ref);
    }
}

static void
aio_job_start (AioThreadCache      *cache,
               AioThreadResult     *job,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  job->source_tag = source_tag;
  job->callback = callback;
  job->user_data = user_data;
  job->context = g_main_context_ref_thread_default ();
  job->completions = aio_completions_get (cache, job->context);
  job->state = AIO_JOB_QUEUED;

  if (cancellable != NULL)
    {
      job->cancellable = g_object_ref (cancellable);
      /* The worker's reference: the cancellation may complete the job
       * (and drop the completion's reference) while it is queued. */
      g_object_ref (job);
      job->cancelled_id = g_cancellable_connect (cancellable,
                                                 G_CALLBACK (aio_job_cancelled_cb),
                                                 job, NULL);
    }

  aio_job_submit (job);
}

/**
 * aio_run_in_thread_async: (skip)
 * @func: (scope notified) (closure data) (destroy destroy): the blocking
 *   function to run on a worker thread
 * @data: (nullable): data for @func
 * @destroy: (nullable): frees @data
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the operation
 *   completed
 * @user_data: data for @callback
 *
 * Runs @func (@data, @cancellable, …) on a worker thread and completes on
 * the thread-default main context of the caller: aiomisc's
 * `loop.run_in_executor()` / `@threaded`.
 *
 * The thread comes from the pool of the running [class@Aio.Entrypoint] (its
 * [property@Aio.Entrypoint:pool-size] threads), or, without one, from a
 * default pool of as many threads as CPUs (at least 4, at most 32) created
 * on first use. These are dedicated threads, not GTask's shared pool, so
 * up to pool-size jobs may block on each other without stalling the pool.
 *
 * If @cancellable is cancelled before @func started, the operation
 * completes at once with %G_IO_ERROR_CANCELLED and @func is never run.
 * Once @func started, it is up to @func to watch @cancellable; whatever it
 * returns is the outcome of the operation, even if @cancellable was
 * cancelled meanwhile.
 *
 * @destroy, if not %NULL, is called on @data exactly once, on a worker
 * thread: right after @func returned, or, if @func never ran, when the
 * worker dequeues the job (possibly after @callback ran).
 *
 * Call [func@Aio.run_in_thread_finish] from @callback. Language bindings
 * use [func@Aio.run_in_thread_value_async] instead.
 *
 * Since: 0.1
 */
void
aio_run_in_thread_async (AioThreadFunc        func,
                         gpointer             data,
                         GDestroyNotify       destroy,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  AioThreadCache *cache;
  AioThreadResult *job;

  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  cache = aio_thread_cache_get ();
  job = aio_thread_result_new (cache);
  job->func.pointer = func;
  job->data = data;
  job->destroy = destroy;
  aio_job_start (cache, job, aio_run_in_thread_async, cancellable, callback, user_data);
}

/**
 * aio_run_in_thread_finish: (skip)
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [func@Aio.run_in_thread_async].
 *
 * Returns: (nullable) (transfer full): what the function returned, or %NULL
 *   with @error set (%NULL without an error if the function returned %NULL)
 *
 * Since: 0.1
 */
gpointer
aio_run_in_thread_finish (GAsyncResult  *result,
                          GError       **error)
{
  AioThreadResult *self;

  g_return_val_if_fail (AIO_IS_THREAD_RESULT (result), NULL);
  self = (AioThreadResult *) result;
  g_return_val_if_fail (self->source_tag == aio_run_in_thread_async, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail (self->completed && !self->propagated, NULL);

  self->propagated = TRUE;
  if (self->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      return NULL;
    }

  return g_steal_pointer (&self->result);
}

/**
 * aio_run_in_thread_value_async:
 * @func: (scope notified) (closure data) (destroy destroy): the blocking
 *   function to run on a worker thread
 * @data: (nullable): data for @func
 * @destroy: (nullable): frees @data
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the operation
 *   completed
 * @user_data: data for @callback
 *
 * Like [func@Aio.run_in_thread_async], for a function whose result is a
 * #GValue: the variant for language bindings. From Python:
 *
 * ```python
 * def work(_data, cancellable):
 *     return expensive_computation()   # any object; raise GLib.Error to fail
 *
 * def done(_source, result):
 *     print(Aio.run_in_thread_value_finish(result))
 *
 * Aio.run_in_thread_value_async(work, cancellable=None, callback=done)
 * ```
 *
 * Python specifics: leave @data out and pass the arguments after it by
 * keyword (the function then gets `None` as @data; PyGObject versions
 * differ on a closure argument that is not the last one), and bind state
 * with a closure or `functools.partial`. A tuple returned by the function is
 * taken as the list of its out values (wrap it in a list); integers must fit
 * a C int (wrap larger ones too); an exception other than `GLib.Error` is
 * printed and the result is `None`.
 *
 * Call [func@Aio.run_in_thread_value_finish] from @callback.
 *
 * Since: 0.1
 */
void
aio_run_in_thread_value_async (AioThreadValueFunc   func,
                               gpointer             data,
                               GDestroyNotify       destroy,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  AioThreadCache *cache;
  AioThreadResult *job;

  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  cache = aio_thread_cache_get ();
  job = aio_thread_result_new (cache);
  job->func.value = func;
  job->is_value = TRUE;
  job->data = data;
  job->destroy = destroy;
  aio_job_start (cache, job, aio_run_in_thread_value_async, cancellable, callback, user_data);
}

/**
 * aio_run_in_thread_value_finish:
 * @result: the #GAsyncResult passed to the callback
 * @value: (out caller-allocates) (optional): an uninitialized #GValue that
 *   receives the result
 * @error: return location for a #GError
 *
 * Completes [func@Aio.run_in_thread_value_async]. On success, @value holds
 * what the function stored, or a %G_TYPE_POINTER %NULL if it stored
 * nothing; on failure it is left untouched.
 *
 * Returns: (skip): %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
aio_run_in_thread_value_finish (GAsyncResult  *result,
                                GValue        *value,
                                GError       **error)
{
  AioThreadResult *self;

  g_return_val_if_fail (AIO_IS_THREAD_RESULT (result), FALSE);
  self = (AioThreadResult *) result;
  g_return_val_if_fail (self->source_tag == aio_run_in_thread_value_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (self->completed && !self->propagated, FALSE);

  self->propagated = TRUE;
  if (self->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->error));
      return FALSE;
    }

  if (value != NULL)
    {
      /* Moved bitwise: the result no longer holds it. */
      *value = self->value;
      self->value = (GValue) G_VALUE_INIT;
    }
  else
    g_value_unset (&self->value);

  return TRUE;
}
