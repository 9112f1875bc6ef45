/* aio-udp-server.c: AioUdpServer, a UDP datagram server service
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-net-private.h"

/**
 * AioUdpServer:
 *
 * A UDP server service: aiomisc's `UDPServer`.
 *
 * Its start binds the socket (or takes [property@Aio.UdpServer:socket], or
 * an inherited socket: see [property@Aio.UdpServer:activation-name]) and
 * from then on calls `handle_datagram` of [class@Aio.UdpServer] on
 * the main context the server was started on, for every datagram received.
 * [method@Aio.UdpServer.send_to] answers. An error while receiving is
 * logged as a warning and the server goes on. The start fails with a
 * #GError naming the value at fault for a port in use (`address:port`) or a
 * bad address; after it, [property@Aio.UdpServer:port] is the bound port.
 *
 * Where the socket comes from follows the rules of [class@Aio.TcpServer]
 * (without Unix sockets): the given socket, the inherited one named
 * [property@Aio.UdpServer:activation-name], the only inherited datagram
 * socket, a new socket bound to [property@Aio.UdpServer:address] and
 * [property@Aio.UdpServer:port].
 *
 * Since: 0.1
 */

/* Datagrams read per wake-up of the socket, at most. */
#define RECEIVE_BATCH 64
/* The largest UDP payload. */
#define RECEIVE_BUFFER_SIZE 65536

typedef struct
{
  /* properties */
  char         *address;
  guint         port;
  GSocket      *socket;
  char         *activation_name;
  gboolean      reuse_port;

  /* while running */
  GSocket      *bound;
  gboolean      bound_owned;
  GSource      *receive_source;
  guint8       *buffer;
} AioUdpServerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (AioUdpServer, aio_udp_server, AIO_TYPE_SERVICE)

#define PRIV(self) ((AioUdpServerPrivate *) aio_udp_server_get_instance_private (self))

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_SOCKET,
  PROP_ACTIVATION_NAME,
  PROP_REUSE_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
receive_cb (GSocket      *socket,
            GIOCondition  condition,
            gpointer      user_data)
{
  AioUdpServer *self = user_data;
  AioUdpServerPrivate *priv = PRIV (self);
  AioUdpServerClass *klass = AIO_UDP_SERVER_GET_CLASS (self);

  for (guint i = 0; i < RECEIVE_BATCH && priv->bound != NULL; i++)
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
  if (priv->bound != NULL && priv->bound_owned)
    g_socket_close (priv->bound, NULL);
  g_clear_object (&priv->bound);
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
  AioNetListenOptions options = {
    .address = priv->address,
    .port = priv->port,
    .socket = priv->socket,
    .activation_name = priv->activation_name,
    .reuse_port = priv->reuse_port,
  };
  GError *error = NULL;
  guint port;

  g_task_set_source_tag (task, aio_udp_server_start_async);

  priv->bound = _aio_net_listen (&options, G_SOCKET_TYPE_DATAGRAM, &priv->bound_owned, &error);
  if (priv->bound == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  port = _aio_net_get_local_port (priv->bound);
  if (port != 0 && port != priv->port)
    {
      priv->port = port;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
    }

  priv->buffer = g_malloc (RECEIVE_BUFFER_SIZE);
  priv->receive_source = g_socket_create_source (priv->bound, G_IO_IN, NULL);
  g_source_set_static_name (priv->receive_source, "[aiomisc-glib] UDP receive");
  g_source_set_callback (priv->receive_source, G_SOURCE_FUNC (receive_cb), self, NULL);
  g_source_attach (priv->receive_source, context);

  where = _aio_net_local_to_string (priv->bound);
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
aio_udp_server_finalize (GObject *object)
{
  AioUdpServerPrivate *priv = PRIV (AIO_UDP_SERVER (object));

  g_free (priv->address);
  g_clear_object (&priv->socket);
  g_free (priv->activation_name);

  G_OBJECT_CLASS (aio_udp_server_parent_class)->finalize (object);
}

static void
aio_udp_server_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AioUdpServerPrivate *priv = PRIV (AIO_UDP_SERVER (object));

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_string (value, priv->address);
      break;
    case PROP_PORT:
      g_value_set_uint (value, priv->port);
      break;
    case PROP_SOCKET:
      g_value_set_object (value, priv->socket);
      break;
    case PROP_ACTIVATION_NAME:
      g_value_set_string (value, priv->activation_name);
      break;
    case PROP_REUSE_PORT:
      g_value_set_boolean (value, priv->reuse_port);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_udp_server_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AioUdpServer *self = AIO_UDP_SERVER (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      aio_udp_server_set_address (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      aio_udp_server_set_port (self, g_value_get_uint (value));
      break;
    case PROP_SOCKET:
      aio_udp_server_set_socket (self, g_value_get_object (value));
      break;
    case PROP_ACTIVATION_NAME:
      aio_udp_server_set_activation_name (self, g_value_get_string (value));
      break;
    case PROP_REUSE_PORT:
      aio_udp_server_set_reuse_port (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_udp_server_class_init (AioUdpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = aio_udp_server_dispose;
  object_class->finalize = aio_udp_server_finalize;
  object_class->get_property = aio_udp_server_get_property;
  object_class->set_property = aio_udp_server_set_property;

  service_class->start_async = aio_udp_server_start_async;
  service_class->stop_async = aio_udp_server_stop_async;

  klass->handle_datagram = aio_udp_server_real_handle_datagram;

  /**
   * AioUdpServer:address:
   *
   * The IP address to bind: `"127.0.0.1"` (the default), `"::"`,
   * `"0.0.0.0"`, `"localhost"`... A bad value fails the start with
   * %G_IO_ERROR_INVALID_ARGUMENT naming it.
   *
   * Since: 0.1
   */
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, "127.0.0.1", flags);

  /**
   * AioUdpServer:port:
   *
   * The port to bind; 0 (the default) picks a free one. Once the server
   * has started, it is the bound port (notified when it changes).
   *
   * Since: 0.1
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags);

  /**
   * AioUdpServer:socket:
   *
   * An already bound datagram socket to serve on. The server does not
   * close it on stop.
   *
   * Since: 0.1
   */
  properties[PROP_SOCKET] =
    g_param_spec_object ("socket", NULL, NULL, G_TYPE_SOCKET, flags);

  /**
   * AioUdpServer:activation-name:
   *
   * The name (in `LISTEN_FDNAMES`) of the inherited socket to serve on;
   * see [property@Aio.TcpServer:activation-name].
   *
   * Since: 0.1
   */
  properties[PROP_ACTIVATION_NAME] =
    g_param_spec_string ("activation-name", NULL, NULL, NULL, flags);

  /**
   * AioUdpServer:reuse-port:
   *
   * Whether to set `SO_REUSEPORT` (and `SO_REUSEADDR`), so that several
   * processes share the port.
   *
   * Since: 0.1
   */
  properties[PROP_REUSE_PORT] =
    g_param_spec_boolean ("reuse-port", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_udp_server_init (AioUdpServer *self)
{
  PRIV (self)->address = g_strdup ("127.0.0.1");
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
 * Fails with %AIO_SERVICE_ERROR_NOT_STARTED when the server does not run,
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
  AioUdpServerPrivate *priv;
  g_autoptr(GError) local_error = NULL;
  gconstpointer bytes;
  gsize size;

  g_return_val_if_fail (AIO_IS_UDP_SERVER (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (to), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  priv = PRIV (self);
  if (priv->bound == NULL)
    {
      g_set_error (error, AIO_SERVICE_ERROR, AIO_SERVICE_ERROR_NOT_STARTED,
                   "Server '%s' does not run: cannot send", aio_service_get_name (AIO_SERVICE (self)));
      return FALSE;
    }

  bytes = g_bytes_get_data (data, &size);
  if (g_socket_send_to (priv->bound, to, bytes, size, NULL, &local_error) < 0)
    {
      g_autofree char *where = _aio_net_address_to_string (to);

      g_set_error (error, G_IO_ERROR, local_error->code,
                   "Cannot send %" G_GSIZE_FORMAT " bytes to %s: %s",
                   size, where, local_error->message);
      return FALSE;
    }
  return TRUE;
}


/**
 * aio_udp_server_get_address:
 * @self: a UDP server
 *
 * Gets [property@Aio.UdpServer:address].
 *
 * Returns: (nullable): the address to bind
 *
 * Since: 0.1
 */
const char *
aio_udp_server_get_address (AioUdpServer *self)
{
  g_return_val_if_fail (AIO_IS_UDP_SERVER (self), NULL);
  return PRIV (self)->address;
}

/**
 * aio_udp_server_set_address:
 * @self: a UDP server
 * @address: (nullable): the address to bind
 *
 * Sets [property@Aio.UdpServer:address]; it applies at the next start.
 *
 * Since: 0.1
 */
void
aio_udp_server_set_address (AioUdpServer *self,
                            const char   *address)
{
  g_return_if_fail (AIO_IS_UDP_SERVER (self));
  _aio_net_set_string (G_OBJECT (self), &PRIV (self)->address, address, properties[PROP_ADDRESS]);
}

/**
 * aio_udp_server_get_port:
 * @self: a UDP server
 *
 * Gets [property@Aio.UdpServer:port]: once the server has started, the
 * bound port.
 *
 * Returns: the port
 *
 * Since: 0.1
 */
guint
aio_udp_server_get_port (AioUdpServer *self)
{
  g_return_val_if_fail (AIO_IS_UDP_SERVER (self), 0);
  return PRIV (self)->port;
}

/**
 * aio_udp_server_set_port:
 * @self: a UDP server
 * @port: the port to bind, 0 for any free port
 *
 * Sets [property@Aio.UdpServer:port]; it applies at the next start.
 *
 * Since: 0.1
 */
void
aio_udp_server_set_port (AioUdpServer *self,
                         guint         port)
{
  g_return_if_fail (AIO_IS_UDP_SERVER (self));
  g_return_if_fail (port <= G_MAXUINT16);

  if (PRIV (self)->port == port)
    return;
  PRIV (self)->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

/**
 * aio_udp_server_get_socket:
 * @self: a UDP server
 *
 * Gets [property@Aio.UdpServer:socket].
 *
 * Returns: (nullable) (transfer none): the socket set to serve on
 *
 * Since: 0.1
 */
GSocket *
aio_udp_server_get_socket (AioUdpServer *self)
{
  g_return_val_if_fail (AIO_IS_UDP_SERVER (self), NULL);
  return PRIV (self)->socket;
}

/**
 * aio_udp_server_set_socket:
 * @self: a UDP server
 * @socket: (nullable): an already bound datagram socket, or %NULL
 *
 * Sets [property@Aio.UdpServer:socket]; it applies at the next start.
 *
 * Since: 0.1
 */
void
aio_udp_server_set_socket (AioUdpServer *self,
                           GSocket      *socket)
{
  g_return_if_fail (AIO_IS_UDP_SERVER (self));
  g_return_if_fail (socket == NULL || G_IS_SOCKET (socket));

  if (g_set_object (&PRIV (self)->socket, socket))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOCKET]);
}

/**
 * aio_udp_server_get_activation_name:
 * @self: a UDP server
 *
 * Gets [property@Aio.UdpServer:activation-name].
 *
 * Returns: (nullable): the name of the inherited socket to serve on
 *
 * Since: 0.1
 */
const char *
aio_udp_server_get_activation_name (AioUdpServer *self)
{
  g_return_val_if_fail (AIO_IS_UDP_SERVER (self), NULL);
  return PRIV (self)->activation_name;
}

/**
 * aio_udp_server_set_activation_name:
 * @self: a UDP server
 * @name: (nullable): the name of an inherited socket, or %NULL
 *
 * Sets [property@Aio.UdpServer:activation-name]; it applies at the next
 * start.
 *
 * Since: 0.1
 */
void
aio_udp_server_set_activation_name (AioUdpServer *self,
                                    const char   *name)
{
  g_return_if_fail (AIO_IS_UDP_SERVER (self));
  _aio_net_set_string (G_OBJECT (self), &PRIV (self)->activation_name, name, properties[PROP_ACTIVATION_NAME]);
}

/**
 * aio_udp_server_get_reuse_port:
 * @self: a UDP server
 *
 * Gets [property@Aio.UdpServer:reuse-port].
 *
 * Returns: whether `SO_REUSEPORT` is set
 *
 * Since: 0.1
 */
gboolean
aio_udp_server_get_reuse_port (AioUdpServer *self)
{
  g_return_val_if_fail (AIO_IS_UDP_SERVER (self), FALSE);
  return PRIV (self)->reuse_port;
}

/**
 * aio_udp_server_set_reuse_port:
 * @self: a UDP server
 * @reuse_port: whether to set `SO_REUSEPORT`
 *
 * Sets [property@Aio.UdpServer:reuse-port]; it applies at the next start.
 *
 * Since: 0.1
 */
void
aio_udp_server_set_reuse_port (AioUdpServer *self,
                               gboolean      reuse_port)
{
  g_return_if_fail (AIO_IS_UDP_SERVER (self));

  if (PRIV (self)->reuse_port == !!reuse_port)
    return;
  PRIV (self)->reuse_port = !!reuse_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REUSE_PORT]);
}
