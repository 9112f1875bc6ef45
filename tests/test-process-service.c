/* test-process-service.c: AioProcessService and AioRespawningProcessService
 * with real children (sh, sleep, grep)
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "aio-test-services.h"

/* Helpers */

static void
start_ok (gpointer service)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_test_start_service (service, &error));
  g_assert_no_error (error);
}

static void
stop_ok (gpointer service)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_test_stop_service (service, NULL, &error));
  g_assert_no_error (error);
}

typedef struct
{
  AioServiceState  state;
  gboolean         reached;
} StateWait;

static void
state_cb (AioService *service,
          GParamSpec *pspec,
          StateWait  *wait)
{
  if (aio_service_get_state (service) == wait->state)
    wait->reached = TRUE;
}

static void
wait_state (gpointer        service,
            AioServiceState state)
{
  StateWait wait = { state, aio_service_get_state (service) == state };
  gulong id = g_signal_connect (service, "notify::state", G_CALLBACK (state_cb), &wait);

  aio_test_wait (&wait.reached);
  g_signal_handler_disconnect (service, id);
}

/* The processes whose parent is this one, from /proc; @zombies counts
 * those not reaped. */
static guint
count_children (guint *zombies)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *entry;
  guint n = 0;

  *zombies = 0;
  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *after;
      char state;
      int ppid;

      if (!g_ascii_isdigit (entry[0]))
        continue;
      path = g_build_filename ("/proc", entry, "stat", NULL);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;  /* gone meanwhile */
      /* pid (comm) state ppid ...; comm may hold spaces and parentheses */
      after = strrchr (stat, ')');
      if (after == NULL || sscanf (after + 1, " %c %d", &state, &ppid) != 2)
        continue;
      if (ppid != getpid ())
        continue;
      n++;
      if (state == 'Z')
        (*zombies)++;
    }

  return n;
}

static void
assert_no_children (void)
{
  guint zombies;

  g_assert_cmpuint (count_children (&zombies), ==, 0);
  g_assert_cmpuint (zombies, ==, 0);
}

static char *
field (GVariant   *fields,
       const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (fields, key, "&s", &value))
    return NULL;
  return g_strdup (value);
}

/* AioProcessService */

/* Each line of the child's stdout and stderr is a structured record
 * carrying the child's PID and the service name. */
static void
test_output (void)
{
  const char *argv[] = { "sh", "-c", "echo out-one; printf out-two; echo err-one >&2; exec sleep 30", NULL };
  g_autoptr(AioProcessService) service = aio_process_service_new (argv);
  g_autoptr(GPtrArray) records = NULL;
  g_autofree char *pid = NULL;
  struct {
    GLogLevelFlags level;
    const char *message;
    const char *stream;
  } expected[] = {
    { G_LOG_LEVEL_INFO, "out-one", "stdout" },
    { G_LOG_LEVEL_MESSAGE, "err-one", "stderr" },
    /* Without a newline: logged at the end of the output, after the stop. */
    { G_LOG_LEVEL_INFO, "out-two", "stdout" },
  };

  aio_test_log_clear ();
  aio_service_set_name (AIO_SERVICE (service), "talker");
  start_ok (service);
  g_assert_cmpint (aio_process_service_get_pid (service), >, 0);
  pid = g_strdup_printf ("%d", aio_process_service_get_pid (service));

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *service_field = NULL;
      g_autofree char *pid_field = NULL;
      g_autofree char *stream_field = NULL;
      GVariant *record;

      if (i == 2)
        {
          /* SIGTERM ends sleep. */
          g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_INFO, "out-two"), ==, 0);
          stop_ok (service);
        }
      aio_test_log_wait (expected[i].level, expected[i].message, 1);
      records = aio_test_log_find_fields (expected[i].level, expected[i].message);
      g_assert_cmpuint (records->len, ==, 1);
      record = g_ptr_array_index (records, 0);
      service_field = field (record, "AIO_SERVICE");
      pid_field = field (record, "AIO_CHILD_PID");
      stream_field = field (record, "AIO_CHILD_STREAM");
      g_assert_cmpstr (service_field, ==, "talker");
      g_assert_cmpstr (pid_field, ==, pid);
      g_assert_cmpstr (stream_field, ==, expected[i].stream);
      g_clear_pointer (&records, g_ptr_array_unref);
    }

  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpint (aio_process_service_get_pid (service), ==, 0);
  g_assert_cmpint (aio_process_service_get_term_signal (service), ==, SIGTERM);
  g_assert_cmpint (aio_process_service_get_exit_status (service), ==, -1);
  assert_no_children ();
}

/* A child that ignores SIGTERM is killed once stop-timeout has passed. */
static void
test_kill_after_timeout (void)
{
  const char *argv[] = { "sh", "-c", "trap '' TERM; echo trapped; exec sleep 30", NULL };
  g_autoptr(AioProcessService) service = aio_process_service_new (argv);

  aio_test_log_clear ();
  aio_service_set_name (AIO_SERVICE (service), "stubborn");
  aio_process_service_set_stop_timeout (service, 0.2);
  start_ok (service);
  aio_test_log_wait (G_LOG_LEVEL_INFO, "trapped", 1);

  stop_ok (service);
  g_assert_cmpint (aio_process_service_get_term_signal (service), ==, SIGKILL);
  g_assert_cmpuint (aio_test_log_count_all (G_LOG_LEVEL_WARNING, "'stubborn'",
                                            "did not exit within 0.2 s", "SIGKILL", NULL), ==, 1);
  assert_no_children ();
}

/* The stop-signal is configurable: SIGINT stops a child that ignores SIGTERM. */
static void
test_stop_signal (void)
{
  const char *argv[] = { "sh", "-c", "trap '' TERM; echo trapped; exec sleep 30", NULL };
  g_autoptr(AioProcessService) service = aio_process_service_new (argv);

  aio_test_log_clear ();
  aio_process_service_set_stop_signal (service, SIGINT);
  start_ok (service);
  aio_test_log_wait (G_LOG_LEVEL_INFO, "trapped", 1);

  stop_ok (service);
  g_assert_cmpint (aio_process_service_get_term_signal (service), ==, SIGINT);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "SIGKILL"), ==, 0);
  assert_no_children ();
}

static void
failed_cb (AioService   *service,
           const GError *error,
           GError      **out)
{
  g_assert_null (*out);
  *out = g_error_copy (error);
}

/* A child that exits while the service runs is a runtime failure. */
static void
test_runtime_failure (void)
{
  const char *argv[] = { "sh", "-c", "exit 3", NULL };
  g_autoptr(AioProcessService) service = aio_process_service_new (argv);
  g_autoptr(GError) failure = NULL;

  aio_test_log_clear ();
  aio_service_set_name (AIO_SERVICE (service), "quitter");
  g_signal_connect (service, "failed", G_CALLBACK (failed_cb), &failure);
  start_ok (service);
  wait_state (service, AIO_SERVICE_STATE_FAILED);

  g_assert_error (failure, AIO_ERROR, AIO_ERROR_SERVICE_FAILED);
  g_assert_nonnull (strstr (failure->message, "'quitter'"));
  g_assert_nonnull (strstr (failure->message, "exited with status 3"));
  g_assert_cmpint (aio_process_service_get_exit_status (service), ==, 3);
  g_assert_cmpint (aio_process_service_get_term_signal (service), ==, 0);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "exited with status 3"), ==, 1);

  stop_ok (service);
  assert_no_children ();
}

/* The child starts with no blocked and no ignored signal, whatever this
 * process blocks and ignores. */
static void
test_clean_signals (void)
{
  /* grep reads its own status: what it inherited, no shell in between. */
  const char *argv[] = { "grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status", NULL };
  g_autoptr(AioProcessService) service = aio_process_service_new (argv);
  sigset_t blocked, old_mask;
  struct sigaction ignore = { 0 }, old_action;

  aio_test_log_clear ();
  sigemptyset (&blocked);
  sigaddset (&blocked, SIGUSR2);
  sigaddset (&blocked, SIGHUP);
  g_assert_cmpint (pthread_sigmask (SIG_BLOCK, &blocked, &old_mask), ==, 0);
  ignore.sa_handler = SIG_IGN;
  g_assert_cmpint (sigaction (SIGUSR1, &ignore, &old_action), ==, 0);

  start_ok (service);

  g_assert_cmpint (pthread_sigmask (SIG_SETMASK, &old_mask, NULL), ==, 0);
  g_assert_cmpint (sigaction (SIGUSR1, &old_action, NULL), ==, 0);

  aio_test_log_wait (G_LOG_LEVEL_INFO, "SigBlk:", 1);
  aio_test_log_wait (G_LOG_LEVEL_INFO, "SigIgn:", 1);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_INFO, "SigBlk:\t0000000000000000"), ==, 1);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_INFO, "SigIgn:\t0000000000000000"), ==, 1);

  /* grep is done: a runtime failure of the service. */
  wait_state (service, AIO_SERVICE_STATE_FAILED);
  g_assert_cmpint (aio_process_service_get_exit_status (service), ==, 0);
  stop_ok (service);
  assert_no_children ();
}

/* Bad argv, a program that does not exist: the start fails, naming them. */
static void
test_bad_argv (void)
{
  const char *missing[] = { "/nonexistent/aio-test-program", NULL };
  const char *empty[] = { NULL };
  g_autoptr(AioProcessService) service = aio_process_service_new (empty);
  g_autoptr(GError) error = NULL;

  g_assert_false (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "argv"));
  g_clear_error (&error);

  aio_process_service_set_argv (service, missing);
  g_assert_false (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/aio-test-program"));
  assert_no_children ();
}

/* A start cancelled before it began spawns nothing. */
static void
test_cancelled_start (void)
{
  const char *argv[] = { "sleep", "30", NULL };
  g_autoptr(AioProcessService) service = aio_process_service_new (argv);
  g_autoptr(AioRespawningProcessService) respawning = aio_respawning_process_service_new (argv);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  double spawned = aio_statistics_get ("process", "spawned");
  AioService *services[] = { AIO_SERVICE (service), AIO_SERVICE (respawning) };

  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (services); i++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GError) error = NULL;

      aio_service_start_async (services[i], cancellable, aio_test_async_result_cb, &result);
      g_assert_false (aio_service_start_finish (services[i], aio_test_wait_result (&result),
                                                &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    }
  g_assert_cmpfloat (aio_statistics_get ("process", "spawned"), ==, spawned);
  assert_no_children ();
}

/* envp and cwd reach the child; NOTIFY_SOCKET does not by default. */
static void
test_environment (void)
{
  const char *argv[] = { "sh", "-c", "echo \"cwd=$(pwd) var=$AIO_TEST_VAR notify=${NOTIFY_SOCKET-unset}\"; exec sleep 30", NULL };
  const char *envp[] = { "AIO_TEST_VAR=given", "PATH=/usr/bin:/bin", NULL };
  g_autoptr(AioProcessService) service = aio_process_service_new (argv);
  g_autofree char *tmp = g_dir_make_tmp ("aio-process-XXXXXX", NULL);
  g_autofree char *line = NULL;
  g_autofree char *canonical = NULL;

  aio_test_log_clear ();
  g_setenv ("NOTIFY_SOCKET", "@aio-test-not-for-children", TRUE);
  aio_process_service_set_cwd (service, tmp);
  start_ok (service);
  g_unsetenv ("NOTIFY_SOCKET");
  canonical = g_canonicalize_filename (tmp, NULL);
  line = g_strdup_printf ("cwd=%s var= notify=unset", canonical);
  aio_test_log_wait (G_LOG_LEVEL_INFO, line, 1);
  stop_ok (service);

  aio_process_service_set_envp (service, envp);
  start_ok (service);
  g_free (line);
  line = g_strdup_printf ("cwd=%s var=given notify=unset", canonical);
  aio_test_log_wait (G_LOG_LEVEL_INFO, line, 1);
  stop_ok (service);

  g_rmdir (tmp);
  assert_no_children ();
}

/* AioRespawningProcessService */

static gboolean
pids_deadline_cb (gpointer data)
{
  g_error ("no new child within 30 s");
  return G_SOURCE_REMOVE;
}

static void
wait_pids (GArray *pids,
           guint   n)
{
  GSource *deadline = g_timeout_source_new_seconds (30);

  g_source_set_callback (deadline, pids_deadline_cb, NULL, NULL);
  g_source_attach (deadline, NULL);
  while (pids->len < n)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
}

static void
pid_cb (AioProcessService *service,
        GParamSpec        *pspec,
        GArray            *pids)
{
  int pid = aio_process_service_get_pid (service);

  if (pid != 0)
    g_array_append_val (pids, pid);
}

/* A killed child comes back at once with a new PID; stop ends it for good. */
static void
test_respawn (void)
{
  const char *argv[] = { "sleep", "30", NULL };
  g_autoptr(AioRespawningProcessService) service = aio_respawning_process_service_new (argv);
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (int));
  double restarts = aio_statistics_get ("process", "restarts");

  aio_test_log_clear ();
  g_signal_connect (service, "notify::pid", G_CALLBACK (pid_cb), pids);
  start_ok (service);

  for (guint i = 1; i <= 3; i++)
    {
      g_assert_cmpuint (pids->len, ==, i);
      g_assert_cmpint (kill (g_array_index (pids, int, i - 1), SIGKILL), ==, 0);
      wait_pids (pids, i + 1);
      g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_RUNNING);
      g_assert_cmpint (aio_process_service_get_term_signal (AIO_PROCESS_SERVICE (service)), ==, SIGKILL);
    }

  for (guint i = 0; i < pids->len; i++)
    for (guint j = i + 1; j < pids->len; j++)
      g_assert_cmpint (g_array_index (pids, int, i), !=, g_array_index (pids, int, j));
  g_assert_cmpuint (aio_respawning_process_service_get_restarts (service), ==, 3);
  g_assert_cmpfloat (aio_statistics_get ("process", "restarts") - restarts, ==, 3);

  stop_ok (service);
  g_assert_cmpint (aio_process_service_get_term_signal (AIO_PROCESS_SERVICE (service)), ==, SIGTERM);
  g_assert_cmpuint (pids->len, ==, 4);
  assert_no_children ();
}

/* N exits within T: the service fails instead of restarting again. */
static void
test_crash_loop (void)
{
  const char *argv[] = { "sh", "-c", "exit 7", NULL };
  g_autoptr(AioRespawningProcessService) service = aio_respawning_process_service_new (argv);
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GError) failure = NULL;

  aio_test_log_clear ();
  aio_service_set_name (AIO_SERVICE (service), "crasher");
  aio_respawning_process_service_set_restart_limit (service, 4);
  aio_respawning_process_service_set_restart_interval (service, 60);
  g_signal_connect (service, "notify::pid", G_CALLBACK (pid_cb), pids);
  g_signal_connect (service, "failed", G_CALLBACK (failed_cb), &failure);
  start_ok (service);
  wait_state (service, AIO_SERVICE_STATE_FAILED);

  g_assert_cmpuint (pids->len, ==, 4);
  for (guint i = 0; i < pids->len; i++)
    for (guint j = i + 1; j < pids->len; j++)
      g_assert_cmpint (g_array_index (pids, int, i), !=, g_array_index (pids, int, j));
  g_assert_cmpuint (aio_respawning_process_service_get_restarts (service), ==, 3);
  g_assert_cmpint (aio_process_service_get_exit_status (AIO_PROCESS_SERVICE (service)), ==, 7);
  g_assert_error (failure, AIO_ERROR, AIO_ERROR_SERVICE_FAILED);
  g_assert_nonnull (strstr (failure->message, "'crasher'"));
  g_assert_nonnull (strstr (failure->message, "restart-limit of 4"));
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_MESSAGE, "restarting it"), ==, 3);

  stop_ok (service);
  assert_no_children ();
}

/* A stop during the backoff pause ends the service without another child. */
static void
test_stop_during_pause (void)
{
  const char *argv[] = { "sh", "-c", "exit 1", NULL };
  g_autoptr(AioRespawningProcessService) service = aio_respawning_process_service_new (argv);
  g_autoptr(AioBackoff) backoff = aio_backoff_new (0, 0, 60, -1);

  aio_test_log_clear ();
  aio_respawning_process_service_set_backoff (service, backoff);
  start_ok (service);
  aio_test_log_wait (G_LOG_LEVEL_MESSAGE, "restarting it after a pause", 1);

  stop_ok (service);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpuint (aio_respawning_process_service_get_restarts (service), ==, 0);
  assert_no_children ();
}

/* Runs the pending sources of the default context, without blocking. */
static void
drain_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The pause before a restart comes from the backoff, on its clock: 1 s
 * after the first exit, 2 s after the second (exponent 2). */
static void
test_backoff_pause (void)
{
  const char *argv[] = { "sh", "-c", "exit 1", NULL };
  g_autoptr(AioRespawningProcessService) service = aio_respawning_process_service_new (argv);
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = g_object_new (AIO_TYPE_BACKOFF, "clock", clock,
                                                "pause", 1.0, "exponent", 2.0,
                                                "jitter", FALSE, NULL);
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (int));
  const gint64 pauses[] = { G_USEC_PER_SEC, 2 * G_USEC_PER_SEC };

  aio_test_log_clear ();
  aio_respawning_process_service_set_backoff (service, backoff);
  aio_respawning_process_service_set_restart_limit (service, 0);
  g_signal_connect (service, "notify::pid", G_CALLBACK (pid_cb), pids);
  start_ok (service);

  for (guint i = 0; i < G_N_ELEMENTS (pauses); i++)
    {
      /* The child exited; the service pauses. */
      aio_test_log_wait (G_LOG_LEVEL_MESSAGE, "restarting it after a pause", i + 1);
      aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), pauses[i] - 1000);
      drain_context ();
      g_assert_cmpuint (pids->len, ==, i + 1);
      aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 1000);
      wait_pids (pids, i + 2);
    }
  g_assert_cmpuint (aio_respawning_process_service_get_restarts (service), ==, 2);

  aio_test_log_wait (G_LOG_LEVEL_MESSAGE, "restarting it after a pause", 3);
  stop_ok (service);
  g_assert_cmpuint (pids->len, ==, 3);
  assert_no_children ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  aio_test_log_capture_install (G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING,
                                G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING);

  g_test_add_func ("/Aio/ProcessService/output", test_output);
  g_test_add_func ("/Aio/ProcessService/kill-after-timeout", test_kill_after_timeout);
  g_test_add_func ("/Aio/ProcessService/stop-signal", test_stop_signal);
  g_test_add_func ("/Aio/ProcessService/runtime-failure", test_runtime_failure);
  g_test_add_func ("/Aio/ProcessService/clean-signals", test_clean_signals);
  g_test_add_func ("/Aio/ProcessService/bad-argv", test_bad_argv);
  g_test_add_func ("/Aio/ProcessService/environment", test_environment);
  g_test_add_func ("/Aio/ProcessService/cancelled-start", test_cancelled_start);
  g_test_add_func ("/Aio/RespawningProcessService/respawn", test_respawn);
  g_test_add_func ("/Aio/RespawningProcessService/crash-loop", test_crash_loop);
  g_test_add_func ("/Aio/RespawningProcessService/stop-during-pause", test_stop_during_pause);
  g_test_add_func ("/Aio/RespawningProcessService/backoff-pause", test_backoff_pause);

  return g_test_run ();
}
