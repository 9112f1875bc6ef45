/* test-periodic.c: AioPeriodicCallback and AioPeriodicService
 *
 * The schedules run on an AioManualClock wherever the behaviour allows, and
 * slow calls wait on the same clock, so the counts are exact. The few tests
 * on the system clock only assert generous bounds.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "aio-test-services.h"

#define MS G_GINT64_CONSTANT (1000)

/* Runs every source that is ready, without blocking. */
static void
drain (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Moves a manual clock forward in small steps, running what becomes due. */
static void
advance (AioClock *clock,
         gint64    total_us,
         gint64    step_us)
{
  drain ();
  for (gint64 done = 0; done < total_us; done += step_us)
    {
      aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), MIN (step_us, total_us - done));
      drain ();
    }
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the real main loop for @ms milliseconds: an observation window,
 * never a synchronisation. */
static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag, &done);
  aio_test_wait (&done);
}

/* The probe (aio-test-services.h): what the periodic function saw. */

typedef AioTestProbe Probe;

static void
probe_stopped_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Probe *probe = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_periodic_callback_stop_finish (AIO_PERIODIC_CALLBACK (object), result, &error));
  g_assert_no_error (error);
  probe->stopped = TRUE;
}

static void
probe_func (AioPeriodicCallback *periodic,
            GTask               *task,
            gpointer             user_data)
{
  Probe *probe = user_data;

  g_assert_true (AIO_IS_PERIODIC_CALLBACK (periodic));
  g_assert_true (G_IS_TASK (task));
  if (probe->stop_inside)
    aio_periodic_callback_stop_async (periodic, NULL, probe_stopped_cb, probe);
  aio_test_probe_call (probe, task);
}

static AioPeriodicCallback *
new_periodic (Probe      *probe,
              AioClock   *clock,
              const char *name,
              double      interval)
{
  AioPeriodicCallback *periodic = aio_test_track (aio_periodic_callback_new (probe_func, probe, NULL));

  probe->clock = clock;
  aio_periodic_callback_set_clock (periodic, clock);
  aio_periodic_callback_set_name (periodic, name);
  aio_periodic_callback_set_interval (periodic, interval);
  return periodic;
}

static void
stop_sync (AioPeriodicCallback *periodic)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  aio_periodic_callback_stop_async (periodic, NULL, aio_test_async_result_cb, &result);
  g_assert_true (aio_periodic_callback_stop_finish (periodic, aio_test_wait_result (&result),
                                                    &error));
  g_assert_no_error (error);
  g_assert_false (aio_periodic_callback_is_running (periodic));
}

/* Tests */

static void
test_properties (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioPeriodicCallback) periodic = aio_periodic_callback_new (probe_func, NULL, NULL);
  g_autoptr(AioClock) got_clock = NULL;
  g_autofree char *name = NULL;
  double interval, delay;
  gboolean shield, running;
  guint notified = 0;

  g_assert_cmpstr (aio_periodic_callback_get_name (periodic), ==, "AioPeriodicCallback");
  g_assert_cmpfloat (aio_periodic_callback_get_interval (periodic), ==, 0);
  g_assert_cmpfloat (aio_periodic_callback_get_delay (periodic), ==, 0);
  g_assert_false (aio_periodic_callback_get_shield (periodic));
  g_assert_true (aio_periodic_callback_get_clock (periodic) == aio_clock_get_default ());
  g_assert_false (aio_periodic_callback_is_running (periodic));

  g_signal_connect_swapped (periodic, "notify", G_CALLBACK (g_atomic_int_inc), &notified);
  g_object_set (periodic,
                "name", "heartbeat",
                "interval", 2.5,
                "delay", 0.5,
                "shield", TRUE,
                "clock", clock,
                NULL);
  g_assert_cmpuint (notified, ==, 5);
  /* Setting the same values again notifies nothing. */
  g_object_set (periodic, "name", "heartbeat", "interval", 2.5, "delay", 0.5,
                "shield", TRUE, "clock", clock, NULL);
  g_assert_cmpuint (notified, ==, 5);

  g_object_get (periodic,
                "name", &name,
                "interval", &interval,
                "delay", &delay,
                "shield", &shield,
                "clock", &got_clock,
                "running", &running,
                NULL);
  g_assert_cmpstr (name, ==, "heartbeat");
  g_assert_cmpfloat (interval, ==, 2.5);
  g_assert_cmpfloat (delay, ==, 0.5);
  g_assert_true (shield);
  g_assert_true (got_clock == clock);
  g_assert_false (running);

  /* NULL means the system clock, and the type name. */
  aio_periodic_callback_set_clock (periodic, NULL);
  g_assert_true (aio_periodic_callback_get_clock (periodic) == aio_clock_get_default ());
  aio_periodic_callback_set_name (periodic, NULL);
  g_assert_cmpstr (aio_periodic_callback_get_name (periodic), ==, "AioPeriodicCallback");
}

static void
test_fires_repeatedly (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "ticker", 0.1);
  g_autoptr(GError) error = NULL;
  guint running_notified = 0;
  double calls_before = aio_statistics_get ("periodic", "calls");

  g_signal_connect_swapped (periodic, "notify::running", G_CALLBACK (g_atomic_int_inc), &running_notified);
  g_assert_true (aio_periodic_callback_start (periodic, &error));
  g_assert_no_error (error);
  g_assert_true (aio_periodic_callback_is_running (periodic));
  g_assert_cmpuint (running_notified, ==, 1);
  /* Never called from start itself, even without a delay. */
  g_assert_cmpuint (probe.calls, ==, 0);

  drain ();
  g_assert_cmpuint (probe.calls, ==, 1);

  /* t = 0, 0.1, ..., 1.0 */
  advance (clock, G_USEC_PER_SEC, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 11);
  for (guint i = 0; i < probe.calls; i++)
    g_assert_cmpint (probe.started_at[i], ==, i * 100 * MS);
  g_assert_cmpuint (probe.max_in_flight, ==, 1);

  stop_sync (periodic);
  g_assert_cmpuint (running_notified, ==, 2);
  g_assert_cmpfloat (aio_statistics_get ("periodic", "calls") - calls_before, ==, 11);

  advance (clock, G_USEC_PER_SEC, 50 * MS);
  g_assert_cmpuint (probe.calls, ==, 11);
}

static void
test_real_clock (void)
{
  Probe probe = { 0 };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, aio_clock_get_default (), "real", 0.01);
  g_autoptr(GError) error = NULL;
  gint64 begin = g_get_monotonic_time ();

  g_assert_true (aio_periodic_callback_start (periodic, &error));
  while (probe.calls < 5)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time () - begin, <, 20 * G_USEC_PER_SEC);
    }
  stop_sync (periodic);

  /* Five calls 10 ms apart cannot take less than 40 ms. */
  g_assert_cmpint (g_get_monotonic_time () - begin, >=, 40 * MS);
  g_assert_cmpuint (probe.max_in_flight, ==, 1);
}

/* The check of the issue: a 0.5 s callback at a 0.1 s interval runs exactly
 * twice in 1 s (at 0 and 0.6 s), never overlapping. */
static void
test_no_overlap (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { .slow_us = 500 * MS };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "slow", 0.1);
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_periodic_callback_start (periodic, &error));
  advance (clock, G_USEC_PER_SEC, 10 * MS);

  g_assert_cmpuint (probe.calls, ==, 2);
  g_assert_cmpuint (probe.max_in_flight, ==, 1);
  g_assert_cmpint (probe.started_at[0], ==, 0);
  g_assert_cmpint (probe.started_at[1], ==, 600 * MS);
  g_assert_cmpuint (probe.completed, ==, 1);

  /* Not shielded: the stop cancels the second call and waits for it. */
  stop_sync (periodic);
  g_assert_cmpuint (probe.cancelled, ==, 1);
  g_assert_cmpuint (probe.in_flight, ==, 0);
}

/* The same on the system clock, with a 0.4 s margin either side. */
static void
test_no_overlap_real_time (void)
{
  Probe probe = { .slow_us = 500 * MS };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, aio_clock_get_default (), "slow", 0.1);
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_periodic_callback_start (periodic, &error));
  run_for (1000);
  stop_sync (periodic);

  g_assert_cmpuint (probe.calls, ==, 2);
  g_assert_cmpuint (probe.max_in_flight, ==, 1);
  g_assert_cmpint (probe.started_at[1] - probe.started_at[0], >=, 600 * MS);
}

static void
test_delay (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "delayed", 0.1);
  g_autoptr(GError) error = NULL;

  aio_periodic_callback_set_delay (periodic, 0.5);
  g_assert_true (aio_periodic_callback_start (periodic, &error));
  advance (clock, 490 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 0);
  advance (clock, 10 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 1);
  g_assert_cmpint (probe.started_at[0], ==, 500 * MS);
  advance (clock, 100 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 2);
  g_assert_cmpint (probe.started_at[1], ==, 600 * MS);
  stop_sync (periodic);
}

static void
test_restart (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "again", 0.1);
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_periodic_callback_start (periodic, &error));
  advance (clock, 500 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 6);

  /* Starting twice is an error naming the callback. */
  g_assert_false (aio_periodic_callback_start (periodic, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "'again'"));
  g_clear_error (&error);

  stop_sync (periodic);
  advance (clock, 500 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 6);

  /* Stopping a stopped callback is harmless. */
  stop_sync (periodic);

  g_assert_true (aio_periodic_callback_start (periodic, &error));
  g_assert_no_error (error);
  advance (clock, 500 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 12);
  stop_sync (periodic);
  advance (clock, 500 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 12);
}

static void
test_shield (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { .slow_us = 500 * MS };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "shielded", 0.1);
  g_autoptr(GError) error = NULL;
  double errors_before = aio_statistics_get ("periodic", "errors");
  guint warnings_before = aio_test_log_count (G_LOG_LEVEL_WARNING, "");
  g_autoptr(GAsyncResult) result = NULL;

  /* Shielded: the running call finishes, and the stop waits for it. */
  aio_periodic_callback_set_shield (periodic, TRUE);
  g_assert_true (aio_periodic_callback_start (periodic, &error));
  advance (clock, 100 * MS, 10 * MS);
  g_assert_cmpuint (probe.in_flight, ==, 1);

  aio_periodic_callback_stop_async (periodic, NULL, aio_test_async_result_cb, &result);
  drain ();
  g_assert_null (result);
  g_assert_false (aio_periodic_callback_is_running (periodic));
  g_assert_false (g_cancellable_is_cancelled (g_task_get_cancellable (probe.pending)));

  advance (clock, 400 * MS, 10 * MS);
  g_assert_nonnull (result);
  g_assert_true (aio_periodic_callback_stop_finish (periodic, result, &error));
  g_clear_object (&result);
  g_assert_cmpuint (probe.completed, ==, 1);
  g_assert_cmpuint (probe.cancelled, ==, 0);

  advance (clock, G_USEC_PER_SEC, 50 * MS);
  g_assert_cmpuint (probe.calls, ==, 1);

  /* Not shielded: the stop cancels the call, which counts as no error. */
  aio_periodic_callback_set_shield (periodic, FALSE);
  g_assert_true (aio_periodic_callback_start (periodic, &error));
  advance (clock, 100 * MS, 10 * MS);
  g_assert_cmpuint (probe.in_flight, ==, 1);
  aio_periodic_callback_stop_async (periodic, NULL, aio_test_async_result_cb, &result);
  g_assert_true (aio_periodic_callback_stop_finish (periodic, aio_test_wait_result (&result),
                                                    &error));
  g_assert_cmpuint (probe.calls, ==, 2);
  g_assert_cmpuint (probe.completed, ==, 1);
  g_assert_cmpuint (probe.cancelled, ==, 1);

  g_assert_cmpfloat (aio_statistics_get ("periodic", "errors"), ==, errors_before);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, ""), ==, warnings_before);
}

static void
test_stop_cancelled (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { .slow_us = 3600 * G_TIME_SPAN_SECOND };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "stubborn", 0.1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  /* Giving up the wait of a shielded stop cancels the call after all. */
  aio_periodic_callback_set_shield (periodic, TRUE);
  g_assert_true (aio_periodic_callback_start (periodic, &error));
  drain ();
  g_assert_cmpuint (probe.in_flight, ==, 1);
  aio_periodic_callback_stop_async (periodic, cancellable, aio_test_async_result_cb, &result);
  drain ();
  g_assert_null (result);
  g_cancellable_cancel (cancellable);
  g_assert_false (aio_periodic_callback_stop_finish (periodic, aio_test_wait_result (&result),
                                                     &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);
  drain ();
  g_assert_cmpuint (probe.cancelled, ==, 1);

  g_assert_true (aio_periodic_callback_start (periodic, &error));
  g_assert_no_error (error);
  drain ();
  g_assert_cmpuint (probe.calls, ==, 2);

  /* A call that ignores its cancellation keeps the callback stopping. */
  probe.ignore_cancel = TRUE;
  g_cancellable_reset (cancellable);
  aio_periodic_callback_stop_async (periodic, cancellable, aio_test_async_result_cb, &result);
  g_cancellable_cancel (cancellable);
  g_assert_false (aio_periodic_callback_stop_finish (periodic, aio_test_wait_result (&result),
                                                     &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&result);

  g_assert_false (aio_periodic_callback_start (periodic, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "'stubborn'"));
  g_assert_nonnull (strstr (error->message, "stopping"));
  g_clear_error (&error);

  /* Once the call completes, it may start again. */
  aio_test_probe_complete (&probe, FALSE);
  drain ();
  g_assert_true (aio_periodic_callback_start (periodic, &error));
  g_assert_no_error (error);
  probe.ignore_cancel = FALSE;
  stop_sync (periodic);
}

static void
test_errors_keep_schedule (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { .fail_every = 2 };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "flaky", 0.1);
  g_autoptr(GError) error = NULL;
  double calls_before = aio_statistics_get ("periodic", "calls");
  double errors_before = aio_statistics_get ("periodic", "errors");

  g_assert_true (aio_periodic_callback_start (periodic, &error));
  advance (clock, 500 * MS, 10 * MS);
  stop_sync (periodic);

  /* Calls 2, 4 and 6 failed; the schedule went on regardless. */
  g_assert_cmpuint (probe.calls, ==, 6);
  for (guint i = 0; i < probe.calls; i++)
    g_assert_cmpint (probe.started_at[i], ==, i * 100 * MS);
  g_assert_cmpfloat (aio_statistics_get ("periodic", "calls") - calls_before, ==, 6);
  g_assert_cmpfloat (aio_statistics_get ("periodic", "errors") - errors_before, ==, 3);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "Periodic callback 'flaky' failed: call "), ==, 3);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "call 4 went wrong"), ==, 1);
}

static void
test_dropped_task (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { .drop_task = TRUE };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "forgetful", 0.1);
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_periodic_callback_start (periodic, &error));
  advance (clock, 200 * MS, 10 * MS);
  stop_sync (periodic);

  g_assert_cmpuint (probe.calls, ==, 3);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "'forgetful' failed: the callback dropped its task"), ==, 3);
}

static void
test_stop_from_callback (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { .stop_inside = TRUE };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "quitter", 0.1);
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_periodic_callback_start (periodic, &error));
  drain ();
  aio_test_wait (&probe.stopped);
  g_assert_false (aio_periodic_callback_is_running (periodic));
  advance (clock, 500 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 1);
  g_assert_cmpuint (probe.completed, ==, 1);
}

static void
test_bad_interval (void)
{
  const double bad_intervals[] = { 0, -1, NAN, INFINITY, -INFINITY };
  const double bad_delays[] = { -0.5, NAN, INFINITY };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioPeriodicCallback) periodic = new_periodic (&probe, clock, "broken", 1);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad_intervals); i++)
    {
      g_autofree char *value = g_strdup_printf ("of %g s", bad_intervals[i]);

      aio_periodic_callback_set_interval (periodic, bad_intervals[i]);
      g_assert_false (aio_periodic_callback_start (periodic, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "'broken'"));
      g_assert_nonnull (strstr (error->message, "interval"));
      g_assert_nonnull (strstr (error->message, value));
      g_assert_false (aio_periodic_callback_is_running (periodic));
      g_clear_error (&error);
    }

  aio_periodic_callback_set_interval (periodic, 0.1);
  for (guint i = 0; i < G_N_ELEMENTS (bad_delays); i++)
    {
      g_autofree char *value = g_strdup_printf ("of %g s", bad_delays[i]);

      aio_periodic_callback_set_delay (periodic, bad_delays[i]);
      g_assert_false (aio_periodic_callback_start (periodic, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "delay"));
      g_assert_nonnull (strstr (error->message, value));
      g_clear_error (&error);
    }

  /* While running, a bad interval is ignored with a warning. */
  aio_periodic_callback_set_delay (periodic, 0);
  g_assert_true (aio_periodic_callback_start (periodic, &error));
  aio_periodic_callback_set_interval (periodic, -3);
  g_assert_cmpfloat (aio_periodic_callback_get_interval (periodic), ==, 0.1);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "'broken': ignoring the invalid interval of -3 s"), ==, 1);
  /* A good one applies from the next call. */
  aio_periodic_callback_set_interval (periodic, 0.2);
  advance (clock, 400 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 3);
  g_assert_cmpint (probe.started_at[1], ==, 200 * MS);
  stop_sync (periodic);
}

/* A callback that nobody keeps stays alive until it is stopped. */
static void
test_keeps_itself_alive (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  AioPeriodicCallback *periodic = new_periodic (&probe, clock, "orphan", 0.1);
  GWeakRef weak;
  g_autoptr(GError) error = NULL;
  g_autoptr(AioPeriodicCallback) again = NULL;

  g_weak_ref_init (&weak, periodic);
  g_assert_true (aio_periodic_callback_start (periodic, &error));
  g_object_unref (periodic);
  advance (clock, 200 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 3);

  again = g_weak_ref_get (&weak);
  g_assert_nonnull (again);
  stop_sync (again);
  g_clear_object (&again);
  drain ();
  again = g_weak_ref_get (&weak);
  g_assert_null (again);
  g_weak_ref_clear (&weak);
}

/* AioPeriodicService */

#define TEST_TYPE_TICKER (test_ticker_get_type ())
G_DECLARE_FINAL_TYPE (TestTicker, test_ticker, TEST, TICKER, AioPeriodicService)

struct _TestTicker
{
  AioPeriodicService  parent_instance;
  Probe               probe;
  guint               goal;          /* completes goal_task after this many calls */
  GTask              *goal_task;
};

G_DEFINE_FINAL_TYPE (TestTicker, test_ticker, AIO_TYPE_PERIODIC_SERVICE)

static void
test_ticker_callback_async (AioPeriodicService  *service,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  TestTicker *self = TEST_TICKER (service);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  aio_test_probe_call (&self->probe, task);
  if (self->goal_task != NULL && self->probe.calls >= self->goal)
    {
      g_autoptr(GTask) goal = g_steal_pointer (&self->goal_task);
      g_task_return_boolean (goal, TRUE);
    }
}

static void
test_ticker_finalize (GObject *object)
{
  TestTicker *self = TEST_TICKER (object);

  g_assert_null (self->probe.pending);
  g_clear_object (&self->goal_task);
  G_OBJECT_CLASS (test_ticker_parent_class)->finalize (object);
}

static void
test_ticker_class_init (TestTickerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_ticker_finalize;
  AIO_PERIODIC_SERVICE_CLASS (klass)->callback_async = test_ticker_callback_async;
}

static void
test_ticker_init (TestTicker *self)
{
  self->probe.clock = aio_clock_get_default ();
}

/* A service that does not override the callback. */
#define TEST_TYPE_LAZY (test_lazy_get_type ())
G_DECLARE_FINAL_TYPE (TestLazy, test_lazy, TEST, LAZY, AioPeriodicService)

struct _TestLazy
{
  AioPeriodicService parent_instance;
};

G_DEFINE_FINAL_TYPE (TestLazy, test_lazy, AIO_TYPE_PERIODIC_SERVICE)

static void test_lazy_class_init (TestLazyClass *klass) { }
static void test_lazy_init (TestLazy *self) { }

static AioEntrypoint *
new_entrypoint (void)
{
  /* Tests drive logging themselves: the entrypoint must not install a writer. */
  return g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
}

static void
ticker_main (AioEntrypoint *entrypoint,
             GTask         *task,
             gpointer       user_data)
{
  TestTicker *ticker = user_data;

  g_assert_true (aio_service_get_state (AIO_SERVICE (ticker)) == AIO_SERVICE_STATE_RUNNING);
  ticker->goal_task = g_object_ref (task);
}

static void
test_service_entrypoint (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(TestTicker) ticker = aio_test_track (g_object_new (TEST_TYPE_TICKER,
                                                      "name", "ticker",
                                                      "interval", 0.01,
                                                      "delay", 0.02,
                                                      NULL));
  g_autoptr(GError) error = NULL;
  double calls_before = aio_statistics_get ("periodic", "calls");

  ticker->goal = 5;
  aio_entrypoint_add_service (ep, AIO_SERVICE (ticker));
  g_assert_true (aio_entrypoint_run_main (ep, ticker_main, ticker, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (ticker->probe.calls, >=, 5);
  g_assert_cmpuint (ticker->probe.max_in_flight, ==, 1);
  g_assert_cmpint (ticker->probe.started_at[1] - ticker->probe.started_at[0], >=, 10 * MS);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (ticker)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpfloat (aio_statistics_get ("periodic", "calls") - calls_before, ==, ticker->probe.calls);

  /* And again: a stopped service starts afresh. */
  ticker->goal = ticker->probe.calls + 2;
  g_assert_true (aio_entrypoint_run_main (ep, ticker_main, ticker, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ticker->probe.calls, >=, ticker->goal);
}

static void
test_service_bad_interval (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(TestTicker) ticker = aio_test_track (g_object_new (TEST_TYPE_TICKER, "name", "ticker", NULL));
  g_autoptr(GError) error = NULL;

  aio_entrypoint_add_service (ep, AIO_SERVICE (ticker));
  g_assert_false (aio_entrypoint_run_main (ep, ticker_main, ticker, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "'ticker'"));
  g_assert_nonnull (strstr (error->message, "interval of 0 s"));
  g_assert_cmpuint (ticker->probe.calls, ==, 0);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (ticker)), ==, AIO_SERVICE_STATE_FAILED);
}

static void
test_service_shield (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(TestTicker) ticker = aio_test_track (g_object_new (TEST_TYPE_TICKER,
                                                      "name", "careful",
                                                      "interval", 1.0,
                                                      "shield", TRUE,
                                                      "clock", clock,
                                                      NULL));
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_periodic_service_get_shield (AIO_PERIODIC_SERVICE (ticker)));
  g_assert_true (aio_periodic_service_get_clock (AIO_PERIODIC_SERVICE (ticker)) == clock);
  g_assert_cmpfloat (aio_periodic_service_get_interval (AIO_PERIODIC_SERVICE (ticker)), ==, 1.0);
  g_assert_cmpfloat (aio_periodic_service_get_delay (AIO_PERIODIC_SERVICE (ticker)), ==, 0);
  ticker->probe.clock = clock;
  ticker->probe.slow_us = 500 * MS;

  g_assert_true (aio_test_start_service (AIO_SERVICE (ticker), &error));
  g_assert_no_error (error);
  advance (clock, 100 * MS, 10 * MS);
  g_assert_cmpuint (ticker->probe.in_flight, ==, 1);

  aio_service_stop_async (AIO_SERVICE (ticker), NULL, NULL, aio_test_async_result_cb, &stopped);
  drain ();
  g_assert_null (stopped);
  advance (clock, 400 * MS, 10 * MS);
  g_assert_nonnull (stopped);
  g_assert_true (aio_service_stop_finish (AIO_SERVICE (ticker), stopped, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ticker->probe.completed, ==, 1);
  g_assert_cmpuint (ticker->probe.cancelled, ==, 0);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (ticker)), ==, AIO_SERVICE_STATE_STOPPED);
}

/* The service notifies its interval, delay, shield and clock once per
 * change, never for a value that does not change it. */
static void
test_service_notify (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(TestTicker) ticker = aio_test_track (g_object_new (TEST_TYPE_TICKER, "name", "noisy", NULL));
  g_autoptr(GError) error = NULL;
  guint notified = 0, interval_notified = 0;

  g_signal_connect_swapped (ticker, "notify", G_CALLBACK (g_atomic_int_inc), &notified);
  g_signal_connect_swapped (ticker, "notify::interval", G_CALLBACK (g_atomic_int_inc), &interval_notified);
  g_object_set (ticker, "interval", 1.0, "delay", 0.5, "shield", TRUE, "clock", clock, NULL);
  g_assert_cmpuint (notified, ==, 4);
  g_assert_cmpuint (interval_notified, ==, 1);
  g_object_set (ticker, "interval", 1.0, "delay", 0.5, "shield", TRUE, "clock", clock, NULL);
  aio_periodic_service_set_shield (AIO_PERIODIC_SERVICE (ticker), 42);
  g_assert_cmpuint (notified, ==, 4);

  aio_periodic_service_set_clock (AIO_PERIODIC_SERVICE (ticker), NULL);
  g_assert_cmpuint (notified, ==, 5);
  g_assert_true (aio_periodic_service_get_clock (AIO_PERIODIC_SERVICE (ticker)) == aio_clock_get_default ());
  aio_periodic_service_set_clock (AIO_PERIODIC_SERVICE (ticker), clock);
  g_assert_cmpuint (notified, ==, 6);

  /* While running, an invalid interval is ignored: nothing changes. */
  g_assert_true (aio_test_start_service (AIO_SERVICE (ticker), &error));
  g_assert_no_error (error);
  notified = 0;
  aio_periodic_service_set_interval (AIO_PERIODIC_SERVICE (ticker), -3);
  g_assert_cmpfloat (aio_periodic_service_get_interval (AIO_PERIODIC_SERVICE (ticker)), ==, 1.0);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "'noisy': ignoring the invalid interval of -3 s"), ==, 1);
  aio_periodic_service_set_interval (AIO_PERIODIC_SERVICE (ticker), 2.0);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (interval_notified, ==, 2);
  g_assert_true (aio_test_stop_service (AIO_SERVICE (ticker), NULL, &error));
  g_assert_no_error (error);
}

static void
test_service_default_callback (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(TestLazy) lazy = aio_test_track (g_object_new (TEST_TYPE_LAZY, "interval", 0.1, "clock", clock, NULL));
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_test_start_service (AIO_SERVICE (lazy), &error));
  g_assert_no_error (error);
  advance (clock, 100 * MS, 10 * MS);
  g_assert_true (aio_test_stop_service (AIO_SERVICE (lazy), NULL, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "Periodic callback 'TestLazy' failed: TestLazy does not override callback_async"), ==, 2);
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* Failed calls are logged as warnings: keep only criticals fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  /* Warnings, asserted on: written only with --verbose. */
  aio_test_log_capture_install (G_LOG_LEVEL_WARNING, G_LOG_LEVEL_WARNING);

  g_test_add_func ("/Aio/Periodic/properties", test_properties);
  g_test_add_func ("/Aio/Periodic/fires-repeatedly", test_fires_repeatedly);
  g_test_add_func ("/Aio/Periodic/real-clock", test_real_clock);
  g_test_add_func ("/Aio/Periodic/no-overlap", test_no_overlap);
  g_test_add_func ("/Aio/Periodic/no-overlap-real-time", test_no_overlap_real_time);
  g_test_add_func ("/Aio/Periodic/delay", test_delay);
  g_test_add_func ("/Aio/Periodic/restart", test_restart);
  g_test_add_func ("/Aio/Periodic/shield", test_shield);
  g_test_add_func ("/Aio/Periodic/stop-cancelled", test_stop_cancelled);
  g_test_add_func ("/Aio/Periodic/errors-keep-schedule", test_errors_keep_schedule);
  g_test_add_func ("/Aio/Periodic/dropped-task", test_dropped_task);
  g_test_add_func ("/Aio/Periodic/stop-from-callback", test_stop_from_callback);
  g_test_add_func ("/Aio/Periodic/bad-interval", test_bad_interval);
  g_test_add_func ("/Aio/Periodic/keeps-itself-alive", test_keeps_itself_alive);
  g_test_add_func ("/Aio/Periodic/service-entrypoint", test_service_entrypoint);
  g_test_add_func ("/Aio/Periodic/service-bad-interval", test_service_bad_interval);
  g_test_add_func ("/Aio/Periodic/service-shield", test_service_shield);
  g_test_add_func ("/Aio/Periodic/service-default-callback", test_service_default_callback);
  g_test_add_func ("/Aio/Periodic/service-notify", test_service_notify);

  ret = g_test_run ();

  /* Every callback the tests made is gone: nothing leaked a reference. */
  drain ();
  aio_test_assert_tracked_finalized ();

  return ret;
}
