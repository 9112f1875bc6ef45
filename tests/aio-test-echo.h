/* aio-test-echo.h: an echo server, blocking echo clients and a child-process
 * echo server for the tests of the servers (TCP, TLS, socket activation)
 *
 * Header only: each test program that includes it gets its own copy.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aio-test-services.h"
#include "aio-transport-private.h"
#include <gio/gunixsocketaddress.h>

G_BEGIN_DECLS

/* The echo server (streams path) */

typedef enum {
  ECHO_MODE_ECHO,   /* echo until EOF */
  ECHO_MODE_HOLD,   /* read a request, then wait for aio_test_echo_release() */
  ECHO_MODE_FAIL,   /* fail at once */
} EchoMode;

#define AIO_TEST_TYPE_ECHO_SERVER (aio_test_echo_server_get_type ())
G_DECLARE_FINAL_TYPE (AioTestEchoServer, aio_test_echo_server, AIO_TEST, ECHO_SERVER, AioTcpServer)

struct _AioTestEchoServer
{
  AioTcpServer parent_instance;

  EchoMode   mode;
  guint      n_active;      /* handlers running */
  guint      peak_active;
  guint      n_done;        /* handlers completed, whatever the outcome */
  guint      n_cancelled;   /* handlers that saw their cancellable fire */
  GPtrArray *held;          /* GTasks of HOLD handlers */
  GPtrArray *cancellables;  /* of every handler, in order (references) */
};

typedef struct
{
  GIOStream    *stream;
  GCancellable *cancellable;
  gsize         pending;
  guint8        buffer[4096];
} EchoOp;

static inline void
echo_op_free (gpointer data)
{
  EchoOp *op = data;

  g_clear_object (&op->stream);
  g_clear_object (&op->cancellable);
  g_free (op);
}

G_DEFINE_FINAL_TYPE (AioTestEchoServer, aio_test_echo_server, AIO_TYPE_TCP_SERVER)

/* Set while a test runs: the echo servers made then read with
 * aio_stream_read_bytes_async() rather than g_input_stream_read_async(). */
static gboolean aio_test_echo_read_bytes;

static inline void echo_read (GTask *task);

static inline void
echo_return (GTask  *task,
             GError *error)
{
  AioTestEchoServer *self = g_task_get_source_object (task);

  self->n_active--;
  self->n_done++;
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        self->n_cancelled++;
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static inline void
echo_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    echo_return (task, error);
  else
    echo_read (task);
}

static inline void
echo_write (GTask *task)
{
  EchoOp *op = g_task_get_task_data (task);
  gsize n = op->pending;

  op->pending = 0;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (op->stream),
                                   op->buffer, n, G_PRIORITY_DEFAULT, op->cancellable,
                                   echo_written_cb, task);
}

static inline void
echo_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  AioTestEchoServer *self = g_task_get_source_object (task);
  EchoOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);
  if (n <= 0)
    {
      echo_return (task, error);
      return;
    }

  op->pending = (gsize) n;
  if (self->mode == ECHO_MODE_HOLD)
    g_ptr_array_add (self->held, task);
  else
    echo_write (task);
}

static inline void
echo_read_bytes_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  AioTestEchoServer *self = g_task_get_source_object (task);
  EchoOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize n;

  bytes = aio_stream_read_bytes_finish (G_IO_STREAM (object), result, &error);
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      echo_return (task, error);
      return;
    }

  n = g_bytes_get_size (bytes);
  g_assert_cmpuint (n, <=, sizeof op->buffer);
  memcpy (op->buffer, g_bytes_get_data (bytes, NULL), n);
  op->pending = n;
  if (self->mode == ECHO_MODE_HOLD)
    g_ptr_array_add (self->held, task);
  else
    echo_write (task);
}

static inline void
echo_read (GTask *task)
{
  EchoOp *op = g_task_get_task_data (task);

  if (aio_test_echo_read_bytes)
    {
      aio_stream_read_bytes_async (op->stream, sizeof op->buffer, G_PRIORITY_DEFAULT,
                                   op->cancellable, echo_read_bytes_cb, task);
      return;
    }
  g_input_stream_read_async (g_io_stream_get_input_stream (op->stream),
                             op->buffer, sizeof op->buffer, G_PRIORITY_DEFAULT,
                             op->cancellable, echo_read_cb, task);
}

static void
aio_test_echo_server_handle_client_async (AioTcpServer        *server,
                                          GIOStream           *stream,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  AioTestEchoServer *self = AIO_TEST_ECHO_SERVER (server);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  EchoOp *op = g_new0 (EchoOp, 1);

  op->stream = g_object_ref (stream);
  op->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, op, echo_op_free);
  if (cancellable != NULL)
    g_ptr_array_add (self->cancellables, g_object_ref (cancellable));

  self->n_active++;
  self->peak_active = MAX (self->peak_active, self->n_active);

  if (self->mode == ECHO_MODE_FAIL)
    {
      echo_return (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                              "the test handler fails on purpose"));
      return;
    }
  echo_read (task);
}

static void
aio_test_echo_server_finalize (GObject *object)
{
  AioTestEchoServer *self = AIO_TEST_ECHO_SERVER (object);

  g_ptr_array_unref (self->held);
  g_ptr_array_unref (self->cancellables);
  G_OBJECT_CLASS (aio_test_echo_server_parent_class)->finalize (object);
}

static void
aio_test_echo_server_class_init (AioTestEchoServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aio_test_echo_server_finalize;
  AIO_TCP_SERVER_CLASS (klass)->handle_client_async = aio_test_echo_server_handle_client_async;
}

static void
aio_test_echo_server_init (AioTestEchoServer *self)
{
  self->held = g_ptr_array_new ();
  self->cancellables = g_ptr_array_new_with_free_func (g_object_unref);
}

static inline AioTestEchoServer *
aio_test_echo_server_new (void)
{
  return g_object_new (AIO_TEST_TYPE_ECHO_SERVER, "address", "127.0.0.1", "port", 0, NULL);
}

/* Answers the held requests and goes back to echoing. */
static inline void
aio_test_echo_release (AioTestEchoServer *self)
{
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held);

  self->held = g_ptr_array_new ();
  self->mode = ECHO_MODE_ECHO;
  for (guint i = 0; i < held->len; i++)
    echo_write (g_ptr_array_index (held, i));
}

/* The echo protocol (protocol path) */

#define AIO_TEST_TYPE_ECHO_PROTOCOL (aio_test_echo_protocol_get_type ())
G_DECLARE_FINAL_TYPE (AioTestEchoProtocol, aio_test_echo_protocol, AIO_TEST, ECHO_PROTOCOL, AioStreamProtocol)

struct _AioTestEchoProtocol
{
  AioStreamProtocol  parent_instance;
  AioTransport      *transport;
};

/* Over every instance: connections made, lost, lost by cancellation. */
static guint aio_test_protocol_made;
static guint aio_test_protocol_lost;
static guint aio_test_protocol_cancelled;
static guint aio_test_protocol_peak;
static guint aio_test_protocol_timed_out;

G_DEFINE_FINAL_TYPE (AioTestEchoProtocol, aio_test_echo_protocol, AIO_TYPE_STREAM_PROTOCOL)

static void
aio_test_echo_protocol_connection_made (AioStreamProtocol *protocol,
                                        AioTransport      *transport)
{
  g_set_object (&AIO_TEST_ECHO_PROTOCOL (protocol)->transport, transport);
  aio_test_protocol_made++;
  aio_test_protocol_peak = MAX (aio_test_protocol_peak,
                                aio_test_protocol_made - aio_test_protocol_lost);
}

static void
aio_test_echo_protocol_data_received (AioStreamProtocol *protocol,
                                      const guint8      *data,
                                      gsize              len)
{
  aio_transport_write (AIO_TEST_ECHO_PROTOCOL (protocol)->transport, data, len);
}

static void
aio_test_echo_protocol_connection_lost (AioStreamProtocol *protocol,
                                        const GError      *error)
{
  g_clear_object (&AIO_TEST_ECHO_PROTOCOL (protocol)->transport);
  aio_test_protocol_lost++;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    aio_test_protocol_cancelled++;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    aio_test_protocol_timed_out++;
}

static void
aio_test_echo_protocol_finalize (GObject *object)
{
  g_clear_object (&AIO_TEST_ECHO_PROTOCOL (object)->transport);
  G_OBJECT_CLASS (aio_test_echo_protocol_parent_class)->finalize (object);
}

static void
aio_test_echo_protocol_class_init (AioTestEchoProtocolClass *klass)
{
  AioStreamProtocolClass *protocol_class = AIO_STREAM_PROTOCOL_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = aio_test_echo_protocol_finalize;
  protocol_class->connection_made = aio_test_echo_protocol_connection_made;
  protocol_class->data_received = aio_test_echo_protocol_data_received;
  protocol_class->connection_lost = aio_test_echo_protocol_connection_lost;
}

static void
aio_test_echo_protocol_init (AioTestEchoProtocol *self)
{
}

static inline void
aio_test_protocol_reset (void)
{
  aio_test_protocol_made = aio_test_protocol_lost = 0;
  aio_test_protocol_cancelled = aio_test_protocol_peak = 0;
  aio_test_protocol_timed_out = 0;
}

/* Service helpers */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} AioTestOutcome;

static inline void
aio_test_start_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  AioTestOutcome *outcome = user_data;

  outcome->ok = aio_service_start_finish (AIO_SERVICE (object), result, &outcome->error);
  outcome->done = TRUE;
}

/* Runs the start of @service to its end; returns its outcome. */
static inline gboolean
aio_test_service_start (AioService  *service,
                        GError     **error)
{
  AioTestOutcome outcome = { FALSE, FALSE, NULL };

  aio_service_start_async (service, NULL, aio_test_start_cb, &outcome);
  while (!outcome.done)
    g_main_context_iteration (NULL, TRUE);
  if (!outcome.ok)
    g_propagate_error (error, outcome.error);
  return outcome.ok;
}

/* Stopping in the background: *flag becomes TRUE when the stop completes. */
static inline void
aio_test_stop_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  aio_service_stop_finish (AIO_SERVICE (object), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

/* Runs the stop of @service to its end; it must succeed. */
static inline void
aio_test_service_stop (AioService *service)
{
  gboolean stopped = FALSE;

  aio_service_stop_async (service, NULL, NULL, aio_test_stop_cb, &stopped);
  aio_test_wait (&stopped);
}

/* Blocking clients */

/* A client that connects directly (no proxy lookup). */
static inline GSocketClient *
aio_test_socket_client_new (void)
{
  GSocketClient *client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  return client;
}

/* Writes @message and reads back as many bytes; TRUE if they are equal. */
static inline gboolean
aio_test_echo_roundtrip (GIOStream   *stream,
                         const char  *message,
                         GError     **error)
{
  gsize len = strlen (message);
  g_autofree char *back = g_malloc0 (len + 1);
  gsize n = 0;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream),
                                  message, len, NULL, NULL, error) ||
      !g_input_stream_read_all (g_io_stream_get_input_stream (stream),
                                back, len, &n, NULL, error))
    return FALSE;
  if (n != len || memcmp (back, message, len) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "echo of “%s” came back as “%.*s”", message, (int) n, back);
      return FALSE;
    }
  return TRUE;
}

/* A blocking client call made in a thread while the main thread serves. */
typedef struct
{
  GThreadFunc  func;
  gpointer     data;
  gboolean     done;
  gpointer     result;
  GMainContext *context;
} AioTestThread;

static inline gpointer
aio_test_thread_main (gpointer data)
{
  AioTestThread *thread = data;

  thread->result = thread->func (thread->data);
  g_atomic_int_set (&thread->done, TRUE);
  g_main_context_wakeup (thread->context);
  return NULL;
}

/* Runs @func (@data) in a thread and iterates the main context until it
 * returns; returns what it returned. */
static inline gpointer
aio_test_run_in_thread (GThreadFunc func,
                        gpointer    data)
{
  AioTestThread thread = { func, data, FALSE, NULL, g_main_context_default () };
  GThread *t = g_thread_new ("aio-test-client", aio_test_thread_main, &thread);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!g_atomic_int_get (&thread.done))
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("aio_test_run_in_thread: the client did not finish within 60 s");
    }
  g_thread_join (t);
  return thread.result;
}

/* Iterates the main context until *value >= at_least, failing after 30 s. */
static inline void
aio_test_wait_until (const guint *value,
                     guint        at_least)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  GSource *tick = g_timeout_source_new (50); /* re-checks the deadline */

  g_source_set_dummy_callback (tick);
  g_source_attach (tick, NULL);
  while (*value < at_least)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("condition not reached within 30 s (%u < %u)", *value, at_least);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
}

/* Runs every source that is ready, without blocking. */
static inline void
aio_test_drain_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Descriptors and limits */

static inline guint
aio_test_count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Raises the soft limit of descriptors to the hard one; returns the limit. */
static inline guint64
aio_test_raise_fd_limit (void)
{
  struct rlimit limit;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  if (limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
      getrlimit (RLIMIT_NOFILE, &limit);
    }
  return limit.rlim_cur;
}

/* What the tests of the servers capture with aio_test_log_capture_install()
 * and count: warnings (a handler failing is logged as one, which the test
 * framework would otherwise make fatal) and messages. */
#define AIO_TEST_ECHO_CAPTURED (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE)

/* The echo server in a child process: the test program runs it when its
 * first argument is "--echo-child" (before g_test_init). Options:
 *   --activation-name NAME   serve on the inherited socket NAME
 *   --drain-timeout SECONDS  (default 5)
 *   --protocol 1             serve on the protocol path
 * It prints "listening on HOST:PORT" once it serves, and runs until SIGTERM
 * or SIGINT under an AioEntrypoint. */
static inline void
aio_test_echo_child_post_start (AioEntrypoint *entrypoint,
                                gpointer       user_data)
{
  AioTcpServer *server = user_data;

  g_print ("listening on %s:%u\n", aio_socket_server_get_address (AIO_SOCKET_SERVER (server)),
           aio_socket_server_get_port (AIO_SOCKET_SERVER (server)));
  fflush (stdout);
}

static inline int
aio_test_echo_child_main (int   argc,
                          char *argv[])
{
  g_autoptr(AioEntrypoint) entrypoint = NULL;
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;

  for (int i = 2; i + 1 < argc; i += 2)
    {
      if (g_str_equal (argv[i], "--activation-name"))
        aio_socket_server_set_activation_name (AIO_SOCKET_SERVER (server), argv[i + 1]);
      else if (g_str_equal (argv[i], "--protocol"))
        aio_tcp_server_set_protocol_type (AIO_TCP_SERVER (server), AIO_TEST_TYPE_ECHO_PROTOCOL);
      else if (g_str_equal (argv[i], "--drain-timeout"))
        aio_tcp_server_set_drain_timeout (AIO_TCP_SERVER (server),
                                          g_ascii_strtod (argv[i + 1], NULL));
    }

  entrypoint = aio_entrypoint_new ();
  aio_entrypoint_add_service (entrypoint, AIO_SERVICE (server));
  g_signal_connect (entrypoint, "post-start",
                    G_CALLBACK (aio_test_echo_child_post_start), server);
  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("echo-child: %s\n", error->message);
      return 1;
    }
  return 0;
}

/* Spawns the echo child with @launcher (its stdout must be a pipe) and
 * waits for its "listening on" line; returns the port in it (0 if the
 * child exited first, its output then in *output). */
static inline guint
aio_test_echo_child_wait (GSubprocess  *child,
                          char        **output)
{
  g_autoptr(GDataInputStream) lines =
    g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  g_autoptr(GString) seen = g_string_new (NULL);
  char *line;

  while ((line = g_data_input_stream_read_line (lines, NULL, NULL, NULL)) != NULL)
    {
      const char *colon;

      g_string_append_printf (seen, "%s\n", line);
      if (g_str_has_prefix (line, "listening on ") &&
          (colon = strrchr (line, ':')) != NULL)
        {
          guint port = (guint) g_ascii_strtoull (colon + 1, NULL, 10);

          g_free (line);
          return port;
        }
      g_free (line);
    }

  if (output != NULL)
    *output = g_string_free (g_steal_pointer (&seen), FALSE);
  return 0;
}

static inline char *
aio_test_self_exe (void)
{
  char *exe = g_file_read_link ("/proc/self/exe", NULL);

  g_assert_nonnull (exe);
  return exe;
}

G_END_DECLS
