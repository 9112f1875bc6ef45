/* test-thread.c: aio_run_in_thread_async() and the worker pools
 *
 * SPDX-License-Identifier: MIT
 *
 * Synchronisation is never done with sleeps: threads meet on GMutex/GCond,
 * the main context is iterated until a condition holds. Every wait has a
 * generous deadline (a liveness guard, not a timing assertion) so that a
 * broken implementation fails instead of hanging.
 */
#include <aiomisc-glib.h>

#include "aio-thread-private.h"

#define DEADLINE_SECONDS 60

/* --- helpers ------------------------------------------------------------ */

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates @ctx until @cond holds; fails the test after DEADLINE_SECONDS. */
#define ITERATE_UNTIL(ctx, cond)                                             \
  G_STMT_START {                                                             \
    gboolean timed_out_ = FALSE;                                             \
    GSource *deadline_ = g_timeout_source_new_seconds (DEADLINE_SECONDS);   \
    g_source_set_callback (deadline_, set_flag_cb, &timed_out_, NULL);       \
    g_source_attach (deadline_, (ctx));                                      \
    while (!(cond) && !timed_out_)                                           \
      g_main_context_iteration ((ctx), TRUE);                                \
    g_source_destroy (deadline_);                                            \
    g_source_unref (deadline_);                                              \
    if (!(cond))                                                             \
      g_error ("timed out waiting for: %s", #cond);                          \
  } G_STMT_END

/* A counter threads can wait on. */
typedef struct
{
  GMutex mutex;
  GCond  cond;
  gint   value;
} Counter;

static void
counter_init (Counter *c)
{
  g_mutex_init (&c->mutex);
  g_cond_init (&c->cond);
  c->value = 0;
}

static void
counter_clear (Counter *c)
{
  g_mutex_clear (&c->mutex);
  g_cond_clear (&c->cond);
}

static gint
counter_inc (Counter *c)
{
  gint v;

  g_mutex_lock (&c->mutex);
  v = ++c->value;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->mutex);

  return v;
}

static gint
counter_get (Counter *c)
{
  gint v;

  g_mutex_lock (&c->mutex);
  v = c->value;
  g_mutex_unlock (&c->mutex);

  return v;
}

/* Waits until the counter reaches @target; FALSE on deadline. */
static gboolean
counter_wait (Counter *c,
              gint     target)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;
  gboolean ok = TRUE;

  g_mutex_lock (&c->mutex);
  while (c->value < target && ok)
    ok = g_cond_wait_until (&c->cond, &c->mutex, deadline) || c->value >= target;
  g_mutex_unlock (&c->mutex);

  return ok;
}

/* A context pushed as thread-default for one test. */
static GMainContext *
push_new_context (void)
{
  GMainContext *ctx = g_main_context_new ();

  g_main_context_push_thread_default (ctx);
  return ctx;
}

static void
pop_context (GMainContext *ctx)
{
  /* Leave nothing behind for the next test. */
  while (g_main_context_iteration (ctx, FALSE))
    ;
  g_main_context_pop_thread_default (ctx);
  g_main_context_unref (ctx);
}

/* --- a job with observable side effects ---------------------------------- */

typedef struct
{
  Counter      *started;     /* incremented when the function starts */
  Counter      *gate;        /* if set, the function waits until it is >= 1 */
  gboolean      wait_cancel; /* wait for the cancellable, fail with CANCELLED */
  gint          ran;         /* atomic */
  gint          destroyed;   /* atomic */
  GThread      *thread;      /* the worker that ran the function */
  gpointer      result;
  GQuark        error_domain;
  gint          error_code;
} Job;

typedef struct
{
  gboolean      done;
  GThread      *thread;      /* where the callback ran */
  GMainContext *context;     /* the thread-default context there */
  gpointer      result;
  GError       *error;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_clear_error (&o->error);
}

static void
job_destroy (gpointer data)
{
  Job *job = data;

  /* Exactly once. */
  g_assert_cmpint (g_atomic_int_add (&job->destroyed, 1), ==, 0);
}

static void
wake_counter_cb (GCancellable *cancellable,
                 gpointer      data)
{
  Counter *c = data;

  counter_inc (c);
}

static gpointer
job_func (gpointer       data,
          GCancellable  *cancellable,
          GError       **error)
{
  Job *job = data;

  g_atomic_int_inc (&job->ran);
  job->thread = g_thread_self ();
  if (job->started != NULL)
    counter_inc (job->started);

  if (job->gate != NULL && !counter_wait (job->gate, 1))
    g_error ("job gate never opened");

  if (job->wait_cancel)
    {
      Counter cancelled;
      gulong id;

      g_assert_nonnull (cancellable);
      counter_init (&cancelled);
      id = g_cancellable_connect (cancellable, G_CALLBACK (wake_counter_cb), &cancelled, NULL);
      if (id == 0)
        counter_inc (&cancelled);
      if (!counter_wait (&cancelled, 1))
        g_error ("job never cancelled");
      g_cancellable_disconnect (cancellable, id);
      counter_clear (&cancelled);
      g_assert_true (g_cancellable_set_error_if_cancelled (cancellable, error));
      return NULL;
    }

  if (job->error_domain != 0)
    {
      g_set_error_literal (error, job->error_domain, job->error_code, "job failed");
      return NULL;
    }

  return job->result;
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Outcome *o = user_data;

  g_assert_null (source);
  g_assert_false (o->done);
  o->thread = g_thread_self ();
  o->context = g_main_context_ref_thread_default ();
  g_main_context_unref (o->context);   /* only compared, never used */
  g_assert_true (g_main_context_is_owner (o->context));
  o->result = aio_run_in_thread_finish (result, &o->error);
  o->done = TRUE;
}

/* --- tests --------------------------------------------------------------- */

static void
test_result_on_main_context (void)
{
  GMainContext *ctx = push_new_context ();
  Job job = { .result = GINT_TO_POINTER (42) };
  Outcome o = { 0 };

  aio_run_in_thread_async (job_func, &job, job_destroy, NULL, job_done_cb, &o);
  g_assert_false (o.done);   /* never synchronously */
  ITERATE_UNTIL (ctx, o.done);

  g_assert_no_error (o.error);
  g_assert_cmpint (GPOINTER_TO_INT (o.result), ==, 42);
  g_assert_true (o.thread == g_thread_self ());
  g_assert_true (o.context == ctx);
  g_assert_nonnull (job.thread);
  g_assert_true (job.thread != g_thread_self ());
  g_assert_cmpint (job.ran, ==, 1);
  g_assert_cmpint (job.destroyed, ==, 1);   /* before the callback ran */

  outcome_clear (&o);
  pop_context (ctx);
}

typedef struct
{
  GThread      *self;
  GMainContext *ctx;
  Job           job;
  Outcome       o;
} ConsumerThread;

static gpointer
consumer_thread_func (gpointer data)
{
  ConsumerThread *ct = data;

  ct->self = g_thread_self ();
  ct->ctx = push_new_context ();
  aio_run_in_thread_async (job_func, &ct->job, job_destroy, NULL, job_done_cb, &ct->o);
  ITERATE_UNTIL (ct->ctx, ct->o.done);
  g_main_context_pop_thread_default (ct->ctx);

  return NULL;
}

static void
test_result_on_other_thread_context (void)
{
  ConsumerThread ct = { .job.result = GINT_TO_POINTER (7) };
  GThread *thread;

  thread = g_thread_new ("consumer", consumer_thread_func, &ct);
  g_thread_join (thread);

  g_assert_no_error (ct.o.error);
  g_assert_cmpint (GPOINTER_TO_INT (ct.o.result), ==, 7);
  /* The callback ran on the thread that iterates the caller's context. */
  g_assert_true (ct.o.thread == ct.self);
  g_assert_true (ct.o.context == ct.ctx);
  g_assert_true (ct.job.thread != ct.self);
  g_assert_cmpint (ct.job.destroyed, ==, 1);

  outcome_clear (&ct.o);
  g_main_context_unref (ct.ctx);
}

static void
test_error (void)
{
  GMainContext *ctx = push_new_context ();
  Job job = { .error_domain = G_IO_ERROR, .error_code = G_IO_ERROR_PERMISSION_DENIED };
  Outcome o = { 0 };

  aio_run_in_thread_async (job_func, &job, job_destroy, NULL, job_done_cb, &o);
  ITERATE_UNTIL (ctx, o.done);

  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (o.error->message, ==, "job failed");
  g_assert_null (o.result);
  g_assert_cmpint (job.ran, ==, 1);
  g_assert_cmpint (job.destroyed, ==, 1);

  outcome_clear (&o);
  pop_context (ctx);
}

static void
test_null_result (void)
{
  GMainContext *ctx = push_new_context ();
  Job job = { 0 };
  Outcome o = { .result = &o };

  /* No destroy notify at all is fine too. */
  aio_run_in_thread_async (job_func, &job, NULL, NULL, job_done_cb, &o);
  ITERATE_UNTIL (ctx, o.done);

  g_assert_no_error (o.error);
  g_assert_null (o.result);
  g_assert_cmpint (job.destroyed, ==, 0);

  outcome_clear (&o);
  pop_context (ctx);
}

static void
test_cancel_before_run (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AioWorkerPool *pool;
  Counter started, gate;
  Job blocker = { 0 };
  Job victim = { .result = GINT_TO_POINTER (1) };
  Outcome blocker_o = { 0 }, victim_o = { 0 };

  counter_init (&started);
  counter_init (&gate);
  blocker.started = &started;
  blocker.gate = &gate;

  /* One thread, kept busy by the blocker: the victim stays queued. */
  pool = _aio_worker_pool_new (1, &error);
  g_assert_no_error (error);
  _aio_worker_pool_make_current (pool);

  aio_run_in_thread_async (job_func, &blocker, job_destroy, NULL, job_done_cb, &blocker_o);
  g_assert_true (counter_wait (&started, 1));
  aio_run_in_thread_async (job_func, &victim, job_destroy, cancellable, job_done_cb, &victim_o);

  g_cancellable_cancel (cancellable);
  /* Completes at once, while the only worker is still blocked. */
  ITERATE_UNTIL (ctx, victim_o.done);
  g_assert_error (victim_o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (victim_o.result);
  g_assert_true (victim_o.thread == g_thread_self ());
  g_assert_false (blocker_o.done);

  counter_inc (&gate);
  ITERATE_UNTIL (ctx, blocker_o.done);
  g_assert_no_error (blocker_o.error);

  /* Freeing the pool drains its queue: the victim is dropped, not run. */
  _aio_worker_pool_free (pool);
  g_assert_cmpint (victim.ran, ==, 0);
  g_assert_cmpint (victim.destroyed, ==, 1);
  g_assert_cmpint (blocker.ran, ==, 1);
  g_assert_cmpint (blocker.destroyed, ==, 1);

  outcome_clear (&blocker_o);
  outcome_clear (&victim_o);
  counter_clear (&started);
  counter_clear (&gate);
  pop_context (ctx);
}

static void
test_cancel_already_cancelled (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AioWorkerPool *pool;
  Job job = { .result = GINT_TO_POINTER (1) };
  Outcome o = { 0 };

  pool = _aio_worker_pool_new (1, &error);
  g_assert_no_error (error);
  _aio_worker_pool_make_current (pool);

  g_cancellable_cancel (cancellable);
  aio_run_in_thread_async (job_func, &job, job_destroy, cancellable, job_done_cb, &o);
  g_assert_false (o.done);   /* never synchronously */
  ITERATE_UNTIL (ctx, o.done);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  _aio_worker_pool_free (pool);
  g_assert_cmpint (job.ran, ==, 0);
  g_assert_cmpint (job.destroyed, ==, 1);

  outcome_clear (&o);
  pop_context (ctx);
}

static void
test_cancel_while_running (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Counter started;
  Job job = { .wait_cancel = TRUE };
  Outcome o = { 0 };

  counter_init (&started);
  job.started = &started;

  aio_run_in_thread_async (job_func, &job, job_destroy, cancellable, job_done_cb, &o);
  g_assert_true (counter_wait (&started, 1));
  g_cancellable_cancel (cancellable);
  ITERATE_UNTIL (ctx, o.done);

  /* The function saw the cancellation and reported it. */
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (job.ran, ==, 1);
  g_assert_cmpint (job.destroyed, ==, 1);

  outcome_clear (&o);
  counter_clear (&started);
  pop_context (ctx);
}

static void
test_result_kept_after_cancel (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Counter started, gate;
  Job job = { .result = GINT_TO_POINTER (99) };
  Outcome o = { 0 };

  counter_init (&started);
  counter_init (&gate);
  job.started = &started;
  job.gate = &gate;

  aio_run_in_thread_async (job_func, &job, job_destroy, cancellable, job_done_cb, &o);
  g_assert_true (counter_wait (&started, 1));
  g_cancellable_cancel (cancellable);
  counter_inc (&gate);
  ITERATE_UNTIL (ctx, o.done);

  /* The function ignored the cancellation: its result is not lost. */
  g_assert_no_error (o.error);
  g_assert_cmpint (GPOINTER_TO_INT (o.result), ==, 99);

  outcome_clear (&o);
  counter_clear (&started);
  counter_clear (&gate);
  pop_context (ctx);
}

/* Many jobs, cancelled at random moments: each one completes exactly once
 * and its data is destroyed exactly once. */
static void
test_destroy_exactly_once (void)
{
  enum { N_JOBS = 300 };
  GMainContext *ctx = push_new_context ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cancellables = g_ptr_array_new_with_free_func (g_object_unref);
  AioWorkerPool *pool;
  Job *jobs = g_new0 (Job, N_JOBS);
  Outcome *outcomes = g_new0 (Outcome, N_JOBS);
  GRand *rand = g_rand_new_with_seed (4242);
  guint n_done = 0;

  pool = _aio_worker_pool_new (2, &error);
  g_assert_no_error (error);
  _aio_worker_pool_make_current (pool);

  for (guint i = 0; i < N_JOBS; i++)
    {
      GCancellable *cancellable = g_cancellable_new ();

      g_ptr_array_add (cancellables, cancellable);
      jobs[i].result = GUINT_TO_POINTER (i + 1);
      if (i % 7 == 3)
        g_cancellable_cancel (cancellable);
      aio_run_in_thread_async (job_func, &jobs[i], job_destroy, cancellable,
                               job_done_cb, &outcomes[i]);
      /* Cancel some earlier job: it may be queued, running or done. */
      if (g_rand_int_range (rand, 0, 3) == 0)
        g_cancellable_cancel (g_ptr_array_index (cancellables, g_rand_int_range (rand, 0, i + 1)));
    }

  for (guint i = 0; i < N_JOBS; i++)
    {
      ITERATE_UNTIL (ctx, outcomes[i].done);
      n_done++;
    }
  _aio_worker_pool_free (pool);

  g_assert_cmpuint (n_done, ==, N_JOBS);
  for (guint i = 0; i < N_JOBS; i++)
    {
      g_assert_cmpint (jobs[i].destroyed, ==, 1);
      g_assert_cmpint (jobs[i].ran, <=, 1);
      if (i % 7 == 3)
        g_assert_nonnull (outcomes[i].error);   /* cancelled before submission */
      if (outcomes[i].error != NULL)
        {
          g_assert_error (outcomes[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_assert_cmpint (jobs[i].ran, ==, 0);
          g_assert_true (g_cancellable_is_cancelled (g_ptr_array_index (cancellables, i)));
        }
      else
        {
          g_assert_cmpint (jobs[i].ran, ==, 1);
          g_assert_cmpuint (GPOINTER_TO_UINT (outcomes[i].result), ==, i + 1);
        }
      outcome_clear (&outcomes[i]);
    }

  g_rand_free (rand);
  g_free (jobs);
  g_free (outcomes);
  pop_context (ctx);
}

/* --- jobs that block on each other --------------------------------------- */

typedef struct
{
  Counter *arrived;   /* the group's barrier */
  guint    group_size;
  GMutex  *threads_lock;
  GHashTable *threads;  /* GThread* set */
} BarrierJob;

static gpointer
barrier_job_func (gpointer       data,
                  GCancellable  *cancellable,
                  GError       **error)
{
  BarrierJob *bj = data;

  if (bj->threads != NULL)
    {
      g_mutex_lock (bj->threads_lock);
      g_hash_table_add (bj->threads, g_thread_self ());
      g_mutex_unlock (bj->threads_lock);
    }

  /* Everybody in the group must be running at the same time to pass. */
  counter_inc (bj->arrived);
  if (!counter_wait (bj->arrived, bj->group_size))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "only %d of %u jobs of the group ever ran at once",
                   counter_get (bj->arrived), bj->group_size);
      return NULL;
    }

  return GINT_TO_POINTER (1);
}

static void
count_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  guint *n_done = user_data;
  g_autoptr(GError) error = NULL;
  gpointer ret;

  ret = aio_run_in_thread_finish (result, &error);
  g_assert_no_error (error);
  g_assert_cmpint (GPOINTER_TO_INT (ret), ==, 1);
  (*n_done)++;
}

/* Runs @n_groups groups of @group_size jobs, each job waiting until its
 * whole group runs: that only terminates if the pool really has
 * @group_size threads free at once. Returns the set of threads seen. */
static GHashTable *
run_barrier_groups (GMainContext *ctx,
                    guint         n_groups,
                    guint         group_size)
{
  GHashTable *threads = g_hash_table_new (NULL, NULL);
  GMutex threads_lock;
  Counter *barriers = g_new0 (Counter, n_groups);
  BarrierJob *jobs = g_new0 (BarrierJob, n_groups * group_size);
  guint n_done = 0;

  g_mutex_init (&threads_lock);
  for (guint g = 0; g < n_groups; g++)
    {
      counter_init (&barriers[g]);
      for (guint j = 0; j < group_size; j++)
        {
          BarrierJob *bj = &jobs[g * group_size + j];

          bj->arrived = &barriers[g];
          bj->group_size = group_size;
          bj->threads_lock = &threads_lock;
          bj->threads = threads;
          aio_run_in_thread_async (barrier_job_func, bj, NULL, NULL, count_done_cb, &n_done);
        }
    }

  ITERATE_UNTIL (ctx, n_done == n_groups * group_size);

  for (guint g = 0; g < n_groups; g++)
    counter_clear (&barriers[g]);
  g_mutex_clear (&threads_lock);
  g_free (barriers);
  g_free (jobs);

  return threads;
}

static void
test_blocking_jobs_no_livelock (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) threads = NULL;
  AioWorkerPool *pool;

  /* N threads, groups of N jobs that wait for each other. */
  pool = _aio_worker_pool_new (4, &error);
  g_assert_no_error (error);
  _aio_worker_pool_make_current (pool);
  threads = run_barrier_groups (ctx, 16, 4);
  g_assert_cmpuint (g_hash_table_size (threads), ==, 4);
  _aio_worker_pool_free (pool);
  g_clear_pointer (&threads, g_hash_table_unref);

  /* The default pool: as many threads as it promises. */
  threads = run_barrier_groups (ctx, 4, _aio_worker_pool_get_default_size ());
  g_assert_cmpuint (g_hash_table_size (threads), ==, _aio_worker_pool_get_default_size ());
  g_assert_cmpuint (_aio_worker_pool_get_default_size (), >=, 4);

  pop_context (ctx);
}

static gboolean
sets_intersect (GHashTable *a,
                GHashTable *b)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (g_hash_table_contains (b, key))
      return TRUE;

  return FALSE;
}

static void
test_current_pool_is_used (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) one = NULL;
  g_autoptr(GHashTable) three = NULL;
  g_autoptr(GHashTable) dflt = NULL;
  AioWorkerPool *pool1, *pool3;

  pool1 = _aio_worker_pool_new (1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (_aio_worker_pool_get_n_threads (pool1), ==, 1);
  pool3 = _aio_worker_pool_new (3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (_aio_worker_pool_get_n_threads (pool3), ==, 3);

  /* 16 one-job groups on the single thread of pool1. */
  _aio_worker_pool_make_current (pool1);
  one = run_barrier_groups (ctx, 16, 1);
  g_assert_cmpuint (g_hash_table_size (one), ==, 1);

  /* pool3: three threads, none of them pool1's. */
  _aio_worker_pool_make_current (pool3);
  three = run_barrier_groups (ctx, 8, 3);
  g_assert_cmpuint (g_hash_table_size (three), ==, 3);
  g_assert_false (sets_intersect (one, three));

  /* Back to the default pool. */
  _aio_worker_pool_make_current (NULL);
  dflt = run_barrier_groups (ctx, 2, 4);
  g_assert_false (sets_intersect (dflt, one));
  g_assert_false (sets_intersect (dflt, three));

  _aio_worker_pool_free (pool1);
  _aio_worker_pool_free (pool3);
  pop_context (ctx);
}

static void
test_free_runs_queued_jobs (void)
{
  enum { N_JOBS = 10 };
  GMainContext *ctx = push_new_context ();
  g_autoptr(GError) error = NULL;
  AioWorkerPool *pool;
  Counter started, gate;
  Job jobs[N_JOBS] = { { 0 } };
  Outcome outcomes[N_JOBS] = { { 0 } };
  Job after = { .result = GINT_TO_POINTER (5) };
  Outcome after_o = { 0 };

  counter_init (&started);
  counter_init (&gate);

  pool = _aio_worker_pool_new (1, &error);
  g_assert_no_error (error);
  _aio_worker_pool_make_current (pool);

  /* The first job holds the only thread until the gate opens. */
  jobs[0].gate = &gate;
  for (guint i = 0; i < N_JOBS; i++)
    {
      jobs[i].result = GUINT_TO_POINTER (i + 1);
      jobs[i].started = &started;
      aio_run_in_thread_async (job_func, &jobs[i], job_destroy, NULL, job_done_cb, &outcomes[i]);
    }
  g_assert_true (counter_wait (&started, 1));
  counter_inc (&gate);

  /* Returns once all the queued jobs ran, without the main loop. */
  _aio_worker_pool_free (pool);
  for (guint i = 0; i < N_JOBS; i++)
    {
      g_assert_cmpint (jobs[i].ran, ==, 1);
      g_assert_cmpint (jobs[i].destroyed, ==, 1);
    }

  /* A freed current pool is no longer current: the default pool serves. */
  aio_run_in_thread_async (job_func, &after, job_destroy, NULL, job_done_cb, &after_o);
  ITERATE_UNTIL (ctx, after_o.done);
  g_assert_cmpint (GPOINTER_TO_INT (after_o.result), ==, 5);

  for (guint i = 0; i < N_JOBS; i++)
    {
      ITERATE_UNTIL (ctx, outcomes[i].done);
      g_assert_no_error (outcomes[i].error);
      g_assert_cmpuint (GPOINTER_TO_UINT (outcomes[i].result), ==, i + 1);
      outcome_clear (&outcomes[i]);
    }

  outcome_clear (&after_o);
  counter_clear (&started);
  counter_clear (&gate);
  pop_context (ctx);
}

/* Submitters race with pools being made current and freed. */
typedef struct
{
  guint n_jobs;
  guint n_ok;
} Submitter;

static gpointer
trivial_func (gpointer       data,
              GCancellable  *cancellable,
              GError       **error)
{
  return data;
}

static void
submitter_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Submitter *s = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (GPOINTER_TO_INT (aio_run_in_thread_finish (result, &error)), ==, 3);
  g_assert_no_error (error);
  s->n_ok++;
}

static gpointer
submitter_thread (gpointer data)
{
  Submitter *s = data;
  GMainContext *ctx = push_new_context ();

  /* In waves of 8 in flight. */
  for (guint i = 0; i < s->n_jobs; i += 8)
    {
      guint wave = MIN (8, s->n_jobs - i);
      guint target = s->n_ok + wave;

      for (guint j = 0; j < wave; j++)
        aio_run_in_thread_async (trivial_func, GINT_TO_POINTER (3), NULL, NULL, submitter_done_cb, s);
      ITERATE_UNTIL (ctx, s->n_ok == target);
    }

  pop_context (ctx);
  return NULL;
}

static void
test_make_current_races (void)
{
  enum { N_SUBMITTERS = 4, N_JOBS = 400, N_POOLS = 40 };
  Submitter submitters[N_SUBMITTERS];
  GThread *threads[N_SUBMITTERS];

  for (guint i = 0; i < N_SUBMITTERS; i++)
    {
      submitters[i] = (Submitter) { .n_jobs = N_JOBS };
      threads[i] = g_thread_new ("submitter", submitter_thread, &submitters[i]);
    }

  for (guint i = 0; i < N_POOLS; i++)
    {
      g_autoptr(GError) error = NULL;
      AioWorkerPool *pool = _aio_worker_pool_new (2, &error);

      g_assert_no_error (error);
      _aio_worker_pool_make_current (pool);
      g_thread_yield ();
      if (i % 2 == 0)
        _aio_worker_pool_make_current (NULL);
      _aio_worker_pool_free (pool);
    }

  for (guint i = 0; i < N_SUBMITTERS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (submitters[i].n_ok, ==, N_JOBS);
    }
}

static void
test_many_concurrent (void)
{
  enum { N_JOBS = 2000 };
  GMainContext *ctx = push_new_context ();
  Submitter s = { .n_jobs = N_JOBS };

  for (guint i = 0; i < N_JOBS; i++)
    aio_run_in_thread_async (trivial_func, GINT_TO_POINTER (3), NULL, NULL, submitter_done_cb, &s);
  ITERATE_UNTIL (ctx, s.n_ok == N_JOBS);

  pop_context (ctx);
}

/* --- the GValue variant --------------------------------------------------- */

typedef enum {
  VALUE_INT,
  VALUE_STRING,
  VALUE_OBJECT,
  VALUE_NOTHING,
  VALUE_ERROR,
  VALUE_ERROR_AND_VALUE,
} ValueKind;

static void
value_func (gpointer       data,
            GCancellable  *cancellable,
            GValue        *result,
            GError       **error)
{
  switch ((ValueKind) GPOINTER_TO_INT (data))
    {
    case VALUE_INT:
      g_value_init (result, G_TYPE_INT);
      g_value_set_int (result, 1234);
      break;
    case VALUE_STRING:
      g_value_init (result, G_TYPE_STRING);
      g_value_set_string (result, "from a thread");
      break;
    case VALUE_OBJECT:
      g_value_init (result, G_TYPE_CANCELLABLE);
      g_value_take_object (result, g_cancellable_new ());
      break;
    case VALUE_NOTHING:
      break;
    case VALUE_ERROR:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nope");
      break;
    case VALUE_ERROR_AND_VALUE:
      /* The value is dropped (and freed). */
      g_value_init (result, G_TYPE_STRING);
      g_value_set_string (result, "leaks if not freed");
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nope");
      break;
    default:
      g_assert_not_reached ();
    }
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GValue   value;
  GError  *error;
} ValueOutcome;

static void
value_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ValueOutcome *vo = user_data;

  vo->ok = aio_run_in_thread_value_finish (result, &vo->value, &vo->error);
  vo->done = TRUE;
}

static ValueOutcome *
run_value (GMainContext *ctx,
           ValueKind     kind)
{
  ValueOutcome *vo = g_new0 (ValueOutcome, 1);

  aio_run_in_thread_value_async (value_func, GINT_TO_POINTER (kind), NULL, NULL,
                                 value_done_cb, vo);
  ITERATE_UNTIL (ctx, vo->done);
  return vo;
}

static void
value_outcome_free (ValueOutcome *vo)
{
  g_value_unset (&vo->value);
  g_clear_error (&vo->error);
  g_free (vo);
}

static void
test_value_variant (void)
{
  GMainContext *ctx = push_new_context ();
  ValueOutcome *vo;

  vo = run_value (ctx, VALUE_INT);
  g_assert_true (vo->ok);
  g_assert_no_error (vo->error);
  g_assert_true (G_VALUE_HOLDS_INT (&vo->value));
  g_assert_cmpint (g_value_get_int (&vo->value), ==, 1234);
  value_outcome_free (vo);

  vo = run_value (ctx, VALUE_STRING);
  g_assert_true (vo->ok);
  g_assert_cmpstr (g_value_get_string (&vo->value), ==, "from a thread");
  value_outcome_free (vo);

  vo = run_value (ctx, VALUE_OBJECT);
  g_assert_true (vo->ok);
  g_assert_true (G_IS_CANCELLABLE (g_value_get_object (&vo->value)));
  value_outcome_free (vo);

  vo = run_value (ctx, VALUE_NOTHING);
  g_assert_true (vo->ok);
  g_assert_true (G_VALUE_HOLDS_POINTER (&vo->value));
  g_assert_null (g_value_get_pointer (&vo->value));
  value_outcome_free (vo);

  vo = run_value (ctx, VALUE_ERROR);
  g_assert_false (vo->ok);
  g_assert_error (vo->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (G_IS_VALUE (&vo->value));   /* untouched */
  value_outcome_free (vo);

  vo = run_value (ctx, VALUE_ERROR_AND_VALUE);
  g_assert_false (vo->ok);
  g_assert_error (vo->error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_false (G_IS_VALUE (&vo->value));
  value_outcome_free (vo);

  pop_context (ctx);
}

static void
value_cancel_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  ValueOutcome *vo = user_data;

  /* A NULL value is allowed: the result is then just dropped. */
  vo->ok = aio_run_in_thread_value_finish (result, NULL, &vo->error);
  vo->done = TRUE;
}

static void
value_job_func (gpointer       data,
                GCancellable  *cancellable,
                GValue        *result,
                GError       **error)
{
  Job *job = data;

  g_atomic_int_inc (&job->ran);
  g_value_init (result, G_TYPE_STRING);
  g_value_set_string (result, "dropped by the caller");
}

static void
test_value_variant_cancel_and_destroy (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  AioWorkerPool *pool;
  Job cancelled_job = { 0 }, job = { 0 };
  ValueOutcome vo = { 0 }, vo2 = { 0 };

  pool = _aio_worker_pool_new (1, &error);
  g_assert_no_error (error);
  _aio_worker_pool_make_current (pool);

  g_cancellable_cancel (cancellable);
  aio_run_in_thread_value_async (value_job_func, &cancelled_job, job_destroy,
                                 cancellable, value_cancel_done_cb, &vo);
  ITERATE_UNTIL (ctx, vo.done);
  g_assert_false (vo.ok);
  g_assert_error (vo.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  aio_run_in_thread_value_async (value_job_func, &job, job_destroy,
                                 NULL, value_cancel_done_cb, &vo2);
  ITERATE_UNTIL (ctx, vo2.done);
  g_assert_true (vo2.ok);
  g_assert_no_error (vo2.error);

  _aio_worker_pool_free (pool);
  g_assert_cmpint (cancelled_job.ran, ==, 0);
  g_assert_cmpint (cancelled_job.destroyed, ==, 1);
  g_assert_cmpint (job.ran, ==, 1);
  g_assert_cmpint (job.destroyed, ==, 1);

  g_clear_error (&vo.error);
  pop_context (ctx);
}

/* --- the result object ------------------------------------------------ */

typedef struct
{
  gboolean      done;
  GAsyncResult *kept;        /* a reference taken in the callback */
  gpointer      user_data;
  gboolean      is_async_result;
  gboolean      tagged, tagged_value, tagged_other;
  GObject      *source_object;
} Inspection;

static void
inspect_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Inspection *in = user_data;

  in->is_async_result = G_IS_ASYNC_RESULT (result);
  in->user_data = g_async_result_get_user_data (result);
  in->source_object = g_async_result_get_source_object (result);
  in->tagged = g_async_result_is_tagged (result, aio_run_in_thread_async);
  in->tagged_value = g_async_result_is_tagged (result, aio_run_in_thread_value_async);
  in->tagged_other = g_async_result_is_tagged (result, inspect_done_cb);
  /* Not finished here: later, from the reference. */
  in->kept = g_object_ref (result);
  in->done = TRUE;
}

/* The result is a GAsyncResult like any other: user data, no source
 * object, tagged with the _async function; it may be kept past the
 * callback and finished later, and jobs that run meanwhile do not touch
 * it. */
static void
test_result_object (void)
{
  enum { N_LATER = 50 };
  GMainContext *ctx = push_new_context ();
  Inspection in = { 0 };
  Submitter s = { .n_jobs = N_LATER };
  g_autoptr(GError) error = NULL;

  aio_run_in_thread_async (trivial_func, GINT_TO_POINTER (11), NULL, NULL, inspect_done_cb, &in);
  ITERATE_UNTIL (ctx, in.done);
  g_assert_true (in.is_async_result);
  g_assert_true (in.user_data == &in);
  g_assert_null (in.source_object);
  g_assert_true (in.tagged);
  g_assert_false (in.tagged_value);
  g_assert_false (in.tagged_other);

  /* More jobs while the first result is held. */
  for (guint i = 0; i < N_LATER; i++)
    aio_run_in_thread_async (trivial_func, GINT_TO_POINTER (3), NULL, NULL, submitter_done_cb, &s);
  ITERATE_UNTIL (ctx, s.n_ok == N_LATER);

  g_assert_cmpint (GPOINTER_TO_INT (aio_run_in_thread_finish (in.kept, &error)), ==, 11);
  g_assert_no_error (error);
  g_assert_true (g_async_result_is_tagged (in.kept, aio_run_in_thread_async));
  g_clear_object (&in.kept);

  pop_context (ctx);
}

/* The same for the GValue variant, whose value lives in the result. */
static void
value_inspect_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Inspection *in = user_data;

  in->tagged = g_async_result_is_tagged (result, aio_run_in_thread_async);
  in->tagged_value = g_async_result_is_tagged (result, aio_run_in_thread_value_async);
  in->kept = g_object_ref (result);
  in->done = TRUE;
}

static void
test_value_result_kept (void)
{
  GMainContext *ctx = push_new_context ();
  Inspection in = { 0 };
  ValueOutcome *vo;
  GValue value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  aio_run_in_thread_value_async (value_func, GINT_TO_POINTER (VALUE_STRING), NULL, NULL,
                                 value_inspect_done_cb, &in);
  ITERATE_UNTIL (ctx, in.done);
  g_assert_false (in.tagged);
  g_assert_true (in.tagged_value);

  /* Other value jobs complete meanwhile. */
  for (guint i = 0; i < 20; i++)
    {
      vo = run_value (ctx, VALUE_INT);
      g_assert_cmpint (g_value_get_int (&vo->value), ==, 1234);
      value_outcome_free (vo);
    }

  g_assert_true (aio_run_in_thread_value_finish (in.kept, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&value), ==, "from a thread");
  g_value_unset (&value);
  g_clear_object (&in.kept);

  pop_context (ctx);
}

/* A result nobody finishes still frees its value: with a callback that
 * does not call the finish function, and without a callback at all. */
static void
weak_value_func (gpointer       data,
                 GCancellable  *cancellable,
                 GValue        *result,
                 GError       **error)
{
  GWeakRef *weak = data;
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);

  g_weak_ref_set (weak, object);
  g_value_init (result, G_TYPE_OBJECT);
  g_value_take_object (result, object);
}

static void
no_finish_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
weak_ref_is_clear (GWeakRef *weak)
{
  GObject *object = g_weak_ref_get (weak);

  g_clear_object (&object);
  return object == NULL;
}

static void
test_value_unfinished_is_freed (void)
{
  GMainContext *ctx = push_new_context ();
  GWeakRef weak;
  gboolean done = FALSE;
  Submitter s = { .n_jobs = 1 };

  g_weak_ref_init (&weak, NULL);
  aio_run_in_thread_value_async (weak_value_func, &weak, NULL, NULL, no_finish_done_cb, &done);
  ITERATE_UNTIL (ctx, done);
  g_assert_true (weak_ref_is_clear (&weak));

  /* Without a callback the job is still completed on the context. To know
   * when the value was set, follow the job with another one on a pool of
   * one thread: once the second completed, the first did too. */
  {
    g_autoptr(GError) error = NULL;
    AioWorkerPool *pool = _aio_worker_pool_new (1, &error);

    g_assert_no_error (error);
    _aio_worker_pool_make_current (pool);
    aio_run_in_thread_value_async (weak_value_func, &weak, NULL, NULL, NULL, NULL);
    aio_run_in_thread_async (trivial_func, GINT_TO_POINTER (3), NULL, NULL, submitter_done_cb, &s);
    ITERATE_UNTIL (ctx, s.n_ok == 1);
    _aio_worker_pool_free (pool);
  }
  g_assert_true (weak_ref_is_clear (&weak));

  g_weak_ref_clear (&weak);
  pop_context (ctx);
}

/* The callback runs with the caller's context as the thread-default one,
 * even when the thread iterating it did not push it. */
static void
test_callback_context (void)
{
  GMainContext *ctx = g_main_context_new ();
  Job job = { .result = GINT_TO_POINTER (8) };
  Job job2 = { .result = GINT_TO_POINTER (9) };
  Outcome o = { 0 }, o2 = { 0 };

  g_main_context_push_thread_default (ctx);
  aio_run_in_thread_async (job_func, &job, job_destroy, NULL, job_done_cb, &o);
  g_main_context_pop_thread_default (ctx);

  /* This thread's default is the global one now. */
  ITERATE_UNTIL (ctx, o.done);
  g_assert_no_error (o.error);
  g_assert_cmpint (GPOINTER_TO_INT (o.result), ==, 8);
  g_assert_true (o.context == ctx);
  g_assert_true (g_main_context_ref_thread_default () == g_main_context_default ());
  g_main_context_unref (g_main_context_default ());

  /* And the global default context, while another one is pushed. */
  aio_run_in_thread_async (job_func, &job2, job_destroy, NULL, job_done_cb, &o2);
  g_main_context_push_thread_default (ctx);
  ITERATE_UNTIL (g_main_context_default (), o2.done);
  g_assert_true (o2.context == g_main_context_default ());
  g_main_context_pop_thread_default (ctx);

  outcome_clear (&o);
  outcome_clear (&o2);
  while (g_main_context_iteration (ctx, FALSE))
    ;
  g_main_context_unref (ctx);
}

/* Data set on a result in the callback is freed with it, not carried over
 * to a later job. */
static void
count_destroy (gpointer data)
{
  (*(guint *) data)++;
}

static void
set_data_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  guint *destroyed = user_data;

  g_assert_null (g_object_get_data (G_OBJECT (result), "test-data"));
  g_object_set_data_full (G_OBJECT (result), "test-data", destroyed, count_destroy);
  g_assert_cmpint (GPOINTER_TO_INT (aio_run_in_thread_finish (result, NULL)), ==, 3);
}

static void
test_result_data_freed (void)
{
  enum { N_JOBS = 20 };
  GMainContext *ctx = push_new_context ();
  guint destroyed = 0;

  /* One at a time: each job may get the result object of the one before. */
  for (guint i = 0; i < N_JOBS; i++)
    {
      aio_run_in_thread_async (trivial_func, GINT_TO_POINTER (3), NULL, NULL,
                               set_data_done_cb, &destroyed);
      ITERATE_UNTIL (ctx, destroyed == i + 1);
    }
  g_assert_cmpuint (destroyed, ==, N_JOBS);

  pop_context (ctx);
}

/* Misuse is reported, and leaves the result intact. */
static void
test_finish_misuse (void)
{
  GMainContext *ctx = push_new_context ();
  Inspection in = { 0 };
  GValue value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  aio_run_in_thread_value_async (value_func, GINT_TO_POINTER (VALUE_STRING), NULL, NULL,
                                 value_inspect_done_cb, &in);
  ITERATE_UNTIL (ctx, in.done);

  /* The finish function of the other variant. */
  g_test_expect_message ("Aio", G_LOG_LEVEL_CRITICAL, "*source_tag*");
  g_assert_null (aio_run_in_thread_finish (in.kept, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  g_assert_true (aio_run_in_thread_value_finish (in.kept, &value, &error));
  g_assert_cmpstr (g_value_get_string (&value), ==, "from a thread");
  g_value_unset (&value);

  /* Twice. */
  g_test_expect_message ("Aio", G_LOG_LEVEL_CRITICAL, "*propagated*");
  g_assert_false (aio_run_in_thread_value_finish (in.kept, &value, &error));
  g_test_assert_expected_messages ();
  g_assert_false (G_IS_VALUE (&value));

  /* Not a result of ours. */
  {
    GTask *task = g_task_new (NULL, NULL, NULL, NULL);

    g_test_expect_message ("Aio", G_LOG_LEVEL_CRITICAL, "*AIO_IS_THREAD_RESULT*");
    g_assert_null (aio_run_in_thread_finish (G_ASYNC_RESULT (task), &error));
    g_test_assert_expected_messages ();
    g_task_return_boolean (task, TRUE);
    g_object_unref (task);
  }

  g_clear_object (&in.kept);
  pop_context (ctx);
}

/* The GValue variant keeps a value returned after a cancellation too. */
static void
gated_value_func (gpointer       data,
                  GCancellable  *cancellable,
                  GValue        *result,
                  GError       **error)
{
  Job *job = data;

  counter_inc (job->started);
  if (!counter_wait (job->gate, 1))
    g_error ("job gate never opened");
  g_value_init (result, G_TYPE_INT);
  g_value_set_int (result, 77);
}

static void
test_value_kept_after_cancel (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Counter started, gate;
  Job job = { 0 };
  ValueOutcome vo = { 0 };

  counter_init (&started);
  counter_init (&gate);
  job.started = &started;
  job.gate = &gate;

  aio_run_in_thread_value_async (gated_value_func, &job, job_destroy, cancellable,
                                 value_done_cb, &vo);
  g_assert_true (counter_wait (&started, 1));
  g_cancellable_cancel (cancellable);
  counter_inc (&gate);
  ITERATE_UNTIL (ctx, vo.done);

  g_assert_true (vo.ok);
  g_assert_no_error (vo.error);
  g_assert_cmpint (g_value_get_int (&vo.value), ==, 77);
  g_assert_cmpint (job.destroyed, ==, 1);

  g_value_unset (&vo.value);
  counter_clear (&started);
  counter_clear (&gate);
  pop_context (ctx);
}

/* A callback that runs a nested loop until another job completed: the
 * other completion is dispatched from inside the first one. */
typedef struct
{
  GMainContext *ctx;
  gboolean      outer_done;
  gboolean      inner_done;
} Nested;

static void
nested_inner_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Nested *n = user_data;

  g_assert_cmpint (GPOINTER_TO_INT (aio_run_in_thread_finish (result, NULL)), ==, 2);
  n->inner_done = TRUE;
}

static void
nested_outer_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Nested *n = user_data;

  g_assert_cmpint (GPOINTER_TO_INT (aio_run_in_thread_finish (result, NULL)), ==, 1);
  aio_run_in_thread_async (trivial_func, GINT_TO_POINTER (2), NULL, NULL, nested_inner_done_cb, n);
  ITERATE_UNTIL (n->ctx, n->inner_done);
  n->outer_done = TRUE;
}

static void
test_nested_loop_in_callback (void)
{
  GMainContext *ctx = push_new_context ();
  Nested n = { .ctx = ctx };

  aio_run_in_thread_async (trivial_func, GINT_TO_POINTER (1), NULL, NULL, nested_outer_done_cb, &n);
  ITERATE_UNTIL (ctx, n.outer_done);
  g_assert_true (n.inner_done);

  pop_context (ctx);
}

/* Every job is counted in the "thread_pool" group of the statistics. */
static void
test_statistics (void)
{
  GMainContext *ctx = push_new_context ();
  Job ok = { .result = GINT_TO_POINTER (1) };
  Job failing = { .error_domain = G_IO_ERROR, .error_code = G_IO_ERROR_FAILED };
  Job never = { .result = GINT_TO_POINTER (1) };
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  Outcome o1 = { 0 }, o2 = { 0 }, o3 = { 0 };
  double calls = aio_statistics_get ("thread_pool", "calls");
  double errors = aio_statistics_get ("thread_pool", "errors");
  double n_cancelled = aio_statistics_get ("thread_pool", "cancelled");
  gint64 deadline;
  g_autoptr(GVariant) snapshot = NULL;
  g_autoptr(GVariant) group = NULL;
  double value = 0;

  aio_run_in_thread_async (job_func, &ok, job_destroy, NULL, job_done_cb, &o1);
  aio_run_in_thread_async (job_func, &failing, job_destroy, NULL, job_done_cb, &o2);
  ITERATE_UNTIL (ctx, o1.done && o2.done);
  g_assert_error (o2.error, G_IO_ERROR, G_IO_ERROR_FAILED);

  g_assert_cmpfloat (aio_statistics_get ("thread_pool", "calls"), ==, calls + 2);
  g_assert_cmpfloat (aio_statistics_get ("thread_pool", "errors"), ==, errors + 1);
  g_assert_cmpfloat (aio_statistics_get ("thread_pool", "sum_time"), >=, 0);

  /* A job cancelled before it ran is no call and no error: it is counted
   * as "cancelled" (by the worker that dequeues it). */
  g_cancellable_cancel (cancelled);
  aio_run_in_thread_async (job_func, &never, job_destroy, cancelled, job_done_cb, &o3);
  ITERATE_UNTIL (ctx, o3.done);
  g_assert_error (o3.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The worker counts it when it dequeues the job: nothing wakes ctx. */
  deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;
  while (aio_statistics_get ("thread_pool", "cancelled") < n_cancelled + 1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }
  g_assert_cmpint (g_atomic_int_get (&never.ran), ==, 0);
  g_assert_cmpfloat (aio_statistics_get ("thread_pool", "calls"), ==, calls + 2);
  g_assert_cmpfloat (aio_statistics_get ("thread_pool", "errors"), ==, errors + 1);

  /* And exported in the a{sv} snapshot. */
  snapshot = aio_statistics_snapshot ();
  group = g_variant_lookup_value (snapshot, "thread_pool", NULL);
  g_assert_nonnull (group);
  g_assert_true (g_variant_lookup (group, "calls", "d", &value));
  g_assert_cmpfloat (value, >=, calls + 2);

  outcome_clear (&o1);
  outcome_clear (&o2);
  outcome_clear (&o3);
  pop_context (ctx);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Thread/result-on-main-context", test_result_on_main_context);
  g_test_add_func ("/Aio/Thread/result-on-other-thread-context", test_result_on_other_thread_context);
  g_test_add_func ("/Aio/Thread/error", test_error);
  g_test_add_func ("/Aio/Thread/statistics", test_statistics);
  g_test_add_func ("/Aio/Thread/null-result", test_null_result);
  g_test_add_func ("/Aio/Thread/cancel-before-run", test_cancel_before_run);
  g_test_add_func ("/Aio/Thread/cancel-already-cancelled", test_cancel_already_cancelled);
  g_test_add_func ("/Aio/Thread/cancel-while-running", test_cancel_while_running);
  g_test_add_func ("/Aio/Thread/result-kept-after-cancel", test_result_kept_after_cancel);
  g_test_add_func ("/Aio/Thread/destroy-exactly-once", test_destroy_exactly_once);
  g_test_add_func ("/Aio/Thread/blocking-jobs-no-livelock", test_blocking_jobs_no_livelock);
  g_test_add_func ("/Aio/Thread/current-pool-is-used", test_current_pool_is_used);
  g_test_add_func ("/Aio/Thread/free-runs-queued-jobs", test_free_runs_queued_jobs);
  g_test_add_func ("/Aio/Thread/make-current-races", test_make_current_races);
  g_test_add_func ("/Aio/Thread/many-concurrent", test_many_concurrent);
  g_test_add_func ("/Aio/Thread/value", test_value_variant);
  g_test_add_func ("/Aio/Thread/value-cancel-and-destroy", test_value_variant_cancel_and_destroy);
  g_test_add_func ("/Aio/Thread/value-kept-after-cancel", test_value_kept_after_cancel);
  g_test_add_func ("/Aio/Thread/result-object", test_result_object);
  g_test_add_func ("/Aio/Thread/value-result-kept", test_value_result_kept);
  g_test_add_func ("/Aio/Thread/value-unfinished-is-freed", test_value_unfinished_is_freed);
  g_test_add_func ("/Aio/Thread/callback-context", test_callback_context);
  g_test_add_func ("/Aio/Thread/result-data-freed", test_result_data_freed);
  g_test_add_func ("/Aio/Thread/finish-misuse", test_finish_misuse);
  g_test_add_func ("/Aio/Thread/nested-loop-in-callback", test_nested_loop_in_callback);

  return g_test_run ();
}
