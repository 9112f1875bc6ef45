/* aio-http-service.c: AioHttpService, an HTTP server service on libsoup 3
 *
 * SPDX-License-Identifier: MIT
 */
#include <fcntl.h>
#include <math.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aiomisc-glib.h"
#include "aio-net-private.h"
#include "aio-socket-server-private.h"
#include "aio-task-private.h"
#include "aio-tls-private.h"

/**
 * AioHttpService:
 *
 * An HTTP/1.1 server on libsoup 3's #SoupServer, as a service.
 *
 * It listens where [class@Aio.SocketServer] says (an address and port, a
 * Unix socket at [property@Aio.SocketServer:unix-path], a given or a socket
 * activated one), with HTTPS when
 * [property@Aio.SocketServer:tls-certificate-file] is set. Requests go to the
 * handlers added with [method@Aio.HttpService.add_handler] (by path prefix,
 * the longest wins) and the rest to the `handle_request` virtual method
 * (default: 404). The #SoupServer is at
 * [method@Aio.HttpService.get_soup_server] for what this class does not
 * wrap (early handlers, WebSockets, authentication).
 *
 * A stop is graceful: the listener is closed at once (new connections are
 * refused), connections waiting for a request are closed, requests in
 * progress are answered with `Connection: close` and get
 * [property@Aio.HttpService:drain-timeout] seconds to finish; then every
 * connection left is closed.
 *
 * Slow and hostile clients are bounded: a new connection has
 * [property@Aio.HttpService:header-timeout] seconds to send its request
 * headers, a kept-alive one [property@Aio.HttpService:idle-timeout] seconds
 * to send the headers of its next request (else it is closed), and a body
 * larger than [property@Aio.HttpService:max-body-size] is answered with
 * 413 without being kept in memory. libsoup answers a malformed request
 * line or malformed headers with 400.
 *
 * The statistics group `http` counts `requests`, `errors` (responses of
 * 400 or more and aborted requests) and `timeouts`.
 *
 * Since: 0.2
 */

#define STAT_GROUP "http"

static guint got_headers_signal;
static guint disconnected_signal;

typedef struct
{
  /* properties */
  double       drain_timeout;
  double       header_timeout;
  double       idle_timeout;
  guint64      max_body_size;

  SoupServer  *server;
  GSocket     *soup_listener;   /* the duplicate handed to libsoup */
  GHashTable  *requests;        /* SoupServerMessage -> Request */
  GHashTable  *idle;            /* GSocket -> Idle: kept alive between requests */
  GSource     *sweep;           /* checks the header and idle timeouts */
  GMainContext *context;
  GTask       *stop_task;
  GSource     *drain_source;
  GThread     *thread;          /* where its messages are handled */
  gulong       got_headers_hook;
  gulong       disconnected_hook;
} AioHttpServicePrivate;

typedef struct
{
  AioHttpService    *self;
  SoupServerMessage *msg;       /* owned, with the service's handlers on it */
  gint64             since;     /* when it started (monotonic) */
  guint64            body_read;
  gulong             got_chunk_id;  /* only for a body of unknown length */
  gboolean           active;    /* its headers are read */
} Request;

/* A kept-alive connection: libsoup starts the next request only when bytes
 * arrive, so the wait between two requests is timed here. One entry per
 * connection, from its first response until it is seen closed (not one per
 * request). */
typedef struct
{
  gint64          since;        /* when its last response was sent (monotonic) */
  gboolean        waiting;      /* for its next request */
} Idle;

typedef struct
{
  AioHttpService *self;         /* not owned: the server (owning this) dies first */
  AioHttpHandler  func;
  gpointer        user_data;
  GDestroyNotify  destroy;
} Handler;

G_DEFINE_TYPE_WITH_PRIVATE (AioHttpService, aio_http_service, AIO_TYPE_SOCKET_SERVER)

enum {
  PROP_0,
  PROP_DRAIN_TIMEOUT,
  PROP_HEADER_TIMEOUT,
  PROP_IDLE_TIMEOUT,
  PROP_MAX_BODY_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define DEFAULT_DRAIN_TIMEOUT  5.0
#define DEFAULT_HEADER_TIMEOUT 10.0
#define DEFAULT_IDLE_TIMEOUT   60.0
#define DEFAULT_MAX_BODY_SIZE  (8 * 1024 * 1024)

static void
request_free (gpointer data)
{
  Request *request = data;

  if (request->got_chunk_id != 0)
    g_signal_handler_disconnect (request->msg, request->got_chunk_id);
  g_object_unref (request->msg);
  g_free (request);
}

static void
close_connection (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  /* libsoup sees the end of the stream and drops the connection. */
  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

static void
idle_watch (AioHttpService *self,
            GSocket        *socket)
{
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  Idle *idle = g_hash_table_lookup (priv->idle, socket);

  if (idle == NULL)
    {
      idle = g_new (Idle, 1);
      g_hash_table_insert (priv->idle, g_object_ref (socket), idle);
    }
  idle->since = g_get_monotonic_time ();
  idle->waiting = TRUE;
}

/* Closes the kept-alive connections waiting for a request. */
static void
close_idle (AioHttpService *self)
{
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  GHashTableIter iter;
  GSocket *socket;
  Idle *idle;

  g_hash_table_iter_init (&iter, priv->idle);
  while (g_hash_table_iter_next (&iter, (gpointer *) &socket, (gpointer *) &idle))
    if (idle->waiting)
      g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_hash_table_remove_all (priv->idle);
}

static void finish_stop (AioHttpService *self);

static gboolean
any_active (AioHttpService *self)
{
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  GHashTableIter iter;
  Request *request;

  g_hash_table_iter_init (&iter, priv->requests);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &request))
    if (request->active)
      return TRUE;
  return FALSE;
}

static void
request_done (AioHttpService    *self,
              SoupServerMessage *msg)
{
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);

  if (!g_hash_table_remove (priv->requests, msg))
    return;
  if (priv->stop_task != NULL && !any_active (self))
    finish_stop (self);
}

/* One timer for every connection (a timer per request would cost more
 * than the rest of the bookkeeping): closes those waiting longer than
 * header-timeout for request headers, or than idle-timeout for a next
 * request. A connection closed while idle stays listed until then. */
static gboolean
sweep_cb (gpointer data)
{
  AioHttpService *self = data;
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  gint64 now = g_get_monotonic_time ();
  gint64 header_usec = (gint64) (priv->header_timeout * G_USEC_PER_SEC);
  gint64 idle_usec = (gint64) (priv->idle_timeout * G_USEC_PER_SEC);
  g_autoptr(GPtrArray) late = g_ptr_array_new ();
  GHashTableIter iter;
  Request *request;
  GSocket *socket;
  Idle *idle;

  if (header_usec > 0)
    {
      g_hash_table_iter_init (&iter, priv->requests);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &request))
        if (!request->active && request->since != G_MAXINT64 && now - request->since >= header_usec)
          {
            request->since = G_MAXINT64;   /* closed once */
            g_ptr_array_add (late, request->msg);
          }
    }
  for (guint i = 0; i < late->len; i++)
    {
      g_debug ("HTTP service '%s': closing a connection that sent no request headers in %g s",
               aio_service_get_name (AIO_SERVICE (self)), priv->header_timeout);
      aio_statistics_add (STAT_GROUP, "timeouts", 1);
      close_connection (late->pdata[i]);
    }

  /* Closed connections leave the list here, with or without an idle timeout. */
  g_hash_table_iter_init (&iter, priv->idle);
  while (g_hash_table_iter_next (&iter, (gpointer *) &socket, (gpointer *) &idle))
    if (g_socket_is_closed (socket))
      g_hash_table_iter_remove (&iter);
    else if (idle_usec > 0 && idle->waiting && now - idle->since >= idle_usec)
      {
        g_debug ("HTTP service '%s': closing a kept-alive connection idle for %g s",
                 aio_service_get_name (AIO_SERVICE (self)), priv->idle_timeout);
        aio_statistics_add (STAT_GROUP, "timeouts", 1);
        g_socket_shutdown (socket, TRUE, TRUE, NULL);
        g_hash_table_iter_remove (&iter);
      }
  return G_SOURCE_CONTINUE;
}

static void
refuse_body (SoupServerMessage *msg)
{
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  if (soup_server_message_get_status (msg) == 0)
    soup_server_message_set_status (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
}

static void got_chunk_cb (SoupServerMessage *msg,
                          GBytes            *chunk,
                          gpointer           data);

static void
got_headers (AioHttpService    *self,
             Request           *request)
{
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  SoupServerMessage *msg = request->msg;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  request->active = TRUE;
  aio_statistics_add (STAT_GROUP, "requests", 1);

  if (priv->stop_task != NULL)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                  "Connection", "close");
  switch (soup_message_headers_get_encoding (headers))
    {
    case SOUP_ENCODING_CONTENT_LENGTH:
      if ((guint64) soup_message_headers_get_content_length (headers) > priv->max_body_size)
        refuse_body (msg);
      break;
    case SOUP_ENCODING_NONE:
      break;
    default:
      /* A body of unknown length is counted as it comes. */
      request->got_chunk_id = g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), request);
      break;
    }
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           data)
{
  Request *request = data;
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (request->self);

  request->body_read += g_bytes_get_size (chunk);
  if (request->body_read > priv->max_body_size)
    refuse_body (msg);
}

/* got-headers and disconnected are watched with one emission hook each per
 * service, not with two handlers connected to every message: connecting and
 * disconnecting those (two closures per request) cost more than the rest of
 * the bookkeeping. The hooks see every SoupServerMessage of the process;
 * those of other threads are not ours (and our table is not theirs to read). */
static gboolean
message_hook (GSignalInvocationHint *hint,
              guint                  n_values,
              const GValue          *values,
              gpointer               data)
{
  AioHttpService *self = data;
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  SoupServerMessage *msg;
  Request *request;

  if (priv->thread != g_thread_self () || priv->requests == NULL)
    return TRUE;
  msg = g_value_get_object (&values[0]);
  request = g_hash_table_lookup (priv->requests, msg);
  if (request == NULL)
    return TRUE;
  if (hint->signal_id == got_headers_signal)
    got_headers (self, request);
  else
    request_done (self, msg);
  return TRUE;
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           data)
{
  AioHttpService *self = data;
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  GSocket *socket = soup_server_message_get_socket (msg);
  Request *request;

  if (priv->stop_task != NULL)
    {
      /* A kept-alive connection asking for more while draining. */
      close_connection (msg);
      return;
    }

  request = g_new0 (Request, 1);
  request->self = self;
  request->msg = g_object_ref (msg);
  g_hash_table_replace (priv->requests, msg, request);

  if (socket != NULL)
    {
      Idle *idle = g_hash_table_lookup (priv->idle, socket);

      if (idle != NULL)
        idle->waiting = FALSE;
    }
  request->since = g_get_monotonic_time ();
}

static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     gpointer           data)
{
  AioHttpService *self = data;
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  GSocket *socket = soup_server_message_get_socket (msg);

  if (soup_server_message_get_status (msg) >= 400)
    aio_statistics_add (STAT_GROUP, "errors", 1);
  /* The next request-started on this socket is a kept-alive connection. */
  /* Watched until its next request (a connection closed after this
   * response ends the watch as soon as it is closed). */
  if (socket != NULL && priv->stop_task == NULL)
    idle_watch (self, socket);
  request_done (self, msg);
}

static void
request_aborted_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           data)
{
  aio_statistics_add (STAT_GROUP, "errors", 1);
  request_done (data, msg);
}

static void
handler_free (gpointer data)
{
  Handler *handler = data;

  if (handler->destroy != NULL)
    handler->destroy (handler->user_data);
  g_free (handler);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           data)
{
  Handler *handler = data;

  handler->func (handler->self, msg, path, query, handler->user_data);
}

static void
default_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           data)
{
  aio_http_service_handle_request (data, msg, path, query);
}

static void
aio_http_service_real_handle_request (AioHttpService    *self,
                                      SoupServerMessage *msg,
                                      const char        *path,
                                      GHashTable        *query)
{
  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static gboolean
load_tls (AioHttpService   *self,
          GTlsCertificate **certificate,
          GError          **error)
{
  AioSocketServer *server = AIO_SOCKET_SERVER (self);
  g_autofree char *owner = g_strdup_printf ("HTTP service '%s'", aio_service_get_name (AIO_SERVICE (self)));
  g_autoptr(GTlsDatabase) database = NULL;

  return _aio_tls_load_files (owner, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                              aio_socket_server_get_tls_certificate_file (server),
                              aio_socket_server_get_tls_key_file (server), NULL,
                              certificate, &database, error);
}

/* libsoup closes the socket it listens on when it disconnects, and a given
 * or inherited socket is not ours to close: it gets a duplicate. */
static GSocket *
dup_socket (GSocket  *socket,
            GError  **error)
{
  int fd = fcntl (g_socket_get_fd (socket), F_DUPFD_CLOEXEC, 3);
  GSocket *copy;

  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot duplicate the listening socket: %s", g_strerror (errsv));
      return NULL;
    }
  copy = g_socket_new_from_fd (fd, error);
  if (copy == NULL)
    close (fd);
  return copy;
}

static void
start_sweep (AioHttpService *self)
{
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  double shortest = G_MAXDOUBLE;

  if (priv->header_timeout > 0)
    shortest = priv->header_timeout;
  if (priv->idle_timeout > 0)
    shortest = MIN (shortest, priv->idle_timeout);
  if (shortest == G_MAXDOUBLE)
    return;
  /* A timeout is noticed within a quarter of itself, and within 1 s. */
  /* A repeating sweep (sweep_cb returns G_SOURCE_CONTINUE). */
  priv->sweep = g_timeout_source_new ((guint) (CLAMP (shortest / 4, 0.01, 1.0) * 1000.0 + 0.5));
  g_source_set_callback (priv->sweep, sweep_cb, self, NULL);
  g_source_attach (priv->sweep, priv->context);
}

static void
aio_http_service_start_async (AioService          *service,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AioHttpService *self = AIO_HTTP_SERVICE (service);
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GSocket) copy = NULL;
  g_autofree char *where = NULL;
  GError *error = NULL;
  GSocket *listener;

  g_task_set_source_tag (task, aio_http_service_start_async);

  if (!load_tls (self, &certificate, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  listener = aio_socket_server_listen (AIO_SOCKET_SERVER (self), G_SOCKET_TYPE_STREAM,
                                       SOMAXCONN, &error);
  if (listener == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  copy = dup_socket (listener, &error);
  soup_server_set_tls_certificate (priv->server, certificate);
  if (copy == NULL ||
      !soup_server_listen_socket (priv->server, copy,
                                  certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, &error))
    {
      aio_socket_server_close_listener (AIO_SOCKET_SERVER (self));
      g_task_return_error (task, error);
      return;
    }

  priv->soup_listener = g_steal_pointer (&copy);
  g_clear_pointer (&priv->context, g_main_context_unref);
  priv->context = g_main_context_ref_thread_default ();
  priv->thread = g_thread_self ();
  start_sweep (self);

  where = _aio_net_local_to_string (listener);
  g_info ("HTTP service '%s' listening on %s%s", aio_service_get_name (service), where,
          certificate != NULL ? " (TLS)" : "");
  g_task_return_boolean (task, TRUE);
}

static void
finish_stop (AioHttpService *self)
{
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  GTask *task = g_steal_pointer (&priv->stop_task);

  _aio_source_clear (&priv->drain_source);
  _aio_source_clear (&priv->sweep);
  /* Closes every connection left: their requests are dropped. */
  soup_server_disconnect (priv->server);
  g_hash_table_remove_all (priv->requests);
  g_hash_table_remove_all (priv->idle);
  g_clear_object (&priv->soup_listener);
  if (task != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
}

static gboolean
drain_timeout_cb (gpointer data)
{
  AioHttpService *self = data;
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);

  g_clear_pointer (&priv->drain_source, g_source_unref);
  g_debug ("HTTP service '%s': drain timeout, dropping %u requests",
           aio_service_get_name (AIO_SERVICE (self)), g_hash_table_size (priv->requests));
  finish_stop (self);
  return G_SOURCE_REMOVE;
}

static void
aio_http_service_stop_async (AioService          *service,
                             const GError        *reason,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  AioHttpService *self = AIO_HTTP_SERVICE (service);
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GPtrArray) idle = g_ptr_array_new ();
  GHashTableIter iter;
  Request *request;

  g_task_set_source_tag (task, aio_http_service_stop_async);
  g_task_set_check_cancellable (task, FALSE);

  /* Stop accepting: libsoup's watch on its duplicate fails and goes away,
   * and closing ours makes the port refuse connections. */
  if (priv->soup_listener != NULL)
    g_socket_close (priv->soup_listener, NULL);
  aio_socket_server_close_listener (AIO_SOCKET_SERVER (self));

  priv->stop_task = task;
  close_idle (self);
  g_hash_table_iter_init (&iter, priv->requests);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &request))
    if (request->active)
      soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                    "Connection", "close");
    else
      g_ptr_array_add (idle, request->msg);
  /* Connections waiting for a request are closed at once. */
  for (guint i = 0; i < idle->len; i++)
    close_connection (idle->pdata[i]);

  if (!any_active (self) || priv->drain_timeout <= 0)
    {
      finish_stop (self);
      return;
    }
  g_debug ("HTTP service '%s': draining requests for up to %g s",
           aio_service_get_name (service), priv->drain_timeout);
  priv->drain_source = _aio_clock_timer_new (aio_clock_get_default (),
                                             _aio_seconds_to_usec (priv->drain_timeout),
                                             drain_timeout_cb, self, priv->context);
}

static void
aio_http_service_dispose (GObject *object)
{
  AioHttpService *self = AIO_HTTP_SERVICE (object);
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);

  if (priv->server != NULL)
    {
      g_signal_handlers_disconnect_by_data (priv->server, self);
      soup_server_disconnect (priv->server);
    }
  if (priv->got_headers_hook != 0)
    g_signal_remove_emission_hook (got_headers_signal, priv->got_headers_hook);
  if (priv->disconnected_hook != 0)
    g_signal_remove_emission_hook (disconnected_signal, priv->disconnected_hook);
  priv->got_headers_hook = priv->disconnected_hook = 0;
  g_clear_pointer (&priv->requests, g_hash_table_unref);
  g_clear_pointer (&priv->idle, g_hash_table_unref);
  _aio_source_clear (&priv->drain_source);
  _aio_source_clear (&priv->sweep);
  g_clear_object (&priv->server);
  g_clear_object (&priv->soup_listener);
  g_clear_pointer (&priv->context, g_main_context_unref);

  G_OBJECT_CLASS (aio_http_service_parent_class)->dispose (object);
}

static void
aio_http_service_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AioHttpService *self = AIO_HTTP_SERVICE (object);
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_DRAIN_TIMEOUT:
      g_value_set_double (value, priv->drain_timeout);
      break;
    case PROP_HEADER_TIMEOUT:
      g_value_set_double (value, priv->header_timeout);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_double (value, priv->idle_timeout);
      break;
    case PROP_MAX_BODY_SIZE:
      g_value_set_uint64 (value, priv->max_body_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_http_service_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  AioHttpService *self = AIO_HTTP_SERVICE (object);

  switch (prop_id)
    {
    case PROP_DRAIN_TIMEOUT:
      aio_http_service_set_drain_timeout (self, g_value_get_double (value));
      break;
    case PROP_HEADER_TIMEOUT:
      aio_http_service_set_header_timeout (self, g_value_get_double (value));
      break;
    case PROP_IDLE_TIMEOUT:
      aio_http_service_set_idle_timeout (self, g_value_get_double (value));
      break;
    case PROP_MAX_BODY_SIZE:
      aio_http_service_set_max_body_size (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_http_service_class_init (AioHttpServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = aio_http_service_dispose;
  object_class->get_property = aio_http_service_get_property;
  object_class->set_property = aio_http_service_set_property;
  service_class->start_async = aio_http_service_start_async;
  service_class->stop_async = aio_http_service_stop_async;
  klass->handle_request = aio_http_service_real_handle_request;

  {
    GTypeClass *message_class = g_type_class_ref (SOUP_TYPE_SERVER_MESSAGE);

    got_headers_signal = g_signal_lookup ("got-headers", SOUP_TYPE_SERVER_MESSAGE);
    disconnected_signal = g_signal_lookup ("disconnected", SOUP_TYPE_SERVER_MESSAGE);
    g_type_class_unref (message_class);
  }

  /**
   * AioHttpService:drain-timeout:
   *
   * Seconds the requests in progress get to finish when the service
   * stops; then their connections are closed. 0 closes them at once.
   *
   * Since: 0.2
   */
  properties[PROP_DRAIN_TIMEOUT] =
    g_param_spec_double ("drain-timeout", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_DRAIN_TIMEOUT, flags);

  /**
   * AioHttpService:header-timeout:
   *
   * Seconds a new connection has to send its request headers before it is
   * closed; 0 waits for ever.
   *
   * Since: 0.2
   */
  properties[PROP_HEADER_TIMEOUT] =
    g_param_spec_double ("header-timeout", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_HEADER_TIMEOUT, flags);

  /**
   * AioHttpService:idle-timeout:
   *
   * Seconds a kept-alive connection has, after a response, to send the
   * headers of its next request before it is closed; 0 waits for ever.
   *
   * Since: 0.2
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_double ("idle-timeout", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_IDLE_TIMEOUT, flags);

  /**
   * AioHttpService:max-body-size:
   *
   * The largest request body accepted, in bytes: a larger one (by its
   * `Content-Length`, or as it arrives when chunked) is answered with
   * 413 Content Too Large and not kept in memory.
   *
   * Since: 0.2
   */
  properties[PROP_MAX_BODY_SIZE] =
    g_param_spec_uint64 ("max-body-size", NULL, NULL,
                         0, G_MAXUINT64, DEFAULT_MAX_BODY_SIZE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_http_service_init (AioHttpService *self)
{
  AioHttpServicePrivate *priv = aio_http_service_get_instance_private (self);

  priv->drain_timeout = DEFAULT_DRAIN_TIMEOUT;
  priv->header_timeout = DEFAULT_HEADER_TIMEOUT;
  priv->idle_timeout = DEFAULT_IDLE_TIMEOUT;
  priv->max_body_size = DEFAULT_MAX_BODY_SIZE;
  priv->requests = g_hash_table_new_full (NULL, NULL, NULL, request_free);
  priv->idle = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
  /* No Server header (as a bare SoupServer): one header line less per
   * response, and no version told to clients; "server-header" on the
   * SoupServer sets one. */
  priv->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (priv->server, NULL, default_cb, self, NULL);
  g_signal_connect (priv->server, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (priv->server, "request-finished", G_CALLBACK (request_finished_cb), self);
  g_signal_connect (priv->server, "request-aborted", G_CALLBACK (request_aborted_cb), self);
  priv->got_headers_hook = g_signal_add_emission_hook (got_headers_signal, 0, message_hook, self, NULL);
  priv->disconnected_hook = g_signal_add_emission_hook (disconnected_signal, 0, message_hook, self, NULL);
}

/**
 * aio_http_service_new:
 * @address: (nullable): the address to listen on (%NULL: 127.0.0.1)
 * @port: the port, 0 for one the system picks
 *
 * Creates an HTTP service. Add handlers with
 * [method@Aio.HttpService.add_handler].
 *
 * Returns: (transfer full): a new #AioHttpService
 *
 * Since: 0.2
 */
AioHttpService *
aio_http_service_new (const char *address,
                      guint       port)
{
  AioHttpService *self = g_object_new (AIO_TYPE_HTTP_SERVICE, "port", port, NULL);

  if (address != NULL)
    aio_socket_server_set_address (AIO_SOCKET_SERVER (self), address);
  return self;
}

/**
 * aio_http_service_add_handler:
 * @self: an #AioHttpService
 * @path: the path prefix it answers (a request goes to the handler of the
 *   longest prefix of its path)
 * @handler: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is removed
 *
 * Adds (or replaces) the handler of @path.
 *
 * Since: 0.2
 */
void
aio_http_service_add_handler (AioHttpService *self,
                              const char     *path,
                              AioHttpHandler  handler,
                              gpointer        user_data,
                              GDestroyNotify  destroy)
{
  AioHttpServicePrivate *priv;
  Handler *h;

  g_return_if_fail (AIO_IS_HTTP_SERVICE (self));
  g_return_if_fail (path != NULL);
  g_return_if_fail (handler != NULL);

  priv = aio_http_service_get_instance_private (self);
  h = g_new0 (Handler, 1);
  h->self = self;
  h->func = handler;
  h->user_data = user_data;
  h->destroy = destroy;
  soup_server_add_handler (priv->server, path, handler_cb, h, handler_free);
}

/**
 * aio_http_service_remove_handler:
 * @self: an #AioHttpService
 * @path: the path given to [method@Aio.HttpService.add_handler]
 *
 * Removes the handler of @path.
 *
 * Since: 0.2
 */
void
aio_http_service_remove_handler (AioHttpService *self,
                                 const char     *path)
{
  g_return_if_fail (AIO_IS_HTTP_SERVICE (self));
  g_return_if_fail (path != NULL);

  soup_server_remove_handler (((AioHttpServicePrivate *) aio_http_service_get_instance_private (self))->server,
                              path);
}

/**
 * aio_http_service_handle_request: (virtual handle_request)
 * @self: an #AioHttpService
 * @msg: the request
 * @path: its path
 * @query: (nullable) (element-type utf8 utf8): its decoded query
 *
 * Answers a request no added handler matches.
 *
 * Since: 0.2
 */
void
aio_http_service_handle_request (AioHttpService    *self,
                                 SoupServerMessage *msg,
                                 const char        *path,
                                 GHashTable        *query)
{
  g_return_if_fail (AIO_IS_HTTP_SERVICE (self));
  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  AIO_HTTP_SERVICE_GET_CLASS (self)->handle_request (self, msg, path, query);
}

/**
 * aio_http_service_get_soup_server:
 * @self: an #AioHttpService
 *
 * Gets the #SoupServer the service runs.
 *
 * Returns: (transfer none): the #SoupServer of the service
 *
 * Since: 0.2
 */
SoupServer *
aio_http_service_get_soup_server (AioHttpService *self)
{
  g_return_val_if_fail (AIO_IS_HTTP_SERVICE (self), NULL);

  return ((AioHttpServicePrivate *) aio_http_service_get_instance_private (self))->server;
}

/**
 * aio_http_service_get_active_requests:
 * @self: an #AioHttpService
 *
 * Counts the requests in progress.
 *
 * Returns: how many requests have their headers read and are not answered yet
 *
 * Since: 0.2
 */
guint
aio_http_service_get_active_requests (AioHttpService *self)
{
  AioHttpServicePrivate *priv;
  GHashTableIter iter;
  Request *request;
  guint n = 0;

  g_return_val_if_fail (AIO_IS_HTTP_SERVICE (self), 0);

  priv = aio_http_service_get_instance_private (self);
  g_hash_table_iter_init (&iter, priv->requests);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &request))
    n += request->active;
  return n;
}

#define NUMBER_PROPERTY(name, type, field, PROP)                                  \
type                                                                              \
aio_http_service_get_##name (AioHttpService *self)                                \
{                                                                                 \
  g_return_val_if_fail (AIO_IS_HTTP_SERVICE (self), 0);                           \
  return ((AioHttpServicePrivate *) aio_http_service_get_instance_private (self))->field; \
}                                                                                 \
void                                                                              \
aio_http_service_set_##name (AioHttpService *self, type value)                    \
{                                                                                 \
  AioHttpServicePrivate *priv;                                                    \
  g_return_if_fail (AIO_IS_HTTP_SERVICE (self));                                  \
  g_return_if_fail ((double) value >= 0);  /* NaN fails too */                       \
  priv = aio_http_service_get_instance_private (self);                            \
  if (priv->field != value)                                                       \
    {                                                                             \
      priv->field = value;                                                        \
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP]);               \
    }                                                                             \
}

/**
 * aio_http_service_get_drain_timeout:
 * @self: an #AioHttpService
 *
 * Gets the drain timeout.
 *
 * Returns: the value of [property@Aio.HttpService:drain-timeout]
 *
 * Since: 0.2
 */
/**
 * aio_http_service_set_drain_timeout:
 * @self: an #AioHttpService
 * @seconds: the new value, 0 or more
 *
 * Sets [property@Aio.HttpService:drain-timeout].
 *
 * Since: 0.2
 */
NUMBER_PROPERTY (drain_timeout, double, drain_timeout, PROP_DRAIN_TIMEOUT)

/**
 * aio_http_service_get_header_timeout:
 * @self: an #AioHttpService
 *
 * Gets the header timeout.
 *
 * Returns: the value of [property@Aio.HttpService:header-timeout]
 *
 * Since: 0.2
 */
/**
 * aio_http_service_set_header_timeout:
 * @self: an #AioHttpService
 * @seconds: the new value, 0 or more
 *
 * Sets [property@Aio.HttpService:header-timeout].
 *
 * Since: 0.2
 */
NUMBER_PROPERTY (header_timeout, double, header_timeout, PROP_HEADER_TIMEOUT)

/**
 * aio_http_service_get_idle_timeout:
 * @self: an #AioHttpService
 *
 * Gets the idle timeout.
 *
 * Returns: the value of [property@Aio.HttpService:idle-timeout]
 *
 * Since: 0.2
 */
/**
 * aio_http_service_set_idle_timeout:
 * @self: an #AioHttpService
 * @seconds: the new value, 0 or more
 *
 * Sets [property@Aio.HttpService:idle-timeout].
 *
 * Since: 0.2
 */
NUMBER_PROPERTY (idle_timeout, double, idle_timeout, PROP_IDLE_TIMEOUT)

/**
 * aio_http_service_get_max_body_size:
 * @self: an #AioHttpService
 *
 * Gets the max body size.
 *
 * Returns: the value of [property@Aio.HttpService:max-body-size]
 *
 * Since: 0.2
 */
/**
 * aio_http_service_set_max_body_size:
 * @self: an #AioHttpService
 * @size: the new value, in bytes
 *
 * Sets [property@Aio.HttpService:max-body-size].
 *
 * Since: 0.2
 */
NUMBER_PROPERTY (max_body_size, guint64, max_body_size, PROP_MAX_BODY_SIZE)
