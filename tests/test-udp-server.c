/* test-udp-server.c: AioUdpServer over real sockets on the loopback
 *
 * SPDX-License-Identifier: MIT
 */
#include <netinet/in.h>

#include "aio-test-echo.h"

#define TEST_TYPE_UDP_ECHO (test_udp_echo_get_type ())
G_DECLARE_FINAL_TYPE (TestUdpEcho, test_udp_echo, TEST, UDP_ECHO, AioUdpServer)

struct _TestUdpEcho
{
  AioUdpServer parent_instance;
  guint        received;
};

G_DEFINE_FINAL_TYPE (TestUdpEcho, test_udp_echo, AIO_TYPE_UDP_SERVER)

static void
test_udp_echo_handle_datagram (AioUdpServer   *server,
                               GBytes         *data,
                               GSocketAddress *from)
{
  g_autoptr(GError) error = NULL;

  TEST_UDP_ECHO (server)->received++;
  aio_udp_server_send_to (server, data, from, &error);
  g_assert_no_error (error);
}

static void
test_udp_echo_class_init (TestUdpEchoClass *klass)
{
  AIO_UDP_SERVER_CLASS (klass)->handle_datagram = test_udp_echo_handle_datagram;
}

static void
test_udp_echo_init (TestUdpEcho *self)
{
}

typedef struct
{
  gboolean received;
  char     buffer[128];
  gssize   len;
} Reply;

static gboolean
reply_cb (GSocket      *socket,
          GIOCondition  condition,
          gpointer      user_data)
{
  Reply *reply = user_data;

  reply->len = g_socket_receive (socket, reply->buffer, sizeof reply->buffer, NULL, NULL);
  reply->received = TRUE;
  return G_SOURCE_REMOVE;
}

/* Sends @message to @port from a fresh socket and waits for the answer. */
static void
assert_echo (const char *host,
             guint       port,
             const char *message)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (inet, (guint16) port);
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSource) source = NULL;
  g_autoptr(GError) error = NULL;
  Reply reply = { FALSE, "", -1 };

  client = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (client, FALSE);
  source = g_socket_create_source (client, G_IO_IN, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (reply_cb), &reply, NULL);
  g_source_attach (source, NULL);

  g_socket_send_to (client, to, message, strlen (message), NULL, &error);
  g_assert_no_error (error);
  aio_test_wait (&reply.received);
  g_source_destroy (source);
  g_assert_cmpmem (reply.buffer, reply.len, message, strlen (message));
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
  g_autoptr(TestUdpEcho) server = g_object_new (TEST_TYPE_UDP_ECHO, NULL);
  g_autoptr(GBytes) data = g_bytes_new_static ("x", 1);
  g_autoptr(GSocketAddress) nowhere = g_inet_socket_address_new_from_string ("127.0.0.1", 9);
  g_autoptr(GError) error = NULL;
  guint notified = 0;
  guint port;

  /* Not running: nothing to send from. */
  g_assert_false (aio_udp_server_send_to (AIO_UDP_SERVER (server), data, nowhere, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  g_signal_connect (server, "notify::port", G_CALLBACK (count_notify), &notified);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));
  g_assert_cmpuint (port, !=, 0);
  g_assert_cmpuint (notified, ==, 1);

  assert_echo ("127.0.0.1", port, "hello");
  assert_echo ("127.0.0.1", port, "world");
  g_assert_cmpuint (server->received, ==, 2);

  aio_test_service_stop (AIO_SERVICE (server));
  g_assert_false (aio_udp_server_send_to (AIO_UDP_SERVER (server), data, nowhere, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_NOT_RUNNING);
}

static void
test_given_socket (void)
{
  g_autoptr(TestUdpEcho) server = g_object_new (TEST_TYPE_UDP_ECHO, NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  aio_socket_server_set_socket (AIO_SOCKET_SERVER (server), socket);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (aio_socket_server_get_port (AIO_SOCKET_SERVER (server)), ==, port);
  assert_echo ("127.0.0.1", port, "on a given socket");
  aio_test_service_stop (AIO_SERVICE (server));

  /* The socket belongs to whoever gave it. */
  g_assert_false (g_socket_is_closed (socket));
}

/* An error while receiving (here the ICMP "port unreachable" of a
 * datagram sent to a closed port, which IP_RECVERR turns into an error of
 * the next receive) is logged and the server goes on. */
static void
test_receive_error (void)
{
  g_autoptr(TestUdpEcho) server = g_object_new (TEST_TYPE_UDP_ECHO, NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocket) closed = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) nowhere = NULL;
  g_autoptr(GBytes) data = g_bytes_new_static ("lost", 4);
  g_autoptr(GError) error = NULL;

  aio_test_log_clear ();

  /* A port nobody listens on. */
  closed = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (closed, any, FALSE, &error);
  g_assert_no_error (error);
  nowhere = g_socket_get_local_address (closed, &error);
  g_assert_no_error (error);
  g_socket_close (closed, NULL);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  if (!g_socket_set_option (socket, IPPROTO_IP, IP_RECVERR, 1, &error))
    {
      g_test_skip (error->message);
      return;
    }

  aio_socket_server_set_socket (AIO_SOCKET_SERVER (server), socket);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);

  aio_udp_server_send_to (AIO_UDP_SERVER (server), data, nowhere, &error);
  g_assert_no_error (error);
  aio_test_log_wait (AIO_TEST_ECHO_CAPTURED, "", 1);
  g_assert_cmpuint (aio_test_log_count (AIO_TEST_ECHO_CAPTURED, "receive failed"), ==, 1);

  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (server)), ==, AIO_SERVICE_STATE_RUNNING);
  assert_echo ("127.0.0.1", aio_socket_server_get_port (AIO_SOCKET_SERVER (server)), "still here");
  aio_test_service_stop (AIO_SERVICE (server));
}

static void
test_reuse_port (void)
{
  g_autoptr(TestUdpEcho) first = g_object_new (TEST_TYPE_UDP_ECHO, "reuse-port", TRUE, NULL);
  g_autoptr(TestUdpEcho) second = g_object_new (TEST_TYPE_UDP_ECHO, "reuse-port", TRUE, NULL);
  g_autoptr(GError) error = NULL;

  aio_test_service_start (AIO_SERVICE (first), &error);
  g_assert_no_error (error);
  aio_socket_server_set_port (AIO_SOCKET_SERVER (second), aio_socket_server_get_port (AIO_SOCKET_SERVER (first)));
  aio_test_service_start (AIO_SERVICE (second), &error);
  g_assert_no_error (error);

  aio_test_service_stop (AIO_SERVICE (second));
  aio_test_service_stop (AIO_SERVICE (first));
}

static void
test_start_errors (void)
{
  g_autoptr(TestUdpEcho) first = g_object_new (TEST_TYPE_UDP_ECHO, NULL);
  g_autoptr(TestUdpEcho) second = g_object_new (TEST_TYPE_UDP_ECHO, NULL);
  g_autoptr(AioUdpServer) bad = aio_udp_server_new ("no.such.address", 0);
  g_autoptr(AioUdpServer) named = aio_udp_server_new (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *where = NULL;

  aio_test_service_start (AIO_SERVICE (first), &error);
  g_assert_no_error (error);
  where = g_strdup_printf ("127.0.0.1:%u", aio_socket_server_get_port (AIO_SOCKET_SERVER (first)));

  aio_socket_server_set_port (AIO_SOCKET_SERVER (second), aio_socket_server_get_port (AIO_SOCKET_SERVER (first)));
  g_assert_false (aio_test_service_start (AIO_SERVICE (second), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_nonnull (strstr (error->message, where));
  g_clear_error (&error);

  g_assert_false (aio_test_service_start (AIO_SERVICE (bad), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no.such.address"));
  g_clear_error (&error);

  /* No socket was passed by socket activation to this test. */
  aio_socket_server_set_activation_name (AIO_SOCKET_SERVER (named), "dns");
  g_assert_false (aio_test_service_start (AIO_SERVICE (named), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "“dns”"));
  g_clear_error (&error);

  aio_test_service_stop (AIO_SERVICE (first));
}

/* unix-path and the TLS files are AioSocketServer's, for the stream
 * servers: a datagram server refuses each, naming it, and binds nothing. */
static void
test_stream_only_properties (void)
{
  const char *names[] = { "unix-path", "tls-certificate-file", "tls-key-file" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(AioUdpServer) server = aio_udp_server_new (NULL, 0);
      g_autoptr(GError) error = NULL;
      g_autofree char *value = NULL;

      g_object_set (server, names[i], "/nonexistent/file", NULL);
      g_object_get (server, names[i], &value, NULL);
      g_assert_cmpstr (value, ==, "/nonexistent/file");

      g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_nonnull (strstr (error->message, names[i]));
      g_assert_nonnull (strstr (error->message, aio_service_get_name (AIO_SERVICE (server))));
      g_assert_null (aio_socket_server_get_listener (AIO_SOCKET_SERVER (server)));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  aio_test_log_capture_install (AIO_TEST_ECHO_CAPTURED, AIO_TEST_ECHO_CAPTURED);

  g_test_add_func ("/Aio/UdpServer/echo", test_echo);
  g_test_add_func ("/Aio/UdpServer/given-socket", test_given_socket);
  g_test_add_func ("/Aio/UdpServer/receive-error", test_receive_error);
  g_test_add_func ("/Aio/UdpServer/reuse-port", test_reuse_port);
  g_test_add_func ("/Aio/UdpServer/start-errors", test_start_errors);
  g_test_add_func ("/Aio/UdpServer/stream-only-properties", test_stream_only_properties);

  return g_test_run ();
}
