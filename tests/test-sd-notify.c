/* test-sd-notify.c: the entrypoint speaks sd_notify to a fake service
 * manager (a datagram socket of the test) from a real child process
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "aio-test-services.h"

static const char *self_path;

/* The helper: an entrypoint with two services, run under the manager.
 * A byte on stdin blocks its main loop until the next byte. */

static gboolean
helper_stdin_cb (int          fd,
                 GIOCondition condition,
                 gpointer     data)
{
  char byte;

  if (read (fd, &byte, 1) != 1)
    return G_SOURCE_REMOVE;

  g_assert_true (aio_sd_notify_status ("blocking", NULL));
  /* The loop is stuck here: no watchdog ping may go out. */
  g_assert_cmpint (read (fd, &byte, 1), ==, 1);
  g_assert_true (aio_sd_notify_status ("unblocked", NULL));

  return G_SOURCE_CONTINUE;
}

static gboolean
helper_release_cb (int          fd,
                   GIOCondition condition,
                   gpointer     data)
{
  char byte;

  g_assert_cmpint (read (fd, &byte, 1), ==, 1);
  aio_entrypoint_release (data);

  return G_SOURCE_REMOVE;
}

typedef enum {
  HELPER_OK,
  HELPER_FAIL,   /* beta fails to start */
  HELPER_SLOW,   /* a start-timeout of 0.4 s; the start waits for a byte on stdin */
} HelperMode;

static int
run_helper (HelperMode mode)
{
  g_autoptr(AioEntrypoint) ep = aio_entrypoint_new ();
  g_autoptr(AioTestService) alpha = aio_test_service_new ("alpha");
  g_autoptr(AioTestService) beta = aio_test_service_new ("beta");
  g_autoptr(GError) error = NULL;
  guint watch;

  beta->mode = TEST_MODE_LONG_RUNNING;
  beta->fail_start = mode == HELPER_FAIL;
  aio_entrypoint_add_service (ep, AIO_SERVICE (alpha));
  aio_entrypoint_add_service (ep, AIO_SERVICE (beta));
  if (mode == HELPER_SLOW)
    {
      /* Held in pre-start until the manager has seen the extensions. */
      g_object_set (ep, "start-timeout", 0.4, NULL);
      g_signal_connect (ep, "pre-start", G_CALLBACK (aio_entrypoint_hold), NULL);
      watch = g_unix_fd_add (STDIN_FILENO, G_IO_IN, helper_release_cb, ep);
    }
  else
    watch = g_unix_fd_add (STDIN_FILENO, G_IO_IN, helper_stdin_cb, NULL);

  if (!aio_entrypoint_run (ep, &error))
    {
      g_printerr ("helper: %s\n", error->message);
      return 1;
    }
  if (mode != HELPER_SLOW)
    g_source_remove (watch);
  return 0;
}

/* The same services inside a GApplication (aio_entrypoint_attach_application). */

static void
helper_activate_cb (GApplication *application)
{
  /* A service without windows holds itself, until SIGTERM quits it. */
  g_application_hold (application);
}

static int
run_helper_app (void)
{
  g_autoptr(GApplication) application = g_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_autoptr(AioEntrypoint) ep = aio_entrypoint_new ();
  g_autoptr(AioTestService) alpha = aio_test_service_new ("alpha");
  g_autoptr(AioTestService) beta = aio_test_service_new ("beta");

  beta->mode = TEST_MODE_LONG_RUNNING;
  aio_entrypoint_add_service (ep, AIO_SERVICE (alpha));
  aio_entrypoint_add_service (ep, AIO_SERVICE (beta));
  g_signal_connect (application, "activate", G_CALLBACK (helper_activate_cb), NULL);
  aio_entrypoint_attach_application (ep, application);

  return g_application_run (application, 0, NULL);
}

/* The fake manager */

typedef struct
{
  char        *notify_socket;   /* the value of NOTIFY_SOCKET */
  char        *tmpdir;
  GSocket     *socket;
  GSource     *source;
  GPtrArray   *lines;           /* every assignment received, in order */
  GSubprocess *helper;
  gboolean     exited;
  int          exit_status;
} Manager;

static gboolean
manager_readable_cb (GSocket      *socket,
                     GIOCondition  condition,
                     gpointer      data)
{
  Manager *manager = data;
  char buffer[4096];
  gssize n;

  while ((n = g_socket_receive (socket, buffer, sizeof buffer - 1, NULL, NULL)) > 0)
    {
      g_auto(GStrv) lines = NULL;

      buffer[n] = '\0';
      lines = g_strsplit (buffer, "\n", -1);
      for (guint i = 0; lines[i] != NULL; i++)
        if (lines[i][0] != '\0')
          g_ptr_array_add (manager->lines, g_strdup (lines[i]));
    }

  return G_SOURCE_CONTINUE;
}

static void
manager_init (Manager  *manager,
              gboolean  abstract)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  memset (manager, 0, sizeof *manager);
  if (abstract)
    {
      manager->notify_socket = g_strdup_printf ("@aio-test-sd-notify-%d-%08x",
                                                (int) getpid (), g_random_int ());
      address = g_unix_socket_address_new_with_type (manager->notify_socket + 1, -1,
                                                     G_UNIX_SOCKET_ADDRESS_ABSTRACT);
    }
  else
    {
      manager->tmpdir = g_dir_make_tmp ("aio-sd-notify-XXXXXX", &error);
      g_assert_no_error (error);
      manager->notify_socket = g_build_filename (manager->tmpdir, "notify", NULL);
      address = g_unix_socket_address_new (manager->notify_socket);
    }

  manager->socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                                  G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (manager->socket, FALSE);
  g_socket_bind (manager->socket, address, FALSE, &error);
  g_assert_no_error (error);

  manager->lines = g_ptr_array_new_with_free_func (g_free);
  manager->source = g_socket_create_source (manager->socket, G_IO_IN, NULL);
  g_source_set_callback (manager->source, G_SOURCE_FUNC (manager_readable_cb), manager, NULL);
  g_source_attach (manager->source, NULL);
}

static void
manager_clear (Manager *manager)
{
  g_source_destroy (manager->source);
  g_source_unref (manager->source);
  g_object_unref (manager->socket);
  if (manager->tmpdir != NULL)
    {
      g_unlink (manager->notify_socket);
      g_rmdir (manager->tmpdir);
      g_free (manager->tmpdir);
    }
  g_free (manager->notify_socket);
  g_ptr_array_unref (manager->lines);
  g_clear_object (&manager->helper);
}

/* The index of the first @line at or after @from, -1 if none. */
static int
manager_find (Manager    *manager,
              const char *line,
              guint       from)
{
  for (guint i = from; i < manager->lines->len; i++)
    if (g_str_equal (g_ptr_array_index (manager->lines, i), line))
      return (int) i;
  return -1;
}

static guint
manager_count (Manager    *manager,
               const char *line,
               guint       from)
{
  guint n = 0;

  for (guint i = from; i < manager->lines->len; i++)
    n += g_str_equal (g_ptr_array_index (manager->lines, i), line);
  return n;
}

static gboolean
deadline_cb (gpointer data)
{
  g_error ("the fake manager did not receive what it waited for within 30 s");
  return G_SOURCE_REMOVE;
}

/* Iterates until @line was received @at_least times since @from; returns
 * the index of the last of them. */
static int
manager_wait (Manager    *manager,
              const char *line,
              guint       from,
              guint       at_least)
{
  GSource *deadline = g_timeout_source_new_seconds (30);
  int index = -1;

  g_source_set_callback (deadline, deadline_cb, NULL, NULL);
  g_source_attach (deadline, NULL);
  while (manager_count (manager, line, from) < at_least)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);

  for (guint i = 0; i < at_least; i++)
    from = (guint) (index = manager_find (manager, line, from)) + 1;
  return index;
}

static void
helper_exited_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      data)
{
  Manager *manager = data;
  g_autoptr(GError) error = NULL;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (G_SUBPROCESS (object)));
  manager->exit_status = g_subprocess_get_exit_status (G_SUBPROCESS (object));
  manager->exited = TRUE;
}

static void
manager_spawn_helper (Manager    *manager,
                      const char *mode,
                      const char *watchdog_pid)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GError) error = NULL;

  g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET", manager->notify_socket, TRUE);
  g_subprocess_launcher_setenv (launcher, "WATCHDOG_USEC", "200000", TRUE);
  if (watchdog_pid != NULL)
    g_subprocess_launcher_setenv (launcher, "WATCHDOG_PID", watchdog_pid, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_PID");
  manager->helper = g_subprocess_launcher_spawn (launcher, &error, self_path, mode, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (manager->helper, NULL, helper_exited_cb, manager);
}

static void
manager_stop_helper (Manager *manager)
{
  g_subprocess_send_signal (manager->helper, SIGTERM);
  aio_test_wait (&manager->exited);
  g_assert_cmpint (manager->exit_status, ==, 0);
}

static void
manager_write_stdin (Manager *manager)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (manager->helper), "x", 1,
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

/* READY=1 after the start and its STATUS= lines, the pings, then
 * STOPPING=1 on SIGTERM, in that order. */
typedef enum {
  LIFECYCLE_PATH,
  LIFECYCLE_ABSTRACT,
  LIFECYCLE_APPLICATION,   /* abstract, the entrypoint attached to a GApplication */
} LifecycleMode;

static void
check_lifecycle (gconstpointer data)
{
  LifecycleMode mode = GPOINTER_TO_INT (data);
  Manager manager;
  int starting, alpha, beta, ready, ping, stopping;

  manager_init (&manager, mode != LIFECYCLE_PATH);
  manager_spawn_helper (&manager, mode == LIFECYCLE_APPLICATION ? "--helper-app" : "--helper",
                        NULL);

  ready = manager_wait (&manager, "READY=1", 0, 1);
  /* 10 pings at WATCHDOG_USEC=200000 take about 1 s. */
  ping = manager_wait (&manager, "WATCHDOG=1", ready, 10);
  manager_stop_helper (&manager);
  stopping = manager_wait (&manager, "STOPPING=1", 0, 1);

  starting = manager_find (&manager, "STATUS=Starting 2 services", 0);
  alpha = manager_find (&manager, "STATUS=Starting: 1 of 2 services running ('alpha' is up)", 0);
  if (alpha < 0)
    alpha = manager_find (&manager, "STATUS=Starting: 2 of 2 services running ('alpha' is up)", 0);
  beta = manager_find (&manager, "STATUS=Starting: 1 of 2 services running ('beta' is up)", 0);
  if (beta < 0)
    beta = manager_find (&manager, "STATUS=Starting: 2 of 2 services running ('beta' is up)", 0);

  g_assert_cmpint (starting, >=, 0);
  g_assert_cmpint (alpha, >, starting);
  g_assert_cmpint (beta, >, starting);
  g_assert_cmpint (ready, >, alpha);
  g_assert_cmpint (ready, >, beta);
  g_assert_cmpstr (g_ptr_array_index (manager.lines, ready + 1), ==, "STATUS=Running 2 services");
  g_assert_cmpint (ping, >, ready);
  g_assert_cmpint (stopping, >, ping);
  g_assert_cmpint (manager_find (&manager, "READY=1", ready + 1), ==, -1);
  g_assert_cmpint (manager_find (&manager, "STOPPING=1", stopping + 1), ==, -1);

  manager_clear (&manager);
}

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A main loop that is stuck sends no pings; once it runs again, it does. */
static void
check_blocked_loop (void)
{
  Manager manager;
  gboolean waited = FALSE;
  int ready, blocking, unblocked;

  manager_init (&manager, TRUE);
  manager_spawn_helper (&manager, "--helper", NULL);

  ready = manager_wait (&manager, "READY=1", 0, 1);
  manager_wait (&manager, "WATCHDOG=1", ready, 2);

  manager_write_stdin (&manager);
  blocking = manager_wait (&manager, "STATUS=blocking", 0, 1);
  /* Five ping intervals of silence. */
  g_timeout_add (500, set_flag_cb, &waited);
  aio_test_wait (&waited);
  g_assert_cmpuint (manager_count (&manager, "WATCHDOG=1", blocking), ==, 0);

  manager_write_stdin (&manager);
  unblocked = manager_wait (&manager, "STATUS=unblocked", blocking, 1);
  manager_wait (&manager, "WATCHDOG=1", unblocked, 2);
  /* The pings came back after the loop did, none between. */
  g_assert_cmpint (manager_find (&manager, "WATCHDOG=1", blocking), >, unblocked);

  manager_stop_helper (&manager);
  manager_wait (&manager, "STOPPING=1", 0, 1);
  manager_clear (&manager);
}

/* WATCHDOG_PID names another process: the watchdog is not ours. */
static void
check_watchdog_pid (void)
{
  Manager manager;
  int ready;

  manager_init (&manager, FALSE);
  manager_spawn_helper (&manager, "--helper", "1");

  ready = manager_wait (&manager, "READY=1", 0, 1);
  manager_stop_helper (&manager);
  manager_wait (&manager, "STOPPING=1", ready, 1);
  g_assert_cmpuint (manager_count (&manager, "WATCHDOG=1", 0), ==, 0);
  manager_clear (&manager);
}

/* A start that fails: no READY=1, a STATUS= line with the error, and the
 * program exits with a failure. */
static void
check_start_failure (void)
{
  Manager manager;
  int starting, failed;

  manager_init (&manager, FALSE);
  manager_spawn_helper (&manager, "--helper-fail", NULL);
  aio_test_wait (&manager.exited);
  g_assert_cmpint (manager.exit_status, ==, 1);

  /* Everything sent is in the socket: read it. */
  manager_readable_cb (manager.socket, G_IO_IN, &manager);
  starting = manager_find (&manager, "STATUS=Starting 2 services", 0);
  failed = manager_find (&manager, "STATUS=Failed: Service 'beta' failed to start: test failure in beta", 0);
  g_assert_cmpint (starting, >=, 0);
  g_assert_cmpint (manager_find (&manager, "STATUS=Service 'beta' failed", 0), >, starting);
  g_assert_cmpint (failed, >, starting);
  g_assert_cmpint (manager_find (&manager, "READY=1", 0), ==, -1);
  manager_clear (&manager);
}

/* With a start-timeout, the loop extends the manager's start timeout by it
 * every half of it, until READY=1. */
static void
check_extend_timeout (void)
{
  g_autoptr(GTypeClass) klass = g_type_class_ref (AIO_TYPE_ENTRYPOINT);
  Manager manager;
  int ready, extend;

  if (g_object_class_find_property (G_OBJECT_CLASS (klass), "start-timeout") == NULL)
    {
      g_test_skip ("The entrypoint has no start-timeout property");
      return;
    }

  manager_init (&manager, TRUE);
  manager_spawn_helper (&manager, "--helper-slow", NULL);

  /* At once, then every 0.2 s while the start is held. */
  extend = manager_wait (&manager, "EXTEND_TIMEOUT_USEC=400000", 0, 3);
  g_assert_cmpint (manager_find (&manager, "READY=1", 0), ==, -1);
  g_assert_cmpint (manager_find (&manager, "STATUS=Starting 2 services", 0), <, extend);
  manager_write_stdin (&manager);
  ready = manager_wait (&manager, "READY=1", 0, 1);
  g_assert_cmpint (extend, <, ready);
  manager_stop_helper (&manager);
  manager_wait (&manager, "STOPPING=1", ready, 1);
  g_assert_cmpint (manager_find (&manager, "EXTEND_TIMEOUT_USEC=400000", ready), ==, -1);
  manager_clear (&manager);
}

/* The public functions, in this process. */
static void
check_api (void)
{
  Manager manager;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());

  g_unsetenv ("NOTIFY_SOCKET");
  g_assert_false (aio_sd_notify_is_enabled ());
  g_assert_true (aio_sd_notify ("READY=1", &error));
  g_assert_no_error (error);
  g_setenv ("WATCHDOG_USEC", "200000", TRUE);
  g_assert_cmpuint (aio_sd_watchdog_usec (), ==, 0);

  manager_init (&manager, TRUE);
  g_setenv ("NOTIFY_SOCKET", manager.notify_socket, TRUE);
  g_assert_true (aio_sd_notify_is_enabled ());
  g_assert_cmpuint (aio_sd_watchdog_usec (), ==, 200000);
  g_setenv ("WATCHDOG_PID", pid, TRUE);
  g_assert_cmpuint (aio_sd_watchdog_usec (), ==, 200000);
  g_setenv ("WATCHDOG_PID", "1", TRUE);
  g_assert_cmpuint (aio_sd_watchdog_usec (), ==, 0);
  g_setenv ("WATCHDOG_PID", "nonsense", TRUE);
  g_assert_cmpuint (aio_sd_watchdog_usec (), ==, 0);
  g_unsetenv ("WATCHDOG_PID");
  g_setenv ("WATCHDOG_USEC", "soon", TRUE);
  g_assert_cmpuint (aio_sd_watchdog_usec (), ==, 0);
  g_unsetenv ("WATCHDOG_USEC");

  g_assert_true (aio_sd_notify_status ("two\nlines", &error));
  g_assert_no_error (error);
  manager_wait (&manager, "STATUS=two lines", 0, 1);

  g_assert_false (aio_sd_notify ("", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_setenv ("NOTIFY_SOCKET", "relative/path", TRUE);
  g_assert_false (aio_sd_notify ("READY=1", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'relative/path'"));
  g_clear_error (&error);

  /* Nobody listens there. */
  g_setenv ("NOTIFY_SOCKET", "@aio-test-sd-notify-nobody", TRUE);
  g_assert_false (aio_sd_notify ("READY=1", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_unsetenv ("NOTIFY_SOCKET");
  manager_clear (&manager);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 2 && g_str_equal (argv[1], "--helper"))
    return run_helper (HELPER_OK);
  if (argc == 2 && g_str_equal (argv[1], "--helper-fail"))
    return run_helper (HELPER_FAIL);
  if (argc == 2 && g_str_equal (argv[1], "--helper-app"))
    return run_helper_app ();
  if (argc == 2 && g_str_equal (argv[1], "--helper-slow"))
    return run_helper (HELPER_SLOW);

  self_path = argv[0];
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/Aio/SdNotify/lifecycle/path",
                        GINT_TO_POINTER (LIFECYCLE_PATH), check_lifecycle);
  g_test_add_data_func ("/Aio/SdNotify/lifecycle/abstract",
                        GINT_TO_POINTER (LIFECYCLE_ABSTRACT), check_lifecycle);
  g_test_add_data_func ("/Aio/SdNotify/lifecycle/application",
                        GINT_TO_POINTER (LIFECYCLE_APPLICATION), check_lifecycle);
  g_test_add_func ("/Aio/SdNotify/blocked-loop", check_blocked_loop);
  g_test_add_func ("/Aio/SdNotify/watchdog-pid", check_watchdog_pid);
  g_test_add_func ("/Aio/SdNotify/start-failure", check_start_failure);
  g_test_add_func ("/Aio/SdNotify/extend-timeout", check_extend_timeout);
  g_test_add_func ("/Aio/SdNotify/api", check_api);

  return g_test_run ();
}
