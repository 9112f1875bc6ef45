/* aio-udp-server.c: AioUdpServer, a UDP datagram server service
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-net-private.h"
#include "aio-socket-server-private.h"

/**
 * AioUdpServer:
 *
 * A UDP server service: aiomisc's `UDPServer`.
 *
 * Its start binds the socket (see [class@Aio.SocketServer] for where it
 * comes from) and from then on calls `handle_datagram` of
 * [class@Aio.UdpServer] on the main context the server was started
 * on, for every datagram received. [method@Aio.UdpServer.send_to]
 * answers. An error while receiving is logged as a warning and the server
 * goes on. The start fails with a #GError naming the value at fault for a
 * port in use (`address:port`) or a bad address; after it,
 * [property@Aio.SocketServer:port] is the bound port.
 *
 * Since: 0.1
 */

/* Datagrams read per wake-up of the socket, at most. */
#define RECEIVE_BATCH 64
/* The largest UDP payload. */
#define RECEIVE_BUFFER_SIZE 65536

typedef struct
{
  /* while running */
  GSource      *receive_source;
  guint8       *buffer;
} AioUdpServerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (AioUdpServer, aio_udp_server, AIO_TYPE_SOCKET_SERVER)

#define PRIV(self) ((AioUdpServerPrivate *) aio_udp_server_get_instance_private (self))

static gboolean
receive_cb (GSocket      *socket,
            GIOCondition  condition,
            gpointer      user_data)
{
  AioUdpServer *self = user_data;
  AioUdpServerPrivate *priv = PRIV (self);
  AioUdpServerClass *klass = AIO_UDP_SERVER_GET_CLASS (self);

  for (guint i = 0; i < RECEIVE_BATCH && priv->receive_source != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GBytes) data = NULL;
      gssize n;

      n = g_socket_receive_from (socket, &from, (char *) priv->buffer, RECEIVE_BUFFER_SIZE,
                                 NULL, &error);
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_warning ("Server '%s': receive failed: %s",
                       aio_service_get_name (AIO_SERVICE (self)), error->message);
          break;
        }

      data = g_bytes_new (priv->buffer, (gsize) n);
      klass->handle_datagram (self, data, from);
    }

  return G_SOURCE_CONTINUE;
}

static void
close_socket (AioUdpServer *self)
{
  AioUdpServerPrivate *priv = PRIV (self);

  if (priv->receive_source != NULL)
    {
      g_source_destroy (priv->receive_source);
      g_clear_pointer (&priv->receive_source, g_source_unref);
    }
  aio_socket_server_close_listener (AIO_SOCKET_SERVER (self));
  g_clear_pointer (&priv->buffer, g_free);
}

static void
aio_udp_server_start_async (AioService          *service,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  AioUdpServer *self = AIO_UDP_SERVER (service);
  AioUdpServerPrivate *priv = PRIV (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autofree char *where = NULL;
  GError *error = NULL;
  GSocket *socket;

  g_task_set_source_tag (task, aio_udp_server_start_async);

  socket = aio_socket_server_listen (AIO_SOCKET_SERVER (self), G_SOCKET_TYPE_DATAGRAM, 0, &error);
  if (socket == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  priv->buffer = g_malloc (RECEIVE_BUFFER_SIZE);
  priv->receive_source = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_static_name (priv->receive_source, "[aiomisc-glib] UDP receive");
  g_source_set_callback (priv->receive_source, G_SOURCE_FUNC (receive_cb), self, NULL);
  g_source_attach (priv->receive_source, context);

  where = _aio_net_local_to_string (socket);
  g_info ("Server '%s' listening on %s (UDP)", aio_service_get_name (service), where);
  g_task_return_boolean (task, TRUE);
}

static void
aio_udp_server_stop_async (AioService          *service,
                           const GError        *reason,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  g_task_set_source_tag (task, aio_udp_server_stop_async);
  close_socket (AIO_UDP_SERVER (service));
  g_task_return_boolean (task, TRUE);
}

static void
aio_udp_server_real_handle_datagram (AioUdpServer   *self,
                                     GBytes         *data,
                                     GSocketAddress *from)
{
}

static void
aio_udp_server_dispose (GObject *object)
{
  close_socket (AIO_UDP_SERVER (object));

  G_OBJECT_CLASS (aio_udp_server_parent_class)->dispose (object);
}

static void
aio_udp_server_class_init (AioUdpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);

  object_class->dispose = aio_udp_server_dispose;

  service_class->start_async = aio_udp_server_start_async;
  service_class->stop_async = aio_udp_server_stop_async;

  klass->handle_datagram = aio_udp_server_real_handle_datagram;
}

static void
aio_udp_server_init (AioUdpServer *self)
{
}

/**
 * aio_udp_server_new:
 * @address: (nullable): the address to bind, or %NULL for `"127.0.0.1"`
 * @port: the port to bind, or 0 for any free port
 *
 * Creates a UDP server that ignores what it receives; subclass
 * [class@Aio.UdpServer] to handle datagrams.
 *
 * Returns: (transfer full): a new server
 *
 * Since: 0.1
 */
AioUdpServer *
aio_udp_server_new (const char *address,
                    guint       port)
{
  return g_object_new (AIO_TYPE_UDP_SERVER,
                       "address", address != NULL ? address : "127.0.0.1",
                       "port", port,
                       NULL);
}

/**
 * aio_udp_server_handle_datagram: (virtual handle_datagram)
 * @self: a UDP server
 * @data: the payload of the datagram
 * @from: the sender
 *
 * Handles one datagram. The server calls it for every datagram it
 * receives; subclasses override it.
 *
 * Since: 0.1
 */
void
aio_udp_server_handle_datagram (AioUdpServer   *self,
                                GBytes         *data,
                                GSocketAddress *from)
{
  g_return_if_fail (AIO_IS_UDP_SERVER (self));
  g_return_if_fail (data != NULL);
  g_return_if_fail (G_IS_SOCKET_ADDRESS (from));

  AIO_UDP_SERVER_GET_CLASS (self)->handle_datagram (self, data, from);
}

/**
 * aio_udp_server_send_to:
 * @self: a running UDP server
 * @data: the payload to send
 * @to: the address to send it to
 * @error: return location for a #GError
 *
 * Sends one datagram from the socket of the server, without blocking.
 * Fails with %AIO_ERROR_NOT_RUNNING when the server does not run,
 * and with %G_IO_ERROR_WOULD_BLOCK when the send buffer is full (the
 * datagram is then not sent: UDP gives no delivery guarantee anyway).
 *
 * Returns: %TRUE if the datagram was sent
 *
 * Since: 0.1
 */
gboolean
aio_udp_server_send_to (AioUdpServer    *self,
                        GBytes          *data,
                        GSocketAddress  *to,
                        GError         **error)
{
  GSocket *socket;
  g_autoptr(GError) local_error = NULL;
  gconstpointer bytes;
  gsize size;

  g_return_val_if_fail (AIO_IS_UDP_SERVER (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (to), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  socket = _aio_socket_server_peek_listener (AIO_SOCKET_SERVER (self));
  if (socket == NULL)
    {
      g_set_error (error, AIO_ERROR, AIO_ERROR_NOT_RUNNING,
                   "Server '%s' does not run: cannot send", aio_service_get_name (AIO_SERVICE (self)));
      return FALSE;
    }

  bytes = g_bytes_get_data (data, &size);
  if (g_socket_send_to (socket, to, bytes, size, NULL, &local_error) < 0)
    {
      g_autofree char *where = _aio_net_address_to_string (to);

      g_set_error (error, G_IO_ERROR, local_error->code,
                   "Cannot send %" G_GSIZE_FORMAT " bytes to %s: %s",
                   size, where, local_error->message);
      return FALSE;
    }
  return TRUE;
}


