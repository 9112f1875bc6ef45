/* bench-lifecycle.c: cost of starting and stopping services through an
 * AioEntrypoint, against a baseline measured in the same run: one raw GTask
 * round trip per service (the least an async start can cost).
 *
 * Also: a 10-deep dependency chain whose starts take 10 ms each, against its
 * critical path (100 ms).
 *
 * SPDX-License-Identifier: MIT
 */
#include <aiomisc-glib.h>
#include <time.h>

#define BENCH_TYPE_SERVICE (bench_service_get_type ())
G_DECLARE_FINAL_TYPE (BenchService, bench_service, BENCH, SERVICE, AioService)

struct _BenchService
{
  AioService parent_instance;
  guint      start_ms;
};

G_DEFINE_FINAL_TYPE (BenchService, bench_service, AIO_TYPE_SERVICE)

static gboolean
delayed_return (gpointer data)
{
  g_task_return_boolean (data, TRUE);
  return G_SOURCE_REMOVE;
}

static void
bench_service_start_async (AioService *service, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  BenchService *self = BENCH_SERVICE (service);
  GTask *task = g_task_new (service, cancellable, callback, user_data);

  if (self->start_ms == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  else
    g_timeout_add_full (G_PRIORITY_DEFAULT, self->start_ms, delayed_return, task, g_object_unref);
}

static void
bench_service_class_init (BenchServiceClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = bench_service_start_async;
}

static void
bench_service_init (BenchService *self)
{
}

static void
done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (AIO_IS_ENTRYPOINT (object))
    {
      if (g_async_result_is_tagged (result, aio_entrypoint_start_async))
        aio_entrypoint_start_finish (AIO_ENTRYPOINT (object), result, &error);
      else
        aio_entrypoint_stop_finish (AIO_ENTRYPOINT (object), result, &error);
      g_assert_no_error (error);
    }
  *done = TRUE;
}

static void
wait_for (gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
}

/* Baseline: one GTask round trip per service, all in flight at once. */

static guint raw_pending;

static void
raw_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
  raw_pending--;
}

/* Not inlined, here and for the phases below: callgrind's inclusive cost of
 * each is the instruction count of that phase. */
static G_GNUC_NO_INLINE double
raw_round_trips (GPtrArray *objects)
{
  gint64 begin = g_get_monotonic_time ();

  raw_pending = objects->len;
  for (guint i = 0; i < objects->len; i++)
    {
      GTask *task = g_task_new (g_ptr_array_index (objects, i), NULL, raw_cb, NULL);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  while (raw_pending > 0)
    g_main_context_iteration (NULL, TRUE);

  return (double) (g_get_monotonic_time () - begin);
}

/* CPU time of this thread, which runs the main loop: on a shared machine
 * it is less noisy than the wall clock (the pool threads are idle). */
static gint64
thread_cpu_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static G_GNUC_NO_INLINE void
start_phase (AioEntrypoint *ep, gboolean *started)
{
  aio_entrypoint_start_async (ep, NULL, done_cb, started);
  wait_for (started);
}

static G_GNUC_NO_INLINE void
stop_phase (AioEntrypoint *ep, gboolean *stopped)
{
  aio_entrypoint_stop_async (ep, NULL, done_cb, stopped);
  wait_for (stopped);
}

static void
measure (guint n, guint rounds)
{
  double start_us = 0, stop_us = 0, raw_us = 0;
  double start_cpu = 0, stop_cpu = 0;

  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE,
                                                  "pool-size", 4, NULL);
      g_autoptr(GPtrArray) services = g_ptr_array_new_with_free_func (g_object_unref);
      gboolean started = FALSE, stopped = FALSE;
      gint64 t0, t1, t2, c0, c1, c2;

      for (guint i = 0; i < n; i++)
        {
          AioService *service = g_object_new (BENCH_TYPE_SERVICE, NULL);
          g_ptr_array_add (services, service);
          aio_entrypoint_add_service (ep, service);
        }

      c0 = thread_cpu_usec ();
      t0 = g_get_monotonic_time ();
      start_phase (ep, &started);
      t1 = g_get_monotonic_time ();
      c1 = thread_cpu_usec ();
      stop_phase (ep, &stopped);
      t2 = g_get_monotonic_time ();
      c2 = thread_cpu_usec ();

      start_us += (double) (t1 - t0);
      stop_us += (double) (t2 - t1);
      start_cpu += (double) (c1 - c0);
      stop_cpu += (double) (c2 - c1);
      raw_us += raw_round_trips (services);
    }

  start_us /= (double) rounds * n;
  stop_us /= (double) rounds * n;
  raw_us /= (double) rounds * n;
  start_cpu /= (double) rounds * n;
  stop_cpu /= (double) rounds * n;
  g_print ("%6u services: start %7.2f us/service (%5.1fx raw GTask)  stop %7.2f us/service (%5.1fx raw GTask)  raw GTask %5.2f us"
           "  [main-thread CPU: start %.2f stop %.2f us/service]\n",
           n, start_us, start_us / raw_us, stop_us, stop_us / raw_us, raw_us, start_cpu, stop_cpu);
}

static void
chain (guint depth, guint start_ms)
{
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
  g_autoptr(GPtrArray) services = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean started = FALSE, stopped = FALSE;
  gint64 t0, elapsed;
  double critical_path;

  for (guint i = 0; i < depth; i++)
    {
      BenchService *service = g_object_new (BENCH_TYPE_SERVICE, NULL);
      service->start_ms = start_ms;
      if (i > 0)
        aio_service_add_dependency (AIO_SERVICE (service), g_ptr_array_index (services, i - 1));
      g_ptr_array_add (services, service);
    }
  /* Plus 10 independent services of the same duration: they must not add to the time. */
  for (guint i = 0; i < 10; i++)
    {
      BenchService *service = g_object_new (BENCH_TYPE_SERVICE, NULL);
      service->start_ms = start_ms;
      g_ptr_array_add (services, service);
    }
  for (guint i = 0; i < services->len; i++)
    aio_entrypoint_add_service (ep, g_ptr_array_index (services, i));

  t0 = g_get_monotonic_time ();
  aio_entrypoint_start_async (ep, NULL, done_cb, &started);
  wait_for (&started);
  elapsed = g_get_monotonic_time () - t0;
  aio_entrypoint_stop_async (ep, NULL, done_cb, &stopped);
  wait_for (&stopped);

  critical_path = depth * start_ms * 1000.;
  g_print ("chain of %u x %u ms (+10 independent): %.1f ms, critical path %.1f ms: %.3fx\n",
           depth, start_ms, elapsed / 1000., critical_path / 1000., elapsed / critical_path);
}

int
main (int argc, char *argv[])
{
  g_print ("bench-lifecycle: microseconds (us) per service per phase, ratio against one raw GTask round trip\n");
  /* bench-lifecycle N ROUNDS: only that size (for profiling). */
  if (argc == 3)
    {
      measure ((guint) g_ascii_strtoull (argv[1], NULL, 10),
               (guint) g_ascii_strtoull (argv[2], NULL, 10));
      return 0;
    }
  measure (1, 2000);
  measure (100, 100);
  measure (10000, 3);
  chain (10, 10);
  return 0;
}
