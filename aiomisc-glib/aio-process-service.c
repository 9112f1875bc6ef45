/* aio-process-service.c: a service that runs a child process
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "aiomisc-glib.h"
#include "aio-process-service-private.h"
#include "aio-statistics-private.h"
#include "aio-task-private.h"

/**
 * AioProcessService:
 *
 * A long-running service that runs one child process (aiomisc's
 * `ProcessService`), on #GSubprocess.
 *
 * The child runs [property@Aio.ProcessService:argv] in
 * [property@Aio.ProcessService:cwd] with [property@Aio.ProcessService:envp]
 * (by default the environment of the program, without `NOTIFY_SOCKET`,
 * `WATCHDOG_USEC` and `WATCHDOG_PID`, which are for the program, not its
 * children). It starts with an empty signal mask and every signal at its
 * default disposition, whatever the program blocks or ignores. Its stdin
 * is `/dev/null`; each line of its stdout and stderr is logged, with the
 * structured fields `AIO_SERVICE` (the service name), `AIO_CHILD_PID` and
 * `AIO_CHILD_STREAM` (`stdout` or `stderr`): stdout at the info level,
 * stderr at the message level.
 *
 * The service is up once the child is spawned; a child that cannot be
 * spawned fails the start, with %G_IO_ERROR_INVALID_ARGUMENT for an empty
 * argv or the #GSpawnError of GLib. A child that exits while the service
 * runs is a runtime failure of the service (see
 * [signal@Aio.Service::failed]), %AIO_ERROR_SERVICE_FAILED with a message
 * that says how the child ended: an [class@Aio.Entrypoint] then shuts the
 * program down; [class@Aio.RespawningProcessService] restarts it instead.
 * Stopping sends [property@Aio.ProcessService:stop-signal] (SIGTERM),
 * waits [property@Aio.ProcessService:stop-timeout] seconds for the child
 * to exit, then kills it with SIGKILL and a warning. How the child ended is
 * in [property@Aio.ProcessService:exit-status] and
 * [property@Aio.ProcessService:term-signal].
 *
 * Since: 0.2
 */

#define DEFAULT_STOP_TIMEOUT 3.0
#ifdef NSIG
# define MAX_SIGNAL (NSIG - 1)
#else
# define MAX_SIGNAL 64
#endif

typedef struct
{
  GStrv         argv;
  GStrv         envp;
  char         *cwd;
  int           stop_signal;
  double        stop_timeout;

  int           pid;
  int           last_pid;
  int           exit_status;
  int           term_signal;

  /* Cancelled on dispose: ends the forwarding of the children's output. */
  GCancellable *io_cancellable;
} AioProcessServicePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (AioProcessService, aio_process_service, AIO_TYPE_SERVICE)

enum {
  PROP_0,
  PROP_ARGV,
  PROP_ENVP,
  PROP_CWD,
  PROP_STOP_SIGNAL,
  PROP_STOP_TIMEOUT,
  PROP_PID,
  PROP_EXIT_STATUS,
  PROP_TERM_SIGNAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Output forwarding: one reader per pipe, independent of the service (it
 * may outlive a child whose own children keep the pipe open). */

typedef struct
{
  GDataInputStream *input;
  GCancellable     *cancellable;
  char             *service;
  char             *pid;
  const char       *stream;
  GLogLevelFlags    level;
} Reader;

static void
reader_free (Reader *reader)
{
  g_clear_object (&reader->input);
  g_clear_object (&reader->cancellable);
  g_free (reader->service);
  g_free (reader->pid);
  g_free (reader);
}

static void reader_next (Reader *reader);

static void
reader_line_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Reader *reader = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *valid = NULL;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (object), result, NULL, &error);
  if (line == NULL)
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Process service '%s': cannot read the %s of child %s: %s",
                 reader->service, reader->stream, reader->pid, error->message);
      reader_free (reader);
      return;
    }

  valid = g_utf8_make_valid (line, -1);
  g_log_structured (G_LOG_DOMAIN, reader->level,
                    "AIO_SERVICE", reader->service,
                    "AIO_CHILD_PID", reader->pid,
                    "AIO_CHILD_STREAM", reader->stream,
                    "MESSAGE", "%s", valid);
  reader_next (reader);
}

static void
reader_next (Reader *reader)
{
  g_data_input_stream_read_line_async (reader->input, G_PRIORITY_DEFAULT, reader->cancellable,
                                       reader_line_cb, reader);
}

static void
aio_process_service_forward (AioProcessService *self,
                             GInputStream      *pipe,
                             const char        *stream,
                             GLogLevelFlags     level)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);
  Reader *reader = g_new0 (Reader, 1);

  reader->input = g_data_input_stream_new (pipe);
  g_data_input_stream_set_newline_type (reader->input, G_DATA_STREAM_NEWLINE_TYPE_LF);
  reader->cancellable = g_object_ref (priv->io_cancellable);
  reader->service = g_strdup (aio_service_get_name (AIO_SERVICE (self)));
  reader->pid = g_strdup_printf ("%d", priv->pid);
  reader->stream = stream;
  reader->level = level;
  reader_next (reader);
}

/* Spawning */

/* Runs in the child between fork() and exec(): async-signal-safe calls
 * only. Signals the program blocks (the entrypoint's, GLib's worker
 * threads') or ignores must not leak into the child.
 *
 * It also writes the child's PID to the pipe @data points to: GSubprocess
 * forgets the PID of a child it has reaped, and a short-lived child may be
 * reaped before g_subprocess_launcher_spawnv() returns. */
static void
child_setup (gpointer data)
{
  const int *pid_pipe = data;
  struct sigaction action;
  sigset_t empty;
  pid_t pid = getpid ();

  memset (&action, 0, sizeof action);
  action.sa_handler = SIG_DFL;
  sigemptyset (&action.sa_mask);
  for (int signum = 1; signum <= MAX_SIGNAL; signum++)
    if (signum != SIGKILL && signum != SIGSTOP)
      sigaction (signum, &action, NULL);  /* fails harmlessly for reserved ones */

  sigemptyset (&empty);
  sigprocmask (SIG_SETMASK, &empty, NULL);

  if (write (pid_pipe[1], &pid, sizeof pid) != sizeof pid)
    _exit (127);
}

static void
aio_process_service_set_pid (AioProcessService *self,
                             int                pid)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  if (priv->pid == pid)
    return;
  priv->pid = pid;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PID]);
}

GSubprocess *
_aio_process_service_spawn (AioProcessService  *self,
                            GError            **error)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);
  const char *name = aio_service_get_name (AIO_SERVICE (self));
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  int pid_pipe[2];
  pid_t pid = 0;
  gssize n;

  if (priv->argv == NULL || priv->argv[0] == NULL || priv->argv[0][0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Process service '%s': invalid argv: it needs at least the program to run",
                   name);
      return NULL;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (priv->envp != NULL)
    g_subprocess_launcher_set_environ (launcher, priv->envp);
  else
    {
      /* The notification socket is the program's: a child that also
       * speaks sd_notify must not report READY=1 for it. */
      g_subprocess_launcher_unsetenv (launcher, "NOTIFY_SOCKET");
      g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_USEC");
      g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_PID");
    }
  if (priv->cwd != NULL)
    g_subprocess_launcher_set_cwd (launcher, priv->cwd);
  if (!g_unix_open_pipe (pid_pipe, FD_CLOEXEC, error))
    {
      g_prefix_error (error, "Process service '%s': ", name);
      return NULL;
    }
  g_subprocess_launcher_set_child_setup (launcher, child_setup, pid_pipe, NULL);

  child = g_subprocess_launcher_spawnv (launcher, (const char * const *) priv->argv, error);
  /* The child wrote its PID before exec(), which spawnv() waited for. */
  close (pid_pipe[1]);
  do
    n = read (pid_pipe[0], &pid, sizeof pid);
  while (n < 0 && errno == EINTR);
  close (pid_pipe[0]);
  if (child == NULL)
    {
      g_prefix_error (error, "Process service '%s': cannot run '%s': ", name, priv->argv[0]);
      return NULL;
    }
  if (n != sizeof pid)
    pid = 0;
  priv->last_pid = (int) pid;
  aio_process_service_set_pid (self, (int) pid);
  aio_statistics_add (AIO_STAT_PROCESS, AIO_STAT_SPAWNED, 1);
  g_info ("Process service '%s': started child %d (%s)", name, priv->pid, priv->argv[0]);

  aio_process_service_forward (self, g_subprocess_get_stdout_pipe (child), "stdout",
                               G_LOG_LEVEL_INFO);
  aio_process_service_forward (self, g_subprocess_get_stderr_pipe (child), "stderr",
                               G_LOG_LEVEL_MESSAGE);

  return g_steal_pointer (&child);
}

/* Waiting */

typedef struct
{
  GSubprocess *child;
  GSource     *cancel_source;
  GSource     *kill_timer;
} Wait;

static void
wait_clear_sources (Wait *wait)
{
  _aio_source_clear (&wait->cancel_source);
  _aio_source_clear (&wait->kill_timer);
}

static void
wait_free (Wait *wait)
{
  wait_clear_sources (wait);
  g_clear_object (&wait->child);
  g_free (wait);
}

static gboolean
wait_kill_cb (gpointer data)
{
  GTask *task = data;
  AioProcessService *self = g_task_get_source_object (task);
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);
  Wait *wait = g_task_get_task_data (task);

  g_warning ("Process service '%s': child %d did not exit within %g s of signal %d (%s); "
             "killing it with SIGKILL",
             aio_service_get_name (AIO_SERVICE (self)), priv->pid, priv->stop_timeout,
             priv->stop_signal, g_strsignal (priv->stop_signal));
  aio_statistics_add (AIO_STAT_PROCESS, AIO_STAT_KILLED, 1);
  g_subprocess_force_exit (wait->child);
  g_clear_pointer (&wait->kill_timer, g_source_unref);

  return G_SOURCE_REMOVE;
}

static gboolean
wait_cancelled_cb (GCancellable *cancellable,
                   gpointer      data)
{
  GTask *task = data;
  AioProcessService *self = g_task_get_source_object (task);
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);
  Wait *wait = g_task_get_task_data (task);

  g_clear_pointer (&wait->cancel_source, g_source_unref);

  g_debug ("Process service '%s': stopping child %d with signal %d",
           aio_service_get_name (AIO_SERVICE (self)), priv->pid, priv->stop_signal);
  g_subprocess_send_signal (wait->child, priv->stop_signal);
  wait->kill_timer = _aio_clock_timer_new (aio_clock_get_default (),
                                           _aio_seconds_to_usec (priv->stop_timeout),
                                           wait_kill_cb, task, g_task_get_context (task));

  return G_SOURCE_REMOVE;
}

static void
wait_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AioProcessService *self = g_task_get_source_object (task);
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);
  GSubprocess *child = G_SUBPROCESS (object);
  Wait *wait = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  int exit_status = -1, term_signal = 0;

  /* Without a cancellable, the wait only fails if the child cannot be
   * waited for, which GSubprocess does not report. */
  if (!g_subprocess_wait_finish (child, result, &error))
    g_warning ("Process service '%s': cannot wait for child %d: %s",
               aio_service_get_name (AIO_SERVICE (self)), priv->pid, error->message);
  wait_clear_sources (wait);

  if (g_subprocess_get_if_exited (child))
    exit_status = g_subprocess_get_exit_status (child);
  else if (g_subprocess_get_if_signaled (child))
    term_signal = g_subprocess_get_term_sig (child);

  g_object_freeze_notify (G_OBJECT (self));
  if (priv->exit_status != exit_status)
    {
      priv->exit_status = exit_status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXIT_STATUS]);
    }
  if (priv->term_signal != term_signal)
    {
      priv->term_signal = term_signal;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TERM_SIGNAL]);
    }
  aio_process_service_set_pid (self, 0);
  g_object_thaw_notify (G_OBJECT (self));

  aio_statistics_add (AIO_STAT_PROCESS, AIO_STAT_EXITED, 1);
  g_task_return_boolean (task, TRUE);
}

void
_aio_process_service_wait_async (AioProcessService   *self,
                                 GSubprocess         *child,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);
  Wait *wait = g_new0 (Wait, 1);

  g_task_set_source_tag (task, _aio_process_service_wait_async);
  wait->child = g_object_ref (child);
  g_task_set_task_data (task, wait, (GDestroyNotify) wait_free);

  if (cancellable != NULL)
    {
      wait->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (wait->cancel_source, G_SOURCE_FUNC (wait_cancelled_cb), task, NULL);
      g_source_set_static_name (wait->cancel_source, "[aiomisc-glib] process stop");
      g_source_attach (wait->cancel_source, g_task_get_context (task));
    }

  /* The task keeps itself alive until the child exits. */
  g_subprocess_wait_async (child, NULL, wait_done_cb, g_steal_pointer (&task));
}

void
_aio_process_service_wait_finish (AioProcessService *self,
                                  GAsyncResult      *result)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

char *
_aio_process_service_describe_exit (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  if (priv->term_signal != 0)
    return g_strdup_printf ("child %d was killed by signal %d (%s)", priv->last_pid,
                            priv->term_signal, g_strsignal (priv->term_signal));
  return g_strdup_printf ("child %d exited with status %d", priv->last_pid, priv->exit_status);
}

/* The service */

static void
process_waited_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AioProcessService *self = AIO_PROCESS_SERVICE (object);
  g_autofree char *how = NULL;

  _aio_process_service_wait_finish (self, result);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  how = _aio_process_service_describe_exit (self);
  g_task_return_new_error (task, AIO_ERROR, AIO_ERROR_SERVICE_FAILED,
                           "Process service '%s': %s while the service was running",
                           aio_service_get_name (AIO_SERVICE (self)), how);
}

static void
aio_process_service_start_async (AioService          *service,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  AioProcessService *self = AIO_PROCESS_SERVICE (service);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSubprocess) child = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, aio_process_service_start_async);
  g_task_set_check_cancellable (task, FALSE);

  /* Stopped before it started: no child to kill right away. */
  if (g_task_return_error_if_cancelled (task))
    return;

  child = _aio_process_service_spawn (self, &error);
  if (child == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  aio_service_set_ready (service);
  _aio_process_service_wait_async (self, child, cancellable, process_waited_cb,
                                   g_steal_pointer (&task));
}

static void
aio_process_service_dispose (GObject *object)
{
  AioProcessService *self = AIO_PROCESS_SERVICE (object);
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_cancellable_cancel (priv->io_cancellable);

  G_OBJECT_CLASS (aio_process_service_parent_class)->dispose (object);
}

static void
aio_process_service_finalize (GObject *object)
{
  AioProcessService *self = AIO_PROCESS_SERVICE (object);
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_clear_pointer (&priv->argv, g_strfreev);
  g_clear_pointer (&priv->envp, g_strfreev);
  g_clear_pointer (&priv->cwd, g_free);
  g_clear_object (&priv->io_cancellable);

  G_OBJECT_CLASS (aio_process_service_parent_class)->finalize (object);
}

static void
aio_process_service_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AioProcessService *self = AIO_PROCESS_SERVICE (object);
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_ARGV:
      g_value_set_boxed (value, priv->argv);
      break;
    case PROP_ENVP:
      g_value_set_boxed (value, priv->envp);
      break;
    case PROP_CWD:
      g_value_set_string (value, priv->cwd);
      break;
    case PROP_STOP_SIGNAL:
      g_value_set_int (value, priv->stop_signal);
      break;
    case PROP_STOP_TIMEOUT:
      g_value_set_double (value, priv->stop_timeout);
      break;
    case PROP_PID:
      g_value_set_int (value, priv->pid);
      break;
    case PROP_EXIT_STATUS:
      g_value_set_int (value, priv->exit_status);
      break;
    case PROP_TERM_SIGNAL:
      g_value_set_int (value, priv->term_signal);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_process_service_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  AioProcessService *self = AIO_PROCESS_SERVICE (object);

  switch (prop_id)
    {
    case PROP_ARGV:
      aio_process_service_set_argv (self, g_value_get_boxed (value));
      break;
    case PROP_ENVP:
      aio_process_service_set_envp (self, g_value_get_boxed (value));
      break;
    case PROP_CWD:
      aio_process_service_set_cwd (self, g_value_get_string (value));
      break;
    case PROP_STOP_SIGNAL:
      aio_process_service_set_stop_signal (self, g_value_get_int (value));
      break;
    case PROP_STOP_TIMEOUT:
      aio_process_service_set_stop_timeout (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_process_service_class_init (AioProcessServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);

  object_class->dispose = aio_process_service_dispose;
  object_class->finalize = aio_process_service_finalize;
  object_class->get_property = aio_process_service_get_property;
  object_class->set_property = aio_process_service_set_property;

  service_class->start_async = aio_process_service_start_async;

  /**
   * AioProcessService:argv:
   *
   * The program and its arguments; the program is looked up in `PATH`
   * unless it contains a slash.
   *
   * Since: 0.2
   */
  properties[PROP_ARGV] =
    g_param_spec_boxed ("argv", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * AioProcessService:envp:
   *
   * The whole environment of the child, as `NAME=value` strings; %NULL
   * (the default) for the environment of the program without
   * `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`.
   *
   * Since: 0.2
   */
  properties[PROP_ENVP] =
    g_param_spec_boxed ("envp", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE |
                         G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS));

  /**
   * AioProcessService:cwd:
   *
   * The working directory of the child; %NULL for that of the program.
   *
   * Since: 0.2
   */
  properties[PROP_CWD] =
    g_param_spec_string ("cwd", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioProcessService:stop-signal:
   *
   * The signal that asks the child to exit when the service stops.
   *
   * Since: 0.2
   */
  properties[PROP_STOP_SIGNAL] =
    g_param_spec_int ("stop-signal", NULL, NULL,
                      1, MAX_SIGNAL, SIGTERM,
                      (G_PARAM_READWRITE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  /**
   * AioProcessService:stop-timeout:
   *
   * How long, in seconds, a stop waits for the child to exit after
   * [property@Aio.ProcessService:stop-signal] before it kills the child
   * with SIGKILL; 0 kills at once.
   *
   * Since: 0.2
   */
  properties[PROP_STOP_TIMEOUT] =
    g_param_spec_double ("stop-timeout", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_STOP_TIMEOUT,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioProcessService:pid:
   *
   * The process ID of the running child, 0 while none runs.
   *
   * Since: 0.2
   */
  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL,
                      0, G_MAXINT, 0,
                      (G_PARAM_READABLE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  /**
   * AioProcessService:exit-status:
   *
   * The exit status of the last child that exited by itself; -1 before
   * any child ended, or if the last one was killed by a signal (see
   * [property@Aio.ProcessService:term-signal]).
   *
   * Since: 0.2
   */
  properties[PROP_EXIT_STATUS] =
    g_param_spec_int ("exit-status", NULL, NULL,
                      -1, 255, -1,
                      (G_PARAM_READABLE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  /**
   * AioProcessService:term-signal:
   *
   * The signal that killed the last child, 0 if none did.
   *
   * Since: 0.2
   */
  properties[PROP_TERM_SIGNAL] =
    g_param_spec_int ("term-signal", NULL, NULL,
                      0, MAX_SIGNAL, 0,
                      (G_PARAM_READABLE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_process_service_init (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  priv->stop_signal = SIGTERM;
  priv->stop_timeout = DEFAULT_STOP_TIMEOUT;
  priv->exit_status = -1;
  priv->io_cancellable = g_cancellable_new ();
}

/**
 * aio_process_service_new:
 * @argv: (array zero-terminated=1): the program and its arguments
 *
 * Creates a service that runs @argv.
 *
 * Returns: (transfer full): a new #AioProcessService
 *
 * Since: 0.2
 */
AioProcessService *
aio_process_service_new (const char * const *argv)
{
  return g_object_new (AIO_TYPE_PROCESS_SERVICE, "argv", argv, NULL);
}

/**
 * aio_process_service_get_argv:
 * @self: a process service
 *
 * Gets [property@Aio.ProcessService:argv].
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the program
 *   and its arguments
 *
 * Since: 0.2
 */
const char * const *
aio_process_service_get_argv (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PROCESS_SERVICE (self), NULL);

  return (const char * const *) priv->argv;
}

/**
 * aio_process_service_set_argv:
 * @self: a process service
 * @argv: (array zero-terminated=1) (nullable): the program and its arguments
 *
 * Sets [property@Aio.ProcessService:argv], for the next child.
 *
 * Since: 0.2
 */
void
aio_process_service_set_argv (AioProcessService  *self,
                              const char * const *argv)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_PROCESS_SERVICE (self));

  g_strfreev (priv->argv);
  priv->argv = g_strdupv ((char **) argv);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ARGV]);
}

/**
 * aio_process_service_get_envp:
 * @self: a process service
 *
 * Gets [property@Aio.ProcessService:envp].
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the
 *   environment of the child, or %NULL for the program's
 *
 * Since: 0.2
 */
const char * const *
aio_process_service_get_envp (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PROCESS_SERVICE (self), NULL);

  return (const char * const *) priv->envp;
}

/**
 * aio_process_service_set_envp:
 * @self: a process service
 * @envp: (array zero-terminated=1) (nullable): the environment of the child,
 *   or %NULL for the program's
 *
 * Sets [property@Aio.ProcessService:envp], for the next child.
 *
 * Since: 0.2
 */
void
aio_process_service_set_envp (AioProcessService  *self,
                              const char * const *envp)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_PROCESS_SERVICE (self));

  g_strfreev (priv->envp);
  priv->envp = g_strdupv ((char **) envp);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENVP]);
}

/**
 * aio_process_service_get_cwd:
 * @self: a process service
 *
 * Gets [property@Aio.ProcessService:cwd].
 *
 * Returns: (nullable): the working directory of the child
 *
 * Since: 0.2
 */
const char *
aio_process_service_get_cwd (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PROCESS_SERVICE (self), NULL);

  return priv->cwd;
}

/**
 * aio_process_service_set_cwd:
 * @self: a process service
 * @cwd: (nullable) (type filename): the working directory of the child
 *
 * Sets [property@Aio.ProcessService:cwd], for the next child.
 *
 * Since: 0.2
 */
void
aio_process_service_set_cwd (AioProcessService *self,
                             const char        *cwd)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_PROCESS_SERVICE (self));

  if (g_strcmp0 (priv->cwd, cwd) == 0)
    return;
  g_free (priv->cwd);
  priv->cwd = g_strdup (cwd);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CWD]);
}

/**
 * aio_process_service_get_stop_signal:
 * @self: a process service
 *
 * Gets [property@Aio.ProcessService:stop-signal].
 *
 * Returns: the signal a stop sends first
 *
 * Since: 0.2
 */
int
aio_process_service_get_stop_signal (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PROCESS_SERVICE (self), SIGTERM);

  return priv->stop_signal;
}

/**
 * aio_process_service_set_stop_signal:
 * @self: a process service
 * @stop_signal: a signal number, 1 to the largest signal
 *
 * Sets [property@Aio.ProcessService:stop-signal].
 *
 * Since: 0.2
 */
void
aio_process_service_set_stop_signal (AioProcessService *self,
                                     int                stop_signal)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_PROCESS_SERVICE (self));
  g_return_if_fail (stop_signal >= 1 && stop_signal <= MAX_SIGNAL);

  if (priv->stop_signal == stop_signal)
    return;
  priv->stop_signal = stop_signal;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STOP_SIGNAL]);
}

/**
 * aio_process_service_get_stop_timeout:
 * @self: a process service
 *
 * Gets [property@Aio.ProcessService:stop-timeout].
 *
 * Returns: the seconds a stop waits before SIGKILL
 *
 * Since: 0.2
 */
double
aio_process_service_get_stop_timeout (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PROCESS_SERVICE (self), DEFAULT_STOP_TIMEOUT);

  return priv->stop_timeout;
}

/**
 * aio_process_service_set_stop_timeout:
 * @self: a process service
 * @stop_timeout: seconds, 0 or more
 *
 * Sets [property@Aio.ProcessService:stop-timeout].
 *
 * Since: 0.2
 */
void
aio_process_service_set_stop_timeout (AioProcessService *self,
                                      double             stop_timeout)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_if_fail (AIO_IS_PROCESS_SERVICE (self));
  g_return_if_fail (stop_timeout >= 0);

  if (priv->stop_timeout == stop_timeout)
    return;
  priv->stop_timeout = stop_timeout;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STOP_TIMEOUT]);
}

/**
 * aio_process_service_get_pid:
 * @self: a process service
 *
 * Gets [property@Aio.ProcessService:pid].
 *
 * Returns: the process ID of the running child, 0 if none runs
 *
 * Since: 0.2
 */
int
aio_process_service_get_pid (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PROCESS_SERVICE (self), 0);

  return priv->pid;
}

/**
 * aio_process_service_get_exit_status:
 * @self: a process service
 *
 * Gets [property@Aio.ProcessService:exit-status].
 *
 * Returns: the exit status of the last child, -1 if none exited by itself
 *
 * Since: 0.2
 */
int
aio_process_service_get_exit_status (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PROCESS_SERVICE (self), -1);

  return priv->exit_status;
}

/**
 * aio_process_service_get_term_signal:
 * @self: a process service
 *
 * Gets [property@Aio.ProcessService:term-signal].
 *
 * Returns: the signal that killed the last child, 0 if none did
 *
 * Since: 0.2
 */
int
aio_process_service_get_term_signal (AioProcessService *self)
{
  AioProcessServicePrivate *priv = aio_process_service_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_PROCESS_SERVICE (self), 0);

  return priv->term_signal;
}
