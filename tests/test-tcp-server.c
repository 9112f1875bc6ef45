/* test-tcp-server.c: AioTcpServer over real sockets on the loopback
 *
 * The server runs on the main thread; the clients are plain blocking
 * GSocketClient connections in a thread (or in a child process for the
 * SIGTERM test), the main thread iterating its context until they are done.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "aio-test-echo.h"

static GSocketConnection *
connect_tcp (guint port)
{
  g_autoptr(GSocketClient) client = aio_test_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static gpointer
echo_client (gpointer data)
{
  g_autoptr(GSocketConnection) connection = connect_tcp (GPOINTER_TO_UINT (data));
  g_autoptr(GError) error = NULL;

  aio_test_echo_roundtrip (G_IO_STREAM (connection), "hello", &error);
  g_assert_no_error (error);
  aio_test_echo_roundtrip (G_IO_STREAM (connection), "world", &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return GINT_TO_POINTER (TRUE);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_echo (void)
{
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;
  guint port_notified = 0;
  guint port;

  aio_test_log_clear ();
  g_signal_connect (server, "notify::port", G_CALLBACK (count_notify), &port_notified);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (server)), ==, AIO_SERVICE_STATE_RUNNING);

  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));
  g_assert_cmpuint (port, !=, 0);
  g_assert_cmpuint (port_notified, ==, 1);

  g_assert_true (aio_test_run_in_thread (echo_client, GUINT_TO_POINTER (port)));
  g_assert_true (aio_test_run_in_thread (echo_client, GUINT_TO_POINTER (port)));
  aio_test_wait_until (&server->n_done, 2);
  g_assert_cmpuint (server->n_cancelled, ==, 0);
  g_assert_cmpuint (aio_test_log_count (AIO_TEST_ECHO_CAPTURED, "failed"), ==, 0);

  aio_test_service_stop (AIO_SERVICE (server));
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (server)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpuint (aio_tcp_server_get_n_connections (AIO_TCP_SERVER (server)), ==, 0);
}

static gpointer
unix_echo_client (gpointer data)
{
  g_autoptr(GSocketClient) client = aio_test_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (data);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  aio_test_echo_roundtrip (G_IO_STREAM (connection), "over a unix socket", &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return GINT_TO_POINTER (TRUE);
}

static void
test_unix_echo (void)
{
  g_autofree char *dir = g_dir_make_tmp ("aio-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "echo.sock", NULL);
  g_autofree char *file = g_build_filename (dir, "not-a-socket", NULL);
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(AioTestEchoServer) other = aio_test_echo_server_new ();
  g_autoptr(GSocket) stale = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GError) error = NULL;

  /* A stale socket file: bound, then closed without removing it. */
  stale = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (stale, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_close (stale, NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  aio_socket_server_set_unix_path (AIO_SOCKET_SERVER (server), path);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (aio_socket_server_get_port (AIO_SOCKET_SERVER (server)), ==, 0);

  g_assert_true (aio_test_run_in_thread (unix_echo_client, path));
  aio_test_wait_until (&server->n_done, 1);

  /* A live socket is not taken over. */
  aio_socket_server_set_unix_path (AIO_SOCKET_SERVER (other), path);
  g_assert_false (aio_test_service_start (AIO_SERVICE (other), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, path));
  g_clear_error (&error);

  aio_test_service_stop (AIO_SERVICE (server));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* A file that is not a socket is never removed. */
  g_file_set_contents (file, "data", -1, &error);
  g_assert_no_error (error);
  aio_socket_server_set_unix_path (AIO_SOCKET_SERVER (other), file);
  g_assert_false (aio_test_service_start (AIO_SERVICE (other), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));

  g_unlink (file);
  g_rmdir (dir);
}

/* Connects, expects the server to close the connection without a byte. */
static gpointer
eof_client (gpointer data)
{
  g_autoptr(GSocketConnection) connection = connect_tcp (GPOINTER_TO_UINT (data));
  g_autoptr(GError) error = NULL;
  char byte;
  gssize n;

  n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                           &byte, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);
  return GINT_TO_POINTER (TRUE);
}

static void
test_handler_error (void)
{
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;
  guint port;

  aio_test_log_clear ();
  server->mode = ECHO_MODE_FAIL;
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));

  g_assert_true (aio_test_run_in_thread (eof_client, GUINT_TO_POINTER (port)));
  aio_test_wait_until (&server->n_done, 1);
  /* Logged with the address of the peer, and the server goes on. */
  g_assert_cmpuint (aio_test_log_count_all (AIO_TEST_ECHO_CAPTURED, "client 127.0.0.1:", "fails on purpose", NULL), ==, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (server)), ==, AIO_SERVICE_STATE_RUNNING);

  server->mode = ECHO_MODE_ECHO;
  g_assert_true (aio_test_run_in_thread (echo_client, GUINT_TO_POINTER (port)));
  aio_test_service_stop (AIO_SERVICE (server));
}

/* The protocol path */

static gpointer
protocol_echo_client (gpointer data)
{
  g_autoptr(GSocketConnection) connection = connect_tcp (GPOINTER_TO_UINT (data));
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *message = g_strdup_printf ("request %u", i);

      aio_test_echo_roundtrip (G_IO_STREAM (connection), message, &error);
      g_assert_no_error (error);
    }
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return GINT_TO_POINTER (TRUE);
}

/* protocol-type makes the server hand clients to the transport. */
static void
test_protocol_wired (void)
{
  g_autoptr(AioTcpServer) server = aio_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(AioTcpServer) bad = aio_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(AioStreamProtocol) made = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  g_assert_null (aio_tcp_server_create_protocol (server));
  aio_tcp_server_set_protocol_type (server, AIO_TEST_TYPE_ECHO_PROTOCOL);
  made = aio_tcp_server_create_protocol (server);
  g_assert_true (AIO_TEST_IS_ECHO_PROTOCOL (made));

  /* Not a stream protocol: the start says which type. */
  aio_tcp_server_set_protocol_type (bad, G_TYPE_OBJECT);
  g_assert_false (aio_test_service_start (AIO_SERVICE (bad), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "GObject"));
  g_clear_error (&error);

  aio_test_log_clear ();
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));

  g_assert_true (aio_test_run_in_thread (protocol_echo_client, GUINT_TO_POINTER (port)));

  aio_test_service_stop (AIO_SERVICE (server));
}

static void
test_protocol_echo (void)
{
  g_autoptr(AioTcpServer) server = aio_tcp_server_new ("127.0.0.1", 0);
  g_autoptr(GError) error = NULL;
  guint port;

  aio_tcp_server_set_protocol_type (server, AIO_TEST_TYPE_ECHO_PROTOCOL);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));

  g_assert_true (aio_test_run_in_thread (protocol_echo_client, GUINT_TO_POINTER (port)));
  g_assert_true (aio_test_run_in_thread (protocol_echo_client, GUINT_TO_POINTER (port)));
  aio_test_service_stop (AIO_SERVICE (server));
}

/* 1 000 clients at once */

#define N_MANY 1000

static gpointer
many_clients (gpointer data)
{
  guint port = GPOINTER_TO_UINT (data);
  g_autoptr(GSocketClient) client = aio_test_socket_client_new ();
  GSocketConnection **connections = g_new0 (GSocketConnection *, N_MANY);

  for (guint i = 0; i < N_MANY; i++)
    {
      g_autoptr(GError) error = NULL;

      connections[i] = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < N_MANY; i++)
    {
      g_autofree char *message = g_strdup_printf ("client %04u", i);
      g_autoptr(GError) error = NULL;

      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connections[i])),
                                 message, strlen (message), NULL, NULL, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < N_MANY; i++)
    {
      g_autofree char *message = g_strdup_printf ("client %04u", i);
      char back[32] = "";
      gsize n = 0;
      g_autoptr(GError) error = NULL;

      g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connections[i])),
                               back, strlen (message), &n, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (back, n, message, strlen (message));
    }
  for (guint i = 0; i < N_MANY; i++)
    {
      g_io_stream_close (G_IO_STREAM (connections[i]), NULL, NULL);
      g_object_unref (connections[i]);
    }
  g_free (connections);
  return GINT_TO_POINTER (TRUE);
}

static void
test_many_clients (gconstpointer data)
{
  gboolean protocol = GPOINTER_TO_INT (data);
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;

  aio_test_log_clear ();
  if (aio_test_raise_fd_limit () < 2 * N_MANY + 64)
    {
      g_test_skip ("not enough file descriptors for 1000 clients");
      return;
    }

  aio_test_protocol_reset ();
  if (protocol)
    aio_tcp_server_set_protocol_type (AIO_TCP_SERVER (server), AIO_TEST_TYPE_ECHO_PROTOCOL);
  aio_tcp_server_set_backlog (AIO_TCP_SERVER (server), 1024);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);

  g_assert_true (aio_test_run_in_thread (many_clients,
                                         GUINT_TO_POINTER (aio_socket_server_get_port (AIO_SOCKET_SERVER (server)))));
  /* Every client was served while all of them were connected. */
  if (protocol)
    {
      aio_test_wait_until (&aio_test_protocol_lost, N_MANY);
      g_assert_cmpuint (aio_test_protocol_peak, ==, N_MANY);
      g_assert_cmpuint (server->n_done, ==, 0);
    }
  else
    {
      aio_test_wait_until (&server->n_done, N_MANY);
      g_assert_cmpuint (server->peak_active, ==, N_MANY);
    }
  g_assert_cmpuint (aio_test_log_count (AIO_TEST_ECHO_CAPTURED, "failed"), ==, 0);
  aio_test_service_stop (AIO_SERVICE (server));
}

/* max-connections */

#define N_QUEUED 5

static gpointer
queued_clients (gpointer data)
{
  guint port = GPOINTER_TO_UINT (data);
  GSocketConnection *connections[N_QUEUED];

  /* All connect and send; the server accepts only some of them at first. */
  for (guint i = 0; i < N_QUEUED; i++)
    {
      g_autofree char *message = g_strdup_printf ("request %u", i);
      g_autoptr(GError) error = NULL;

      connections[i] = connect_tcp (port);
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connections[i])),
                                 message, strlen (message), NULL, NULL, &error);
      g_assert_no_error (error);
    }
  for (guint i = 0; i < N_QUEUED; i++)
    {
      g_autofree char *message = g_strdup_printf ("request %u", i);
      char back[32] = "";
      gsize n = 0;
      g_autoptr(GError) error = NULL;

      g_input_stream_read_all (g_io_stream_get_input_stream (G_IO_STREAM (connections[i])),
                               back, strlen (message), &n, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (back, n, message, strlen (message));
      g_io_stream_close (G_IO_STREAM (connections[i]), NULL, NULL);
      g_object_unref (connections[i]);
    }
  return GINT_TO_POINTER (TRUE);
}

typedef struct
{
  AioTestEchoServer *server;
  gboolean           released;
} QueuedRun;

static gboolean
release_at_limit (gpointer user_data)
{
  QueuedRun *run = user_data;
  AioTestEchoServer *server = run->server;

  if (server->held->len < 2)
    return G_SOURCE_CONTINUE;

  /* At the limit: nothing more is accepted however long we wait for it. */
  aio_test_drain_context ();
  g_assert_cmpuint (aio_tcp_server_get_n_connections (AIO_TCP_SERVER (server)), ==, 2);
  g_assert_cmpuint (server->held->len, ==, 2);
  aio_test_echo_release (server);
  run->released = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_max_connections (void)
{
  g_autoptr(AioTestEchoServer) warmup = aio_test_echo_server_new ();
  AioTestEchoServer *server;
  g_autoptr(GError) error = NULL;
  QueuedRun run = { NULL, FALSE };
  guint fds_before;
  guint port;

  /* One round first, so that whatever GLib opens once is open. */
  aio_test_service_start (AIO_SERVICE (warmup), &error);
  g_assert_no_error (error);
  g_assert_true (aio_test_run_in_thread (echo_client,
                                         GUINT_TO_POINTER (aio_socket_server_get_port (AIO_SOCKET_SERVER (warmup)))));
  aio_test_service_stop (AIO_SERVICE (warmup));
  fds_before = aio_test_count_fds ();

  server = aio_test_echo_server_new ();
  run.server = server;
  server->mode = ECHO_MODE_HOLD;
  aio_tcp_server_set_max_connections (AIO_TCP_SERVER (server), 2);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));

  /* Checked from the main loop while the clients block in their thread. */
  g_timeout_add (5, release_at_limit, &run);
  g_assert_true (aio_test_run_in_thread (queued_clients, GUINT_TO_POINTER (port)));
  g_assert_true (run.released);
  aio_test_wait_until (&server->n_done, N_QUEUED);
  g_assert_cmpuint (server->peak_active, ==, 2);

  aio_test_service_stop (AIO_SERVICE (server));
  g_object_unref (server);
  g_assert_cmpuint (aio_test_count_fds (), ==, fds_before);
}

/* Graceful stop */

static gpointer
request_client (gpointer data)
{
  g_autoptr(GSocketConnection) connection = connect_tcp (GPOINTER_TO_UINT (data));
  g_autoptr(GError) error = NULL;

  /* The answer comes while the server is stopping. */
  aio_test_echo_roundtrip (G_IO_STREAM (connection), "in flight", &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return GINT_TO_POINTER (TRUE);
}

typedef struct
{
  AioTestEchoServer *server;
  guint              port;
  gboolean           stopped;
  gboolean           checked;
} DrainRun;

static gboolean
stop_when_held (gpointer user_data)
{
  DrainRun *run = user_data;
  g_autoptr(GSocketClient) client = aio_test_socket_client_new ();
  g_autoptr(GSocketConnection) late = NULL;
  g_autoptr(GError) error = NULL;

  if (run->server->held->len < 1)
    return G_SOURCE_CONTINUE;

  aio_service_stop_async (AIO_SERVICE (run->server), NULL, NULL, aio_test_stop_cb, &run->stopped);
  aio_test_drain_context ();
  /* The request is in flight: the stop waits, and nobody new gets in. */
  g_assert_false (run->stopped);
  late = g_socket_client_connect_to_host (client, "127.0.0.1", run->port, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (late);

  aio_test_echo_release (run->server);
  run->checked = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_drain (void)
{
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;
  DrainRun run = { server, 0, FALSE, FALSE };

  server->mode = ECHO_MODE_HOLD;
  aio_tcp_server_set_drain_timeout (AIO_TCP_SERVER (server), 60);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  run.port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));

  g_timeout_add (5, stop_when_held, &run);
  g_assert_true (aio_test_run_in_thread (request_client, GUINT_TO_POINTER (run.port)));
  g_assert_true (run.checked);
  aio_test_wait (&run.stopped);
  g_assert_cmpuint (server->n_done, ==, 1);
  g_assert_cmpuint (server->n_cancelled, ==, 0);
}

static void
test_drain_timeout (gconstpointer data)
{
  gboolean protocol = GPOINTER_TO_INT (data);
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GSocketConnection) stuck = NULL;
  g_autoptr(GError) error = NULL;
  gboolean stopped = FALSE;

  aio_test_log_clear ();
  aio_test_protocol_reset ();
  if (protocol)
    aio_tcp_server_set_protocol_type (AIO_TCP_SERVER (server), AIO_TEST_TYPE_ECHO_PROTOCOL);
  aio_tcp_server_set_drain_timeout (AIO_TCP_SERVER (server), 0.2);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);

  /* A client that never sends: its handler waits for a request forever,
   * until the drain timeout ends its reading side: it then reads the end
   * of the stream and completes, without being cancelled. */
  stuck = connect_tcp (aio_socket_server_get_port (AIO_SOCKET_SERVER (server)));
  aio_test_wait_until (protocol ? &aio_test_protocol_made : &server->n_active, 1);

  aio_service_stop_async (AIO_SERVICE (server), NULL, NULL, aio_test_stop_cb, &stopped);
  aio_test_wait (&stopped);
  if (protocol)
    {
      g_assert_cmpuint (aio_test_protocol_lost, ==, 1);
      g_assert_cmpuint (aio_test_protocol_cancelled, ==, 0);
    }
  else
    {
      g_assert_cmpuint (server->n_done, ==, 1);
      g_assert_cmpuint (server->n_cancelled, ==, 0);
      g_assert_cmpuint (server->n_active, ==, 0);
    }
  g_assert_cmpuint (aio_tcp_server_get_n_connections (AIO_TCP_SERVER (server)), ==, 0);
  /* A cancellation on stop is no failure. */
  g_assert_cmpuint (aio_test_log_count (AIO_TEST_ECHO_CAPTURED, "failed"), ==, 0);
}

/* A handler that ignores the end of its reading side: it completes only
 * when its cancellable is cancelled. */
#define TEST_TYPE_STUBBORN_SERVER (test_stubborn_server_get_type ())
G_DECLARE_FINAL_TYPE (TestStubbornServer, test_stubborn_server, TEST, STUBBORN_SERVER, AioTcpServer)

struct _TestStubbornServer
{
  AioTcpServer parent_instance;
  guint        n_active;
  guint        n_cancelled;
};

G_DEFINE_FINAL_TYPE (TestStubbornServer, test_stubborn_server, AIO_TYPE_TCP_SERVER)

static gboolean
stubborn_cancelled_cb (GCancellable *cancellable,
                       gpointer      user_data)
{
  GTask *task = user_data;
  TestStubbornServer *self = g_task_get_source_object (task);

  self->n_cancelled++;
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

static void
test_stubborn_server_handle_client_async (AioTcpServer        *server,
                                          GIOStream           *stream,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  GTask *task = g_task_new (server, cancellable, callback, user_data);
  GSource *source = g_cancellable_source_new (cancellable);

  TEST_STUBBORN_SERVER (server)->n_active++;
  g_source_set_callback (source, G_SOURCE_FUNC (stubborn_cancelled_cb), task, g_object_unref);
  g_source_attach (source, NULL);
  g_source_unref (source);
}

static void
test_stubborn_server_class_init (TestStubbornServerClass *klass)
{
  AIO_TCP_SERVER_CLASS (klass)->handle_client_async = test_stubborn_server_handle_client_async;
}

static void
test_stubborn_server_init (TestStubbornServer *self)
{
}

/* After the drain timeout, a handler that ignores the end of its stream
 * and writes nothing (no progress) is cancelled after the grace. */
static void
test_drain_grace (void)
{
  g_autoptr(TestStubbornServer) server = g_object_new (TEST_TYPE_STUBBORN_SERVER,
                                                       "drain-timeout", 0.1, NULL);
  g_autoptr(GSocketConnection) stuck = NULL;
  g_autoptr(GError) error = NULL;
  gboolean stopped = FALSE;

  aio_test_log_clear ();
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  stuck = connect_tcp (aio_socket_server_get_port (AIO_SOCKET_SERVER (server)));
  aio_test_wait_until (&server->n_active, 1);

  aio_service_stop_async (AIO_SERVICE (server), NULL, NULL, aio_test_stop_cb, &stopped);
  aio_test_wait (&stopped);
  g_assert_cmpuint (server->n_cancelled, ==, 1);
  g_assert_cmpuint (aio_tcp_server_get_n_connections (AIO_TCP_SERVER (server)), ==, 0);
  g_assert_cmpuint (aio_test_log_count (AIO_TEST_ECHO_CAPTURED, "failed"), ==, 0);
}

/* The protocol path: a protocol that keeps the connection open at the end
 * of the stream and never writes is aborted after the grace. */
#define TEST_TYPE_STUBBORN_PROTOCOL (test_stubborn_protocol_get_type ())
G_DECLARE_FINAL_TYPE (TestStubbornProtocol, test_stubborn_protocol, TEST, STUBBORN_PROTOCOL, AioStreamProtocol)

struct _TestStubbornProtocol
{
  AioStreamProtocol parent_instance;
};

G_DEFINE_FINAL_TYPE (TestStubbornProtocol, test_stubborn_protocol, AIO_TYPE_STREAM_PROTOCOL)

static guint stubborn_made;
static guint stubborn_eof;
static guint stubborn_lost;

static void
stubborn_connection_made (AioStreamProtocol *protocol,
                          AioTransport      *transport)
{
  stubborn_made++;
}

static gboolean
stubborn_eof_received (AioStreamProtocol *protocol)
{
  stubborn_eof++;
  return TRUE;
}

static void
stubborn_connection_lost (AioStreamProtocol *protocol,
                          const GError      *error)
{
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (strstr (error->message, "No progress") != NULL);
  stubborn_lost++;
}

static void
test_stubborn_protocol_class_init (TestStubbornProtocolClass *klass)
{
  AioStreamProtocolClass *protocol_class = AIO_STREAM_PROTOCOL_CLASS (klass);

  protocol_class->connection_made = stubborn_connection_made;
  protocol_class->eof_received = stubborn_eof_received;
  protocol_class->connection_lost = stubborn_connection_lost;
}

static void
test_stubborn_protocol_init (TestStubbornProtocol *self)
{
}

static void
test_drain_grace_protocol (void)
{
  g_autoptr(AioTcpServer) server = g_object_new (AIO_TYPE_TCP_SERVER, "drain-timeout", 0.1,
                                                 "protocol-type", TEST_TYPE_STUBBORN_PROTOCOL,
                                                 NULL);
  g_autoptr(GSocketConnection) stuck = NULL;
  g_autoptr(GError) error = NULL;
  gboolean stopped = FALSE;

  stubborn_made = stubborn_eof = stubborn_lost = 0;
  aio_test_log_clear ();
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  stuck = connect_tcp (aio_socket_server_get_port (AIO_SOCKET_SERVER (server)));
  aio_test_wait_until (&stubborn_made, 1);

  aio_service_stop_async (AIO_SERVICE (server), NULL, NULL, aio_test_stop_cb, &stopped);
  aio_test_wait (&stopped);
  g_assert_cmpuint (stubborn_eof, ==, 1);
  g_assert_cmpuint (stubborn_lost, ==, 1);
  g_assert_cmpuint (aio_tcp_server_get_n_connections (server), ==, 0);
  g_assert_cmpuint (aio_test_log_count (AIO_TEST_ECHO_CAPTURED, "failed"), ==, 0);
}

/* A drain under load never cuts a reply: clients echo 64 KiB frames
 * without a pause; the server stops, its drain timeout passes while they
 * still send; every reply a client gets is whole (byte-checked). The
 * servers answer frame by frame, as a request/response protocol does. */

#define FRAME_SIZE (64 * 1024)
#define N_DRAIN_CLIENTS 16

/* The streams path: read a whole frame, write it back; the end of the
 * stream in the middle of a frame drops it. */
#define TEST_TYPE_FRAMED_SERVER (test_framed_server_get_type ())
G_DECLARE_FINAL_TYPE (TestFramedServer, test_framed_server, TEST, FRAMED_SERVER, AioTcpServer)

struct _TestFramedServer
{
  AioTcpServer parent_instance;
};

G_DEFINE_FINAL_TYPE (TestFramedServer, test_framed_server, AIO_TYPE_TCP_SERVER)

typedef struct
{
  GIOStream *stream;
  guint8    *frame;
  gsize      filled;   /* with aio_test_echo_read_bytes */
} FramedOp;

static void
framed_op_free (FramedOp *op)
{
  g_clear_object (&op->stream);
  g_free (op->frame);
  g_free (op);
}

static void framed_read (GTask *task);

static void
framed_written_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  framed_read (task);
}

static void
framed_read_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  FramedOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &n, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (n < FRAME_SIZE)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  g_output_stream_write_all_async (g_io_stream_get_output_stream (op->stream), op->frame,
                                   FRAME_SIZE, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   framed_written_cb, task);
}

/* The same with aio_stream_read_bytes_async(): the frame fills up from
 * what each read returns. */
static void
framed_read_bytes_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  FramedOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) bytes = aio_stream_read_bytes_finish (G_IO_STREAM (object), result, &error);
  gsize n;

  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  n = g_bytes_get_size (bytes);
  if (n == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  g_assert_cmpuint (op->filled + n, <=, FRAME_SIZE);
  memcpy (op->frame + op->filled, g_bytes_get_data (bytes, NULL), n);
  op->filled += n;
  if (op->filled < FRAME_SIZE)
    {
      framed_read (task);
      return;
    }
  op->filled = 0;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (op->stream), op->frame,
                                   FRAME_SIZE, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   framed_written_cb, task);
}

static void
framed_read (GTask *task)
{
  FramedOp *op = g_task_get_task_data (task);

  if (aio_test_echo_read_bytes)
    {
      aio_stream_read_bytes_async (op->stream, FRAME_SIZE - op->filled, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), framed_read_bytes_cb, task);
      return;
    }
  g_input_stream_read_all_async (g_io_stream_get_input_stream (op->stream), op->frame,
                                 FRAME_SIZE, G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                 framed_read_cb, task);
}

static void
test_framed_server_handle_client_async (AioTcpServer        *server,
                                        GIOStream           *stream,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GTask *task = g_task_new (server, cancellable, callback, user_data);
  FramedOp *op = g_new0 (FramedOp, 1);

  op->stream = g_object_ref (stream);
  op->frame = g_malloc (FRAME_SIZE);
  g_task_set_task_data (task, op, (GDestroyNotify) framed_op_free);
  framed_read (task);
}

static void
test_framed_server_class_init (TestFramedServerClass *klass)
{
  AIO_TCP_SERVER_CLASS (klass)->handle_client_async = test_framed_server_handle_client_async;
}

static void
test_framed_server_init (TestFramedServer *self)
{
}

/* The protocol path: the same, frame by frame through the transport. */
#define TEST_TYPE_FRAMED_PROTOCOL (test_framed_protocol_get_type ())
G_DECLARE_FINAL_TYPE (TestFramedProtocol, test_framed_protocol, TEST, FRAMED_PROTOCOL, AioStreamProtocol)

struct _TestFramedProtocol
{
  AioStreamProtocol  parent_instance;
  AioTransport      *transport;
  GByteArray        *pending;
};

G_DEFINE_FINAL_TYPE (TestFramedProtocol, test_framed_protocol, AIO_TYPE_STREAM_PROTOCOL)

static void
framed_connection_made (AioStreamProtocol *protocol,
                        AioTransport      *transport)
{
  g_set_object (&TEST_FRAMED_PROTOCOL (protocol)->transport, transport);
}

static void
framed_data_received (AioStreamProtocol *protocol,
                      const guint8      *data,
                      gsize              len)
{
  TestFramedProtocol *self = TEST_FRAMED_PROTOCOL (protocol);

  g_byte_array_append (self->pending, data, len);
  while (self->pending->len >= FRAME_SIZE)
    {
      aio_transport_write (self->transport, self->pending->data, FRAME_SIZE);
      g_byte_array_remove_range (self->pending, 0, FRAME_SIZE);
    }
}

static void
framed_connection_lost (AioStreamProtocol *protocol,
                        const GError      *error)
{
  g_clear_object (&TEST_FRAMED_PROTOCOL (protocol)->transport);
}

static void
test_framed_protocol_finalize (GObject *object)
{
  TestFramedProtocol *self = TEST_FRAMED_PROTOCOL (object);

  g_clear_object (&self->transport);
  g_byte_array_unref (self->pending);
  G_OBJECT_CLASS (test_framed_protocol_parent_class)->finalize (object);
}

static void
test_framed_protocol_class_init (TestFramedProtocolClass *klass)
{
  AioStreamProtocolClass *protocol_class = AIO_STREAM_PROTOCOL_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_framed_protocol_finalize;
  protocol_class->connection_made = framed_connection_made;
  protocol_class->data_received = framed_data_received;
  protocol_class->connection_lost = framed_connection_lost;
}

static void
test_framed_protocol_init (TestFramedProtocol *self)
{
  self->pending = g_byte_array_new ();
}

typedef struct
{
  guint   port;
  GMutex  lock;
  GCond   cond;
  guint   completed;
  guint   partial;
  guint   cut;      /* clients whose connection ended (at the stop) */
} FrameLoad;

static gpointer
frame_client (gpointer data)
{
  FrameLoad *load = data;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", load->port);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree guint8 *frame = g_malloc (FRAME_SIZE);
  g_autofree guint8 *back = g_malloc (FRAME_SIZE);
  GInputStream *input;
  GOutputStream *output;
  guint32 id = g_random_int ();

  /* A small receive buffer: a reply takes many round trips, so the drain
   * timeout finds replies being written. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_assert_nonnull (socket);
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, NULL);
  if (!g_socket_connect (socket, address, NULL, NULL))
    return NULL; /* the server stopped accepting already */
  connection = g_socket_connection_factory_create_connection (socket);
  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  for (guint32 seq = 0; ; seq++)
    {
      gsize n = 0;

      for (gsize i = 0; i < FRAME_SIZE; i++)
        frame[i] = (guint8) (id + seq * 31 + i * 7 + (i >> 8));
      if (!g_output_stream_write_all (output, frame, FRAME_SIZE, NULL, NULL, NULL))
        n = 0;
      else
        g_input_stream_read_all (input, back, FRAME_SIZE, &n, NULL, NULL);

      g_mutex_lock (&load->lock);
      if (n == FRAME_SIZE && memcmp (back, frame, n) == 0)
        load->completed++;
      else if (n != 0)
        load->partial++;
      else
        load->cut++;
      g_cond_broadcast (&load->cond);
      g_mutex_unlock (&load->lock);
      if (n != FRAME_SIZE)
        break;
    }

  return NULL;
}

static void
test_drain_under_load (gconstpointer data)
{
  gboolean protocol = GPOINTER_TO_INT (data);
  g_autoptr(AioTcpServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  GThread *threads[N_DRAIN_CLIENTS];
  gboolean stopped = FALSE;
  gint64 deadline;
  FrameLoad load;

  memset (&load, 0, sizeof load);
  g_mutex_init (&load.lock);
  g_cond_init (&load.cond);
  aio_test_log_clear ();

  /* Small send buffers (the accepted sockets inherit them): a reply is
   * written in many pieces, so the drain timeout finds replies being
   * written, not only queued in the kernel. */
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_option (listener, SOL_SOCKET, SO_SNDBUF, 4096, NULL);
  g_socket_bind (listener, any, TRUE, &error);
  g_assert_no_error (error);

  server = g_object_new (protocol ? AIO_TYPE_TCP_SERVER : TEST_TYPE_FRAMED_SERVER,
                         "socket", listener,
                         "drain-timeout", 0.1,
                         "protocol-type", protocol ? TEST_TYPE_FRAMED_PROTOCOL : G_TYPE_NONE,
                         NULL);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  load.port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));

  for (guint i = 0; i < N_DRAIN_CLIENTS; i++)
    threads[i] = g_thread_new ("aio-test-frames", frame_client, &load);

  /* Stop once every client is served and replies flow. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (aio_tcp_server_get_n_connections (server) < N_DRAIN_CLIENTS ||
         g_atomic_int_get (&load.completed) < 4 * N_DRAIN_CLIENTS)
    {
      g_main_context_iteration (NULL, FALSE);
      if (g_get_monotonic_time () > deadline)
        g_error ("no load within 30 s");
    }
  aio_service_stop_async (AIO_SERVICE (server), NULL, NULL, aio_test_stop_cb, &stopped);
  aio_test_wait (&stopped);

  for (guint i = 0; i < N_DRAIN_CLIENTS; i++)
    g_thread_join (threads[i]);

  g_test_message ("%u whole replies, %u partial, %u connections ended",
                  load.completed, load.partial, load.cut);
  g_assert_cmpuint (load.partial, ==, 0);
  g_assert_cmpuint (load.cut, ==, N_DRAIN_CLIENTS);
  g_assert_cmpuint (aio_test_log_count (AIO_TEST_ECHO_CAPTURED, "failed"), ==, 0);

  g_mutex_clear (&load.lock);
  g_cond_clear (&load.cond);
}

/* The streams path again, with handlers that read with
 * aio_stream_read_bytes_async(). */
static void
test_echo_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_echo ();
  aio_test_echo_read_bytes = FALSE;
}

static void
test_unix_echo_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_unix_echo ();
  aio_test_echo_read_bytes = FALSE;
}

static void
test_many_clients_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_many_clients (GINT_TO_POINTER (FALSE));
  aio_test_echo_read_bytes = FALSE;
}

static void
test_max_connections_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_max_connections ();
  aio_test_echo_read_bytes = FALSE;
}

static void
test_drain_timeout_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_drain_timeout (GINT_TO_POINTER (FALSE));
  aio_test_echo_read_bytes = FALSE;
}

static void
test_drain_under_load_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_drain_under_load (GINT_TO_POINTER (FALSE));
  aio_test_echo_read_bytes = FALSE;
}

/* Start errors name the value */

static void
test_start_errors (void)
{
  g_autoptr(AioTestEchoServer) first = aio_test_echo_server_new ();
  g_autoptr(AioTestEchoServer) second = aio_test_echo_server_new ();
  g_autoptr(AioTestEchoServer) bad = aio_test_echo_server_new ();
  g_autoptr(AioTestEchoServer) tls = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;
  const char *missing = "/nonexistent/aio-test/server.pem";

  aio_test_service_start (AIO_SERVICE (first), &error);
  g_assert_no_error (error);

  where = g_strdup_printf ("127.0.0.1:%u", aio_socket_server_get_port (AIO_SOCKET_SERVER (first)));
  aio_socket_server_set_port (AIO_SOCKET_SERVER (second), aio_socket_server_get_port (AIO_SOCKET_SERVER (first)));
  g_assert_false (aio_test_service_start (AIO_SERVICE (second), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, where));
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (second)), ==, AIO_SERVICE_STATE_FAILED);
  g_clear_error (&error);

  aio_socket_server_set_address (AIO_SOCKET_SERVER (bad), "not-an-address");
  g_assert_false (aio_test_service_start (AIO_SERVICE (bad), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "not-an-address"));
  g_clear_error (&error);

  aio_socket_server_set_address (AIO_SOCKET_SERVER (bad), "300.1.2.3");
  g_assert_false (aio_test_service_start (AIO_SERVICE (bad), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "300.1.2.3"));
  g_clear_error (&error);

  aio_socket_server_set_tls_certificate_file (AIO_SOCKET_SERVER (tls), missing);
  g_assert_false (aio_test_service_start (AIO_SERVICE (tls), &error));
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    g_test_message ("no TLS backend: %s", error->message);
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, missing));
    }
  g_clear_error (&error);

  /* The other addresses the issue names bind fine. */
  aio_socket_server_set_address (AIO_SOCKET_SERVER (bad), "localhost");
  aio_socket_server_set_port (AIO_SOCKET_SERVER (bad), 0);
  aio_test_service_start (AIO_SERVICE (bad), &error);
  g_assert_no_error (error);
  aio_test_service_stop (AIO_SERVICE (bad));

  aio_socket_server_set_address (AIO_SOCKET_SERVER (bad), "::");
  aio_socket_server_set_port (AIO_SOCKET_SERVER (bad), 0);
  if (aio_test_service_start (AIO_SERVICE (bad), &error))
    aio_test_service_stop (AIO_SERVICE (bad));
  else
    {
      /* A machine without IPv6 */
      g_test_message ("cannot bind [::]: %s", error->message);
      g_clear_error (&error);
    }

  aio_test_service_stop (AIO_SERVICE (first));
}

/* Several servers on one port with reuse-port, the kernel spreading the
 * clients; without it the second one cannot bind. */
static void
test_reuse_port (void)
{
  g_autoptr(AioTestEchoServer) first = aio_test_echo_server_new ();
  g_autoptr(AioTestEchoServer) second = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;
  guint port;

  aio_socket_server_set_reuse_port (AIO_SOCKET_SERVER (first), TRUE);
  aio_socket_server_set_reuse_port (AIO_SOCKET_SERVER (second), TRUE);
  aio_test_service_start (AIO_SERVICE (first), &error);
  g_assert_no_error (error);
  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (first));
  aio_socket_server_set_port (AIO_SOCKET_SERVER (second), port);
  aio_test_service_start (AIO_SERVICE (second), &error);
  g_assert_no_error (error);

  g_assert_true (aio_test_run_in_thread (echo_client, GUINT_TO_POINTER (port)));
  aio_test_service_stop (AIO_SERVICE (first));

  /* The second one still serves the port alone. */
  g_assert_true (aio_test_run_in_thread (echo_client, GUINT_TO_POINTER (port)));
  aio_test_service_stop (AIO_SERVICE (second));
}

/* A socket given to the server is served and left open on stop; the
 * server listens on it if nobody did. */
static void
test_given_socket (void)
{
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocket) udp = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, TRUE, &error);
  g_assert_no_error (error);

  aio_socket_server_set_socket (AIO_SOCKET_SERVER (server), socket);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));
  g_assert_cmpuint (port, !=, 0);
  g_assert_true (aio_test_run_in_thread (echo_client, GUINT_TO_POINTER (port)));
  aio_test_service_stop (AIO_SERVICE (server));
  g_assert_false (g_socket_is_closed (socket));

  /* Served again after a restart. */
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  g_assert_true (aio_test_run_in_thread (echo_client, GUINT_TO_POINTER (port)));
  aio_test_service_stop (AIO_SERVICE (server));

  /* A datagram socket is no stream server's. */
  udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  aio_socket_server_set_socket (AIO_SOCKET_SERVER (server), udp);
  g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "datagram"));
}

/* SIGTERM during load loses no completed response */

#define N_LOAD_THREADS 8
#define LOAD_MESSAGE_SIZE 64

typedef struct
{
  guint   port;
  GMutex  lock;
  GCond   cond;
  guint   completed;
  guint   partial;
} Load;

static gpointer
load_client (gpointer data)
{
  Load *load = data;
  g_autoptr(GSocketClient) client = aio_test_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  GInputStream *input;
  GOutputStream *output;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", load->port, NULL, NULL);
  if (connection == NULL)
    return NULL; /* the server stopped accepting already */
  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  for (guint seq = 0; ; seq++)
    {
      char message[LOAD_MESSAGE_SIZE + 1];
      char back[LOAD_MESSAGE_SIZE];
      gsize n = 0;

      g_snprintf (message, sizeof message, "%-*u|", LOAD_MESSAGE_SIZE - 1, seq);
      if (!g_output_stream_write_all (output, message, LOAD_MESSAGE_SIZE, NULL, NULL, NULL))
        break;
      g_input_stream_read_all (input, back, LOAD_MESSAGE_SIZE, &n, NULL, NULL);

      g_mutex_lock (&load->lock);
      if (n == LOAD_MESSAGE_SIZE && memcmp (back, message, n) == 0)
        load->completed++;
      else if (n != 0)
        load->partial++;
      g_cond_broadcast (&load->cond);
      g_mutex_unlock (&load->lock);
      if (n != LOAD_MESSAGE_SIZE)
        break;
    }

  return NULL;
}

static void
test_sigterm_under_load (gconstpointer data)
{
  gboolean protocol = GPOINTER_TO_INT (data);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) child = NULL;
  g_autofree char *exe = aio_test_self_exe ();
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  GThread *threads[N_LOAD_THREADS];
  gint64 deadline;
  Load load;


  memset (&load, 0, sizeof load);
  g_mutex_init (&load.lock);
  g_cond_init (&load.cond);

  child = g_subprocess_launcher_spawn (launcher, &error, exe, "--echo-child",
                                       "--drain-timeout", "0.3",
                                       protocol ? "--protocol" : NULL, "1", NULL);
  g_assert_no_error (error);
  load.port = aio_test_echo_child_wait (child, &output);
  if (load.port == 0)
    g_error ("the echo child did not start: %s", output);

  for (guint i = 0; i < N_LOAD_THREADS; i++)
    threads[i] = g_thread_new ("aio-test-load", load_client, &load);

  /* SIGTERM once responses flow. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  g_mutex_lock (&load.lock);
  while (load.completed < 200)
    if (!g_cond_wait_until (&load.cond, &load.lock, deadline))
      g_error ("no load on the echo child within 30 s");
  g_mutex_unlock (&load.lock);
  g_subprocess_send_signal (child, SIGTERM);

  for (guint i = 0; i < N_LOAD_THREADS; i++)
    g_thread_join (threads[i]);

  g_subprocess_wait_check (child, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%u responses, %u partial", load.completed, load.partial);
  g_assert_cmpuint (load.partial, ==, 0);
  g_assert_cmpuint (load.completed, >=, 200);

  g_mutex_clear (&load.lock);
  g_cond_clear (&load.cond);
}

int
main (int   argc,
      char *argv[])
{
  if (argc > 1 && g_str_equal (argv[1], "--echo-child"))
    return aio_test_echo_child_main (argc, argv);

  g_test_init (&argc, &argv, NULL);
  aio_test_log_capture_install (AIO_TEST_ECHO_CAPTURED, AIO_TEST_ECHO_CAPTURED);

  g_test_add_func ("/Aio/TcpServer/echo", test_echo);
  g_test_add_func ("/Aio/TcpServer/unix-echo", test_unix_echo);
  g_test_add_func ("/Aio/TcpServer/handler-error", test_handler_error);
  g_test_add_func ("/Aio/TcpServer/protocol-wired", test_protocol_wired);
  g_test_add_func ("/Aio/TcpServer/protocol-echo", test_protocol_echo);
  g_test_add_data_func ("/Aio/TcpServer/many-clients", GINT_TO_POINTER (FALSE), test_many_clients);
  g_test_add_data_func ("/Aio/TcpServer/many-clients-protocol", GINT_TO_POINTER (TRUE), test_many_clients);
  g_test_add_func ("/Aio/TcpServer/max-connections", test_max_connections);
  g_test_add_func ("/Aio/TcpServer/drain", test_drain);
  g_test_add_data_func ("/Aio/TcpServer/drain-timeout", GINT_TO_POINTER (FALSE), test_drain_timeout);
  g_test_add_data_func ("/Aio/TcpServer/drain-timeout-protocol", GINT_TO_POINTER (TRUE), test_drain_timeout);
  g_test_add_func ("/Aio/TcpServer/drain-grace", test_drain_grace);
  g_test_add_func ("/Aio/TcpServer/drain-grace-protocol", test_drain_grace_protocol);
  g_test_add_data_func ("/Aio/TcpServer/drain-under-load", GINT_TO_POINTER (FALSE), test_drain_under_load);
  g_test_add_data_func ("/Aio/TcpServer/drain-under-load-protocol", GINT_TO_POINTER (TRUE), test_drain_under_load);
  g_test_add_func ("/Aio/TcpServer/read-bytes/echo", test_echo_read_bytes);
  g_test_add_func ("/Aio/TcpServer/read-bytes/unix-echo", test_unix_echo_read_bytes);
  g_test_add_func ("/Aio/TcpServer/read-bytes/many-clients", test_many_clients_read_bytes);
  g_test_add_func ("/Aio/TcpServer/read-bytes/max-connections", test_max_connections_read_bytes);
  g_test_add_func ("/Aio/TcpServer/read-bytes/drain-timeout", test_drain_timeout_read_bytes);
  g_test_add_func ("/Aio/TcpServer/read-bytes/drain-under-load", test_drain_under_load_read_bytes);
  g_test_add_func ("/Aio/TcpServer/start-errors", test_start_errors);
  g_test_add_func ("/Aio/TcpServer/reuse-port", test_reuse_port);
  g_test_add_func ("/Aio/TcpServer/given-socket", test_given_socket);
  g_test_add_data_func ("/Aio/TcpServer/sigterm-under-load", GINT_TO_POINTER (FALSE), test_sigterm_under_load);
  g_test_add_data_func ("/Aio/TcpServer/sigterm-under-load-protocol", GINT_TO_POINTER (TRUE), test_sigterm_under_load);

  return g_test_run ();
}
