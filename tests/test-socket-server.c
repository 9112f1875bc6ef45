/* test-socket-server.c: AioSocketServer, the base of the TCP and UDP
 * servers, over real sockets on the loopback
 *
 * Every check runs on both subclasses, and the protected binding API on a
 * minimal subclass of its own, the way a server to come (an HTTP service
 * handing the socket to libsoup, say) uses it.
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-echo.h"

/* A minimal socket server: its start only binds a stream socket. */
#define TEST_TYPE_PLAIN_SERVER (test_plain_server_get_type ())
G_DECLARE_FINAL_TYPE (TestPlainServer, test_plain_server, TEST, PLAIN_SERVER, AioSocketServer)

struct _TestPlainServer
{
  AioSocketServer parent_instance;
};

G_DEFINE_FINAL_TYPE (TestPlainServer, test_plain_server, AIO_TYPE_SOCKET_SERVER)

static void
test_plain_server_start_async (AioService          *service,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);
  GError *error = NULL;

  if (aio_socket_server_listen (AIO_SOCKET_SERVER (service), G_SOCKET_TYPE_STREAM, 16, &error) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
test_plain_server_stop_async (AioService          *service,
                              const GError        *reason,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  aio_socket_server_close_listener (AIO_SOCKET_SERVER (service));
  g_task_return_boolean (task, TRUE);
}

static void
test_plain_server_class_init (TestPlainServerClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = test_plain_server_start_async;
  AIO_SERVICE_CLASS (klass)->stop_async = test_plain_server_stop_async;
}

static void
test_plain_server_init (TestPlainServer *self)
{
}

/* A new server of each kind: TCP, UDP, the plain subclass. */
static AioSocketServer *
new_server (GType type)
{
  return g_object_new (type, NULL);
}

static const GType *
server_types (void)
{
  static GType types[4];

  types[0] = AIO_TYPE_TCP_SERVER;
  types[1] = AIO_TYPE_UDP_SERVER;
  types[2] = TEST_TYPE_PLAIN_SERVER;
  types[3] = G_TYPE_INVALID;
  return types;
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

/* With port 0, the start notifies the port once, with the bound port. */
static void
test_bound_port_notify (void)
{
  for (const GType *type = server_types (); *type != G_TYPE_INVALID; type++)
    {
      g_autoptr(AioSocketServer) server = new_server (*type);
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) local = NULL;
      guint notified = 0;
      guint port;

      g_test_message ("%s", g_type_name (*type));
      g_signal_connect (server, "notify::port", G_CALLBACK (count_notify), &notified);
      g_assert_cmpuint (aio_socket_server_get_port (server), ==, 0);
      g_assert_null (aio_socket_server_get_listener (server));

      g_assert_true (aio_test_service_start (AIO_SERVICE (server), &error));
      g_assert_no_error (error);
      g_assert_cmpuint (notified, ==, 1);

      port = aio_socket_server_get_port (server);
      g_assert_cmpuint (port, !=, 0);
      g_assert_nonnull (aio_socket_server_get_listener (server));
      local = g_socket_get_local_address (aio_socket_server_get_listener (server), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)), ==, port);

      /* The port stays the bound one after the stop (a restart binds it
       * again), and the listener is gone. */
      aio_test_service_stop (AIO_SERVICE (server));
      g_assert_null (aio_socket_server_get_listener (server));
      g_assert_cmpuint (aio_socket_server_get_port (server), ==, port);
      g_assert_cmpuint (notified, ==, 1);
    }
}

/* A bad address fails the start with G_IO_ERROR_INVALID_ARGUMENT naming
 * the value; the server can be fixed and started. */
static void
test_bad_address (void)
{
  for (const GType *type = server_types (); *type != G_TYPE_INVALID; type++)
    {
      g_autoptr(AioSocketServer) server = new_server (*type);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", g_type_name (*type));
      g_object_set (server, "address", "no.such.host.invalid", NULL);
      g_assert_cmpstr (aio_socket_server_get_address (server), ==, "no.such.host.invalid");
      g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "“no.such.host.invalid”"));
      g_assert_null (aio_socket_server_get_listener (server));
      g_clear_error (&error);

      aio_socket_server_set_address (server, "localhost");
      g_assert_true (aio_test_service_start (AIO_SERVICE (server), &error));
      g_assert_no_error (error);
      aio_test_service_stop (AIO_SERVICE (server));
    }
}

/* This process was not activated: a named socket is an error naming it. */
static void
test_activation_name (void)
{
  for (const GType *type = server_types (); *type != G_TYPE_INVALID; type++)
    {
      g_autoptr(AioSocketServer) server = new_server (*type);
      g_autoptr(GError) error = NULL;
      g_autofree char *name = NULL;
      guint notified = 0;

      g_test_message ("%s", g_type_name (*type));
      g_signal_connect (server, "notify::activation-name", G_CALLBACK (count_notify), &notified);
      g_object_set (server, "activation-name", "web", NULL);
      aio_socket_server_set_activation_name (server, "web");
      g_assert_cmpuint (notified, ==, 1);
      g_object_get (server, "activation-name", &name, NULL);
      g_assert_cmpstr (name, ==, "web");

      g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, "“web”"));
    }
}

/* A given socket is served and not closed on stop; one of the wrong type
 * is refused with an error naming where it is bound. */
static void
test_given_socket (void)
{
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocket) tcp = NULL;
  g_autoptr(GSocket) udp = NULL;
  g_autoptr(GError) error = NULL;

  tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (tcp, any, TRUE, &error);
  g_assert_no_error (error);
  udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_socket_bind (udp, any, TRUE, &error);
  g_assert_no_error (error);

  for (const GType *type = server_types (); *type != G_TYPE_INVALID; type++)
    {
      g_autoptr(AioSocketServer) server = new_server (*type);
      gboolean datagram = *type == AIO_TYPE_UDP_SERVER;
      GSocket *right = datagram ? udp : tcp;
      GSocket *wrong = datagram ? tcp : udp;

      g_test_message ("%s", g_type_name (*type));
      aio_socket_server_set_socket (server, wrong);
      g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, "127.0.0.1:"));
      g_clear_error (&error);

      aio_socket_server_set_socket (server, right);
      g_assert_true (aio_socket_server_get_socket (server) == right);
      g_assert_true (aio_test_service_start (AIO_SERVICE (server), &error));
      g_assert_no_error (error);
      g_assert_true (aio_socket_server_get_listener (server) == right);
      aio_test_service_stop (AIO_SERVICE (server));
      g_assert_false (g_socket_is_closed (right));
    }
}

/* The protected API: listening twice is refused, a bad type or backlog is
 * an error naming it, and close_listener() can be called at any time. */
static void
test_listen_api (void)
{
  g_autoptr(AioSocketServer) server = new_server (TEST_TYPE_PLAIN_SERVER);
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  aio_socket_server_close_listener (server);

  g_assert_null (aio_socket_server_listen (server, G_SOCKET_TYPE_SEQPACKET, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "socket type"));
  g_clear_error (&error);

  g_assert_null (aio_socket_server_listen (server, G_SOCKET_TYPE_STREAM, -1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "-1"));
  g_clear_error (&error);

  socket = aio_socket_server_listen (server, G_SOCKET_TYPE_STREAM, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (socket);
  g_assert_false (g_socket_get_blocking (socket));

  g_assert_null (aio_socket_server_listen (server, G_SOCKET_TYPE_STREAM, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);

  /* The socket listens: a client connects. */
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketConnection) connection = NULL;

    connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                  (guint16) aio_socket_server_get_port (server),
                                                  NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (connection);
  }

  aio_socket_server_close_listener (server);
  g_assert_null (aio_socket_server_get_listener (server));
  aio_socket_server_close_listener (server);
}

/* The properties keep the names the servers had, with their defaults. */
static void
test_properties (void)
{
  for (const GType *type = server_types (); *type != G_TYPE_INVALID; type++)
    {
      g_autoptr(AioSocketServer) server = new_server (*type);
      GObjectClass *klass = G_OBJECT_GET_CLASS (server);
      const char *names[] = { "address", "port", "socket", "activation-name", "reuse-port" };

      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          GParamSpec *pspec = g_object_class_find_property (klass, names[i]);

          g_assert_nonnull (pspec);
          g_assert_true (pspec->owner_type == AIO_TYPE_SOCKET_SERVER);
        }
      g_assert_cmpstr (aio_socket_server_get_address (server), ==, "127.0.0.1");
      g_assert_false (aio_socket_server_get_reuse_port (server));
      aio_socket_server_set_reuse_port (server, TRUE);
      g_assert_true (aio_socket_server_get_reuse_port (server));
      aio_socket_server_set_port (server, 8080);
      g_assert_cmpuint (aio_socket_server_get_port (server), ==, 8080);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/SocketServer/bound-port-notify", test_bound_port_notify);
  g_test_add_func ("/Aio/SocketServer/bad-address", test_bad_address);
  g_test_add_func ("/Aio/SocketServer/activation-name", test_activation_name);
  g_test_add_func ("/Aio/SocketServer/given-socket", test_given_socket);
  g_test_add_func ("/Aio/SocketServer/listen-api", test_listen_api);
  g_test_add_func ("/Aio/SocketServer/properties", test_properties);

  return g_test_run ();
}
