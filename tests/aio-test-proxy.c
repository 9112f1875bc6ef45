/* aio-test-proxy.c: a loopback TCP proxy that delays, cuts or resets connections
 *
 * Everything runs on the thread-default main context of the creator: the
 * listening sockets are non-blocking GSockets watched by a socket source,
 * the forwarding uses the async stream API. A connection is a refcounted
 * struct; every operation in flight holds a reference and the sockets are
 * closed when the last one is dropped, so that nothing is closed under an
 * operation that still polls it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <sys/socket.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>

#include "aio-test-proxy.h"

#define CHUNK_SIZE 65536

/* A listening socket on 127.0.0.1 with its accept source. */
typedef void (*AcceptFunc) (GSocket *client, gpointer user_data);

typedef struct
{
  GSocket    *socket;
  GSource    *source;
  AcceptFunc  func;
  gpointer    data;
} Listener;

static gboolean
listener_ready_cb (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  Listener *listener = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) client = g_socket_accept (socket, NULL, &error);

      if (client == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("test listener: accept failed: %s", error->message);
          break;
        }
      listener->func (client, listener->data);
    }

  return G_SOURCE_CONTINUE;
}

/* Listens on @address; returns FALSE on error. */
static gboolean
listener_open_address (Listener        *listener,
                       GSocketAddress  *address,
                       GError         **error)
{
  g_autoptr(GSocket) socket = NULL;
  GSocketProtocol protocol = G_IS_INET_SOCKET_ADDRESS (address)
    ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_DEFAULT;

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM, protocol, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_blocking (socket, FALSE);
  if (!g_socket_bind (socket, address, TRUE, error) ||
      !g_socket_listen (socket, error))
    return FALSE;

  listener->socket = g_steal_pointer (&socket);
  listener->source = g_socket_create_source (listener->socket, G_IO_IN, NULL);
  g_source_set_callback (listener->source, G_SOURCE_FUNC (listener_ready_cb), listener, NULL);
  g_source_attach (listener->source, g_main_context_get_thread_default ());

  return TRUE;
}

/* Listens on 127.0.0.1:@port (0: any); returns the bound port, 0 on error. */
static guint16
listener_open (Listener  *listener,
               guint16    port,
               GError   **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocketAddress) bound = NULL;

  if (!listener_open_address (listener, address, error))
    return 0;
  bound = g_socket_get_local_address (listener->socket, error);
  if (bound == NULL)
    return 0;

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
listener_close (Listener *listener)
{
  if (listener->source != NULL)
    {
      g_source_destroy (listener->source);
      g_clear_pointer (&listener->source, g_source_unref);
    }
  if (listener->socket != NULL)
    {
      g_socket_close (listener->socket, NULL);
      g_clear_object (&listener->socket);
    }
}

/* Iterates the thread-default context until *@counter is 0. */
static void
drain (const guint *counter)
{
  GMainContext *context = g_main_context_get_thread_default ();
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (*counter > 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("test proxy: %u operations still in flight after 10 s", *counter);
      g_main_context_iteration (context, TRUE);
    }
}

/* Proxy */

typedef struct _Conn Conn;

typedef struct
{
  Conn          *conn;
  gboolean       upload;
  GInputStream  *in;
  GOutputStream *out;
  GSocket       *out_socket;
  GBytes        *chunk;
  GSource       *timer;
  gboolean       eof;
} Pipe;

struct _Conn
{
  gatomicrefcount    ref;
  AioTestProxy      *proxy;
  GSocketConnection *client;
  GSocketConnection *target;
  GCancellable      *cancellable;
  Pipe               up;
  Pipe               down;
  gboolean           closing;
};

struct _AioTestProxy
{
  char         *target_host;
  guint16       target_port;
  guint16       port;
  Listener      listener;
  GSocketClient *connector;
  guint         upload_ms;
  guint         download_ms;
  gboolean      refusing;
  guint         n_connections;
  guint         n_live;        /* Conn structs not yet freed */
  GPtrArray    *active;        /* Conn, one reference each, until closing */
};

static Conn *
conn_ref (Conn *conn)
{
  g_atomic_ref_count_inc (&conn->ref);
  return conn;
}

static void
conn_unref (Conn *conn)
{
  if (!g_atomic_ref_count_dec (&conn->ref))
    return;

  /* The last operation is over: now the sockets may be closed (with RST
   * when SO_LINGER 0 was set by a reset). */
  if (conn->target != NULL)
    g_socket_close (g_socket_connection_get_socket (conn->target), NULL);
  g_socket_close (g_socket_connection_get_socket (conn->client), NULL);
  g_clear_object (&conn->target);
  g_clear_object (&conn->client);
  g_clear_object (&conn->cancellable);
  g_clear_pointer (&conn->up.chunk, g_bytes_unref);
  g_clear_pointer (&conn->down.chunk, g_bytes_unref);
  conn->proxy->n_live--;
  g_free (conn);
}

static void
set_linger_zero (GSocketConnection *connection)
{
  GSocket *socket;
  struct linger linger = { 1, 0 };

  if (connection == NULL)
    return;
  socket = g_socket_connection_get_socket (connection);
  if (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger) < 0)
    g_debug ("test proxy: SO_LINGER failed: %s", g_strerror (errno));
}

static void
pipe_stop_timer (Pipe *pipe)
{
  if (pipe->timer == NULL)
    return;
  /* Destroying the source drops the reference its callback held. */
  g_source_destroy (pipe->timer);
  g_clear_pointer (&pipe->timer, g_source_unref);
}

/* Ends the connection: cancels what is in flight; the sockets are closed
 * once every operation has returned. A clean close shuts both sockets down
 * at once (FIN); a reset sets SO_LINGER 0 so that the close sends RST. */
static void
conn_close (Conn     *conn,
            gboolean  reset)
{
  if (conn->closing)
    return;
  conn->closing = TRUE;

  if (reset)
    {
      set_linger_zero (conn->client);
      set_linger_zero (conn->target);
    }
  else
    {
      g_socket_shutdown (g_socket_connection_get_socket (conn->client), TRUE, TRUE, NULL);
      if (conn->target != NULL)
        g_socket_shutdown (g_socket_connection_get_socket (conn->target), TRUE, TRUE, NULL);
    }

  g_cancellable_cancel (conn->cancellable);
  pipe_stop_timer (&conn->up);
  pipe_stop_timer (&conn->down);

  /* Drops the reference of the active list. */
  g_ptr_array_remove (conn->proxy->active, conn);
}

static void pipe_read (Pipe *pipe);

static void
pipe_written_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Pipe *pipe = user_data;
  Conn *conn = pipe->conn;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    conn_close (conn, !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  else if (!conn->closing)
    pipe_read (pipe);

  g_clear_pointer (&pipe->chunk, g_bytes_unref);
  conn_unref (conn);
}

static void
pipe_write (Pipe *pipe)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (pipe->chunk, &size);

  g_output_stream_write_all_async (pipe->out, data, size, G_PRIORITY_DEFAULT,
                                   pipe->conn->cancellable, pipe_written_cb,
                                   pipe);
  conn_ref (pipe->conn);
}

static gboolean
pipe_delay_done_cb (gpointer user_data)
{
  Pipe *pipe = user_data;

  g_clear_pointer (&pipe->timer, g_source_unref);
  if (!pipe->conn->closing)
    pipe_write (pipe);

  return G_SOURCE_REMOVE;
}

static void
pipe_delay_destroy (gpointer user_data)
{
  Pipe *pipe = user_data;

  conn_unref (pipe->conn);
}

static void
pipe_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pipe *pipe = user_data;
  Conn *conn = pipe->conn;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);

  if (conn->closing)
    ;
  else if (bytes == NULL)
    /* A reset (or any error) on one side is passed on as a reset. */
    conn_close (conn, TRUE);
  else if (g_bytes_get_size (bytes) == 0)
    {
      /* EOF: pass the half-close on; once both sides did, close. */
      pipe->eof = TRUE;
      g_socket_shutdown (pipe->out_socket, FALSE, TRUE, NULL);
      if (conn->up.eof && conn->down.eof)
        conn_close (conn, FALSE);
    }
  else
    {
      guint delay = pipe->upload ? conn->proxy->upload_ms : conn->proxy->download_ms;

      pipe->chunk = g_steal_pointer (&bytes);
      if (delay == 0)
        pipe_write (pipe);
      else
        {
          pipe->timer = g_timeout_source_new (delay);
          g_source_set_callback (pipe->timer, pipe_delay_done_cb, pipe, pipe_delay_destroy);
          g_source_attach (pipe->timer, g_main_context_get_thread_default ());
          conn_ref (conn);
        }
    }

  conn_unref (conn);
}

static void
pipe_read (Pipe *pipe)
{
  g_input_stream_read_bytes_async (pipe->in, CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   pipe->conn->cancellable, pipe_read_cb, pipe);
  conn_ref (pipe->conn);
}

static void
pipe_init (Pipe              *pipe,
           Conn              *conn,
           gboolean           upload,
           GSocketConnection *from,
           GSocketConnection *to)
{
  pipe->conn = conn;
  pipe->upload = upload;
  pipe->in = g_io_stream_get_input_stream (G_IO_STREAM (from));
  pipe->out = g_io_stream_get_output_stream (G_IO_STREAM (to));
  pipe->out_socket = g_socket_connection_get_socket (to);
}

static void
target_connected_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Conn *conn = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *target;

  target = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (target == NULL)
    {
      g_debug ("test proxy: cannot reach the target: %s", error->message);
      conn_close (conn, TRUE);
    }
  else
    {
      conn->target = target;
      if (conn->closing)
        set_linger_zero (target);
      else
        {
          pipe_init (&conn->up, conn, TRUE, conn->client, conn->target);
          pipe_init (&conn->down, conn, FALSE, conn->target, conn->client);
          pipe_read (&conn->up);
          pipe_read (&conn->down);
        }
    }

  conn_unref (conn);
}

static void
proxy_accept (GSocket  *client,
              gpointer  user_data)
{
  AioTestProxy *self = user_data;
  Conn *conn = g_new0 (Conn, 1);

  g_atomic_ref_count_init (&conn->ref);
  conn->proxy = self;
  conn->client = g_socket_connection_factory_create_connection (client);
  conn->cancellable = g_cancellable_new ();
  self->n_connections++;
  self->n_live++;
  g_ptr_array_add (self->active, conn);

  g_socket_client_connect_to_host_async (self->connector, self->target_host, self->target_port,
                                         conn->cancellable, target_connected_cb,
                                         conn_ref (conn));
}

AioTestProxy *
aio_test_proxy_new (const char  *target_host,
                    guint16      target_port,
                    GError     **error)
{
  g_autoptr(AioTestProxy) self = g_new0 (AioTestProxy, 1);

  self->target_host = g_strdup (target_host);
  self->target_port = target_port;
  self->connector = g_socket_client_new ();
  g_socket_client_set_enable_proxy (self->connector, FALSE);
  self->active = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_unref);
  self->listener.func = proxy_accept;
  self->listener.data = self;
  self->port = listener_open (&self->listener, 0, error);
  if (self->port == 0)
    return NULL;

  return g_steal_pointer (&self);
}

guint16
aio_test_proxy_get_port (AioTestProxy *self)
{
  return self->port;
}

void
aio_test_proxy_set_delay (AioTestProxy *self,
                          guint         upload_ms,
                          guint         download_ms)
{
  self->upload_ms = upload_ms;
  self->download_ms = download_ms;
}

static void
proxy_close_all (AioTestProxy *self,
                 gboolean      reset)
{
  while (self->active->len > 0)
    conn_close (g_ptr_array_index (self->active, self->active->len - 1), reset);
}

void
aio_test_proxy_cut_all (AioTestProxy *self)
{
  proxy_close_all (self, FALSE);
}

void
aio_test_proxy_reset_all (AioTestProxy *self)
{
  proxy_close_all (self, TRUE);
}

void
aio_test_proxy_set_refusing (AioTestProxy *self,
                             gboolean      refusing)
{
  g_autoptr(GError) error = NULL;

  refusing = !!refusing;
  if (self->refusing == refusing)
    return;
  self->refusing = refusing;

  if (refusing)
    listener_close (&self->listener);
  else if (listener_open (&self->listener, self->port, &error) == 0)
    g_error ("test proxy: cannot listen on port %u again: %s", self->port, error->message);
}

guint
aio_test_proxy_get_n_connections (AioTestProxy *self)
{
  return self->n_connections;
}

guint
aio_test_proxy_get_n_active (AioTestProxy *self)
{
  return self->active->len;
}

void
aio_test_proxy_free (AioTestProxy *self)
{
  listener_close (&self->listener);
  if (self->active != NULL)
    {
      proxy_close_all (self, FALSE);
      drain (&self->n_live);
      g_ptr_array_unref (self->active);
    }
  g_clear_object (&self->connector);
  g_free (self->target_host);
  g_free (self);
}

/* Echo server */

struct _AioTestEchoServer
{
  Listener                listener;
  char                   *unix_path;
  guint16                 port;
  GTlsCertificate        *certificate;
  GTlsAuthenticationMode  auth_mode;
  GCancellable           *cancellable;
  guint                   n_connections;
  guint                   n_handshakes;
  guint                   n_handshake_errors;
  guint                   n_client_certs;
  guint                   n_live;
};

typedef struct
{
  AioTestEchoServer *server;
  GIOStream         *stream;
} EchoConn;

static void
echo_conn_free (EchoConn *conn)
{
  /* Closing a TLS connection sends close_notify; a plain one just closes. */
  g_io_stream_close (conn->stream, NULL, NULL);
  g_object_unref (conn->stream);
  conn->server->n_live--;
  g_free (conn);
}

static void
echo_spliced_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (object), result, &error) < 0)
    g_debug ("test echo server: %s", error->message);
  echo_conn_free (user_data);
}

static void
echo_start (EchoConn *conn)
{
  g_output_stream_splice_async (g_io_stream_get_output_stream (conn->stream),
                                g_io_stream_get_input_stream (conn->stream),
                                G_OUTPUT_STREAM_SPLICE_NONE, G_PRIORITY_DEFAULT,
                                conn->server->cancellable, echo_spliced_cb, conn);
}

static void
echo_handshake_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  EchoConn *conn = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      g_debug ("test echo server: handshake failed: %s", error->message);
      conn->server->n_handshake_errors++;
      echo_conn_free (conn);
      return;
    }

  conn->server->n_handshakes++;
  if (g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (object)) != NULL)
    conn->server->n_client_certs++;
  echo_start (conn);
}

/* The echo server checks that a client certificate is presented, not who
 * signed it. */
static gboolean
echo_accept_any (GTlsConnection       *connection,
                 GTlsCertificate      *peer,
                 GTlsCertificateFlags  errors,
                 gpointer              user_data)
{
  return TRUE;
}

static void
echo_accept (GSocket  *client,
             gpointer  user_data)
{
  AioTestEchoServer *self = user_data;
  g_autoptr(GSocketConnection) connection = g_socket_connection_factory_create_connection (client);
  EchoConn *conn;

  self->n_connections++;
  conn = g_new0 (EchoConn, 1);
  conn->server = self;
  self->n_live++;

  if (self->certificate == NULL)
    {
      conn->stream = G_IO_STREAM (g_steal_pointer (&connection));
      echo_start (conn);
    }
  else
    {
      g_autoptr(GError) error = NULL;

      conn->stream = g_tls_server_connection_new (G_IO_STREAM (connection), self->certificate, &error);
      if (conn->stream == NULL)
        g_error ("test echo server: %s", error->message);
      g_object_set (conn->stream, "authentication-mode", self->auth_mode, NULL);
      g_signal_connect (conn->stream, "accept-certificate", G_CALLBACK (echo_accept_any), NULL);
      g_tls_connection_handshake_async (G_TLS_CONNECTION (conn->stream), G_PRIORITY_DEFAULT,
                                        self->cancellable, echo_handshake_cb, conn);
    }
}

AioTestEchoServer *
aio_test_echo_server_new (GTlsCertificate         *certificate,
                          GTlsAuthenticationMode   auth_mode,
                          GError                 **error)
{
  g_autoptr(AioTestEchoServer) self = g_new0 (AioTestEchoServer, 1);

  self->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  self->auth_mode = auth_mode;
  self->cancellable = g_cancellable_new ();
  self->listener.func = echo_accept;
  self->listener.data = self;
  self->port = listener_open (&self->listener, 0, error);
  if (self->port == 0)
    return NULL;

  return g_steal_pointer (&self);
}

AioTestEchoServer *
aio_test_echo_server_new_unix (const char  *path,
                               GError     **error)
{
  g_autoptr(AioTestEchoServer) self = g_new0 (AioTestEchoServer, 1);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);

  self->cancellable = g_cancellable_new ();
  self->listener.func = echo_accept;
  self->listener.data = self;
  if (!listener_open_address (&self->listener, address, error))
    return NULL;
  self->unix_path = g_strdup (path);

  return g_steal_pointer (&self);
}

guint16
aio_test_echo_server_get_port (AioTestEchoServer *self)
{
  return self->port;
}

guint
aio_test_echo_server_get_n_connections (AioTestEchoServer *self)
{
  return self->n_connections;
}

guint
aio_test_echo_server_get_n_handshakes (AioTestEchoServer *self)
{
  return self->n_handshakes;
}

guint
aio_test_echo_server_get_n_handshake_errors (AioTestEchoServer *self)
{
  return self->n_handshake_errors;
}

guint
aio_test_echo_server_get_n_client_certs (AioTestEchoServer *self)
{
  return self->n_client_certs;
}

void
aio_test_echo_server_free (AioTestEchoServer *self)
{
  listener_close (&self->listener);
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      drain (&self->n_live);
      g_object_unref (self->cancellable);
    }
  g_clear_object (&self->certificate);
  if (self->unix_path != NULL)
    g_unlink (self->unix_path);
  g_free (self->unix_path);
  g_free (self);
}

/* Echo exchange */

typedef struct
{
  GIOStream *stream;
  char      *message;
  char      *reply;
  gsize      length;
} Exchange;

static void
exchange_free (Exchange *exchange)
{
  g_object_unref (exchange->stream);
  g_free (exchange->message);
  g_free (exchange->reply);
  g_free (exchange);
}

static void
exchange_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *exchange = g_task_get_task_data (task);
  GError *error = NULL;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (object), result, &n, &error))
    g_task_return_error (task, error);
  else if (n < exchange->length)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             "The connection ended after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes",
                             n, exchange->length);
  else
    g_task_return_pointer (task, g_steal_pointer (&exchange->reply), g_free);
}

static void
exchange_written_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Exchange *exchange = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_input_stream_read_all_async (g_io_stream_get_input_stream (exchange->stream),
                                 exchange->reply, exchange->length, G_PRIORITY_DEFAULT,
                                 g_task_get_cancellable (task), exchange_read_cb,
                                 g_object_ref (task));
}

void
aio_test_echo_exchange_async (GIOStream           *stream,
                              const char          *message,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Exchange *exchange = g_new0 (Exchange, 1);

  exchange->stream = g_object_ref (stream);
  exchange->message = g_strdup (message);
  exchange->length = strlen (message);
  exchange->reply = g_malloc0 (exchange->length + 1);
  g_task_set_task_data (task, exchange, (GDestroyNotify) exchange_free);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   exchange->message, exchange->length, G_PRIORITY_DEFAULT,
                                   cancellable, exchange_written_cb, task);
}

char *
aio_test_echo_exchange_finish (GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
read_to_end_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (bytes == NULL)
    g_task_return_error (task, error);
  else if (g_bytes_get_size (bytes) == 0)
    g_task_return_boolean (task, TRUE);
  else
    g_input_stream_read_bytes_async (G_INPUT_STREAM (object), 4096, G_PRIORITY_DEFAULT,
                                     g_task_get_cancellable (task), read_to_end_cb,
                                     g_object_ref (task));
}

void
aio_test_read_to_end_async (GIOStream           *stream,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (stream), 4096,
                                   G_PRIORITY_DEFAULT, cancellable, read_to_end_cb, task);
}

gboolean
aio_test_read_to_end_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
