/* test-service.c: AioService life cycle
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "aio-test-services.h"

static void
test_name_default (void)
{
  g_autoptr(AioTestService) service = g_object_new (AIO_TEST_TYPE_SERVICE, NULL);
  guint notified = 0;

  g_assert_cmpstr (aio_service_get_name (AIO_SERVICE (service)), ==, "AioTestService");
  g_signal_connect_swapped (service, "notify::name", G_CALLBACK (g_atomic_int_inc), &notified);
  aio_service_set_name (AIO_SERVICE (service), "db");
  aio_service_set_name (AIO_SERVICE (service), "db");
  g_assert_cmpstr (aio_service_get_name (AIO_SERVICE (service)), ==, "db");
  g_assert_cmpuint (notified, ==, 1);
  aio_service_set_name (AIO_SERVICE (service), NULL);
  g_assert_cmpstr (aio_service_get_name (AIO_SERVICE (service)), ==, "AioTestService");
}

static void
count_state (AioService *service, GParamSpec *pspec, GPtrArray *states)
{
  g_ptr_array_add (states, GINT_TO_POINTER (aio_service_get_state (service)));
}

static void
test_ordinary (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("ordinary");
  g_autoptr(GPtrArray) states = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  service->start_delay_ms = 10;
  g_signal_connect (service, "notify::state", G_CALLBACK (count_state), states);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_NEW);

  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_RUNNING);

  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpuint (service->start_calls, ==, 1);
  g_assert_cmpuint (service->stop_calls, ==, 1);

  g_assert_cmpuint (states->len, ==, 4);
  g_assert_cmpint (GPOINTER_TO_INT (states->pdata[0]), ==, AIO_SERVICE_STATE_STARTING);
  g_assert_cmpint (GPOINTER_TO_INT (states->pdata[1]), ==, AIO_SERVICE_STATE_RUNNING);
  g_assert_cmpint (GPOINTER_TO_INT (states->pdata[2]), ==, AIO_SERVICE_STATE_STOPPING);
  g_assert_cmpint (GPOINTER_TO_INT (states->pdata[3]), ==, AIO_SERVICE_STATE_STOPPED);

  /* A stopped service can start again. */
  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_no_error (error);
  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_cmpuint (service->start_calls, ==, 2);
}

static void
test_misuse (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("misused");
  g_autoptr(GError) error = NULL;

  g_assert_false (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_NOT_RUNNING);
  g_assert_nonnull (strstr (error->message, "'misused'"));
  g_clear_error (&error);

  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_false (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "'misused'"));
  g_clear_error (&error);
  g_assert_cmpuint (service->start_calls, ==, 1);

  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  /* Stopping twice is harmless. */
  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (service->stop_calls, ==, 1);
}

static void
test_start_failure (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("broken");
  g_autoptr(GError) error = NULL;

  service->fail_start = TRUE;
  g_assert_false (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_FAILED);
  g_clear_error (&error);

  /* Nothing to stop: stop succeeds without running the stop vfunc. */
  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_cmpuint (service->stop_calls, ==, 0);
}

static void
test_long_running (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("infinite");
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "why");

  service->mode = TEST_MODE_LONG_RUNNING;
  service->start_delay_ms = 5;
  aio_test_events_clear ();

  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_RUNNING);
  g_assert_nonnull (service->run_task);  /* start is still going */

  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), reason, &error));
  g_assert_no_error (error);
  g_assert_true (service->start_was_cancelled);
  g_assert_null (service->run_task);
  g_assert_error (service->stop_reason, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_STOPPED);
  /* Cancelled first, then stopped. */
  g_assert_cmpint (aio_test_event_index ("cancelled:infinite"), <, aio_test_event_index ("stop:infinite"));
}

static void
on_failed (AioService *service, const GError *error, GError **out)
{
  *out = g_error_copy (error);
}

static void
test_long_running_runtime_failure (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("flaky");
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) failure = NULL;

  service->mode = TEST_MODE_LONG_RUNNING;
  service->fail_after_ready_ms = 5;
  g_signal_connect (service, "failed", G_CALLBACK (on_failed), &failure);

  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
  while (failure == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (failure, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_FAILED);

  /* The stop still runs to clean up what start set up. */
  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_cmpuint (service->stop_calls, ==, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_STOPPED);
}

static void
test_stop_while_starting (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("slow");
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;

  service->start_delay_ms = 50;
  aio_service_start_async (AIO_SERVICE (service), NULL, aio_test_async_result_cb, &started);
  aio_service_stop_async (AIO_SERVICE (service), NULL, NULL, aio_test_async_result_cb, &stopped);
  aio_test_wait_result (&stopped);
  g_assert_nonnull (started);
  g_assert_false (aio_service_start_finish (AIO_SERVICE (service), started, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (aio_service_stop_finish (AIO_SERVICE (service), stopped, &error));
  g_assert_no_error (error);
  g_assert_true (service->start_was_cancelled);
  /* The start was cancelled, not failed: stop runs (the lifecycle rule). */
  g_assert_cmpuint (service->stop_calls, ==, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_STOPPED);
}

static void
wait_for_state (AioService *service, AioServiceState state)
{
  while (aio_service_get_state (service) != state)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_start_cancelled_by_caller (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("cancelled");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  service->start_delay_ms = 20;
  aio_service_start_async (AIO_SERVICE (service), cancellable, aio_test_async_result_cb, &started);
  g_cancellable_cancel (cancellable);
  g_assert_false (aio_service_start_finish (AIO_SERVICE (service), aio_test_wait_result (&started),
                                            &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Cancelled, not failed: stop runs, and the service ends stopped. */
  wait_for_state (AIO_SERVICE (service), AIO_SERVICE_STATE_STOPPED);
  g_assert_true (service->start_was_cancelled);
  g_assert_cmpuint (service->stop_calls, ==, 1);
}

/* The lifecycle rule, case by case: how the start ended, whether stop ran. */

static void
test_stop_while_starting_ignoring_cancel (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("deaf");
  g_autoptr(GError) reason = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "sibling");
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;

  /* start succeeds after the stop cancelled it; its GTask checks the
   * cancellable, so it reports CANCELLED: stop must run all the same. */
  aio_test_events_clear ();
  service->start_delay_ms = 20;
  service->ignore_cancel = TRUE;
  aio_service_start_async (AIO_SERVICE (service), NULL, aio_test_async_result_cb, &started);
  aio_service_stop_async (AIO_SERVICE (service), reason, NULL, aio_test_async_result_cb, &stopped);
  aio_test_wait_result (&stopped);
  g_assert_nonnull (started);
  g_assert_false (aio_service_start_finish (AIO_SERVICE (service), started, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (aio_service_stop_finish (AIO_SERVICE (service), stopped, &error));
  g_assert_false (service->start_was_cancelled);
  g_assert_cmpint (aio_test_event_index ("started:deaf"), >=, 0);
  g_assert_cmpint (aio_test_event_index ("started:deaf"), <, aio_test_event_index ("stop:deaf"));
  g_assert_cmpuint (service->stop_calls, ==, 1);
  g_assert_error (service->stop_reason, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_STOPPED);
  aio_test_events_clear ();
}

static void
test_start_cancelled_ignoring_cancel (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("deaf");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  service->start_delay_ms = 20;
  service->ignore_cancel = TRUE;
  aio_service_start_async (AIO_SERVICE (service), cancellable, aio_test_async_result_cb, &started);
  g_cancellable_cancel (cancellable);
  g_assert_false (aio_service_start_finish (AIO_SERVICE (service), aio_test_wait_result (&started),
                                            &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_for_state (AIO_SERVICE (service), AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpuint (service->stop_calls, ==, 1);
  g_assert_error (service->stop_reason, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_start_cancelled_before_ready (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("late");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  /* A long-running start that calls set_ready after its caller cancelled:
   * the service does not come up, stop runs, and the start is waited for. */
  service->mode = TEST_MODE_LONG_RUNNING;
  service->start_delay_ms = 20;
  aio_service_start_async (AIO_SERVICE (service), cancellable, aio_test_async_result_cb, &started);
  g_cancellable_cancel (cancellable);
  g_assert_false (aio_service_start_finish (AIO_SERVICE (service), aio_test_wait_result (&started),
                                            &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_for_state (AIO_SERVICE (service), AIO_SERVICE_STATE_STOPPED);
  g_assert_true (service->start_was_cancelled);
  g_assert_cmpuint (service->stop_calls, ==, 1);
}

static void
test_start_not_cancelled_after_ready (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("up");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  /* Once up, the caller's cancellable no longer matters. */
  aio_service_start_async (AIO_SERVICE (service), cancellable, aio_test_async_result_cb, &started);
  aio_test_wait_result (&started);
  g_cancellable_cancel (cancellable);
  g_assert_true (aio_service_start_finish (AIO_SERVICE (service), started, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_RUNNING);
  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_cmpuint (service->stop_calls, ==, 1);
}

static void
test_concurrent_stops (void)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("shared");
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) a = NULL;
  g_autoptr(GAsyncResult) b = NULL;

  service->stop_delay_ms = 10;
  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
  aio_service_stop_async (AIO_SERVICE (service), NULL, NULL, aio_test_async_result_cb, &a);
  aio_service_stop_async (AIO_SERVICE (service), NULL, NULL, aio_test_async_result_cb, &b);
  g_assert_true (aio_service_stop_finish (AIO_SERVICE (service), aio_test_wait_result (&a), &error));
  g_assert_true (aio_service_stop_finish (AIO_SERVICE (service), aio_test_wait_result (&b), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (service->stop_calls, ==, 1);
}

static void
test_dependency_rules (void)
{
  g_autoptr(AioTestService) db = aio_test_service_new ("db");
  g_autoptr(AioTestService) web = aio_test_service_new ("web");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) deps = NULL;

  aio_service_add_dependency (AIO_SERVICE (web), AIO_SERVICE (db));
  aio_service_add_dependency (AIO_SERVICE (web), AIO_SERVICE (db));
  deps = aio_service_dup_dependencies (AIO_SERVICE (web));
  g_assert_cmpuint (deps->len, ==, 1);
  g_assert_true (deps->pdata[0] == (gpointer) db);

  g_assert_false (aio_test_start_service (AIO_SERVICE (web), &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_DEPENDENCY_NOT_RUNNING);
  g_assert_nonnull (strstr (error->message, "'db'"));
  g_clear_error (&error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (web)), ==, AIO_SERVICE_STATE_NEW);

  db->fail_start = TRUE;
  g_assert_false (aio_test_start_service (AIO_SERVICE (db), &error));
  g_clear_error (&error);
  g_assert_false (aio_test_start_service (AIO_SERVICE (web), &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_DEPENDENCY_FAILED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (web)), ==, AIO_SERVICE_STATE_FAILED);
  g_clear_error (&error);

  db->fail_start = FALSE;
  g_assert_true (aio_test_start_service (AIO_SERVICE (db), &error));
  g_assert_true (aio_test_start_service (AIO_SERVICE (web), &error));
  g_assert_no_error (error);
  g_assert_true (aio_test_stop_service (AIO_SERVICE (web), NULL, &error));
  g_assert_true (aio_test_stop_service (AIO_SERVICE (db), NULL, &error));
}

static void
test_dependency_cycle (void)
{
  g_autoptr(AioTestService) a = aio_test_service_new ("a");
  g_autoptr(AioTestService) b = aio_test_service_new ("b");
  g_autoptr(AioTestService) c = aio_test_service_new ("c");
  g_autoptr(GError) error = NULL;

  aio_service_add_dependency (AIO_SERVICE (a), AIO_SERVICE (b));
  aio_service_add_dependency (AIO_SERVICE (b), AIO_SERVICE (c));
  aio_service_add_dependency (AIO_SERVICE (c), AIO_SERVICE (a));

  g_assert_false (aio_test_start_service (AIO_SERVICE (a), &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_DEPENDENCY_CYCLE);
  g_assert_nonnull (strstr (error->message, "'a'"));
  g_assert_cmpuint (a->start_calls, ==, 0);

  /* Break the cycle so that the objects can be freed. */
  g_object_run_dispose (G_OBJECT (c));
}

/* The DEBUG record of each state change is skipped cheaply when nobody wants
 * it, and still written when G_MESSAGES_DEBUG or the writer's level asks. */
static void
run_debug_log_child (const char *how)
{
  g_autoptr(AioTestService) service = aio_test_service_new ("traced");
  g_autoptr(GError) error = NULL;

  if (g_str_equal (how, "glib-writer"))
    g_setenv ("G_MESSAGES_DEBUG", "Aio", TRUE);
  else if (g_str_equal (how, "aio-writer"))
    {
      g_autoptr(AioTestService) quiet = aio_test_service_new ("quiet");

      /* Not wanted at INFO; the new level is honoured at once. */
      aio_log_setup ();
      aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, FALSE, 0, 0);
      g_assert_true (aio_test_start_service (AIO_SERVICE (quiet), &error));
      g_assert_true (aio_test_stop_service (AIO_SERVICE (quiet), NULL, &error));
      aio_log_configure (AIO_LOG_LEVEL_DEBUG, AIO_LOG_FORMAT_PLAIN, FALSE, 0, 0);
    }
  else if (g_str_equal (how, "aio-writer-info"))
    {
      aio_log_setup ();
      aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, FALSE, 0, 0);
    }
  else
    g_unsetenv ("G_MESSAGES_DEBUG");

  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_no_error (error);
  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_no_error (error);
  exit (0);
}

static void
test_debug_log (gconstpointer data)
{
  const char *how = data;
  const char *expected = "*service 'traced': new -> starting*"
                         "service 'traced': starting -> running*"
                         "service 'traced': running -> stopping*"
                         "service 'traced': stopping -> stopped*";

  if (g_test_subprocess ())
    run_debug_log_child (how);

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  if (g_str_equal (how, "glib-writer"))
    g_test_trap_assert_stdout (expected);        /* GLib's default writer */
  else if (g_str_equal (how, "aio-writer"))
    {
      g_test_trap_assert_stderr (expected);
      g_test_trap_assert_stderr_unmatched ("*service 'quiet'*");
    }
  else
    {
      g_test_trap_assert_stdout_unmatched ("*traced*");
      g_test_trap_assert_stderr_unmatched ("*traced*");
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Runtime failures are logged as warnings: keep only criticals fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/Aio/Service/name", test_name_default);
  g_test_add_func ("/Aio/Service/ordinary", test_ordinary);
  g_test_add_func ("/Aio/Service/misuse", test_misuse);
  g_test_add_func ("/Aio/Service/start-failure", test_start_failure);
  g_test_add_func ("/Aio/Service/long-running", test_long_running);
  g_test_add_func ("/Aio/Service/long-running-runtime-failure", test_long_running_runtime_failure);
  g_test_add_func ("/Aio/Service/stop-while-starting", test_stop_while_starting);
  g_test_add_func ("/Aio/Service/start-cancelled-by-caller", test_start_cancelled_by_caller);
  g_test_add_func ("/Aio/Service/lifecycle-rule/stop-while-starting-ignoring-cancel",
                   test_stop_while_starting_ignoring_cancel);
  g_test_add_func ("/Aio/Service/lifecycle-rule/start-cancelled-ignoring-cancel",
                   test_start_cancelled_ignoring_cancel);
  g_test_add_func ("/Aio/Service/lifecycle-rule/start-cancelled-before-ready",
                   test_start_cancelled_before_ready);
  g_test_add_func ("/Aio/Service/lifecycle-rule/start-not-cancelled-after-ready",
                   test_start_not_cancelled_after_ready);
  g_test_add_func ("/Aio/Service/concurrent-stops", test_concurrent_stops);
  g_test_add_func ("/Aio/Service/dependency-rules", test_dependency_rules);
  g_test_add_func ("/Aio/Service/dependency-cycle", test_dependency_cycle);
  g_test_add_data_func ("/Aio/Service/debug-log/glib-writer", "glib-writer", test_debug_log);
  g_test_add_data_func ("/Aio/Service/debug-log/aio-writer", "aio-writer", test_debug_log);
  g_test_add_data_func ("/Aio/Service/debug-log/aio-writer-info", "aio-writer-info", test_debug_log);
  g_test_add_data_func ("/Aio/Service/debug-log/none", "none", test_debug_log);

  return g_test_run ();
}
