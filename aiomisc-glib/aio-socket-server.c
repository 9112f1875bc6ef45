/* aio-socket-server.c: AioSocketServer, the base of the socket servers
 *
 * SPDX-License-Identifier: MIT
 */
#include <glib/gstdio.h>

#include "aiomisc-glib.h"
#include "aio-net-private.h"
#include "aio-socket-server-private.h"
#include "aio-tls-private.h"

/**
 * AioSocketServer:
 *
 * The base of the services that serve on a socket: [class@Aio.TcpServer],
 * [class@Aio.UdpServer] and those to come. It owns where the socket comes
 * from, and binding it.
 *
 * A subclass calls [method@Aio.SocketServer.listen] in its start: that
 * gives the bound (and, for a stream socket, listening) non-blocking socket
 * to serve on, or a #GError naming the value at fault (a port in use as
 * `address:port`, a bad address, a missing inherited socket). Once bound,
 * [property@Aio.SocketServer:port] is the bound port, notified when it
 * changes (useful with port 0). The stop calls
 * [method@Aio.SocketServer.close_listener].
 *
 * ## Where the socket comes from
 *
 * In this order: [property@Aio.SocketServer:socket] (an already bound
 * socket); the socket inherited through systemd socket activation
 * (`LISTEN_FDS`, `LISTEN_PID`, `LISTEN_FDNAMES`) named
 * [property@Aio.SocketServer:activation-name]; a Unix socket path, for
 * stream servers ([property@Aio.SocketServer:unix-path]); the only
 * inherited socket, if exactly one socket of the right type was passed; a
 * new socket bound to [property@Aio.SocketServer:address] and
 * [property@Aio.SocketServer:port] (with `SO_REUSEADDR` for TCP, and
 * `SO_REUSEPORT` with [property@Aio.SocketServer:reuse-port], for several
 * processes on one port).
 *
 * A given or an inherited socket is not closed by the server: it belongs
 * to whoever gave it (an inherited one is served again at the next start).
 *
 * A subclass that hands the socket to another library, such as
 * `soup_server_listen_socket()`, gets it from
 * [method@Aio.SocketServer.listen] too.
 *
 * ## TLS
 *
 * [property@Aio.SocketServer:tls-certificate-file] and
 * [property@Aio.SocketServer:tls-key-file] are read by the stream servers
 * that speak TLS, [class@Aio.TcpServer] and `AioHttpService` (built with
 * libsoup); a datagram server refuses them, as it refuses a Unix socket
 * path.
 *
 * Since: 0.2
 */

typedef struct
{
  /* properties */
  char          *address;
  guint          port;
  GSocket       *socket;
  char          *activation_name;
  gboolean       reuse_port;
  char          *unix_path;
  char          *tls_certificate_file;
  char          *tls_key_file;

  /* while listening */
  GSocket       *listener;
  gboolean       listener_owned;
  char          *bound_unix_path;     /* removed on close */
} AioSocketServerPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (AioSocketServer, aio_socket_server, AIO_TYPE_SERVICE)

#define PRIV(self) ((AioSocketServerPrivate *) aio_socket_server_get_instance_private (self))

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_SOCKET,
  PROP_ACTIVATION_NAME,
  PROP_REUSE_PORT,
  PROP_UNIX_PATH,
  PROP_TLS_CERTIFICATE_FILE,
  PROP_TLS_KEY_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define DEFAULT_ADDRESS "127.0.0.1"

GSocket *
_aio_socket_server_peek_listener (AioSocketServer *self)
{
  return PRIV (self)->listener;
}

/**
 * aio_socket_server_listen:
 * @self: a socket server
 * @type: %G_SOCKET_TYPE_STREAM or %G_SOCKET_TYPE_DATAGRAM
 * @backlog: the listen backlog of a stream socket (0 for the system's
 *   default); ignored for datagram sockets and for an inherited socket
 *   that already listens
 * @error: return location for a #GError
 *
 * Binds the socket the server serves on (see "Where the socket comes
 * from" in [class@Aio.SocketServer]) and, for a stream socket, listens on
 * it; the socket is non-blocking. Sets [property@Aio.SocketServer:port] to
 * the bound port, with a notification when it changes.
 *
 * A stream socket is bound at [property@Aio.SocketServer:unix-path] when
 * that is set (and no socket is given or activated).
 *
 * Subclasses call it from their start. It fails with
 * %G_IO_ERROR_INVALID_ARGUMENT for a bad address or port, or a given
 * socket of another type (the message names the value), with
 * %G_IO_ERROR_NOT_FOUND for an activation name that was not passed, with
 * %G_IO_ERROR_NOT_SUPPORTED for a datagram socket with
 * [property@Aio.SocketServer:unix-path] or a TLS file set (naming the
 * property), with the error of the system for a port in use (naming
 * `address:port`), and with %G_IO_ERROR_BUSY when the server listens
 * already.
 *
 * Returns: (transfer none): the socket to serve on, owned by @self until
 *   [method@Aio.SocketServer.close_listener], or %NULL on error
 *
 * Since: 0.2
 */
GSocket *
aio_socket_server_listen (AioSocketServer  *self,
                          GSocketType       type,
                          int               backlog,
                          GError          **error)
{
  AioSocketServerPrivate *priv;
  AioNetListenOptions options;
  const char *refused = NULL;
  guint port;

  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  priv = PRIV (self);

  if (type != G_SOCKET_TYPE_STREAM && type != G_SOCKET_TYPE_DATAGRAM)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Server '%s': invalid socket type %d: stream or datagram is expected",
                   aio_service_get_name (AIO_SERVICE (self)), (int) type);
      return NULL;
    }
  if (backlog < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Server '%s': invalid backlog %d: 0 or more is expected",
                   aio_service_get_name (AIO_SERVICE (self)), backlog);
      return NULL;
    }

  /* A Unix datagram socket would need peers with paths, and DTLS is not
   * offered: a datagram server refuses both rather than ignore them. */
  if (type == G_SOCKET_TYPE_DATAGRAM)
    {
      if (priv->unix_path != NULL)
        refused = "unix-path";
      else if (_aio_tls_file_is_set (priv->tls_certificate_file))
        refused = "tls-certificate-file";
      else if (_aio_tls_file_is_set (priv->tls_key_file))
        refused = "tls-key-file";
    }
  if (refused != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Server '%s': %s is set, but a datagram server serves neither a Unix socket path nor TLS",
                   aio_service_get_name (AIO_SERVICE (self)), refused);
      return NULL;
    }

  options = (AioNetListenOptions) {
    .address = priv->address,
    .port = priv->port,
    .unix_path = type == G_SOCKET_TYPE_STREAM ? priv->unix_path : NULL,
    .socket = priv->socket,
    .activation_name = priv->activation_name,
    .backlog = backlog,
    .reuse_port = priv->reuse_port,
  };

  if (priv->listener != NULL)
    {
      g_autofree char *where = _aio_net_local_to_string (priv->listener);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "Server '%s' already listens on %s",
                   aio_service_get_name (AIO_SERVICE (self)), where);
      return NULL;
    }

  priv->listener = _aio_net_listen (&options, type, &priv->listener_owned, error);
  if (priv->listener == NULL)
    return NULL;

  if (priv->listener_owned && options.unix_path != NULL &&
      g_socket_get_family (priv->listener) == G_SOCKET_FAMILY_UNIX)
    priv->bound_unix_path = g_strdup (options.unix_path);

  port = _aio_net_get_local_port (priv->listener);
  if (port != 0 && port != priv->port)
    {
      priv->port = port;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
    }

  return priv->listener;
}

/**
 * aio_socket_server_get_listener:
 * @self: a socket server
 *
 * Gets the socket the server serves on, between
 * [method@Aio.SocketServer.listen] and
 * [method@Aio.SocketServer.close_listener].
 *
 * Returns: (nullable) (transfer none): the bound socket, or %NULL
 *
 * Since: 0.2
 */
GSocket *
aio_socket_server_get_listener (AioSocketServer *self)
{
  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), NULL);
  return PRIV (self)->listener;
}

/**
 * aio_socket_server_close_listener:
 * @self: a socket server
 *
 * Lets go of the socket [method@Aio.SocketServer.listen] gave: closes it
 * unless it was given ([property@Aio.SocketServer:socket]) or inherited,
 * and removes the file of a Unix socket the server bound. Subclasses call
 * it from their stop (after removing their sources on the socket); the
 * server calls it on dispose too. Does nothing when the server does not
 * listen.
 *
 * Since: 0.2
 */
void
aio_socket_server_close_listener (AioSocketServer *self)
{
  AioSocketServerPrivate *priv;

  g_return_if_fail (AIO_IS_SOCKET_SERVER (self));
  priv = PRIV (self);

  if (priv->listener != NULL && priv->listener_owned)
    g_socket_close (priv->listener, NULL);
  g_clear_object (&priv->listener);
  if (priv->bound_unix_path != NULL)
    {
      g_unlink (priv->bound_unix_path);
      g_clear_pointer (&priv->bound_unix_path, g_free);
    }
}

static void
aio_socket_server_dispose (GObject *object)
{
  aio_socket_server_close_listener (AIO_SOCKET_SERVER (object));

  G_OBJECT_CLASS (aio_socket_server_parent_class)->dispose (object);
}

static void
aio_socket_server_finalize (GObject *object)
{
  AioSocketServerPrivate *priv = PRIV (AIO_SOCKET_SERVER (object));

  g_free (priv->address);
  g_clear_object (&priv->socket);
  g_free (priv->activation_name);
  g_free (priv->unix_path);
  g_free (priv->tls_certificate_file);
  g_free (priv->tls_key_file);

  G_OBJECT_CLASS (aio_socket_server_parent_class)->finalize (object);
}

static void
aio_socket_server_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  AioSocketServerPrivate *priv = PRIV (AIO_SOCKET_SERVER (object));

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
    case PROP_UNIX_PATH:
      g_value_set_string (value, priv->unix_path);
      break;
    case PROP_TLS_CERTIFICATE_FILE:
      g_value_set_string (value, priv->tls_certificate_file);
      break;
    case PROP_TLS_KEY_FILE:
      g_value_set_string (value, priv->tls_key_file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_socket_server_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  AioSocketServer *self = AIO_SOCKET_SERVER (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      aio_socket_server_set_address (self, g_value_get_string (value));
      break;
    case PROP_PORT:
      aio_socket_server_set_port (self, g_value_get_uint (value));
      break;
    case PROP_SOCKET:
      aio_socket_server_set_socket (self, g_value_get_object (value));
      break;
    case PROP_ACTIVATION_NAME:
      aio_socket_server_set_activation_name (self, g_value_get_string (value));
      break;
    case PROP_REUSE_PORT:
      aio_socket_server_set_reuse_port (self, g_value_get_boolean (value));
      break;
    case PROP_UNIX_PATH:
      aio_socket_server_set_unix_path (self, g_value_get_string (value));
      break;
    case PROP_TLS_CERTIFICATE_FILE:
      aio_socket_server_set_tls_certificate_file (self, g_value_get_string (value));
      break;
    case PROP_TLS_KEY_FILE:
      aio_socket_server_set_tls_key_file (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_socket_server_class_init (AioSocketServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = aio_socket_server_dispose;
  object_class->finalize = aio_socket_server_finalize;
  object_class->get_property = aio_socket_server_get_property;
  object_class->set_property = aio_socket_server_set_property;

  /**
   * AioSocketServer:address:
   *
   * The IP address to bind: `"127.0.0.1"` (the default), `"::"` (every
   * address, IPv6 and IPv4), `"0.0.0.0"`, `"localhost"` (127.0.0.1)...
   * Host names other than `localhost` are not resolved: the start fails
   * with %G_IO_ERROR_INVALID_ARGUMENT naming the value.
   *
   * Since: 0.2
   */
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, DEFAULT_ADDRESS, flags);

  /**
   * AioSocketServer:port:
   *
   * The port to bind; 0 (the default) picks a free one. Once the server
   * has bound its socket, it is the bound port (notified when it changes),
   * also for a given or an inherited socket.
   *
   * Since: 0.2
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags);

  /**
   * AioSocketServer:socket:
   *
   * An already bound socket to serve on (a stream socket is made to
   * listen if it does not yet). The server does not close it on stop: it
   * belongs to whoever set it. A socket of the wrong type fails the start
   * with %G_IO_ERROR_INVALID_ARGUMENT.
   *
   * Since: 0.2
   */
  properties[PROP_SOCKET] =
    g_param_spec_object ("socket", NULL, NULL, G_TYPE_SOCKET, flags);

  /**
   * AioSocketServer:activation-name:
   *
   * The name (systemd's `FileDescriptorName=`, in `LISTEN_FDNAMES`) of the
   * inherited socket to serve on. When set, the start fails with
   * %G_IO_ERROR_NOT_FOUND naming it unless such a socket was passed to
   * this process. When not set, the server uses the only inherited socket
   * if exactly one socket of its type was passed and neither
   * [property@Aio.SocketServer:socket] nor a Unix socket path is set. An
   * inherited socket stays open when the server stops (it is served again
   * at the next start) and several servers may serve one.
   *
   * Since: 0.2
   */
  properties[PROP_ACTIVATION_NAME] =
    g_param_spec_string ("activation-name", NULL, NULL, NULL, flags);

  /**
   * AioSocketServer:reuse-port:
   *
   * Whether to set `SO_REUSEPORT` (and, for UDP, `SO_REUSEADDR`), so that
   * several processes serve one port, the kernel spreading the clients
   * among them.
   *
   * Since: 0.2
   */
  properties[PROP_REUSE_PORT] =
    g_param_spec_boolean ("reuse-port", NULL, NULL, FALSE, flags);

  /**
   * AioSocketServer:unix-path:
   *
   * The path of a Unix stream socket to serve on instead of an address
   * and a port. A stale socket file is removed before binding and the file
   * is removed on stop; a path where another process listens is an error.
   * A datagram server ([class@Aio.UdpServer]) refuses it: its start fails
   * with %G_IO_ERROR_NOT_SUPPORTED.
   *
   * Since: 0.2
   */
  properties[PROP_UNIX_PATH] =
    g_param_spec_string ("unix-path", NULL, NULL, NULL, flags);

  /**
   * AioSocketServer:tls-certificate-file:
   *
   * A PEM file with the server certificate (and its chain); setting it
   * makes [class@Aio.TcpServer] speak TLS and `AioHttpService`
   * HTTPS. The private key is in [property@Aio.SocketServer:tls-key-file],
   * or in this file when that is not set. An unreadable or invalid file
   * fails the start with an error naming it. An empty string is the same
   * as %NULL (no TLS). A datagram server refuses it: its start fails with
   * %G_IO_ERROR_NOT_SUPPORTED.
   *
   * Since: 0.2
   */
  properties[PROP_TLS_CERTIFICATE_FILE] =
    g_param_spec_string ("tls-certificate-file", NULL, NULL, NULL, flags);

  /**
   * AioSocketServer:tls-key-file:
   *
   * A PEM file with the private key of
   * [property@Aio.SocketServer:tls-certificate-file].
   *
   * Since: 0.2
   */
  properties[PROP_TLS_KEY_FILE] =
    g_param_spec_string ("tls-key-file", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_socket_server_init (AioSocketServer *self)
{
  PRIV (self)->address = g_strdup (DEFAULT_ADDRESS);
}

/**
 * aio_socket_server_get_address:
 * @self: a socket server
 *
 * Gets [property@Aio.SocketServer:address].
 *
 * Returns: (nullable): the address to bind
 *
 * Since: 0.2
 */
const char *
aio_socket_server_get_address (AioSocketServer *self)
{
  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), NULL);
  return PRIV (self)->address;
}

/**
 * aio_socket_server_set_address:
 * @self: a socket server
 * @address: (nullable): the address to bind
 *
 * Sets [property@Aio.SocketServer:address]; it applies at the next start.
 *
 * Since: 0.2
 */
void
aio_socket_server_set_address (AioSocketServer *self,
                               const char      *address)
{
  g_return_if_fail (AIO_IS_SOCKET_SERVER (self));
  _aio_net_set_string (G_OBJECT (self), &PRIV (self)->address, address, properties[PROP_ADDRESS]);
}

/**
 * aio_socket_server_get_port:
 * @self: a socket server
 *
 * Gets [property@Aio.SocketServer:port]: once the server has bound its
 * socket, the bound port.
 *
 * Returns: the port
 *
 * Since: 0.2
 */
guint
aio_socket_server_get_port (AioSocketServer *self)
{
  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), 0);
  return PRIV (self)->port;
}

/**
 * aio_socket_server_set_port:
 * @self: a socket server
 * @port: the port to bind, 0 for any free port
 *
 * Sets [property@Aio.SocketServer:port]; it applies at the next start.
 *
 * Since: 0.2
 */
void
aio_socket_server_set_port (AioSocketServer *self,
                            guint            port)
{
  g_return_if_fail (AIO_IS_SOCKET_SERVER (self));
  g_return_if_fail (port <= G_MAXUINT16);

  if (PRIV (self)->port == port)
    return;
  PRIV (self)->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

/**
 * aio_socket_server_get_socket:
 * @self: a socket server
 *
 * Gets [property@Aio.SocketServer:socket].
 *
 * Returns: (nullable) (transfer none): the socket set to serve on
 *
 * Since: 0.2
 */
GSocket *
aio_socket_server_get_socket (AioSocketServer *self)
{
  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), NULL);
  return PRIV (self)->socket;
}

/**
 * aio_socket_server_set_socket:
 * @self: a socket server
 * @socket: (nullable): an already bound socket, or %NULL
 *
 * Sets [property@Aio.SocketServer:socket]; it applies at the next start.
 *
 * Since: 0.2
 */
void
aio_socket_server_set_socket (AioSocketServer *self,
                              GSocket         *socket)
{
  g_return_if_fail (AIO_IS_SOCKET_SERVER (self));
  g_return_if_fail (socket == NULL || G_IS_SOCKET (socket));

  if (g_set_object (&PRIV (self)->socket, socket))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SOCKET]);
}

/**
 * aio_socket_server_get_activation_name:
 * @self: a socket server
 *
 * Gets [property@Aio.SocketServer:activation-name].
 *
 * Returns: (nullable): the name of the inherited socket to serve on
 *
 * Since: 0.2
 */
const char *
aio_socket_server_get_activation_name (AioSocketServer *self)
{
  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), NULL);
  return PRIV (self)->activation_name;
}

/**
 * aio_socket_server_set_activation_name:
 * @self: a socket server
 * @name: (nullable): the name of an inherited socket, or %NULL
 *
 * Sets [property@Aio.SocketServer:activation-name]; it applies at the next
 * start.
 *
 * Since: 0.2
 */
void
aio_socket_server_set_activation_name (AioSocketServer *self,
                                       const char      *name)
{
  g_return_if_fail (AIO_IS_SOCKET_SERVER (self));
  _aio_net_set_string (G_OBJECT (self), &PRIV (self)->activation_name, name,
                       properties[PROP_ACTIVATION_NAME]);
}

/**
 * aio_socket_server_get_reuse_port:
 * @self: a socket server
 *
 * Gets [property@Aio.SocketServer:reuse-port].
 *
 * Returns: whether `SO_REUSEPORT` is set
 *
 * Since: 0.2
 */
gboolean
aio_socket_server_get_reuse_port (AioSocketServer *self)
{
  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), FALSE);
  return PRIV (self)->reuse_port;
}

/**
 * aio_socket_server_set_reuse_port:
 * @self: a socket server
 * @reuse_port: whether to set `SO_REUSEPORT`
 *
 * Sets [property@Aio.SocketServer:reuse-port]; it applies at the next
 * start.
 *
 * Since: 0.2
 */
void
aio_socket_server_set_reuse_port (AioSocketServer *self,
                                  gboolean         reuse_port)
{
  g_return_if_fail (AIO_IS_SOCKET_SERVER (self));

  if (PRIV (self)->reuse_port == !!reuse_port)
    return;
  PRIV (self)->reuse_port = !!reuse_port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REUSE_PORT]);
}

/**
 * aio_socket_server_get_unix_path:
 * @self: a socket server
 *
 * Gets [property@Aio.SocketServer:unix-path].
 *
 * Returns: (nullable) (type filename): the path of the Unix socket
 *
 * Since: 0.2
 */
const char *
aio_socket_server_get_unix_path (AioSocketServer *self)
{
  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), NULL);
  return PRIV (self)->unix_path;
}

/**
 * aio_socket_server_set_unix_path:
 * @self: a socket server
 * @path: (nullable) (type filename): the path of a Unix stream socket, or %NULL
 *
 * Sets [property@Aio.SocketServer:unix-path]; it applies at the next start.
 *
 * Since: 0.2
 */
void
aio_socket_server_set_unix_path (AioSocketServer *self,
                                const char      *path)
{
  g_return_if_fail (AIO_IS_SOCKET_SERVER (self));
  _aio_net_set_string (G_OBJECT (self), &PRIV (self)->unix_path, path, properties[PROP_UNIX_PATH]);
}

/**
 * aio_socket_server_get_tls_certificate_file:
 * @self: a socket server
 *
 * Gets [property@Aio.SocketServer:tls-certificate-file].
 *
 * Returns: (nullable) (type filename): the certificate file
 *
 * Since: 0.2
 */
const char *
aio_socket_server_get_tls_certificate_file (AioSocketServer *self)
{
  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), NULL);
  return PRIV (self)->tls_certificate_file;
}

/**
 * aio_socket_server_set_tls_certificate_file:
 * @self: a socket server
 * @file: (nullable) (type filename): a PEM certificate file, or %NULL for no TLS
 *
 * Sets [property@Aio.SocketServer:tls-certificate-file]; it applies at the next start.
 *
 * Since: 0.2
 */
void
aio_socket_server_set_tls_certificate_file (AioSocketServer *self,
                                           const char      *file)
{
  g_return_if_fail (AIO_IS_SOCKET_SERVER (self));
  _aio_net_set_string (G_OBJECT (self), &PRIV (self)->tls_certificate_file, file, properties[PROP_TLS_CERTIFICATE_FILE]);
}

/**
 * aio_socket_server_get_tls_key_file:
 * @self: a socket server
 *
 * Gets [property@Aio.SocketServer:tls-key-file].
 *
 * Returns: (nullable) (type filename): the private key file
 *
 * Since: 0.2
 */
const char *
aio_socket_server_get_tls_key_file (AioSocketServer *self)
{
  g_return_val_if_fail (AIO_IS_SOCKET_SERVER (self), NULL);
  return PRIV (self)->tls_key_file;
}

/**
 * aio_socket_server_set_tls_key_file:
 * @self: a socket server
 * @file: (nullable) (type filename): a PEM private key file, or %NULL
 *
 * Sets [property@Aio.SocketServer:tls-key-file]; it applies at the next start.
 *
 * Since: 0.2
 */
void
aio_socket_server_set_tls_key_file (AioSocketServer *self,
                                   const char      *file)
{
  g_return_if_fail (AIO_IS_SOCKET_SERVER (self));
  _aio_net_set_string (G_OBJECT (self), &PRIV (self)->tls_key_file, file, properties[PROP_TLS_KEY_FILE]);
}
