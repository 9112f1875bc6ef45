/* test-tcp-idle.c: the idle timeout of AioTcpServer, over real sockets on
 * the loopback
 *
 * Hostile clients that connect and send nothing must not lock a server
 * out: with max-connections, silent clients are closed at the idle
 * timeout and the next client is served; a client that trickles bytes is
 * not closed; a thousand silent clients time out together without a timer
 * each. Every check runs on both paths (streams and protocol).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/resource.h>
#include <sys/socket.h>

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

static AioTestEchoServer *
start_server (gboolean protocol,
              double   idle_timeout,
              guint    max_connections)
{
  AioTestEchoServer *server = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;

  if (protocol)
    aio_tcp_server_set_protocol_type (AIO_TCP_SERVER (server), AIO_TEST_TYPE_ECHO_PROTOCOL);
  aio_tcp_server_set_idle_timeout (AIO_TCP_SERVER (server), idle_timeout);
  aio_tcp_server_set_max_connections (AIO_TCP_SERVER (server), max_connections);
  aio_tcp_server_set_backlog (AIO_TCP_SERVER (server), 1024);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  return server;
}

/* The server closed @connection: the next read sees the end of the stream
 * (or a reset), waiting for it as long as it takes. */
static void
assert_closed_by_server (GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GError) error = NULL;
  char byte;
  gssize n;

  g_assert_true (g_socket_condition_timed_wait (socket, G_IO_IN, 30 * G_USEC_PER_SEC, NULL, &error));
  g_assert_no_error (error);
  n = g_socket_receive (socket, &byte, 1, NULL, &error);
  if (n < 0)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  else
    g_assert_cmpint (n, ==, 0);
}

/* Iterates the main context until the server serves nobody. */
static void
wait_no_connections (AioTestEchoServer *server)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (aio_tcp_server_get_n_connections (AIO_TCP_SERVER (server)) > 0)
    {
      g_main_context_iteration (NULL, FALSE);
      if (g_get_monotonic_time () > deadline)
        g_error ("%u connections left after 30 s",
                 aio_tcp_server_get_n_connections (AIO_TCP_SERVER (server)));
    }
}

static gpointer
echo_client (gpointer data)
{
  g_autoptr(GSocketConnection) connection = connect_tcp (GPOINTER_TO_UINT (data));
  g_autoptr(GError) error = NULL;

  aio_test_echo_roundtrip (G_IO_STREAM (connection), "hello", &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  return GINT_TO_POINTER (TRUE);
}

/* With max-connections=5 and idle-timeout=1, five silent clients are
 * closed and a sixth is then served. */
static void
test_silent_clients (gconstpointer data)
{
  gboolean protocol = GPOINTER_TO_INT (data);
  g_autoptr(AioTestEchoServer) server = start_server (protocol, 1.0, 5);
  GSocketConnection *silent[5];
  guint port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));

  aio_test_protocol_reset ();
  aio_test_log_clear ();
  for (guint i = 0; i < G_N_ELEMENTS (silent); i++)
    silent[i] = connect_tcp (port);
  aio_test_wait_until (protocol ? &aio_test_protocol_made : &server->n_active, 5);
  g_assert_cmpuint (aio_tcp_server_get_n_connections (AIO_TCP_SERVER (server)), ==, 5);

  /* The sixth waits in the backlog until the silent ones are closed. */
  g_assert_true (aio_test_run_in_thread (echo_client, GUINT_TO_POINTER (port)));

  for (guint i = 0; i < G_N_ELEMENTS (silent); i++)
    {
      assert_closed_by_server (silent[i]);
      g_object_unref (silent[i]);
    }

  if (protocol)
    {
      /* connection_lost got G_IO_ERROR_TIMED_OUT, five times. */
      aio_test_wait_until (&aio_test_protocol_lost, 6);
      g_assert_cmpuint (aio_test_protocol_timed_out, ==, 5);
      g_assert_cmpuint (aio_test_protocol_made, ==, 6);
    }
  else
    {
      /* Each silent handler had a cancellable of its own, cancelled. */
      aio_test_wait_until (&server->n_done, 6);
      g_assert_cmpuint (server->cancellables->len, ==, 6);
      for (guint i = 0; i < 5; i++)
        g_assert_true (g_cancellable_is_cancelled (server->cancellables->pdata[i]));
      g_assert_false (g_cancellable_is_cancelled (server->cancellables->pdata[5]));
    }
  /* A timed-out client is routine: no warning. */
  g_assert_cmpuint (aio_test_log_count (AIO_TEST_ECHO_CAPTURED, ""), ==, 0);

  aio_test_service_stop (AIO_SERVICE (server));
}

/* A client that sends one byte every 0.5 s is not closed by
 * idle-timeout=1, on either path; both run at once. */
typedef struct
{
  guint    port;
  gboolean done;
  gboolean ok;
} Trickle;

static gpointer
trickle_client (gpointer data)
{
  Trickle *trickle = data;
  g_autoptr(GSocketConnection) connection = connect_tcp (trickle->port);
  g_autoptr(GError) error = NULL;

  /* Four gaps of 0.5 s: twice the idle timeout in all, and more than the
   * longest a silent client may last (1.5 times the timeout). The pace is
   * what is tested: the sleeps are not synchronisation. */
  for (guint i = 0; i < 5 && error == NULL; i++)
    {
      if (i > 0)
        g_usleep (G_USEC_PER_SEC / 2);
      aio_test_echo_roundtrip (G_IO_STREAM (connection), "x", &error);
    }
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  trickle->ok = TRUE;
  g_atomic_int_set (&trickle->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_trickle (void)
{
  g_autoptr(AioTestEchoServer) streams = start_server (FALSE, 1.0, 0);
  g_autoptr(AioTestEchoServer) protocol = start_server (TRUE, 1.0, 0);
  Trickle trickles[2] = {
    { aio_socket_server_get_port (AIO_SOCKET_SERVER (streams)), FALSE, FALSE },
    { aio_socket_server_get_port (AIO_SOCKET_SERVER (protocol)), FALSE, FALSE },
  };
  GThread *threads[2];

  aio_test_protocol_reset ();
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new ("trickle", trickle_client, &trickles[i]);
  for (guint i = 0; i < 2; i++)
    {
      aio_test_wait (&trickles[i].done);
      g_thread_join (threads[i]);
      g_assert_true (trickles[i].ok);
    }

  aio_test_wait_until (&streams->n_done, 1);
  g_assert_cmpuint (streams->n_cancelled, ==, 0);
  g_assert_false (g_cancellable_is_cancelled (streams->cancellables->pdata[0]));
  aio_test_wait_until (&aio_test_protocol_lost, 1);
  g_assert_cmpuint (aio_test_protocol_timed_out, ==, 0);

  aio_test_service_stop (AIO_SERVICE (streams));
  aio_test_service_stop (AIO_SERVICE (protocol));
}

/* A thousand silent clients time out together: all closed, no descriptor
 * left behind, the CPU time of the wait reported. */
#define N_IDLE 1000

static void
test_thousand_idle (gconstpointer data)
{
  gboolean protocol = GPOINTER_TO_INT (data);
  g_autoptr(AioTestEchoServer) server = NULL;
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  struct rusage before, after;
  guint fds_before;
  guint port;
  double cpu;

  if (aio_test_raise_fd_limit () < 2 * N_IDLE + 64)
    {
      g_test_skip ("not enough file descriptors for 1,000 connections");
      return;
    }

  aio_test_protocol_reset ();
  fds_before = aio_test_count_fds ();
  server = start_server (protocol, 0.5, 0);
  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));

  /* Connected at once (into the backlog); served, and timed out, as fast
   * as the server goes (under valgrind, the first may time out before the
   * last is accepted). */
  for (guint i = 0; i < N_IDLE; i++)
    g_ptr_array_add (clients, connect_tcp (port));

  getrusage (RUSAGE_SELF, &before);
  if (protocol)
    {
      aio_test_wait_until (&aio_test_protocol_lost, N_IDLE);
      g_assert_cmpuint (aio_test_protocol_made, ==, N_IDLE);
      g_assert_cmpuint (aio_test_protocol_timed_out, ==, N_IDLE);
    }
  else
    aio_test_wait_until (&server->n_done, N_IDLE);
  wait_no_connections (server);
  getrusage (RUSAGE_SELF, &after);
  for (guint i = 0; i < clients->len; i++)
    assert_closed_by_server (clients->pdata[i]);
  cpu = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) +
        (after.ru_stime.tv_sec - before.ru_stime.tv_sec) +
        (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6 +
        (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
  g_test_message ("%u idle clients timed out; CPU time while waiting: %.3f s", N_IDLE, cpu);

  g_ptr_array_set_size (clients, 0);
  aio_test_service_stop (AIO_SERVICE (server));
  g_clear_object (&server);
  g_assert_cmpuint (aio_test_count_fds (), ==, fds_before);
}

/* The defaults (idle: off; handshake: 10 s) and the ranges. */
static void
test_properties (void)
{
  g_autoptr(AioTcpServer) server = aio_tcp_server_new (NULL, 0);
  GObjectClass *klass = G_OBJECT_GET_CLASS (server);

  g_assert_cmpfloat (aio_tcp_server_get_idle_timeout (server), ==, 0);
  g_assert_cmpfloat (aio_tcp_server_get_tls_handshake_timeout (server), ==, 10);
  g_object_set (server, "idle-timeout", 2.5, "tls-handshake-timeout", 0.0, NULL);
  g_assert_cmpfloat (aio_tcp_server_get_idle_timeout (server), ==, 2.5);
  g_assert_cmpfloat (aio_tcp_server_get_tls_handshake_timeout (server), ==, 0);

  g_assert_cmpfloat (G_PARAM_SPEC_DOUBLE (g_object_class_find_property (klass, "idle-timeout"))->minimum,
                     ==, 0);
  g_assert_cmpfloat (G_PARAM_SPEC_DOUBLE (g_object_class_find_property (klass, "tls-handshake-timeout"))->minimum,
                     ==, 0);
}

/* The same with handlers that read with aio_stream_read_bytes_async(). */
static void
test_silent_clients_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_silent_clients (GINT_TO_POINTER (FALSE));
  aio_test_echo_read_bytes = FALSE;
}

static void
test_trickle_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_trickle ();
  aio_test_echo_read_bytes = FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  aio_test_log_capture_install (AIO_TEST_ECHO_CAPTURED, AIO_TEST_ECHO_CAPTURED);

  g_test_add_data_func ("/Aio/TcpServer/idle/silent-clients", GINT_TO_POINTER (FALSE), test_silent_clients);
  g_test_add_data_func ("/Aio/TcpServer/idle/silent-clients-protocol", GINT_TO_POINTER (TRUE), test_silent_clients);
  g_test_add_func ("/Aio/TcpServer/idle/trickle", test_trickle);
  g_test_add_func ("/Aio/TcpServer/idle/silent-clients-read-bytes", test_silent_clients_read_bytes);
  g_test_add_func ("/Aio/TcpServer/idle/trickle-read-bytes", test_trickle_read_bytes);
  g_test_add_data_func ("/Aio/TcpServer/idle/thousand", GINT_TO_POINTER (FALSE), test_thousand_idle);
  g_test_add_data_func ("/Aio/TcpServer/idle/thousand-protocol", GINT_TO_POINTER (TRUE), test_thousand_idle);
  g_test_add_func ("/Aio/TcpServer/idle/properties", test_properties);

  return g_test_run ();
}
