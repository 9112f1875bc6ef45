/* test-application.c: an entrypoint attached to a real GApplication, run
 * in subprocesses on a private session bus (GTestDBus)
 *
 * SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aio-test-services.h"

#define APP_ID "org.aiomisc.TestApplication"

static const char *self_path;

static void
say (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static void
print_state (AioService *service, GParamSpec *pspec, gpointer data)
{
  AioServiceState state = aio_service_get_state (service);

  if (state == AIO_SERVICE_STATE_RUNNING)
    say ("started %s", aio_service_get_name (service));
  else if (state == AIO_SERVICE_STATE_STOPPED)
    say ("stopped %s", aio_service_get_name (service));
}

static AioTestService *
add_service (AioEntrypoint *ep,
             const char    *name)
{
  AioTestService *service = aio_test_service_new (name);

  g_signal_connect (service, "notify::state", G_CALLBACK (print_state), NULL);
  aio_entrypoint_add_service (ep, AIO_SERVICE (service));
  g_object_unref (service);

  return service;
}

static void
hold_cb (GApplication *app, gpointer data)
{
  /* A service program without windows: it runs until told to quit. */
  static gboolean held;

  say ("activated");
  if (!held)
    g_application_hold (app);
  held = TRUE;
}

static void
post_start_signal_cb (AioEntrypoint *ep, gpointer data)
{
  say ("post-start");
  g_assert_cmpint (kill (getpid (), GPOINTER_TO_INT (data)), ==, 0);
}

static void
pre_stop_signal_cb (AioEntrypoint *ep, gpointer data)
{
  /* A second signal during the graceful stop does no harm. */
  say ("pre-stop");
  g_assert_cmpint (kill (getpid (), SIGINT), ==, 0);
}

/* A new non-unique application with an attached entrypoint: "ordinary",
 * "forever" (long-running) and "slow" (its stop runs on the main loop). */
static GApplication *
new_application (AioEntrypoint **ep_out)
{
  GApplication *app = g_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT,
                                              "log-format", AIO_LOG_FORMAT_PLAIN,
                                              "log-buffering", FALSE,
                                              NULL);
  AioTestService *forever, *slow;

  add_service (ep, "ordinary");
  forever = add_service (ep, "forever");
  forever->mode = TEST_MODE_LONG_RUNNING;
  slow = add_service (ep, "slow");
  slow->stop_delay_ms = 100;

  g_signal_connect (app, "activate", G_CALLBACK (hold_cb), NULL);
  aio_entrypoint_attach_application (ep, app);
  *ep_out = ep;

  return app;
}

static volatile sig_atomic_t program_handler_calls;

static void
program_handler (int signum)
{
  program_handler_calls++;
}

static void
run_signal_child (int signum)
{
  g_autoptr(GApplication) app = NULL;
  struct sigaction action = { 0 };
  AioEntrypoint *ep;
  int status;

  /* The program's own handler, replaced while the application runs. */
  action.sa_handler = program_handler;
  sigaction (signum, &action, NULL);

  app = new_application (&ep);
  g_signal_connect (ep, "post-start", G_CALLBACK (post_start_signal_cb), GINT_TO_POINTER (signum));
  g_signal_connect (ep, "pre-stop", G_CALLBACK (pre_stop_signal_cb), NULL);

  status = g_application_run (app, 0, NULL);
  say ("returned %d", status);

  /* ... and given back afterwards. */
  g_assert_cmpint (program_handler_calls, ==, 0);
  raise (signum);
  say ("program handler calls %d", (int) program_handler_calls);
  exit (status);
}

static GTestDBus *
bus_up (void)
{
  GTestDBus *bus = g_test_dbus_new (G_TEST_DBUS_NONE);

  g_test_dbus_up (bus);
  return bus;
}

static void
assert_stopped_before_return (void)
{
  /* Every service started, then stopped before g_application_run() returned. */
  g_test_trap_assert_stdout ("*started ordinary*");
  g_test_trap_assert_stdout ("*started forever*");
  g_test_trap_assert_stdout ("*started slow*");
  g_test_trap_assert_stdout ("*stopped*stopped*stopped*returned 0*");
  g_test_trap_assert_stdout ("*stopped slow*returned 0*");
  g_test_trap_assert_stdout ("*stopped forever*returned 0*");
  g_test_trap_assert_stdout ("*stopped ordinary*returned 0*");
}

static void
check_signal (int signum)
{
  g_autoptr(GTestDBus) bus = NULL;

  if (g_test_subprocess ())
    run_signal_child (signum);

  bus = bus_up ();
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  assert_stopped_before_return ();
  g_test_trap_assert_stdout ("*post-start*pre-stop*");
  g_test_trap_assert_stdout_unmatched ("*returned*returned*");
  g_test_trap_assert_stdout ("*returned 0*program handler calls 1*");
  /* The log names the signals: the first, then the SIGINT of pre-stop. */
  g_test_trap_assert_stderr (signum == SIGTERM ?
                             "*Received SIGTERM; quitting the application gracefully*" :
                             "*Received SIGINT; quitting the application gracefully*");
  g_test_trap_assert_stderr ("*Received SIGINT while shutting down*");
  g_test_dbus_down (bus);
}

static void
test_sigterm (void)
{
  check_signal (SIGTERM);
}

static void
test_sigint (void)
{
  check_signal (SIGINT);
}

/* A service that fails at start, or while running: logged with its name,
 * the application quits, the process ends with a non-zero status after
 * the others stopped. */
static void
run_failure_child (gboolean at_start)
{
  g_autoptr(GApplication) app = NULL;
  AioEntrypoint *ep;
  AioTestService *broken;

  /* The failure is logged as a warning: not fatal here. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);

  app = new_application (&ep);
  broken = add_service (ep, "broken");
  if (at_start)
    {
      broken->start_delay_ms = 50;
      broken->fail_start = TRUE;
    }
  else
    {
      broken->mode = TEST_MODE_LONG_RUNNING;
      broken->fail_after_ready_ms = 50;
    }

  say ("returned %d", g_application_run (app, 0, NULL));
  exit (0);
}

static void
check_failure (gboolean at_start)
{
  g_autoptr(GTestDBus) bus = NULL;

  if (g_test_subprocess ())
    run_failure_child (at_start);

  bus = bus_up ();
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*returned*");
  if (at_start)
    g_test_trap_assert_stderr ("*Service 'broken' failed to start*");
  else
    g_test_trap_assert_stderr ("*Service 'broken' failed*");
  g_test_trap_assert_stderr ("*exiting with status 1*");
  /* What did start was stopped gracefully. */
  g_test_trap_assert_stdout ("*stopped ordinary*");
  g_test_trap_assert_stdout ("*stopped slow*");
  g_test_dbus_down (bus);
}

static void
test_start_failure (void)
{
  check_failure (TRUE);
}

static void
test_runtime_failure (void)
{
  check_failure (FALSE);
}

/* A service that does not stop within the shutdown timeout: the others
 * stop, the run ends with status 70 (aiomisc's) naming it. */
static void
run_hung_child (void)
{
  g_autoptr(GApplication) app = NULL;
  AioEntrypoint *ep;
  AioTestService *hung;

  g_log_set_always_fatal (G_LOG_FATAL_MASK);

  app = new_application (&ep);
  hung = add_service (ep, "hung");
  hung->never_stop = TRUE;
  g_object_set (ep, "shutdown-timeout", 0.2, NULL);
  g_signal_connect (ep, "post-start", G_CALLBACK (post_start_signal_cb), GINT_TO_POINTER (SIGTERM));

  say ("returned %d", g_application_run (app, 0, NULL));
  exit (0);
}

static void
test_shutdown_timeout (void)
{
  g_autoptr(GTestDBus) bus = NULL;

  if (g_test_subprocess ())
    run_hung_child ();

  bus = bus_up ();
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout_unmatched ("*returned*");
  g_test_trap_assert_stdout ("*stopped ordinary*");
  g_test_trap_assert_stderr ("*did not stop within the shutdown timeout*'hung'*");
  g_test_trap_assert_stderr ("*exiting with status 70*");
  g_test_dbus_down (bus);
}

/* Unique: the primary starts its services, then launches a second instance
 * of this program; that one forwards its activation to the primary over the
 * private bus and starts nothing. */

typedef struct
{
  GApplication *app;
  guint         activations;
  gboolean      second_exited;
} Primary;

/* The second instance's activation is a D-Bus call it does not wait for:
 * it may reach the primary after the second instance has exited. Quit once
 * both happened. */
static void
primary_maybe_quit (Primary *primary)
{
  if (primary->activations == 2 && primary->second_exited)
    g_application_quit (primary->app);
}

static void
primary_activate_cb (GApplication *app, Primary *primary)
{
  primary->activations++;
  say ("primary activated %u", primary->activations);
  if (primary->activations == 1)
    g_application_hold (app);
  primary_maybe_quit (primary);
}

static void
second_done_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  Primary *primary = data;
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_check_finish (G_SUBPROCESS (object), result, &error);
  g_assert_no_error (error);
  say ("second instance exited");
  primary->second_exited = TRUE;
  primary_maybe_quit (primary);
}

static void
launch_second_cb (AioEntrypoint *ep, Primary *primary)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) second = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                                    self_path, "--second-instance", NULL);

  g_assert_no_error (error);
  g_subprocess_wait_check_async (second, NULL, second_done_cb, primary);
}

static void
run_primary (void)
{
  g_autoptr(GApplication) app = g_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
  Primary primary = { app, 0, FALSE };
  int status;

  add_service (ep, "primary-service");
  g_signal_connect (app, "activate", G_CALLBACK (primary_activate_cb), &primary);
  g_signal_connect (ep, "post-start", G_CALLBACK (launch_second_cb), &primary);
  aio_entrypoint_attach_application (ep, app);

  status = g_application_run (app, 0, NULL);
  say ("primary returned %d", status);
  exit (status);
}

static int
run_second_instance (void)
{
  g_autoptr(GApplication) app = g_application_new (APP_ID, G_APPLICATION_DEFAULT_FLAGS);
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
  AioTestService *service;
  int status;

  service = add_service (ep, "second-service");
  aio_entrypoint_attach_application (ep, app);

  status = g_application_run (app, 0, NULL);
  say ("second returned %d, started %u", status, service->start_calls);

  return service->start_calls == 0 ? status : 3;
}

static void
test_unique (void)
{
  g_autoptr(GTestDBus) bus = NULL;

  if (g_test_subprocess ())
    run_primary ();

  bus = bus_up ();
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*started primary-service*");
  g_test_trap_assert_stdout ("*primary activated 1*");
  g_test_trap_assert_stdout ("*primary activated 2*");
  g_test_trap_assert_stdout ("*second returned 0, started 0*second instance exited*");
  g_test_trap_assert_stdout ("*stopped primary-service*primary returned 0*");
  g_test_trap_assert_stdout_unmatched ("*second-service*");
  g_test_dbus_down (bus);
}

/* Misuse is reported, never a crash. */
static void
test_attach_twice (void)
{
  g_autoptr(GApplication) app = g_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_autoptr(AioEntrypoint) ep = aio_entrypoint_new ();
  g_autoptr(AioEntrypoint) other = aio_entrypoint_new ();

  aio_entrypoint_attach_application (ep, app);
  aio_entrypoint_attach_application (other, app);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_CRITICAL, "already attached"), ==, 1);
}

int
main (int argc, char **argv)
{
  self_path = argv[0];
  if (argc > 1 && strcmp (argv[1], "--second-instance") == 0)
    return run_second_instance ();

  g_test_init (&argc, &argv, NULL);
  aio_test_log_capture_install (G_LOG_LEVEL_CRITICAL, G_LOG_LEVEL_CRITICAL);

  g_test_add_func ("/Aio/Application/sigterm", test_sigterm);
  g_test_add_func ("/Aio/Application/sigint", test_sigint);
  g_test_add_func ("/Aio/Application/start-failure", test_start_failure);
  g_test_add_func ("/Aio/Application/runtime-failure", test_runtime_failure);
  g_test_add_func ("/Aio/Application/shutdown-timeout", test_shutdown_timeout);
  g_test_add_func ("/Aio/Application/unique", test_unique);
  g_test_add_func ("/Aio/Application/attach-twice", test_attach_twice);

  return g_test_run ();
}
