/* aio-tcp-server.c: AioTcpServer, a TCP and Unix stream server service
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "aiomisc-glib.h"
#include "aio-net-private.h"
#include "aio-socket-server-private.h"
#include "aio-stream-read-private.h"
#include "aio-task-private.h"
#include "aio-tls-private.h"
#include "aio-transport-private.h"

/**
 * AioTcpServer:
 *
 * A TCP (or Unix stream socket) server service: aiomisc's `TCPServer`.
 *
 * Its start binds the socket (see [class@Aio.SocketServer] for where it
 * comes from; a Unix stream socket at [property@Aio.SocketServer:unix-path]
 * is served too) and starts accepting; it fails with a #GError that names
 * the value at fault for a port in use (`address:port`), a bad address, or
 * an unreadable TLS file. After the start,
 * [property@Aio.SocketServer:port] is the bound port (useful with port 0).
 *
 * Every accepted client is served on one of two paths:
 *
 * - *streams*: the `handle_client_async`/`handle_client_finish` pair of
 *   [class@Aio.TcpServer] gets the connection as a #GIOStream (a
 *   #GSocketConnection, or the #GTlsServerConnection over one once its
 *   handshake is done) and a #GCancellable. The server closes the stream
 *   when the handler completes.
 * - *protocol*: when [property@Aio.TcpServer:protocol-type] is set (or
 *   `create_protocol` is overridden), every client gets its own
 *   [class@Aio.StreamProtocol], driven by an [class@Aio.Transport] in the
 *   asyncio `Protocol` style, without a #GTask per read.
 *
 * On both paths every client is tracked: a handler that fails is logged as
 * a warning with the address of the peer and the server goes on. With
 * [property@Aio.TcpServer:max-connections], the server stops accepting at
 * the limit (clients wait in the listen backlog; none is accepted and
 * dropped) and resumes when a client ends.
 *
 * The stop is graceful: the server stops accepting and closes its listening
 * socket, lets the clients finish for up to
 * [property@Aio.TcpServer:drain-timeout] seconds, then ends their reading
 * side (so that a reply being written is finished, not cut), cancels each
 * client that then makes no progress (no byte moved) for a second, and
 * waits for them. Cancelling the stop's own cancellable cancels the
 * clients at once.
 *
 * Against clients that connect and stay silent,
 * [property@Aio.TcpServer:idle-timeout] closes a connection on which no
 * byte moved for that long and [property@Aio.TcpServer:tls-handshake-timeout]
 * one whose TLS handshake did not complete in time.
 *
 * ## TLS
 *
 * With [property@Aio.SocketServer:tls-certificate-file] set, every client is
 * wrapped in a #GTlsServerConnection and its handshake completes before the
 * handler or the protocol sees the connection; a failed handshake is
 * logged and the client dropped. [property@Aio.TcpServer:tls-ca-file]
 * verifies client certificates and
 * [property@Aio.TcpServer:require-client-cert] makes them mandatory. TLS is
 * GIO's (glib-networking at run time): GIO offers no way to choose cipher
 * suites or protocol versions, which are the system's policy
 * (e.g. `/etc/gnutls/config`, or `G_TLS_GNUTLS_PRIORITY`), so there are no
 * properties for them.
 *
 * ```c
 * static void
 * echo_handle_client_async (AioTcpServer        *server,
 *                           GIOStream           *stream,
 *                           GCancellable        *cancellable,
 *                           GAsyncReadyCallback  callback,
 *                           gpointer             user_data)
 * {
 *   GTask *task = g_task_new (server, cancellable, callback, user_data);
 *
 *   // g_output_stream_splice_async() the input to the output, then
 *   // g_task_return_boolean (task, TRUE)
 * }
 * ```
 *
 * A handler that keeps many connections open reads best with
 * [func@Aio.stream_read_bytes_async]: an idle connection then holds no
 * read buffer (a buffer of its own per connection, such as the 16 KiB
 * that GIO's own examples use, is most of what an open connection on the
 * streams path costs; see examples/echo-server.c).
 *
 * Since: 0.1
 */

/* Clients accepted per wake-up of the listening socket, at most: enough
 * to absorb a burst, few enough to let the connections run. */
#define ACCEPT_BATCH 64
/* After an error such as "too many open files": wait before accepting. */
#define ACCEPT_RETRY_MS 100
/* The idle and TLS handshake timeouts are checked by one sweep per server
 * (no timer per connection), SWEEPS_PER_TIMEOUT times per the shortest
 * timeout: a client is closed between 1 and 1 + 1/SWEEPS_PER_TIMEOUT
 * times its timeout after its last activity. */
#define SWEEPS_PER_TIMEOUT 4
/* The count of sweeps a client keeps is a guint16. */
#define MAX_SWEEPS_PER_TIMEOUT 60000
#define DEFAULT_TLS_HANDSHAKE_TIMEOUT 10.0
/* At the drain timeout, the clients' reading side ends first; a client
 * then making no progress (no byte moved) this long is cancelled. Checked
 * by the sweep, SWEEPS_PER_TIMEOUT times per grace. */
#define DRAIN_GRACE 1.0

#define DEFAULT_BACKLOG 128
#define DEFAULT_DRAIN_TIMEOUT 5.0

typedef struct
{
  /* properties */
  int            backlog;
  guint          max_connections;
  double         drain_timeout;
  GType          protocol_type;
  char          *tls_ca_file;
  gboolean       require_client_cert;
  double         idle_timeout;
  double         tls_handshake_timeout;

  /* while running */
  GSource       *accept_source;
  GSource       *retry_source;
  GMainContext  *context;
  GTlsCertificate *tls_certificate;
  GTlsDatabase  *tls_database;
  GQueue         clients;             /* of Client, by their links */
  GCancellable  *clients_cancellable; /* cancelled at the end of the drain */
  GTask         *stop_task;
  GSource       *drain_source;
  gboolean       reads_ended;         /* the drain timeout passed: grace */
  GSource       *stop_cancel_source;
  GSource       *sweep_source;        /* while a timeout applies to a client */
  gint64         sweep_time;          /* monotonic time of the last sweep (grace) */
} AioTcpServerPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (AioTcpServer, aio_tcp_server, AIO_TYPE_SOCKET_SERVER)

enum {
  PROP_0,
  PROP_BACKLOG,
  PROP_MAX_CONNECTIONS,
  PROP_DRAIN_TIMEOUT,
  PROP_PROTOCOL_TYPE,
  PROP_TLS_CA_FILE,
  PROP_REQUIRE_CLIENT_CERT,
  PROP_IDLE_TIMEOUT,
  PROP_TLS_HANDSHAKE_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One accepted client. */
typedef struct
{
  GList               link;        /* in priv->clients; data is the client */
  AioTcpServer       *server;      /* strong */
  GSocketConnection  *connection;
  GIOStream          *stream;      /* connection, or the TLS connection over it */
  union {
    AioStreamProtocol *protocol;   /* protocol path */
    GCancellable      *cancellable; /* streams path with idle-timeout: the handler's own */
  };
  /* The peer, read at accept: it is still known for the log when the
   * connection is reset. No allocation; formatted only when needed. An
   * IPv4 or IPv6 address (a Unix peer's path, when it has one, does not
   * fit and is asked for at log time): not a sockaddr_storage, four
   * times the size, in every client. */
  union {
    struct sockaddr     sa;
    struct sockaddr_in  in;
    struct sockaddr_in6 in6;
  } peer;
  socklen_t           peer_len;
  /* In what peer_len leaves over: the sweeps since the accept (during
   * the TLS handshake), since the last activity (protocol path), or, after
   * the drain timeout, since the last progress. */
  guint16             sweeps;
  guint8              streams : 1;     /* on the streams path: cancellable, not protocol */
  guint8              handshaking : 1;
  guint8              timed_out : 1;   /* closed by a timeout of the server
                                        * (or cut after the drain grace) */
} Client;

#define LISTENER(self) _aio_socket_server_peek_listener (AIO_SOCKET_SERVER (self))

static void start_accepting (AioTcpServer *self);
static void maybe_resume_accepting (AioTcpServer *self);
static void client_serve (Client *client);
static void maybe_start_sweep (AioTcpServer *self);

/* Client life cycle */

static char *
client_peer (Client *client)
{
  g_autoptr(GSocketAddress) address = NULL;

  if (client->peer_len > 0)
    address = g_socket_address_new_from_native (&client->peer, client->peer_len);
  if (address == NULL)
    return _aio_net_remote_to_string (g_socket_connection_get_socket (client->connection));
  return _aio_net_address_to_string (address);
}

static void
maybe_finish_stop (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);
  g_autoptr(GTask) task = NULL;

  if (priv->stop_task == NULL || priv->clients.length > 0)
    return;

  task = g_steal_pointer (&priv->stop_task);
  _aio_source_clear (&priv->stop_cancel_source);
  _aio_source_clear (&priv->drain_source);
  priv->reads_ended = FALSE;
  _aio_source_clear (&priv->sweep_source);
  g_clear_object (&priv->clients_cancellable);
  g_clear_object (&priv->tls_certificate);
  g_clear_object (&priv->tls_database);
  g_clear_pointer (&priv->context, g_main_context_unref);

  g_debug ("Server '%s' stopped", aio_service_get_name (AIO_SERVICE (self)));
  g_task_return_boolean (task, TRUE);
}

static void
client_free (Client *client)
{
  AioTcpServer *self = client->server;
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  g_queue_unlink (&priv->clients, &client->link);
  if (client->streams)
    g_clear_object (&client->cancellable);
  else
    g_clear_object (&client->protocol);
  g_clear_object (&client->stream);
  g_clear_object (&client->connection);
  g_free (client);

  if (priv->stop_task != NULL)
    maybe_finish_stop (self);
  else
    maybe_resume_accepting (self);

  g_object_unref (self);
}

static void
tls_closed_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Client *client = user_data;

  g_io_stream_close_finish (G_IO_STREAM (object), result, NULL);
  /* Whatever the TLS layer did, the socket is closed now. */
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  client_free (client);
}

static void
client_close (Client *client)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (client->server);

  if (client->stream != G_IO_STREAM (client->connection))
    {
      /* Sends the TLS close_notify; once the drain is over, the cancelled
       * cancellable cuts it short. */
      g_io_stream_close_async (client->stream, G_PRIORITY_DEFAULT,
                               priv->clients_cancellable, tls_closed_cb, client);
      return;
    }

  g_io_stream_close (client->stream, NULL, NULL);
  client_free (client);
}

/* Logs the failure of a client's handler; never fatal to the server. */
static void
client_report (Client       *client,
               const GError *error)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (client->server);
  g_autofree char *peer = NULL;

  /* The sweep logged it. */
  if (client->timed_out)
    return;

  peer = client_peer (client);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      priv->clients_cancellable != NULL &&
      g_cancellable_is_cancelled (priv->clients_cancellable))
    g_debug ("Server '%s': client %s cancelled on stop",
             aio_service_get_name (AIO_SERVICE (client->server)), peer);
  else if (priv->reads_ended)
    /* The drain timeout ended its reading side (over TLS, a read then
     * fails rather than ends). */
    g_debug ("Server '%s': client %s ended at the drain timeout: %s",
             aio_service_get_name (AIO_SERVICE (client->server)), peer, error->message);
  else
    g_warning ("Server '%s': client %s failed: %s",
               aio_service_get_name (AIO_SERVICE (client->server)), peer, error->message);
}

static void
client_handled_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  if (!AIO_TCP_SERVER_GET_CLASS (client->server)->handle_client_finish (client->server,
                                                                        result, &error))
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                     "handle_client failed without saying why");
      client_report (client, error);
    }

  client_close (client);
}

static void
client_served_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  if (!_aio_transport_serve_finish (result, &error))
    client_report (client, error);

  /* The transport closes the stream it served (a TLS one with its
   * close_notify): closing it again here would only be a second, empty
   * asynchronous close. A stream it did not get to serve is closed here. */
  if (g_io_stream_is_closed (client->stream))
    client_free (client);
  else
    client_close (client);
}

static void
client_serve (Client *client)
{
  AioTcpServer *self = client->server;
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);
  AioTcpServerClass *klass = AIO_TCP_SERVER_GET_CLASS (self);

  GCancellable *cancellable = priv->clients_cancellable;

  client->protocol = klass->create_protocol (self);
  if (client->protocol != NULL)
    {
      _aio_transport_serve_async (client->protocol, client->stream,
                                  cancellable, client_served_cb, client);
      return;
    }

  /* With an idle timeout, the handler gets a cancellable of its own, to be
   * cancelled alone; cancel_clients() cancels it with the others. */
  client->streams = TRUE;
  if (priv->idle_timeout > 0)
    {
      client->cancellable = g_cancellable_new ();
      if (g_cancellable_is_cancelled (priv->clients_cancellable))
        g_cancellable_cancel (client->cancellable);
      cancellable = client->cancellable;
    }
  klass->handle_client_async (self, client->stream, cancellable, client_handled_cb, client);
}

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  client->handshaking = FALSE;
  client->sweeps = 0;
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      g_autofree char *peer = NULL;

      if (client->timed_out)
        {
          /* The sweep logged it. */
          g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
          client_free (client);
          return;
        }

      /* A client that cannot talk TLS to us is routine, not a failure of
       * the server. */
      peer = client_peer (client);
      g_message ("Server '%s': TLS handshake with %s failed: %s",
                 aio_service_get_name (AIO_SERVICE (client->server)), peer, error->message);
      g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
      client_free (client);
      return;
    }

  client_serve (client);
}

/* GIO asks the server about every client certificate, valid or not:
 * accept those that verify against the CA file (or the system's CAs). */
static gboolean
accept_client_certificate (GTlsConnection       *connection,
                           GTlsCertificate      *certificate,
                           GTlsCertificateFlags  errors,
                           gpointer              user_data)
{
  return errors == 0;
}

static void
client_start (AioTcpServer *self,
              GSocket      *socket)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);
  g_autoptr(GError) error = NULL;
  GTlsServerConnection *tls;
  Client *client;

  if (g_socket_get_family (socket) != G_SOCKET_FAMILY_UNIX)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

  client = g_new0 (Client, 1);
  client->link.data = client;
  {
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof peer;

    if (getpeername (g_socket_get_fd (socket), (struct sockaddr *) &peer, &peer_len) == 0 &&
        peer_len <= sizeof client->peer)
      {
        memcpy (&client->peer, &peer, peer_len);
        client->peer_len = peer_len;
      }
  }
  client->server = g_object_ref (self);
  client->connection = g_socket_connection_factory_create_connection (socket);
  client->handshaking = priv->tls_certificate != NULL;
  g_queue_push_tail_link (&priv->clients, &client->link);
  if (G_UNLIKELY (priv->sweep_source == NULL))
    maybe_start_sweep (self);

  if (priv->tls_certificate == NULL)
    {
      client->stream = g_object_ref (G_IO_STREAM (client->connection));
      client_serve (client);
      return;
    }

  tls = (GTlsServerConnection *) g_tls_server_connection_new (G_IO_STREAM (client->connection),
                                                             priv->tls_certificate, &error);
  if (tls == NULL)
    {
      g_autofree char *peer = client_peer (client);

      g_warning ("Server '%s': cannot set up TLS for %s: %s",
                 aio_service_get_name (AIO_SERVICE (self)), peer, error->message);
      g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
      client_free (client);
      return;
    }

  client->stream = G_IO_STREAM (tls);
  if (priv->tls_database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), priv->tls_database);
  if (priv->tls_database != NULL || priv->require_client_cert)
    {
      g_object_set (tls, "authentication-mode",
                    priv->require_client_cert ? G_TLS_AUTHENTICATION_REQUIRED
                                              : G_TLS_AUTHENTICATION_REQUESTED,
                    NULL);
      g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_client_certificate), NULL);
    }
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    priv->clients_cancellable, handshake_cb, client);
}

/* Timeouts: one sweep per server, while a timeout applies to a client */

/* Cancels every client: the shared cancellable, then the streams handlers'
 * own ones, collected first: a handler may complete, and its client go,
 * inside a cancellation. */
static void
cancel_clients (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);
  g_autoptr(GPtrArray) own = g_ptr_array_new_with_free_func (g_object_unref);

  for (GList *l = priv->clients.head; l != NULL; l = l->next)
    {
      Client *client = l->data;

      if (client->streams && client->cancellable != NULL)
        g_ptr_array_add (own, g_object_ref (client->cancellable));
    }

  g_cancellable_cancel (priv->clients_cancellable);
  for (guint i = 0; i < own->len; i++)
    g_cancellable_cancel (own->pdata[i]);
}

static gboolean
sweep_wanted (AioTcpServerPrivate *priv)
{
  return priv->context != NULL && priv->clients.length > 0 &&
         (priv->idle_timeout > 0 || priv->reads_ended ||
          (priv->tls_certificate != NULL && priv->tls_handshake_timeout > 0));
}

/* The seconds between two sweeps: a fraction of the shortest timeout, and
 * no less than what keeps the count of the longest in a guint16. */
static double
sweep_interval (AioTcpServerPrivate *priv)
{
  double shortest = G_MAXDOUBLE;
  double longest = 0;

  if (priv->idle_timeout > 0)
    {
      shortest = MIN (shortest, priv->idle_timeout);
      longest = MAX (longest, priv->idle_timeout);
    }
  if (priv->tls_certificate != NULL && priv->tls_handshake_timeout > 0)
    {
      shortest = MIN (shortest, priv->tls_handshake_timeout);
      longest = MAX (longest, priv->tls_handshake_timeout);
    }
  if (priv->reads_ended)
    shortest = MIN (shortest, DRAIN_GRACE);
  return MAX (shortest / SWEEPS_PER_TIMEOUT, longest / MAX_SWEEPS_PER_TIMEOUT);
}

/* The sweeps that make @timeout, rounded up (0: never). */
static guint
sweeps_for (double timeout,
            double interval)
{
  double sweeps;

  if (timeout <= 0)
    return 0;
  sweeps = MIN (timeout / interval, G_MAXUINT16 - 1);
  return MAX ((guint) (sweeps + 1.0 - 1e-6), 1);
}

/* The milliseconds since the last byte the kernel received from or sent to
 * the peer, for a TCP connection on the streams path (where the server
 * sees no byte); -1 when the kernel does not tell (a Unix socket). */
static gint64
client_idle_ms (Client *client)
{
#ifdef TCP_INFO
  struct tcp_info info;
  socklen_t len = sizeof info;

  if (client->peer_len == 0 ||
      (client->peer.sa.sa_family != AF_INET && client->peer.sa.sa_family != AF_INET6))
    return -1;
  if (getsockopt (g_socket_get_fd (g_socket_connection_get_socket (client->connection)),
                  IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
    return -1;
  return MIN (info.tcpi_last_data_recv, info.tcpi_last_data_sent);
#else
  return -1;
#endif
}

/* Closes a client at a timeout: the socket is shut down at once (a TLS
 * handshake in a GIO thread wakes up, a handler's pending read ends), and
 * the usual completion of the client frees it. */
static void
client_time_out (Client     *client,
                 const char *what,
                 double      seconds)
{
  g_autofree char *peer = client_peer (client);

  client->timed_out = TRUE;
  g_debug ("Server '%s': %s %s for %g s, closing",
           aio_service_get_name (AIO_SERVICE (client->server)), what, peer, seconds);
  g_socket_shutdown (g_socket_connection_get_socket (client->connection), TRUE, TRUE, NULL);
}

/* After the drain timeout: did the client move a byte since the last
 * sweep? Protocol path: the transport's activity bit. Streams path: the
 * kernel's time of the last byte sent to the peer (the reading side is
 * over: what a peer still sends is no progress), compared with the real
 * time since the last sweep. Over a Unix socket the kernel does not tell:
 * never (such a client is cut after the grace, as before). */
static gboolean
client_progressed (Client *client,
                   gint64  since_us)
{
  if (client->handshaking)
    return FALSE;
  if (!client->streams)
    {
      AioTransport *transport = client->protocol != NULL
                                ? _aio_transport_get_serving (client->protocol) : NULL;

      return transport != NULL && _aio_transport_take_activity (transport);
    }
#ifdef TCP_INFO
  {
    struct tcp_info info;
    socklen_t len = sizeof info;

    if (client->peer_len == 0 ||
        (client->peer.sa.sa_family != AF_INET && client->peer.sa.sa_family != AF_INET6))
      return FALSE;
    if (getsockopt (g_socket_get_fd (g_socket_connection_get_socket (client->connection)),
                    IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
      return FALSE;
    /* +1: the kernel's milliseconds are truncated. */
    return (gint64) info.tcpi_last_data_sent * 1000 <= since_us + 1000;
  }
#else
  return FALSE;
#endif
}

/* Cuts a client that made no progress for the drain grace: its socket is
 * shut down both ways (a pending read or write fails), a protocol's
 * transport aborted, a streams handler's own cancellable (if any) added to
 * @cancel. The shared cancellable is cancelled once every client left is
 * cut (see sweep_cb()). */
static void
client_cut (Client    *client,
            GPtrArray *cancel)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (client->server);
  AioTransport *transport = NULL;

  client_time_out (client, "drain grace: no progress from", DRAIN_GRACE);
  if (client->streams)
    {
      if (client->cancellable != NULL)
        g_ptr_array_add (cancel, g_object_ref (client->cancellable));
      return;
    }
  if (client->protocol != NULL)
    transport = _aio_transport_get_serving (client->protocol);
  if (transport != NULL)
    _aio_transport_abort_with_error (transport,
                                     g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  "No progress for %g s after the drain "
                                                  "timeout of %g s",
                                                  DRAIN_GRACE, priv->drain_timeout));
}

static void start_sweep (AioTcpServer *self);

static gboolean
sweep_cb (gpointer user_data)
{
  AioTcpServer *self = user_data;
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);
  g_autoptr(GPtrArray) cancel = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(AioTcpServer) hold = NULL;
  double interval = sweep_interval (priv);
  guint idle_sweeps = sweeps_for (priv->idle_timeout, interval);
  guint handshake_sweeps = sweeps_for (priv->tls_handshake_timeout, interval);
  guint grace_sweeps = sweeps_for (DRAIN_GRACE, interval);
  gint64 idle_ms = (gint64) (MIN (priv->idle_timeout, G_MAXINT32) * 1000.0);
  gint64 now = g_get_monotonic_time ();
  gint64 since_us = now - priv->sweep_time;
  gboolean all_cut = TRUE;

  g_clear_pointer (&priv->sweep_source, g_source_unref);
  priv->sweep_time = now;

  /* Nothing here calls back into a protocol or a handler: the transport
   * defers connection_lost, and the cancellations come after the walk. */
  for (GList *l = priv->clients.head; l != NULL; l = l->next)
    {
      Client *client = l->data;

      if (priv->reads_ended)
        {
          /* The drain grace: only progress keeps a client. */
          if (!client->timed_out)
            {
              if (client_progressed (client, since_us))
                client->sweeps = 0;
              else if (++client->sweeps >= grace_sweeps)
                client_cut (client, cancel);
            }
          all_cut = all_cut && client->timed_out;
          continue;
        }

      if (client->timed_out)
        continue;

      if (client->handshaking)
        {
          if (handshake_sweeps > 0 && ++client->sweeps > handshake_sweeps)
            client_time_out (client, "TLS handshake with", priv->tls_handshake_timeout);
          continue;
        }

      if (idle_sweeps == 0)
        continue;

      if (!client->streams)
        {
          AioTransport *transport = client->protocol != NULL
                                    ? _aio_transport_get_serving (client->protocol) : NULL;

          if (transport == NULL)
            continue;
          if (_aio_transport_take_activity (transport))
            client->sweeps = 0;
          else if (++client->sweeps >= idle_sweeps)
            {
              g_autofree char *peer = client_peer (client);

              client->timed_out = TRUE;
              g_debug ("Server '%s': client %s idle for %g s, closing",
                       aio_service_get_name (AIO_SERVICE (self)), peer, priv->idle_timeout);
              _aio_transport_abort_with_error (transport,
                                               g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                            "No data either way for %g s "
                                                            "(idle-timeout)",
                                                            priv->idle_timeout));
            }
        }
      else
        {
          gint64 ms = client_idle_ms (client);

          if (ms >= 0 && ms >= idle_ms)
            {
              client_time_out (client, "client", priv->idle_timeout);
              if (client->cancellable != NULL)
                g_ptr_array_add (cancel, g_object_ref (client->cancellable));
            }
        }
    }

  /* A handler may complete, and its client (even the stop) end, inside a
   * cancellation. */
  hold = g_object_ref (self);
  for (guint i = 0; i < cancel->len; i++)
    g_cancellable_cancel (cancel->pdata[i]);
  /* Every client left is cut: the shared cancellable too (a handler may
   * wait on something else than its stream). */
  if (priv->reads_ended && all_cut && priv->clients.length > 0)
    {
      g_debug ("Server '%s': drain grace over, cancelling %u clients",
               aio_service_get_name (AIO_SERVICE (self)), priv->clients.length);
      cancel_clients (self);
    }

  if (priv->sweep_source == NULL && sweep_wanted (priv))
    start_sweep (self);
  return G_SOURCE_REMOVE;
}

static void
start_sweep (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  priv->sweep_source = _aio_clock_timer_new (aio_clock_get_default (),
                                             _aio_seconds_to_usec (sweep_interval (priv)),
                                             sweep_cb, self, priv->context);
  g_source_set_static_name (priv->sweep_source, "[aiomisc-glib] TCP timeouts");
}

/* Starts the sweep unless it runs or no timeout applies to a client. */
static void
maybe_start_sweep (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  if (priv->sweep_source == NULL && sweep_wanted (priv))
    start_sweep (self);
}

/* After a timeout changed: the sweep again, at the interval it makes (a
 * client's count of sweeps then starts over from the change). */
static void
restart_sweep (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  _aio_source_clear (&priv->sweep_source);
  maybe_start_sweep (self);
}

/* Accepting */

static gboolean at_limit (AioTcpServerPrivate *priv)
{
  return priv->max_connections > 0 && priv->clients.length >= priv->max_connections;
}

static void
stop_accepting (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  if (priv->accept_source != NULL)
    {
      g_source_destroy (priv->accept_source);
      g_clear_pointer (&priv->accept_source, g_source_unref);
    }
  if (priv->retry_source != NULL)
    {
      g_source_destroy (priv->retry_source);
      g_clear_pointer (&priv->retry_source, g_source_unref);
    }
}

static gboolean
retry_accept_cb (gpointer user_data)
{
  AioTcpServer *self = user_data;
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  g_clear_pointer (&priv->retry_source, g_source_unref);
  maybe_resume_accepting (self);
  return G_SOURCE_REMOVE;
}

static gboolean
accept_cb (GSocket      *listener,
           GIOCondition  condition,
           gpointer      user_data)
{
  AioTcpServer *self = user_data;
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = NULL;

      if (at_limit (priv))
        {
          /* Back-pressure: new clients wait in the backlog until one ends. */
          g_debug ("Server '%s': %u connections, pausing accept",
                   aio_service_get_name (AIO_SERVICE (self)), priv->clients.length);
          stop_accepting (self);
          return G_SOURCE_REMOVE;
        }

      socket = g_socket_accept (listener, NULL, &error);
      if (socket == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
              g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
            continue; /* the client went away before we accepted it */

          /* Out of descriptors or memory: the listening socket stays
           * readable, so wait a little rather than spin. */
          g_warning ("Server '%s': cannot accept: %s; retrying in %d ms",
                     aio_service_get_name (AIO_SERVICE (self)), error->message,
                     ACCEPT_RETRY_MS);
          stop_accepting (self);
          priv->retry_source = g_timeout_source_new (ACCEPT_RETRY_MS);
          g_source_set_static_name (priv->retry_source, "[aiomisc-glib] accept retry");
          g_source_set_callback (priv->retry_source, retry_accept_cb, self, NULL);
          g_source_attach (priv->retry_source, priv->context);
          return G_SOURCE_REMOVE;
        }

      client_start (self, socket);
      if (LISTENER (self) == NULL)
        return G_SOURCE_REMOVE; /* a handler stopped the server */
    }

  return G_SOURCE_CONTINUE;
}

static void
start_accepting (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  if (priv->accept_source != NULL || LISTENER (self) == NULL)
    return;

  priv->accept_source = g_socket_create_source (LISTENER (self), G_IO_IN, NULL);
  g_source_set_static_name (priv->accept_source, "[aiomisc-glib] TCP accept");
  g_source_set_callback (priv->accept_source, G_SOURCE_FUNC (accept_cb), self, NULL);
  g_source_attach (priv->accept_source, priv->context);
}

/* Accepts again after a pause (max-connections reached, an accept error),
 * unless the server is stopping (no listener then), accepts already, waits
 * to retry after an accept error, or is still at max-connections. */
static void
maybe_resume_accepting (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  if (LISTENER (self) == NULL || priv->stop_task != NULL || priv->accept_source != NULL ||
      priv->retry_source != NULL || at_limit (priv))
    return;

  start_accepting (self);
}

static void
close_listener (AioTcpServer *self)
{
  stop_accepting (self);
  aio_socket_server_close_listener (AIO_SOCKET_SERVER (self));
}

/* Service */

static gboolean
load_tls (AioTcpServer  *self,
          GError       **error)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);
  const char *certificate_file = aio_socket_server_get_tls_certificate_file (AIO_SOCKET_SERVER (self));
  const char *key_file = aio_socket_server_get_tls_key_file (AIO_SOCKET_SERVER (self));
  g_autofree char *owner = g_strdup_printf ("Server '%s'", aio_service_get_name (AIO_SERVICE (self)));

  /* Without a certificate the server is plain TCP: the other TLS settings
   * then are a mistake (a key alone is refused by _aio_tls_load_files). */
  if (!_aio_tls_file_is_set (certificate_file) && !_aio_tls_file_is_set (key_file))
    {
      if (_aio_tls_file_is_set (priv->tls_ca_file))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "%s: tls-ca-file “%s” is set without tls-certificate-file",
                       owner, priv->tls_ca_file);
          return FALSE;
        }
      if (priv->require_client_cert)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "%s: require-client-cert is set without tls-certificate-file", owner);
          return FALSE;
        }
    }

  return _aio_tls_load_files (owner, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                              certificate_file, key_file,
                              priv->tls_ca_file, &priv->tls_certificate, &priv->tls_database,
                              error);
}

static void
aio_tcp_server_start_async (AioService          *service,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  AioTcpServer *self = AIO_TCP_SERVER (service);
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *where = NULL;
  GError *error = NULL;
  GSocket *listener;

  g_task_set_source_tag (task, aio_tcp_server_start_async);

  if (priv->protocol_type != G_TYPE_NONE &&
      (!g_type_is_a (priv->protocol_type, AIO_TYPE_STREAM_PROTOCOL) ||
       G_TYPE_IS_ABSTRACT (priv->protocol_type)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Server '%s': protocol-type %s is not an instantiable AioStreamProtocol",
                               aio_service_get_name (service),
                               g_type_name (priv->protocol_type));
      return;
    }
  if (!(priv->drain_timeout >= 0) || isinf (priv->drain_timeout))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Server '%s': invalid drain-timeout %g: finite and 0 or more is expected",
                               aio_service_get_name (service), priv->drain_timeout);
      return;
    }

  if (!load_tls (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  listener = aio_socket_server_listen (AIO_SOCKET_SERVER (self), G_SOCKET_TYPE_STREAM,
                                       priv->backlog, &error);
  if (listener == NULL)
    {
      g_clear_object (&priv->tls_certificate);
      g_clear_object (&priv->tls_database);
      g_task_return_error (task, error);
      return;
    }

  priv->context = g_main_context_ref_thread_default ();
  priv->clients_cancellable = g_cancellable_new ();
  start_accepting (self);

  where = _aio_net_local_to_string (listener);
  g_info ("Server '%s' listening on %s%s", aio_service_get_name (service), where,
          priv->tls_certificate != NULL ? " (TLS)" : "");
  g_task_return_boolean (task, TRUE);
}

/* Ends the reading side of every client: a handler (or a protocol) sees
 * the end of the stream at its next read and finishes the reply it is
 * writing, rather than being cut in the middle of it. A client still in its
 * TLS handshake has no reply to finish: it is shut down both ways. */
static void
end_client_reads (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  for (GList *l = priv->clients.head; l != NULL; l = l->next)
    {
      Client *client = l->data;

      /* What the peer sends after the shutdown still arrives (Linux): a
       * handler reading with aio_stream_read_bytes_async() gets what was
       * sent until now, then the end. */
      if (client->streams && client->stream != NULL)
        _aio_stream_read_end (client->stream);
      g_socket_shutdown (g_socket_connection_get_socket (client->connection),
                         TRUE, client->handshaking, NULL);
      client->sweeps = 0;
    }
}

/* At the drain timeout: the reads end, then the sweep cancels each client
 * that makes no progress for DRAIN_GRACE (a reply still flowing is never
 * cut). */
static gboolean
drain_timeout_cb (gpointer user_data)
{
  AioTcpServer *self = user_data;
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  g_clear_pointer (&priv->drain_source, g_source_unref);
  g_debug ("Server '%s': drain timeout, ending the reads of %u clients, "
           "cancelling those making no progress for %g s",
           aio_service_get_name (AIO_SERVICE (self)), priv->clients.length, DRAIN_GRACE);
  priv->reads_ended = TRUE;
  end_client_reads (self);
  priv->sweep_time = g_get_monotonic_time ();
  restart_sweep (self);
  return G_SOURCE_REMOVE;
}

static gboolean
stop_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  cancel_clients (user_data);
  return G_SOURCE_REMOVE;
}

static void
aio_tcp_server_stop_async (AioService          *service,
                           const GError        *reason,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  AioTcpServer *self = AIO_TCP_SERVER (service);
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aio_tcp_server_stop_async);
  g_task_set_check_cancellable (task, FALSE);

  close_listener (self);

  priv->stop_task = task;
  if (priv->clients.length > 0)
    {
      g_debug ("Server '%s': draining %u clients for up to %g s",
               aio_service_get_name (service), priv->clients.length, priv->drain_timeout);
      if (priv->drain_timeout <= 0)
        cancel_clients (self);
      else
        {
          priv->drain_source = _aio_clock_timer_new (aio_clock_get_default (),
                                                     _aio_seconds_to_usec (priv->drain_timeout),
                                                     drain_timeout_cb, self, priv->context);
          g_source_set_static_name (priv->drain_source, "[aiomisc-glib] TCP drain timeout");
          /* Cancelling the stop cancels the clients at once (from a
           * source: never inside the emission of the caller's
           * cancellable). */
          if (cancellable != NULL)
            {
              priv->stop_cancel_source = g_cancellable_source_new (cancellable);
              g_source_set_static_name (priv->stop_cancel_source,
                                        "[aiomisc-glib] TCP stop cancellation");
              g_source_set_callback (priv->stop_cancel_source, G_SOURCE_FUNC (stop_cancelled_cb),
                                     self, NULL);
              g_source_attach (priv->stop_cancel_source, priv->context);
            }
        }
    }
  maybe_finish_stop (self);
}

static void
aio_tcp_server_real_handle_client_async (AioTcpServer        *self,
                                         GIOStream           *stream,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_task_report_new_error (self, callback, user_data, aio_tcp_server_real_handle_client_async,
                           G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "%s overrides neither handle_client_async nor create_protocol, "
                           "and protocol-type is not set",
                           G_OBJECT_TYPE_NAME (self));
}

static gboolean
aio_tcp_server_real_handle_client_finish (AioTcpServer  *self,
                                          GAsyncResult  *result,
                                          GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static AioStreamProtocol *
aio_tcp_server_real_create_protocol (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  /* The start refused a bad type; one set while running serves nobody
   * rather than crash (the streams path then reports the client). */
  if (priv->protocol_type == G_TYPE_NONE ||
      !g_type_is_a (priv->protocol_type, AIO_TYPE_STREAM_PROTOCOL) ||
      G_TYPE_IS_ABSTRACT (priv->protocol_type))
    return NULL;
  return g_object_new (priv->protocol_type, NULL);
}

static void
aio_tcp_server_dispose (GObject *object)
{
  AioTcpServer *self = AIO_TCP_SERVER (object);
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  /* Clients reference the server: none is left here. */
  close_listener (self);
  /* A sweep not yet stopped by its own next tick (it holds no reference). */
  _aio_source_clear (&priv->sweep_source);

  G_OBJECT_CLASS (aio_tcp_server_parent_class)->dispose (object);
}

static void
aio_tcp_server_finalize (GObject *object)
{
  AioTcpServer *self = AIO_TCP_SERVER (object);
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  g_free (priv->tls_ca_file);
  g_clear_object (&priv->tls_certificate);
  g_clear_object (&priv->tls_database);
  g_clear_object (&priv->clients_cancellable);
  g_clear_pointer (&priv->context, g_main_context_unref);

  G_OBJECT_CLASS (aio_tcp_server_parent_class)->finalize (object);
}

static void
aio_tcp_server_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AioTcpServer *self = AIO_TCP_SERVER (object);
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_BACKLOG:
      g_value_set_int (value, priv->backlog);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, priv->max_connections);
      break;
    case PROP_DRAIN_TIMEOUT:
      g_value_set_double (value, priv->drain_timeout);
      break;
    case PROP_PROTOCOL_TYPE:
      g_value_set_gtype (value, priv->protocol_type);
      break;
    case PROP_TLS_CA_FILE:
      g_value_set_string (value, priv->tls_ca_file);
      break;
    case PROP_REQUIRE_CLIENT_CERT:
      g_value_set_boolean (value, priv->require_client_cert);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_double (value, priv->idle_timeout);
      break;
    case PROP_TLS_HANDSHAKE_TIMEOUT:
      g_value_set_double (value, priv->tls_handshake_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_tcp_server_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AioTcpServer *self = AIO_TCP_SERVER (object);

  switch (prop_id)
    {
    case PROP_BACKLOG:
      aio_tcp_server_set_backlog (self, g_value_get_int (value));
      break;
    case PROP_MAX_CONNECTIONS:
      aio_tcp_server_set_max_connections (self, g_value_get_uint (value));
      break;
    case PROP_DRAIN_TIMEOUT:
      aio_tcp_server_set_drain_timeout (self, g_value_get_double (value));
      break;
    case PROP_PROTOCOL_TYPE:
      aio_tcp_server_set_protocol_type (self, g_value_get_gtype (value));
      break;
    case PROP_TLS_CA_FILE:
      aio_tcp_server_set_tls_ca_file (self, g_value_get_string (value));
      break;
    case PROP_REQUIRE_CLIENT_CERT:
      aio_tcp_server_set_require_client_cert (self, g_value_get_boolean (value));
      break;
    case PROP_IDLE_TIMEOUT:
      aio_tcp_server_set_idle_timeout (self, g_value_get_double (value));
      break;
    case PROP_TLS_HANDSHAKE_TIMEOUT:
      aio_tcp_server_set_tls_handshake_timeout (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_tcp_server_class_init (AioTcpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = aio_tcp_server_dispose;
  object_class->finalize = aio_tcp_server_finalize;
  object_class->get_property = aio_tcp_server_get_property;
  object_class->set_property = aio_tcp_server_set_property;

  service_class->start_async = aio_tcp_server_start_async;
  service_class->stop_async = aio_tcp_server_stop_async;

  klass->handle_client_async = aio_tcp_server_real_handle_client_async;
  klass->handle_client_finish = aio_tcp_server_real_handle_client_finish;
  klass->create_protocol = aio_tcp_server_real_create_protocol;

  /**
   * AioTcpServer:backlog:
   *
   * The length of the queue of connections waiting to be accepted.
   *
   * Since: 0.1
   */
  properties[PROP_BACKLOG] =
    g_param_spec_int ("backlog", NULL, NULL, 1, G_MAXINT, DEFAULT_BACKLOG, flags);

  /**
   * AioTcpServer:max-connections:
   *
   * The most clients served at once; 0 (the default) for no limit. At the
   * limit the server stops accepting, so new clients wait in the listen
   * backlog, and resumes when a client ends.
   *
   * Set [property@Aio.TcpServer:idle-timeout] with it: a client holds its
   * slot for as long as its connection stays open, so without an idle
   * timeout a few clients that connect and send nothing lock everybody
   * else out, for ever. (Without a limit, the same clients run the
   * process out of file descriptors instead.)
   *
   * Since: 0.1
   */
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 0, G_MAXUINT, 0, flags);

  /**
   * AioTcpServer:drain-timeout:
   *
   * The seconds a stopping server lets its clients finish. Then it ends
   * their reading side: a streams handler reads the end of the stream, and
   * a protocol gets `eof_received`, so that a reply being written is
   * finished rather than cut. From then on, a client is cancelled once it
   * made no progress for 1 s (a grace checked a few times per second, with
   * no timer per connection): its socket is shut down, its transport
   * aborted (protocol path) or its own cancellable cancelled (streams path
   * with an idle timeout), and the clients' shared cancellable is
   * cancelled once every client left is cut. Progress is a byte moved: on
   * the protocol path one the transport read or sent, on the streams path
   * one the kernel sent to the peer (TCP); a streams handler over a Unix
   * socket, where the kernel does not tell, gets the 1 s grace alone. So a
   * reply still flowing, however slowly, is never cut, and a stop takes
   * drain-timeout + 1 s at most when the clients left are stuck, longer
   * while replies still flow. 0 cancels the clients at once. (Over TLS,
   * the end of the reading side comes without a close_notify: reads fail
   * rather than end.)
   *
   * Since: 0.1
   */
  properties[PROP_DRAIN_TIMEOUT] =
    g_param_spec_double ("drain-timeout", NULL, NULL, 0, G_MAXDOUBLE, DEFAULT_DRAIN_TIMEOUT, flags);

  /**
   * AioTcpServer:protocol-type:
   *
   * A type deriving from [class@Aio.StreamProtocol]: when set, every
   * client is served on the protocol path by an instance of it (the
   * default `create_protocol`). %G_TYPE_NONE (the default) serves clients
   * on the streams path. The start fails with %G_IO_ERROR_INVALID_ARGUMENT
   * for a type that is not an instantiable stream protocol.
   *
   * Since: 0.1
   */
  properties[PROP_PROTOCOL_TYPE] =
    g_param_spec_gtype ("protocol-type", NULL, NULL, G_TYPE_NONE, flags);

  /**
   * AioTcpServer:tls-ca-file:
   *
   * A PEM file with the certificate authorities client certificates are
   * verified against. With it, clients are asked for a certificate;
   * see [property@Aio.TcpServer:require-client-cert].
   *
   * Since: 0.1
   */
  properties[PROP_TLS_CA_FILE] =
    g_param_spec_string ("tls-ca-file", NULL, NULL, NULL, flags);

  /**
   * AioTcpServer:require-client-cert:
   *
   * Whether clients must present a valid certificate; the handshake of a
   * client without one fails.
   *
   * Since: 0.1
   */
  properties[PROP_REQUIRE_CLIENT_CERT] =
    g_param_spec_boolean ("require-client-cert", NULL, NULL, FALSE, flags);

  /**
   * AioTcpServer:idle-timeout:
   *
   * The seconds a connection may stay silent, no byte received or sent,
   * before the server closes it; 0 (the default) never closes a
   * connection for its silence, as long-lived protocols want.
   *
   * On the protocol path, the protocol's `connection_lost` gets
   * %G_IO_ERROR_TIMED_OUT; a byte counts when the transport reads or sends
   * it. On the streams path, the connection is shut down and the handler's
   * cancellable cancelled (each handler gets a cancellable of its own
   * while an idle timeout is set); a byte counts when the kernel receives
   * or sends it, which it tells for TCP only: over a Unix socket, the
   * streams path has no idle timeout. A closed client is logged at debug
   * level.
   *
   * The timeouts are checked by one sweep per server, a few times per
   * timeout, and not by a timer per connection: a silent client is closed
   * between 1 and 1.5 times the timeout after its last byte. See
   * [property@Aio.TcpServer:max-connections] for why the two belong
   * together. Changes apply to a running server.
   *
   * Since: 0.2
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_double ("idle-timeout", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);

  /**
   * AioTcpServer:tls-handshake-timeout:
   *
   * The seconds a TLS client has, from its accept, to complete the
   * handshake; one that does not (a client that connects and sends
   * nothing, say) is disconnected and logged at debug level with its
   * address. 0 waits for ever. It is checked by the sweep of
   * [property@Aio.TcpServer:idle-timeout], so it costs the accept loop
   * nothing.
   *
   * Since: 0.2
   */
  properties[PROP_TLS_HANDSHAKE_TIMEOUT] =
    g_param_spec_double ("tls-handshake-timeout", NULL, NULL, 0, G_MAXDOUBLE,
                         DEFAULT_TLS_HANDSHAKE_TIMEOUT, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_tcp_server_init (AioTcpServer *self)
{
  AioTcpServerPrivate *priv = aio_tcp_server_get_instance_private (self);

  priv->backlog = DEFAULT_BACKLOG;
  priv->drain_timeout = DEFAULT_DRAIN_TIMEOUT;
  priv->protocol_type = G_TYPE_NONE;
  priv->tls_handshake_timeout = DEFAULT_TLS_HANDSHAKE_TIMEOUT;
  g_queue_init (&priv->clients);
}

/**
 * aio_tcp_server_new:
 * @address: (nullable): the address to bind, or %NULL for `"127.0.0.1"`
 * @port: the port to bind, or 0 for any free port
 *
 * Creates a plain TCP server; it is useful with
 * [property@Aio.TcpServer:protocol-type] set. For the streams path,
 * subclass [class@Aio.TcpServer] instead.
 *
 * Returns: (transfer full): a new server
 *
 * Since: 0.1
 */
AioTcpServer *
aio_tcp_server_new (const char *address,
                    guint       port)
{
  return g_object_new (AIO_TYPE_TCP_SERVER,
                       "address", address != NULL ? address : "127.0.0.1",
                       "port", port,
                       NULL);
}

/**
 * aio_tcp_server_handle_client_async: (virtual handle_client_async)
 * @self: a TCP server
 * @stream: the connection of the client: a #GSocketConnection, or a
 *   #GTlsServerConnection over one
 * @cancellable: (nullable): cancelled when the server stops and its drain
 *   timeout has passed
 * @callback: (scope async): called when the client is served
 * @user_data: (closure): data for @callback
 *
 * Serves one client on the streams path. The server calls it for every
 * accepted client and closes @stream once it completes; subclasses override
 * it. The default fails with %G_IO_ERROR_NOT_SUPPORTED.
 *
 * Since: 0.1
 */
void
aio_tcp_server_handle_client_async (AioTcpServer        *self,
                                    GIOStream           *stream,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (AIO_IS_TCP_SERVER (self));
  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  AIO_TCP_SERVER_GET_CLASS (self)->handle_client_async (self, stream, cancellable,
                                                        callback, user_data);
}

/**
 * aio_tcp_server_handle_client_finish: (virtual handle_client_finish)
 * @self: a TCP server
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.TcpServer.handle_client_async].
 *
 * Returns: %TRUE if the client was served without error
 *
 * Since: 0.1
 */
gboolean
aio_tcp_server_handle_client_finish (AioTcpServer  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return AIO_TCP_SERVER_GET_CLASS (self)->handle_client_finish (self, result, error);
}

/**
 * aio_tcp_server_create_protocol: (virtual create_protocol)
 * @self: a TCP server
 *
 * Makes the protocol object of a new client (asyncio's protocol factory).
 * The default makes an instance of [property@Aio.TcpServer:protocol-type].
 *
 * Returns: (transfer full) (nullable): a new protocol, or %NULL to serve
 *   the client on the streams path
 *
 * Since: 0.1
 */
AioStreamProtocol *
aio_tcp_server_create_protocol (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), NULL);

  return AIO_TCP_SERVER_GET_CLASS (self)->create_protocol (self);
}


#define PRIV(self) ((AioTcpServerPrivate *) aio_tcp_server_get_instance_private (self))

/**
 * aio_tcp_server_get_backlog:
 * @self: a TCP server
 *
 * Gets [property@Aio.TcpServer:backlog].
 *
 * Returns: the listen backlog
 *
 * Since: 0.1
 */
int
aio_tcp_server_get_backlog (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), 0);
  return PRIV (self)->backlog;
}

/**
 * aio_tcp_server_set_backlog:
 * @self: a TCP server
 * @backlog: the listen backlog, 1 or more
 *
 * Sets [property@Aio.TcpServer:backlog]; it applies at the next start.
 *
 * Since: 0.1
 */
void
aio_tcp_server_set_backlog (AioTcpServer *self,
                            int           backlog)
{
  g_return_if_fail (AIO_IS_TCP_SERVER (self));
  g_return_if_fail (backlog > 0);

  if (PRIV (self)->backlog == backlog)
    return;
  PRIV (self)->backlog = backlog;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKLOG]);
}

/**
 * aio_tcp_server_get_max_connections:
 * @self: a TCP server
 *
 * Gets [property@Aio.TcpServer:max-connections].
 *
 * Returns: the most clients served at once, 0 for no limit
 *
 * Since: 0.1
 */
guint
aio_tcp_server_get_max_connections (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), 0);
  return PRIV (self)->max_connections;
}

/**
 * aio_tcp_server_set_max_connections:
 * @self: a TCP server
 * @max_connections: the most clients served at once, 0 for no limit
 *
 * Sets [property@Aio.TcpServer:max-connections]; a running server applies
 * it at the next accepted or ended client.
 *
 * Since: 0.1
 */
void
aio_tcp_server_set_max_connections (AioTcpServer *self,
                                    guint         max_connections)
{
  AioTcpServerPrivate *priv;

  g_return_if_fail (AIO_IS_TCP_SERVER (self));
  priv = PRIV (self);

  if (priv->max_connections == max_connections)
    return;
  priv->max_connections = max_connections;
  maybe_resume_accepting (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_CONNECTIONS]);
}

/**
 * aio_tcp_server_get_drain_timeout:
 * @self: a TCP server
 *
 * Gets [property@Aio.TcpServer:drain-timeout].
 *
 * Returns: the seconds clients may take to finish on stop
 *
 * Since: 0.1
 */
double
aio_tcp_server_get_drain_timeout (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), 0);
  return PRIV (self)->drain_timeout;
}

/**
 * aio_tcp_server_set_drain_timeout:
 * @self: a TCP server
 * @seconds: the seconds clients may take to finish on stop, 0 or more
 *
 * Sets [property@Aio.TcpServer:drain-timeout]; it applies at the next stop.
 * An invalid value fails the start with %G_IO_ERROR_INVALID_ARGUMENT.
 *
 * Since: 0.1
 */
void
aio_tcp_server_set_drain_timeout (AioTcpServer *self,
                                  double        seconds)
{
  g_return_if_fail (AIO_IS_TCP_SERVER (self));

  if (PRIV (self)->drain_timeout == seconds)
    return;
  PRIV (self)->drain_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAIN_TIMEOUT]);
}

/**
 * aio_tcp_server_get_protocol_type:
 * @self: a TCP server
 *
 * Gets [property@Aio.TcpServer:protocol-type].
 *
 * Returns: the protocol type, or %G_TYPE_NONE
 *
 * Since: 0.1
 */
GType
aio_tcp_server_get_protocol_type (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), G_TYPE_NONE);
  return PRIV (self)->protocol_type;
}

/**
 * aio_tcp_server_set_protocol_type:
 * @self: a TCP server
 * @protocol_type: a type deriving from [class@Aio.StreamProtocol], or
 *   %G_TYPE_NONE for the streams path
 *
 * Sets [property@Aio.TcpServer:protocol-type]. Clients accepted from now
 * on are served with it; a type that is not an instantiable stream protocol
 * fails the next start.
 *
 * Since: 0.1
 */
void
aio_tcp_server_set_protocol_type (AioTcpServer *self,
                                  GType         protocol_type)
{
  g_return_if_fail (AIO_IS_TCP_SERVER (self));

  if (PRIV (self)->protocol_type == protocol_type)
    return;
  PRIV (self)->protocol_type = protocol_type;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROTOCOL_TYPE]);
}

/**
 * aio_tcp_server_get_tls_ca_file:
 * @self: a TCP server
 *
 * Gets [property@Aio.TcpServer:tls-ca-file].
 *
 * Returns: (nullable) (type filename): the CA file
 *
 * Since: 0.1
 */
const char *
aio_tcp_server_get_tls_ca_file (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), NULL);
  return PRIV (self)->tls_ca_file;
}

/**
 * aio_tcp_server_set_tls_ca_file:
 * @self: a TCP server
 * @file: (nullable) (type filename): a PEM file of certificate
 *   authorities, or %NULL
 *
 * Sets [property@Aio.TcpServer:tls-ca-file]; it applies at the next start.
 *
 * Since: 0.1
 */
void
aio_tcp_server_set_tls_ca_file (AioTcpServer *self,
                                const char   *file)
{
  g_return_if_fail (AIO_IS_TCP_SERVER (self));
  _aio_net_set_string (G_OBJECT (self), &PRIV (self)->tls_ca_file, file, properties[PROP_TLS_CA_FILE]);
}

/**
 * aio_tcp_server_get_require_client_cert:
 * @self: a TCP server
 *
 * Gets [property@Aio.TcpServer:require-client-cert].
 *
 * Returns: whether clients must present a certificate
 *
 * Since: 0.1
 */
gboolean
aio_tcp_server_get_require_client_cert (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), FALSE);
  return PRIV (self)->require_client_cert;
}

/**
 * aio_tcp_server_set_require_client_cert:
 * @self: a TCP server
 * @require: whether clients must present a valid certificate
 *
 * Sets [property@Aio.TcpServer:require-client-cert]; it applies at the
 * next start.
 *
 * Since: 0.1
 */
void
aio_tcp_server_set_require_client_cert (AioTcpServer *self,
                                        gboolean      require)
{
  g_return_if_fail (AIO_IS_TCP_SERVER (self));

  if (PRIV (self)->require_client_cert == !!require)
    return;
  PRIV (self)->require_client_cert = !!require;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUIRE_CLIENT_CERT]);
}

/**
 * aio_tcp_server_get_n_connections:
 * @self: a TCP server
 *
 * Gets the number of clients the server serves now (TLS handshakes in
 * progress included).
 *
 * Returns: the number of clients
 *
 * Since: 0.1
 */
guint
aio_tcp_server_get_n_connections (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), 0);
  return PRIV (self)->clients.length;
}

/**
 * aio_tcp_server_get_idle_timeout:
 * @self: a TCP server
 *
 * Gets [property@Aio.TcpServer:idle-timeout].
 *
 * Returns: the seconds a connection may stay silent, 0 for ever
 *
 * Since: 0.2
 */
double
aio_tcp_server_get_idle_timeout (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), 0);
  return PRIV (self)->idle_timeout;
}

/**
 * aio_tcp_server_set_idle_timeout:
 * @self: a TCP server
 * @seconds: the seconds a connection may stay silent, 0 for ever
 *
 * Sets [property@Aio.TcpServer:idle-timeout]; a running server applies it
 * at once (on the streams path, to the clients accepted from then on).
 * A negative value or NaN is ignored with a critical warning.
 *
 * Since: 0.2
 */
void
aio_tcp_server_set_idle_timeout (AioTcpServer *self,
                                 double        seconds)
{
  g_return_if_fail (AIO_IS_TCP_SERVER (self));
  g_return_if_fail (seconds >= 0);

  if (PRIV (self)->idle_timeout == seconds)
    return;
  PRIV (self)->idle_timeout = seconds;
  restart_sweep (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}

/**
 * aio_tcp_server_get_tls_handshake_timeout:
 * @self: a TCP server
 *
 * Gets [property@Aio.TcpServer:tls-handshake-timeout].
 *
 * Returns: the seconds a TLS client has to complete its handshake, 0 for
 *   ever
 *
 * Since: 0.2
 */
double
aio_tcp_server_get_tls_handshake_timeout (AioTcpServer *self)
{
  g_return_val_if_fail (AIO_IS_TCP_SERVER (self), 0);
  return PRIV (self)->tls_handshake_timeout;
}

/**
 * aio_tcp_server_set_tls_handshake_timeout:
 * @self: a TCP server
 * @seconds: the seconds a TLS client has to complete its handshake, 0 for
 *   ever
 *
 * Sets [property@Aio.TcpServer:tls-handshake-timeout]; a running server
 * applies it at once. A negative value or NaN is ignored with a critical
 * warning.
 *
 * Since: 0.2
 */
void
aio_tcp_server_set_tls_handshake_timeout (AioTcpServer *self,
                                          double        seconds)
{
  g_return_if_fail (AIO_IS_TCP_SERVER (self));
  g_return_if_fail (seconds >= 0);

  if (PRIV (self)->tls_handshake_timeout == seconds)
    return;
  PRIV (self)->tls_handshake_timeout = seconds;
  restart_sweep (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_HANDSHAKE_TIMEOUT]);
}
