/* test-signals.c: SIGTERM and SIGINT to a running entrypoint (real signals,
 * in subprocesses)
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "aio-test-services.h"

static void
print_stopped (AioService *service, GParamSpec *pspec, gpointer data)
{
  if (aio_service_get_state (service) == AIO_SERVICE_STATE_STOPPED)
    {
      g_print ("stopped %s\n", aio_service_get_name (service));
      fflush (stdout);
    }
}

static void
send_signal_cb (AioEntrypoint *ep, gpointer data)
{
  /* A real signal to this process, once every service runs. */
  g_assert_cmpint (kill (getpid (), GPOINTER_TO_INT (data)), ==, 0);
}

static void
second_signal_cb (AioEntrypoint *ep, gpointer data)
{
  /* During the shutdown: must neither kill us nor run the shutdown twice. */
  g_print ("pre-stop\n");
  g_assert_cmpint (kill (getpid (), GPOINTER_TO_INT (data)), ==, 0);
}

/* The entrypoint's INFO records, on GLib's default writer (stdout). */
static void
log_info_to_stdout (void)
{
  g_setenv ("G_MESSAGES_DEBUG", "Aio", TRUE);
}

/* With @steps, aio_entrypoint_start(), run_forever() and stop() instead of
 * aio_entrypoint_run(). */
static int
run_child (int signum, gboolean twice, gboolean steps)
{
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT,
                                              "log-config", FALSE, NULL);
  g_autoptr(AioTestService) ordinary = aio_test_service_new ("ordinary");
  g_autoptr(AioTestService) forever = aio_test_service_new ("forever");
  g_autoptr(AioTestService) dependent = aio_test_service_new ("dependent");
  g_autoptr(GError) error = NULL;

  forever->mode = TEST_MODE_LONG_RUNNING;
  dependent->stop_delay_ms = 100;
  aio_service_add_dependency (AIO_SERVICE (dependent), AIO_SERVICE (ordinary));
  aio_entrypoint_add_service (ep, AIO_SERVICE (ordinary));
  aio_entrypoint_add_service (ep, AIO_SERVICE (forever));
  aio_entrypoint_add_service (ep, AIO_SERVICE (dependent));
  g_signal_connect (ordinary, "notify::state", G_CALLBACK (print_stopped), NULL);
  g_signal_connect (forever, "notify::state", G_CALLBACK (print_stopped), NULL);
  g_signal_connect (dependent, "notify::state", G_CALLBACK (print_stopped), NULL);
  g_signal_connect (ep, "post-start", G_CALLBACK (send_signal_cb), GINT_TO_POINTER (signum));
  if (twice)
    g_signal_connect (ep, "pre-stop", G_CALLBACK (second_signal_cb), GINT_TO_POINTER (signum));

  log_info_to_stdout ();
  if (steps ? !aio_entrypoint_start (ep, &error) || !aio_entrypoint_run_forever (ep, &error) ||
              !aio_entrypoint_stop (ep, &error)
            : !aio_entrypoint_run (ep, &error))
    {
      g_printerr ("run failed: %s\n", error->message);
      return 1;
    }

  g_print ("stop calls %u %u %u\n", ordinary->stop_calls, forever->stop_calls, dependent->stop_calls);
  g_print ("forever cancelled %d\n", forever->start_was_cancelled);
  return 0;
}

static void
check_signal (int signum, gboolean twice, gboolean steps)
{
  if (g_test_subprocess ())
    exit (run_child (signum, twice, steps));

  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*stopped forever*");
  /* Reverse dependency order: dependent before ordinary. */
  g_test_trap_assert_stdout ("*stopped dependent*stopped ordinary*");
  g_test_trap_assert_stdout ("*stop calls 1 1 1*");
  g_test_trap_assert_stdout ("*forever cancelled 1*");
  /* The log names the signal. */
  g_test_trap_assert_stdout (signum == SIGTERM ? "*Received SIGTERM; shutting down*"
                                               : "*Received SIGINT; shutting down*");
  g_test_trap_assert_stdout ("*Stopping 3 services*");
  if (twice)
    {
      g_test_trap_assert_stdout ("*pre-stop*");
      g_test_trap_assert_stdout_unmatched ("*pre-stop*pre-stop*");
    }
}

static void
test_sigterm (void)
{
  check_signal (SIGTERM, FALSE, FALSE);
}

static void
test_sigint (void)
{
  check_signal (SIGINT, FALSE, FALSE);
}

static void
test_second_sigterm (void)
{
  check_signal (SIGTERM, TRUE, FALSE);
}

static void
test_second_sigint (void)
{
  check_signal (SIGINT, TRUE, FALSE);
}

/* aio_entrypoint_start(), run_forever() and stop(): the same. */
static void
test_steps_sigint (void)
{
  check_signal (SIGINT, FALSE, TRUE);
}

static void
test_steps_second_sigterm (void)
{
  check_signal (SIGTERM, TRUE, TRUE);
}

/* A signal while a start is still pending cancels it: the services that did
 * start are stopped and the run fails as cancelled (a start may never end,
 * e.g. a client that waits for its server). */
static void
signal_when_starting_cb (AioService *service, GParamSpec *pspec, gpointer data)
{
  if (aio_service_get_state (service) == AIO_SERVICE_STATE_STARTING)
    g_assert_cmpint (kill (getpid (), GPOINTER_TO_INT (data)), ==, 0);
}

static int
run_pending_start_child (int signum, gboolean ignore_cancel, gboolean steps, gboolean quit_first)
{
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
  g_autoptr(AioTestService) ordinary = aio_test_service_new ("ordinary");
  g_autoptr(AioTestService) pending = aio_test_service_new ("pending");
  g_autoptr(GError) error = NULL;

  if (ignore_cancel)
    {
      /* Up 200 ms later, cancelled or not: GTask reports CANCELLED. */
      pending->start_delay_ms = 200;
      pending->ignore_cancel = TRUE;
    }
  else
    pending->start_delay_ms = 3600 * 1000;   /* never up in this test */
  aio_service_add_dependency (AIO_SERVICE (pending), AIO_SERVICE (ordinary));
  aio_entrypoint_add_service (ep, AIO_SERVICE (ordinary));
  aio_entrypoint_add_service (ep, AIO_SERVICE (pending));
  g_signal_connect (ordinary, "notify::state", G_CALLBACK (print_stopped), NULL);
  g_signal_connect (pending, "notify::state", G_CALLBACK (signal_when_starting_cb),
                    GINT_TO_POINTER (signum));

  /* A quit asked for before the start lets a start complete, but a signal
   * during it still cancels it. */
  if (quit_first)
    aio_entrypoint_quit (ep);
  if (steps ? aio_entrypoint_start (ep, &error) : aio_entrypoint_run (ep, &error))
    return 0;
  g_print ("run failed: %s\n", error->message);
  g_print ("cancelled %d\n", g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_print ("stop calls %u %u\n", ordinary->stop_calls, pending->stop_calls);
  g_print ("pending cancelled %d\n", pending->start_was_cancelled);
  return 1;
}

/* The lifecycle rule: stop runs for both services, the one whose start
 * honoured the cancellation and the one whose start ignored it. */
static void
check_signal_while_starting (int signum, gboolean ignore_cancel, gboolean steps, gboolean quit_first)
{
  if (g_test_subprocess ())
    exit (run_pending_start_child (signum, ignore_cancel, steps, quit_first));

  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("*stopped ordinary*");
  g_test_trap_assert_stdout ("*cancelled 1*");
  g_test_trap_assert_stdout ("*stop calls 1 1*");
  if (ignore_cancel)
    g_test_trap_assert_stdout ("*pending cancelled 0*");
  else
    g_test_trap_assert_stdout ("*pending cancelled 1*");
}

static void
test_sigterm_while_starting (void)
{
  check_signal_while_starting (SIGTERM, FALSE, FALSE, FALSE);
}

static void
test_sigint_while_starting (void)
{
  check_signal_while_starting (SIGINT, FALSE, FALSE, FALSE);
}

static void
test_sigterm_while_starting_ignored (void)
{
  check_signal_while_starting (SIGTERM, TRUE, FALSE, FALSE);
}

static void
test_sigint_while_starting_ignored (void)
{
  check_signal_while_starting (SIGINT, TRUE, FALSE, FALSE);
}

/* The same with aio_entrypoint_start(): it fails as cancelled. */
static void
test_steps_sigint_while_starting (void)
{
  check_signal_while_starting (SIGINT, FALSE, TRUE, FALSE);
}

static void
test_steps_sigterm_while_starting_ignored (void)
{
  check_signal_while_starting (SIGTERM, TRUE, TRUE, FALSE);
}

/* After aio_entrypoint_quit() before aio_entrypoint_start(). */
static void
test_steps_sigint_while_starting_after_quit (void)
{
  check_signal_while_starting (SIGINT, FALSE, TRUE, TRUE);
}

static const char *argv0;

static int
run_timeout_child (void)
{
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE,
                                              "shutdown-timeout", 0.1, NULL);
  g_autoptr(AioTestService) stuck = aio_test_service_new ("stuck");
  g_autoptr(GError) error = NULL;

  stuck->never_stop = TRUE;
  aio_entrypoint_add_service (ep, AIO_SERVICE (stuck));
  g_signal_connect (ep, "post-start", G_CALLBACK (send_signal_cb), GINT_TO_POINTER (SIGTERM));
  log_info_to_stdout ();
  if (!aio_entrypoint_run (ep, &error))
    {
      g_printerr ("run failed: %s\n", error->message);
      aio_test_release_hung ();
      /* aiomisc exits with 70 when services do not stop in time. */
      return g_error_matches (error, AIO_ERROR, AIO_ERROR_SHUTDOWN_TIMEOUT) ? 70 : 1;
    }
  return 0;
}

static void
test_exit_code_on_timeout (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                      G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_subprocess_launcher_setenv (launcher, "AIO_TEST_CHILD", "timeout", TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, argv0, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (child, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (child));
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 70);
  g_assert_nonnull (strstr (err, "shutdown timeout"));
  g_assert_nonnull (strstr (err, "'stuck'"));
  /* One service, not "1 services". */
  g_assert_nonnull (strstr (out, "Starting 1 service\n"));
  g_assert_nonnull (strstr (out, "1 service started"));
  g_assert_nonnull (strstr (out, "Stopping 1 service\n"));
}

int
main (int argc, char *argv[])
{
  if (g_strcmp0 (g_getenv ("AIO_TEST_CHILD"), "timeout") == 0)
    {
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      return run_timeout_child ();
    }

  argv0 = argv[0];
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Signals/sigterm", test_sigterm);
  g_test_add_func ("/Aio/Signals/sigint", test_sigint);
  g_test_add_func ("/Aio/Signals/second-sigterm", test_second_sigterm);
  g_test_add_func ("/Aio/Signals/second-sigint", test_second_sigint);
  g_test_add_func ("/Aio/Signals/sigterm-while-starting", test_sigterm_while_starting);
  g_test_add_func ("/Aio/Signals/sigint-while-starting", test_sigint_while_starting);
  g_test_add_func ("/Aio/Signals/sigterm-while-starting-ignored",
                   test_sigterm_while_starting_ignored);
  g_test_add_func ("/Aio/Signals/sigint-while-starting-ignored",
                   test_sigint_while_starting_ignored);
  g_test_add_func ("/Aio/Signals/shutdown-timeout-exit-70", test_exit_code_on_timeout);
  g_test_add_func ("/Aio/Signals/steps/sigint", test_steps_sigint);
  g_test_add_func ("/Aio/Signals/steps/second-sigterm", test_steps_second_sigterm);
  g_test_add_func ("/Aio/Signals/steps/sigint-while-starting", test_steps_sigint_while_starting);
  g_test_add_func ("/Aio/Signals/steps/sigint-while-starting-after-quit",
                   test_steps_sigint_while_starting_after_quit);
  g_test_add_func ("/Aio/Signals/steps/sigterm-while-starting-ignored",
                   test_steps_sigterm_while_starting_ignored);

  return g_test_run ();
}
