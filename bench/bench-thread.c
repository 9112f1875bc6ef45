/* bench-thread.c: aio_run_in_thread_async() against its baselines
 *
 * SPDX-License-Identifier: MIT
 *
 * Measures, in the same run and interleaved in rounds so that they share
 * the machine's state:
 *
 *   aio    aio_run_in_thread_async() + _finish()
 *   raw    an exclusive GThreadPool of the same size, the worker calling
 *          g_main_context_invoke() back to the caller's context: a thread
 *          hop with completion on the loop, hand-written from GLib's
 *          primitives (one idle source and one wake-up per job)
 *   gtask  g_task_run_in_thread() (GLib's shared pool)
 *
 * The main thread owns the context (g_main_context_acquire) for the whole
 * measurement. Otherwise, between two g_main_context_iteration() calls
 * nobody owns it, and g_main_context_invoke() runs the callback right in
 * the pool thread, as documented: the raw baseline would skip the
 * cross-thread wake-up it claims to measure (and race on n_completed).
 *
 * 1. Round trip latency: one trivial job at a time, from submission on the
 *    loop thread to the callback running there; p50/p90/p99.
 * 2. Throughput: BURSTS (default 30) bursts of 1000 jobs submitted at
 *    once, until all completed. On a busy machine one burst phase is short
 *    enough for a scheduling hiccup to move the ratio: compare the medians
 *    of several runs, or raise BURSTS.
 *
 * Usage: bench-thread [ROUNDS [JOBS_PER_ROUND [BURSTS]]]
 *        bench-thread --count METHOD JOBS [BURST]
 *
 * The second form is for callgrind (run-thread-callgrind.py): after the
 * same warm-up it runs JOBS jobs of METHOD only (aio, raw or gtask), in
 * bursts of BURST (default 1000; 1 = one round trip at a time), and prints
 * nothing but a line at the end. The instructions per job are the
 * difference between two such runs of different JOBS, divided by the
 * difference of JOBS: start-up, warm-up and shutdown cancel out.
 */
#include <aiomisc-glib.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

typedef enum {
  METHOD_AIO,
  METHOD_RAW,
  METHOD_GTASK,
  N_METHODS
} Method;

static const char *method_names[N_METHODS] = { "aio", "raw", "gtask" };

static GMainContext *ctx;
static GThread *loop_thread;
static GThreadPool *raw_pool;
static guint n_completed;     /* only touched on loop_thread */

static inline gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* User + system time of the whole process (all threads), in ns: the CPU a
 * method costs, which a busy machine disturbs much less than wall time. */
static gint64
cpu_ns (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return ((gint64) usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_GINT64_CONSTANT (1000000000) +
         ((gint64) usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1000;
}

/* --- aio ----------------------------------------------------------------- */

static gpointer
aio_job (gpointer       data,
         GCancellable  *cancellable,
         GError       **error)
{
  return data;
}

static void
aio_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  if (aio_run_in_thread_finish (result, NULL) != GUINT_TO_POINTER (1))
    g_error ("aio: wrong result");
  if (g_thread_self () != loop_thread)
    g_error ("aio: completion ran off the loop thread");
  n_completed++;
}

static void
submit_aio (void)
{
  aio_run_in_thread_async (aio_job, GUINT_TO_POINTER (1), NULL, NULL, aio_done, NULL);
}

/* --- raw GThreadPool + g_main_context_invoke ----------------------------- */

static gboolean
raw_done (gpointer data)
{
  if (data != GUINT_TO_POINTER (1))
    g_error ("raw: wrong result");
  if (g_thread_self () != loop_thread)
    g_error ("raw: completion ran off the loop thread");
  n_completed++;
  return G_SOURCE_REMOVE;
}

static void
raw_job (gpointer data,
         gpointer pool_data)
{
  g_main_context_invoke (pool_data, raw_done, data);
}

static void
submit_raw (void)
{
  g_thread_pool_push (raw_pool, GUINT_TO_POINTER (1), NULL);
}

/* --- g_task_run_in_thread ------------------------------------------------ */

static void
gtask_job (GTask        *task,
           gpointer      source_object,
           gpointer      task_data,
           GCancellable *cancellable)
{
  g_task_return_pointer (task, task_data, NULL);
}

static void
gtask_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  if (g_task_propagate_pointer (G_TASK (result), NULL) != GUINT_TO_POINTER (1))
    g_error ("gtask: wrong result");
  if (g_thread_self () != loop_thread)
    g_error ("gtask: completion ran off the loop thread");
  n_completed++;
}

static void
submit_gtask (void)
{
  GTask *task = g_task_new (NULL, NULL, gtask_done, NULL);

  g_task_set_task_data (task, GUINT_TO_POINTER (1), NULL);
  g_task_run_in_thread (task, gtask_job);
  g_object_unref (task);
}

static void (*const submit[N_METHODS]) (void) = { submit_aio, submit_raw, submit_gtask };

/* --- measurement --------------------------------------------------------- */

static void
wait_completed (guint target)
{
  while (n_completed < target)
    g_main_context_iteration (ctx, TRUE);
}

/* One job at a time; appends the round trips (ns) to @samples. */
static void
run_latency (Method  method,
             guint   n_jobs,
             GArray *samples)
{
  for (guint i = 0; i < n_jobs; i++)
    {
      gint64 start = now_ns ();
      gint64 elapsed;

      n_completed = 0;
      submit[method] ();
      wait_completed (1);
      elapsed = now_ns () - start;
      if (samples != NULL)
        g_array_append_val (samples, elapsed);
    }
}

/* @n_jobs at once; returns the time until all completed (ns). */
static gint64
run_burst (Method method,
           guint  n_jobs)
{
  gint64 start = now_ns ();

  n_completed = 0;
  for (guint i = 0; i < n_jobs; i++)
    submit[method] ();
  wait_completed (n_jobs);

  return now_ns () - start;
}

static gint
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static double
percentile_us (GArray *sorted,
               double  p)
{
  guint index = (guint) (p / 100.0 * (sorted->len - 1) + 0.5);

  return g_array_index (sorted, gint64, index) / 1000.0;
}

/* bench-thread --count METHOD JOBS [BURST] */
static int
count_main (int    argc,
            char **argv)
{
  Method method = N_METHODS;
  guint n_jobs, burst;

  if (argc < 4)
    {
      fprintf (stderr, "usage: %s --count aio|raw|gtask JOBS [BURST]\n", argv[0]);
      return 2;
    }
  for (guint m = 0; m < N_METHODS; m++)
    if (g_str_equal (argv[2], method_names[m]))
      method = m;
  n_jobs = (guint) atoi (argv[3]);
  burst = argc > 4 ? (guint) atoi (argv[4]) : 1000;
  if (method == N_METHODS || burst == 0)
    {
      fprintf (stderr, "usage: %s --count aio|raw|gtask JOBS [BURST]\n", argv[0]);
      return 2;
    }

  /* The same warm-up for every JOBS: threads started, allocators primed. */
  run_latency (method, 200, NULL);
  run_burst (method, 1000);

  for (guint done = 0; done < n_jobs; done += burst)
    {
      if (burst == 1)
        run_latency (method, 1, NULL);
      else
        run_burst (method, MIN (burst, n_jobs - done));
    }

  printf ("%s: %u jobs in bursts of %u\n", method_names[method], n_jobs, burst);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  guint rounds = argc > 1 ? (guint) atoi (argv[1]) : 50;
  guint per_round = argc > 2 ? (guint) atoi (argv[2]) : 1000;
  guint n_threads = CLAMP (g_get_num_processors (), 4, 32);
  guint burst_rounds = argc > 3 ? (guint) atoi (argv[3]) : 30;
  enum { BURST = 1000 };
  GArray *samples[N_METHODS];
  double p50[N_METHODS], p90[N_METHODS], p99[N_METHODS], mean[N_METHODS];
  double burst_rate[N_METHODS];
  gint64 burst_ns[N_METHODS] = { 0 };
  gint64 burst_cpu_ns[N_METHODS] = { 0 };
  gint64 t0 = now_ns ();
  gboolean count = argc > 1 && g_str_equal (argv[1], "--count");

  if (!count && (rounds == 0 || per_round == 0 || burst_rounds == 0))
    {
      fprintf (stderr, "usage: %s [ROUNDS [JOBS_PER_ROUND [BURSTS]]]\n", argv[0]);
      return 2;
    }

  loop_thread = g_thread_self ();
  ctx = g_main_context_new ();
  g_main_context_push_thread_default (ctx);
  /* Owned from here to the end: every completion runs on this thread. */
  if (!g_main_context_acquire (ctx))
    g_error ("cannot acquire the main context");

  /* The default pool of aio_run_in_thread_async() has n_threads threads;
   * the raw baseline gets as many. */
  raw_pool = g_thread_pool_new (raw_job, ctx, (gint) n_threads, TRUE, NULL);

  if (count)
    {
      int ret = count_main (argc, argv);

      g_thread_pool_free (raw_pool, FALSE, TRUE);
      while (g_main_context_iteration (ctx, FALSE))
        ;
      g_main_context_release (ctx);
      g_main_context_pop_thread_default (ctx);
      g_main_context_unref (ctx);
      return ret;
    }

  for (guint m = 0; m < N_METHODS; m++)
    samples[m] = g_array_sized_new (FALSE, FALSE, sizeof (gint64), rounds * per_round);

  /* Warm up: threads started, caches and allocators primed. */
  for (guint m = 0; m < N_METHODS; m++)
    {
      run_latency (m, 2000, NULL);
      run_burst (m, BURST);
    }

  /* Interleaved rounds, rotating which method goes first. */
  for (guint r = 0; r < rounds; r++)
    for (guint k = 0; k < N_METHODS; k++)
      {
        Method m = (r + k) % N_METHODS;

        run_latency (m, per_round, samples[m]);
      }

  for (guint r = 0; r < burst_rounds; r++)
    for (guint k = 0; k < N_METHODS; k++)
      {
        Method m = (r + k) % N_METHODS;

        gint64 cpu = cpu_ns ();

        burst_ns[m] += run_burst (m, BURST);
        burst_cpu_ns[m] += cpu_ns () - cpu;
      }

  printf ("bench-thread: %u worker threads, %u CPUs, GLib %u.%u.%u\n",
          n_threads, g_get_num_processors (),
          glib_major_version, glib_minor_version, glib_micro_version);
  printf ("round trip, %u rounds x %u jobs per method, interleaved (microseconds):\n",
          rounds, per_round);
  printf ("  %-6s %9s %9s %9s %9s\n", "method", "p50", "p90", "p99", "mean");
  for (guint m = 0; m < N_METHODS; m++)
    {
      double sum = 0;

      g_array_sort (samples[m], compare_gint64);
      for (guint i = 0; i < samples[m]->len; i++)
        sum += g_array_index (samples[m], gint64, i);
      p50[m] = percentile_us (samples[m], 50);
      p90[m] = percentile_us (samples[m], 90);
      p99[m] = percentile_us (samples[m], 99);
      mean[m] = sum / samples[m]->len / 1000.0;
      printf ("  %-6s %9.2f %9.2f %9.2f %9.2f\n",
              method_names[m], p50[m], p90[m], p99[m], mean[m]);
    }

  printf ("throughput, %u bursts of %u jobs (jobs per second; process CPU per job):\n",
          burst_rounds, BURST);
  for (guint m = 0; m < N_METHODS; m++)
    {
      burst_rate[m] = (double) BURST * burst_rounds / (burst_ns[m] / 1e9);
      printf ("  %-6s %12.0f   %6.2f us CPU/job\n", method_names[m], burst_rate[m],
              burst_cpu_ns[m] / 1e3 / (BURST * burst_rounds));
    }

  printf ("ratios:\n");
  printf ("  p50 aio/raw   %.3f   (target <= 1.05)\n", p50[METHOD_AIO] / p50[METHOD_RAW]);
  printf ("  p99 aio/raw   %.3f\n", p99[METHOD_AIO] / p99[METHOD_RAW]);
  printf ("  p50 aio/gtask %.3f\n", p50[METHOD_AIO] / p50[METHOD_GTASK]);
  printf ("  p99 aio/gtask %.3f\n", p99[METHOD_AIO] / p99[METHOD_GTASK]);
  printf ("  throughput aio/raw   %.3f   (target >= 0.95)\n", burst_rate[METHOD_AIO] / burst_rate[METHOD_RAW]);
  printf ("  throughput aio/gtask %.3f\n", burst_rate[METHOD_AIO] / burst_rate[METHOD_GTASK]);
  printf ("  burst CPU/job aio/raw %.3f\n",
          (double) burst_cpu_ns[METHOD_AIO] / burst_cpu_ns[METHOD_RAW]);
  printf ("total time: %.1f s\n", (now_ns () - t0) / 1e9);

  for (guint m = 0; m < N_METHODS; m++)
    g_array_unref (samples[m]);
  g_thread_pool_free (raw_pool, FALSE, TRUE);
  while (g_main_context_iteration (ctx, FALSE))
    ;
  g_main_context_release (ctx);
  g_main_context_pop_thread_default (ctx);
  g_main_context_unref (ctx);

  return 0;
}
