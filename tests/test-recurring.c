/* test-recurring.c: AioRecurringCallback and its strategies
 *
 * Schedules run on an AioManualClock, and slow calls wait on the same
 * clock, so the counts are exact.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "aio-test-services.h"

#define MS G_GINT64_CONSTANT (1000)

/* Runs what is ready, at most @max iterations: a strategy that keeps
 * returning 0 on a manual clock is always ready. */
static void
drain_at_most (guint max)
{
  for (guint i = 0; i < max && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static void
drain (void)
{
  drain_at_most (G_MAXUINT);
}

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

/* The callback under test: the probe of aio-test-services.h */

typedef AioTestProbe Probe;

static void
probe_func (AioRecurringCallback *recurring,
            GTask                *task,
            gpointer              user_data)
{
  Probe *probe = user_data;

  g_assert_true (AIO_IS_RECURRING_CALLBACK (recurring));
  aio_test_probe_call (probe, task);
}

static AioRecurringCallback *
new_recurring (Probe      *probe,
               AioClock   *clock,
               const char *name)
{
  AioRecurringCallback *recurring = aio_test_track (aio_recurring_callback_new (probe_func, probe, NULL));

  probe->clock = clock;
  aio_recurring_callback_set_clock (recurring, clock);
  aio_recurring_callback_set_name (recurring, name);
  return recurring;
}

/* Strategies */

typedef struct
{
  guint               calls;
  guint               destroyed;
  /* Answer i (0-based) is script[i]; past the end, the last one repeats. */
  const double       *delays;
  const AioRecurringAction *actions;
  guint               length;
} Script;

static double
script_strategy (AioRecurringCallback *recurring,
                 AioRecurringAction   *action,
                 gpointer              user_data)
{
  Script *script = user_data;
  guint i = MIN (script->calls, script->length - 1);

  g_assert_true (AIO_IS_RECURRING_CALLBACK (recurring));
  /* Preset: a strategy that only returns a delay runs after it. */
  g_assert_cmpint (*action, ==, AIO_RECURRING_ACTION_RUN_AFTER);
  script->calls++;
  *action = script->actions[i];
  return script->delays[i];
}

static void
script_destroy (gpointer data)
{
  Script *script = data;

  script->destroyed++;
}

static void
stop_sync (AioRecurringCallback *recurring)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  aio_recurring_callback_stop_async (recurring, NULL, aio_test_async_result_cb, &result);
  g_assert_true (aio_recurring_callback_stop_finish (recurring, aio_test_wait_result (&result),
                                                     &error));
  g_assert_no_error (error);
  g_assert_false (aio_recurring_callback_is_running (recurring));
}

#define RUN AIO_RECURRING_ACTION_RUN_AFTER
#define SKIP AIO_RECURRING_ACTION_SKIP
#define STOP AIO_RECURRING_ACTION_STOP

/* Tests */

static void
test_properties (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioRecurringCallback) recurring = aio_recurring_callback_new (probe_func, NULL, NULL);
  g_autoptr(AioClock) got_clock = NULL;
  g_autofree char *name = NULL;
  gboolean shield, running;
  guint notified = 0;

  g_assert_cmpstr (aio_recurring_callback_get_name (recurring), ==, "AioRecurringCallback");
  g_assert_false (aio_recurring_callback_get_shield (recurring));
  g_assert_true (aio_recurring_callback_get_clock (recurring) == aio_clock_get_default ());
  g_assert_false (aio_recurring_callback_is_running (recurring));

  g_signal_connect_swapped (recurring, "notify", G_CALLBACK (g_atomic_int_inc), &notified);
  g_object_set (recurring, "name", "poller", "shield", TRUE, "clock", clock, NULL);
  g_object_set (recurring, "name", "poller", "shield", TRUE, "clock", clock, NULL);
  g_assert_cmpuint (notified, ==, 3);
  g_object_get (recurring, "name", &name, "shield", &shield, "clock", &got_clock,
                "running", &running, NULL);
  g_assert_cmpstr (name, ==, "poller");
  g_assert_true (shield);
  g_assert_true (got_clock == clock);
  g_assert_false (running);
}

static void
destroy_counter (gpointer data)
{
  (*(guint *) data)++;
}

static void
test_func_destroyed (void)
{
  guint destroyed = 0;
  AioRecurringCallback *recurring = aio_recurring_callback_new (probe_func, &destroyed, destroy_counter);

  g_object_unref (recurring);
  g_assert_cmpuint (destroyed, ==, 1);
}

/* The strategy returns a delay: the callback runs after it, each delay
 * counted from the completion of the previous call. */
static void
test_run_after (void)
{
  static const double delays[] = { 0.2 };
  static const AioRecurringAction actions[] = { RUN };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "every-200ms");
  Script script = { .delays = delays, .actions = actions, .length = 1 };
  g_autoptr(GError) error = NULL;
  guint running_notified = 0;

  g_signal_connect_swapped (recurring, "notify::running", G_CALLBACK (g_atomic_int_inc), &running_notified);
  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &script, script_destroy, &error));
  g_assert_no_error (error);
  g_assert_true (aio_recurring_callback_is_running (recurring));
  g_assert_cmpuint (running_notified, ==, 1);
  /* Asked at once; the callback waits for the delay. */
  g_assert_cmpuint (script.calls, ==, 1);
  g_assert_cmpuint (probe.calls, ==, 0);

  advance (clock, G_USEC_PER_SEC, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 5);
  for (guint i = 0; i < probe.calls; i++)
    g_assert_cmpint (probe.started_at[i], ==, (i + 1) * 200 * MS);
  g_assert_cmpuint (script.calls, ==, 6);
  g_assert_cmpuint (script.destroyed, ==, 0);

  stop_sync (recurring);
  g_assert_cmpuint (script.destroyed, ==, 1);
  g_assert_cmpuint (running_notified, ==, 2);
  advance (clock, G_USEC_PER_SEC, 50 * MS);
  g_assert_cmpuint (probe.calls, ==, 5);
}

/* aiomisc's control-flow test: the 3rd answer skips, the 5th stops. */
static void
test_skip_and_stop (void)
{
  static const double delays[] = { 0, 0, 0, 0, 0 };
  static const AioRecurringAction actions[] = { RUN, RUN, SKIP, RUN, STOP };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "scripted");
  Script script = { .delays = delays, .actions = actions, .length = 5 };
  g_autoptr(GError) error = NULL;
  guint running_notified = 0;

  g_signal_connect_swapped (recurring, "notify::running", G_CALLBACK (g_atomic_int_inc), &running_notified);
  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &script, script_destroy, &error));
  drain_at_most (100);

  g_assert_false (aio_recurring_callback_is_running (recurring));
  g_assert_cmpuint (running_notified, ==, 2);
  g_assert_cmpuint (script.calls, ==, 5);
  g_assert_cmpuint (probe.calls, ==, 3);
  g_assert_cmpuint (script.destroyed, ==, 1);

  /* Stopping what its strategy stopped is harmless. */
  stop_sync (recurring);
}

/* A skip waits its delay, then asks again without running the callback. */
static void
test_skip_delay (void)
{
  static const double delays[] = { 1.0, 0.1, 0.1, 0 };
  static const AioRecurringAction actions[] = { SKIP, RUN, RUN, STOP };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "patient");
  Script script = { .delays = delays, .actions = actions, .length = 4 };
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &script, script_destroy, &error));
  advance (clock, 990 * MS, 10 * MS);
  g_assert_cmpuint (script.calls, ==, 1);
  g_assert_cmpuint (probe.calls, ==, 0);

  advance (clock, 10 * MS, 10 * MS);
  g_assert_cmpuint (script.calls, ==, 2);
  g_assert_cmpuint (probe.calls, ==, 0);

  advance (clock, G_USEC_PER_SEC, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 2);
  g_assert_cmpint (probe.started_at[0], ==, 1100 * MS);
  g_assert_cmpint (probe.started_at[1], ==, 1200 * MS);
  g_assert_cmpuint (script.calls, ==, 4);
  g_assert_false (aio_recurring_callback_is_running (recurring));
  g_assert_cmpuint (script.destroyed, ==, 1);
}

/* A strategy that stops at once: the callback never runs. */
static void
test_stop_at_once (void)
{
  static const double delays[] = { 5 };
  static const AioRecurringAction actions[] = { STOP };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "never");
  Script script = { .delays = delays, .actions = actions, .length = 1 };
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &script, script_destroy, &error));
  g_assert_no_error (error);
  g_assert_false (aio_recurring_callback_is_running (recurring));
  g_assert_cmpuint (script.calls, ==, 1);
  g_assert_cmpuint (script.destroyed, ==, 1);
  advance (clock, 10 * G_USEC_PER_SEC, G_USEC_PER_SEC);
  g_assert_cmpuint (probe.calls, ==, 0);

  /* It may start again at once. */
  script.calls = 0;
  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &script, script_destroy, &error));
  g_assert_cmpuint (script.destroyed, ==, 2);
}

static void
test_stop_while_waiting (void)
{
  static const double long_delays[] = { 10 };
  static const double short_delays[] = { 0.1 };
  static const AioRecurringAction actions[] = { RUN };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "waiting");
  Script slow = { .delays = long_delays, .actions = actions, .length = 1 };
  Script fast = { .delays = short_delays, .actions = actions, .length = 1 };
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &slow, script_destroy, &error));
  advance (clock, G_USEC_PER_SEC, 100 * MS);
  stop_sync (recurring);
  g_assert_cmpuint (slow.destroyed, ==, 1);
  advance (clock, 10 * G_USEC_PER_SEC, G_USEC_PER_SEC);
  g_assert_cmpuint (probe.calls, ==, 0);

  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &fast, script_destroy, &error));
  advance (clock, 300 * MS, 10 * MS);
  g_assert_cmpuint (probe.calls, ==, 3);
  stop_sync (recurring);
  g_assert_cmpuint (fast.destroyed, ==, 1);
}

static void
test_busy (void)
{
  static const double delays[] = { 1 };
  static const AioRecurringAction actions[] = { RUN };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "single");
  Script first = { .delays = delays, .actions = actions, .length = 1 };
  Script second = { .delays = delays, .actions = actions, .length = 1 };
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &first, script_destroy, &error));
  g_assert_false (aio_recurring_callback_start (recurring, script_strategy, &second, script_destroy, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "'single'"));
  /* The refused strategy is released at once, never called. */
  g_assert_cmpuint (second.destroyed, ==, 1);
  g_assert_cmpuint (second.calls, ==, 0);
  stop_sync (recurring);
}

/* aiomisc's long-function test: a 0.5 s call with no delay between calls
 * completes exactly twice in 1.2 s, never overlapping. */
static void
test_no_overlap (void)
{
  static const double delays[] = { 0 };
  static const AioRecurringAction actions[] = { RUN };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { .slow_us = 500 * MS };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "slow");
  Script script = { .delays = delays, .actions = actions, .length = 1 };
  g_autoptr(GError) error = NULL;
  double sum_before = aio_statistics_get ("recurring", "sum_time");
  double calls_before = aio_statistics_get ("recurring", "calls");

  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &script, script_destroy, &error));
  advance (clock, 1200 * MS, 10 * MS);
  g_assert_cmpuint (probe.completed, ==, 2);
  g_assert_cmpuint (probe.calls, ==, 3);
  g_assert_cmpuint (probe.max_in_flight, ==, 1);
  g_assert_cmpint (probe.started_at[1], ==, 500 * MS);
  g_assert_cmpint (probe.started_at[2], ==, 1000 * MS);

  stop_sync (recurring);
  g_assert_cmpuint (probe.cancelled, ==, 1);
  /* Three calls: 0.5 + 0.5 + 0.2 s until the cancellation. */
  g_assert_cmpfloat (aio_statistics_get ("recurring", "calls") - calls_before, ==, 3);
  g_assert_cmpfloat_with_epsilon (aio_statistics_get ("recurring", "sum_time") - sum_before, 1.2, 1e-9);
}

static void
test_shield (void)
{
  static const double delays[] = { 0 };
  static const AioRecurringAction actions[] = { RUN };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { .slow_us = 500 * MS };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "shielded");
  Script script = { .delays = delays, .actions = actions, .length = 1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  aio_recurring_callback_set_shield (recurring, TRUE);
  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &script, script_destroy, &error));
  advance (clock, 100 * MS, 10 * MS);
  g_assert_cmpuint (probe.in_flight, ==, 1);

  aio_recurring_callback_stop_async (recurring, NULL, aio_test_async_result_cb, &result);
  drain ();
  g_assert_null (result);
  g_assert_cmpuint (script.destroyed, ==, 1);
  advance (clock, 400 * MS, 10 * MS);
  g_assert_nonnull (result);
  g_assert_true (aio_recurring_callback_stop_finish (recurring, result, &error));
  g_assert_cmpuint (probe.completed, ==, 1);
  g_assert_cmpuint (probe.cancelled, ==, 0);
  g_assert_cmpuint (probe.calls, ==, 1);
}

static void
test_errors (void)
{
  static const double delays[] = { 0.1 };
  static const AioRecurringAction actions[] = { RUN };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { .fail_every = 3 };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "flaky");
  Script script = { .delays = delays, .actions = actions, .length = 1 };
  g_autoptr(GError) error = NULL;
  double errors_before = aio_statistics_get ("recurring", "errors");

  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &script, script_destroy, &error));
  advance (clock, 600 * MS, 10 * MS);
  stop_sync (recurring);

  g_assert_cmpuint (probe.calls, ==, 6);
  g_assert_cmpfloat (aio_statistics_get ("recurring", "errors") - errors_before, ==, 2);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "Recurring callback 'flaky' failed: call "), ==, 2);
}

static void
test_bad_delay (void)
{
  static const double nan_delays[] = { NAN };
  static const double inf_delays[] = { INFINITY };
  static const double negative_delays[] = { -2, 1 };
  static const AioRecurringAction actions[] = { RUN, RUN };
  static const AioRecurringAction bogus_actions[] = { 42 };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "confused");
  Script nan_script = { .delays = nan_delays, .actions = actions, .length = 1 };
  Script inf_script = { .delays = inf_delays, .actions = actions, .length = 1 };
  Script bogus_script = { .delays = negative_delays, .actions = bogus_actions, .length = 1 };
  Script negative_script = { .delays = negative_delays, .actions = actions, .length = 2 };
  g_autoptr(GError) error = NULL;

  /* NaN, infinite delays and unknown actions stop the callback. */
  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &nan_script, script_destroy, &error));
  g_assert_false (aio_recurring_callback_is_running (recurring));
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "'confused': its strategy returned an invalid delay of nan s; stopping"), ==, 1);
  g_assert_cmpuint (nan_script.destroyed, ==, 1);

  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &inf_script, script_destroy, &error));
  g_assert_false (aio_recurring_callback_is_running (recurring));
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "'confused': its strategy returned an invalid delay of inf s"), ==, 1);

  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &bogus_script, script_destroy, &error));
  g_assert_false (aio_recurring_callback_is_running (recurring));
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "'confused': its strategy returned an unknown action 42"), ==, 1);
  g_assert_cmpuint (probe.calls, ==, 0);

  /* A negative delay counts as 0. */
  g_assert_true (aio_recurring_callback_start (recurring, script_strategy, &negative_script, script_destroy, &error));
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "'confused': its strategy returned a negative delay of -2 s; using 0"), ==, 1);
  drain ();
  g_assert_cmpuint (probe.calls, ==, 1);
  g_assert_cmpint (probe.started_at[0], ==, 0);
  stop_sync (recurring);
}

/* The strategy reads the callback's clock, as a backoff would. */
typedef struct
{
  AioClock *clock;
  gint64    deadline;
} Deadline;

static double
until_deadline_strategy (AioRecurringCallback *recurring,
                         AioRecurringAction   *action,
                         gpointer              user_data)
{
  Deadline *d = user_data;

  if (aio_clock_get_monotonic_time (d->clock) >= d->deadline)
    *action = AIO_RECURRING_ACTION_STOP;
  return 0.25;
}

static void
test_strategy_stops_later (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Probe probe = { 0 };
  g_autoptr(AioRecurringCallback) recurring = new_recurring (&probe, clock, "bounded");
  Deadline d = { clock, G_USEC_PER_SEC };
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_recurring_callback_start (recurring, until_deadline_strategy, &d, NULL, &error));
  advance (clock, 2 * G_USEC_PER_SEC, 50 * MS);
  g_assert_false (aio_recurring_callback_is_running (recurring));
  g_assert_cmpuint (probe.calls, ==, 4);
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* Failed calls and bad strategies are logged as warnings: keep only
   * criticals fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  /* Warnings, asserted on: written only with --verbose. */
  aio_test_log_capture_install (G_LOG_LEVEL_WARNING, G_LOG_LEVEL_WARNING);

  g_test_add_func ("/Aio/Recurring/properties", test_properties);
  g_test_add_func ("/Aio/Recurring/func-destroyed", test_func_destroyed);
  g_test_add_func ("/Aio/Recurring/run-after", test_run_after);
  g_test_add_func ("/Aio/Recurring/skip-and-stop", test_skip_and_stop);
  g_test_add_func ("/Aio/Recurring/skip-delay", test_skip_delay);
  g_test_add_func ("/Aio/Recurring/stop-at-once", test_stop_at_once);
  g_test_add_func ("/Aio/Recurring/stop-while-waiting", test_stop_while_waiting);
  g_test_add_func ("/Aio/Recurring/busy", test_busy);
  g_test_add_func ("/Aio/Recurring/no-overlap", test_no_overlap);
  g_test_add_func ("/Aio/Recurring/shield", test_shield);
  g_test_add_func ("/Aio/Recurring/errors", test_errors);
  g_test_add_func ("/Aio/Recurring/bad-delay", test_bad_delay);
  g_test_add_func ("/Aio/Recurring/strategy-stops-later", test_strategy_stops_later);

  ret = g_test_run ();

  /* Every callback the tests made is gone: nothing leaked a reference. */
  drain ();
  aio_test_assert_tracked_finalized ();

  return ret;
}
