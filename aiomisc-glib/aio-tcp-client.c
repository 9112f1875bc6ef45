/* aio-tcp-client.c: AioTcpClient, a TCP client service with connect retries
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include <gio/gunixsocketaddress.h>

#include "aiomisc-glib.h"
#include "aio-net-private.h"
#include "aio-task-private.h"
#include "aio-tls-private.h"
#include "aio-tcp-client-private.h"

/**
 * AioTcpClient:
 *
 * A service that connects to a server and talks to it (aiomisc's
 * `TCPClient`).
 *
 * An abstract class: subclasses override `handle_connection_async` (and
 * `handle_connection_finish`) of [class@Aio.TcpClient]. The client
 * connects to [property@Aio.TcpClient:address] and
 * [property@Aio.TcpClient:port] (a host name or an IP address), or to the
 * Unix stream socket [property@Aio.TcpClient:unix-path] when it is set.
 *
 * The client is a *long-running* service:
 *
 * - its start checks the properties (an %G_IO_ERROR_INVALID_ARGUMENT
 *   naming the bad value, or the error of a TLS file, naming the file) and
 *   connects. A failed attempt is logged and retried after
 *   [property@Aio.TcpClient:connect-retry-timeout] seconds, up to
 *   [property@Aio.TcpClient:connect-attempts] attempts in all; then the
 *   start fails with the error of the last attempt (its domain and code
 *   kept), the message naming `host:port` and the attempt. A server
 *   certificate that fails verification is not retried.
 * - once connected, the service is ready ([method@Aio.Service.set_ready]:
 *   [method@Aio.Service.start_async] completes) and the handler runs with
 *   the connection.
 * - when the handler completes, the client closes the connection. A
 *   handler that succeeds ends the work of the service, which stays
 *   running until it is stopped; a handler that fails is a runtime failure
 *   of the service ([signal@Aio.Service::failed]), which makes a running
 *   [class@Aio.Entrypoint] shut the program down.
 * - stopping the service cancels the handler (or the connection attempt,
 *   or the pause between two) and waits for it.
 *
 * With [property@Aio.TcpClient:tls], the connection is a
 * #GTlsClientConnection (GIO's TLS, glib-networking at run time) and the
 * server certificate is verified, unlike aiomisc: against the system's
 * certificate authorities, or those of [property@Aio.TcpClient:tls-ca-file],
 * and for the name [property@Aio.TcpClient:tls-server-name] (by default the
 * address). A client certificate is presented when
 * [property@Aio.TcpClient:tls-certificate-file] is set.
 * [property@Aio.TcpClient:tls-insecure] turns the verification off; every
 * start then logs a warning.
 *
 * ```c
 * static void
 * my_pinger_handle_connection_async (AioTcpClient        *client,
 *                                    GIOStream           *connection,
 *                                    GCancellable        *cancellable,
 *                                    GAsyncReadyCallback  callback,
 *                                    gpointer             user_data)
 * {
 *   GTask *task = g_task_new (client, cancellable, callback, user_data);
 *   GOutputStream *out = g_io_stream_get_output_stream (connection);
 *
 *   g_output_stream_write_all_async (out, "ping\n", 5, G_PRIORITY_DEFAULT,
 *                                    cancellable, ping_sent_cb, task);
 * }
 *
 * pinger = g_object_new (MY_TYPE_PINGER, "address", "example.com", "port", 7,
 *                        NULL);
 * ```
 *
 * A server that accepts and then goes silent cannot hang the client:
 * [property@Aio.TcpClient:connect-timeout] bounds each connection attempt,
 * TLS handshake included (30 s by default), and
 * [property@Aio.TcpClient:idle-timeout] the wait of each read and write of
 * the handler (off by default).
 *
 * The connection is direct: GIO's system proxy settings are not used.
 * Properties changed while the client runs apply at the next start.
 *
 * Since: 0.1
 */

typedef struct
{
  char          *address;
  guint          port;
  char          *unix_path;
  int            connect_attempts;
  double         connect_retry_timeout;
  gboolean       tls;
  char          *tls_ca_file;
  char          *tls_certificate_file;
  char          *tls_key_file;
  char          *tls_server_name;
  gboolean       tls_insecure;
  double         connect_timeout;
  double         idle_timeout;
  AioClock      *clock;

  /* Snapshot made by _aio_tcp_client_prepare() */
  char               *target;
  GSocketConnectable *connectable;
  GSocketConnectable *identity;
  GTlsDatabase       *database;
  GTlsCertificate    *certificate;
  GSocketClient      *socket_client;
  gboolean            use_tls;
  gboolean            insecure;
} AioTcpClientPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (AioTcpClient, aio_tcp_client, AIO_TYPE_SERVICE)

#define DEFAULT_CONNECT_ATTEMPTS 5
#define DEFAULT_CONNECT_RETRY_TIMEOUT 3.0

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_UNIX_PATH,
  PROP_CONNECT_ATTEMPTS,
  PROP_CONNECT_RETRY_TIMEOUT,
  PROP_TLS,
  PROP_TLS_CA_FILE,
  PROP_TLS_CERTIFICATE_FILE,
  PROP_TLS_KEY_FILE,
  PROP_TLS_SERVER_NAME,
  PROP_TLS_INSECURE,
  PROP_CLOCK,
  PROP_CONNECT_TIMEOUT,
  PROP_IDLE_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The handler */

static void
aio_tcp_client_real_handle_connection_async (AioTcpClient        *self,
                                             GIOStream           *connection,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aio_tcp_client_real_handle_connection_async);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "%s does not override handle_connection_async",
                           G_OBJECT_TYPE_NAME (self));
}

static gboolean
aio_tcp_client_real_handle_connection_finish (AioTcpClient  *self,
                                              GAsyncResult  *result,
                                              GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Preparing a start */

static gboolean
invalid (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError     **error,
         const char  *format,
         ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_IO_ERROR,
                                                G_IO_ERROR_INVALID_ARGUMENT,
                                                format, args));
  va_end (args);
  return FALSE;
}

static void
clear_snapshot (AioTcpClientPrivate *priv)
{
  g_clear_pointer (&priv->target, g_free);
  g_clear_object (&priv->connectable);
  g_clear_object (&priv->identity);
  g_clear_object (&priv->database);
  g_clear_object (&priv->certificate);
  g_clear_object (&priv->socket_client);
}

static gboolean
is_set (const char *value)
{
  return value != NULL && value[0] != '\0';
}

gboolean
_aio_tcp_client_prepare (AioTcpClient  *self,
                         gboolean       check_attempts,
                         GError       **error)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);
  const char *name = aio_service_get_name (AIO_SERVICE (self));
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  const char *server_name;

  clear_snapshot (priv);

  if (check_attempts && priv->connect_attempts < 1)
    return invalid (error, "Client '%s': invalid connect-attempts %d: must be 1 or more",
                    name, priv->connect_attempts);
  if (check_attempts &&
      (!isfinite (priv->connect_retry_timeout) || priv->connect_retry_timeout < 0))
    return invalid (error, "Client '%s': invalid connect-retry-timeout %g: "
                    "must be a finite number of seconds, 0 or more",
                    name, priv->connect_retry_timeout);

  if (is_set (priv->unix_path))
    {
      priv->target = g_strdup_printf ("unix:%s", priv->unix_path);
      priv->connectable = G_SOCKET_CONNECTABLE (g_unix_socket_address_new (priv->unix_path));
    }
  else if (!is_set (priv->address))
    return invalid (error, "Client '%s' has no address: set “address” and “port”, or “unix-path”",
                    name);
  else if (priv->port < 1 || priv->port > G_MAXUINT16)
    return invalid (error, "Client '%s': invalid port %u for “%s”: must be 1 to 65535",
                    name, priv->port, priv->address);
  else
    {
      if (strchr (priv->address, ':') != NULL)
        priv->target = g_strdup_printf ("[%s]:%u", priv->address, priv->port);
      else
        priv->target = g_strdup_printf ("%s:%u", priv->address, priv->port);
      priv->connectable = g_network_address_new (priv->address, (guint16) priv->port);
    }

  priv->use_tls = priv->tls;
  priv->insecure = priv->tls_insecure;
  if (priv->use_tls)
    {
      g_autofree char *owner = g_strdup_printf ("Client '%s'", name);

      if (!_aio_tls_check_backend (error))
        return FALSE;
      if (!_aio_tls_load_files (owner, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                priv->tls_certificate_file, priv->tls_key_file,
                                priv->tls_ca_file, &certificate, &database, error))
        return FALSE;

      server_name = is_set (priv->tls_server_name) ? priv->tls_server_name : priv->address;
      if (is_set (server_name))
        priv->identity = g_network_address_new (server_name, is_set (priv->unix_path) ? 0 : (guint16) priv->port);
      else if (!priv->insecure)
        return invalid (error, "Client '%s': tls-server-name is needed to verify the server "
                        "behind unix-path “%s”", name, priv->unix_path);

      if (priv->insecure)
        g_warning ("Client '%s': TLS certificate verification of %s is DISABLED (tls-insecure): "
                   "the server is not authenticated", name, priv->target);

      priv->database = g_steal_pointer (&database);
      priv->certificate = g_steal_pointer (&certificate);
    }

  priv->socket_client = g_socket_client_new ();
  /* A direct connection, as aiomisc's: no system proxy in between. */
  g_socket_client_set_enable_proxy (priv->socket_client, FALSE);
  return TRUE;
}

const char *
_aio_tcp_client_get_target (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  return priv->target;
}

/* One connection attempt */

#define DEFAULT_CONNECT_TIMEOUT 30.0

/* One attempt: with connect-timeout, its own cancellable, cancelled by the
 * caller's or by the timer. */
typedef struct
{
  GCancellable        *cancellable;
  GSource             *timer;
  GSource             *cancel_link;
  gboolean             timed_out;
  gulong               accept_id;
  GTlsCertificateFlags rejected;
} Attempt;

static void
attempt_clear_sources (Attempt *attempt)
{
  if (attempt->timer != NULL)
    {
      g_source_destroy (attempt->timer);
      g_clear_pointer (&attempt->timer, g_source_unref);
    }
  _aio_cancellable_unlink (&attempt->cancel_link);
}

static void
attempt_free (Attempt *attempt)
{
  attempt_clear_sources (attempt);
  g_clear_object (&attempt->cancellable);
  g_free (attempt);
}

static gboolean
attempt_timed_out_cb (gpointer user_data)
{
  Attempt *attempt = user_data;

  attempt->timed_out = TRUE;
  g_cancellable_cancel (attempt->cancellable);
  return G_SOURCE_REMOVE;
}

/* Completes the attempt with @error (transfer full): a cancellation by the
 * timer is G_IO_ERROR_TIMED_OUT. */
static void
attempt_return_error (GTask  *task,
                      GError *error)
{
  AioTcpClient *self = g_task_get_source_object (task);
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);
  Attempt *attempt = g_task_get_task_data (task);

  attempt_clear_sources (attempt);
  if (attempt->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           "No connection%s to %s within %g s (connect-timeout)",
                           priv->use_tls ? " and TLS handshake" : "", priv->target,
                           priv->connect_timeout);
    }
  g_task_return_error (task, error);
}

static gboolean
accept_certificate_cb (GTlsConnection       *connection,
                       GTlsCertificate      *peer,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  GTask *task = user_data;
  AioTcpClient *self = g_task_get_source_object (task);
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);
  Attempt *attempt = g_task_get_task_data (task);

  attempt->rejected = errors;
  return priv->insecure;
}

static char *
describe_certificate_flags (GTlsCertificateFlags flags)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char          *text;
  } names[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "signed by an unknown certificate authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "not issued for the expected server name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "using an insecure algorithm" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "invalid" },
  };
  GString *text = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (flags & names[i].flag)
      {
        if (text->len > 0)
          g_string_append (text, ", ");
        g_string_append (text, names[i].text);
      }

  return g_string_free (text, FALSE);
}

static void
handshake_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GIOStream) tls = G_IO_STREAM (object);
  AioTcpClient *self = g_task_get_source_object (task);
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);
  Attempt *attempt = g_task_get_task_data (task);
  GError *error = NULL;

  g_signal_handler_disconnect (tls, attempt->accept_id);
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (tls), result, &error))
    {
      if (attempt->rejected != 0 &&
          g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        {
          g_autofree char *why = describe_certificate_flags (attempt->rejected);

          g_prefix_error (&error, "The TLS certificate of %s is not trusted (%s): ",
                          priv->target, why);
        }
      attempt_return_error (task, error);
      return;
    }

  attempt_clear_sources (attempt);
  g_task_return_pointer (task, g_steal_pointer (&tls), g_object_unref);
}

static void
socket_connected_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AioTcpClient *self = g_task_get_source_object (task);
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);
  Attempt *attempt = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  GIOStream *tls;
  GError *error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      attempt_return_error (task, error);
      return;
    }

  /* idle-timeout: GSocket's own I/O timeout, on every read and write of
   * the connection (a TLS one's too), in whole seconds. */
  if (priv->idle_timeout > 0)
    g_socket_set_timeout (g_socket_connection_get_socket (connection),
                          (guint) MIN (priv->idle_timeout + 1.0 - 1e-6, (double) G_MAXUINT));

  if (!priv->use_tls)
    {
      attempt_clear_sources (attempt);
      g_task_return_pointer (task, g_steal_pointer (&connection), g_object_unref);
      return;
    }

  tls = g_tls_client_connection_new (G_IO_STREAM (connection), priv->identity, &error);
  if (tls == NULL)
    {
      attempt_return_error (task, error);
      return;
    }
  if (priv->database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), priv->database);
  if (priv->certificate != NULL)
    g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), priv->certificate);

  attempt->accept_id = g_signal_connect (tls, "accept-certificate",
                                         G_CALLBACK (accept_certificate_cb), task);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    attempt->cancellable,
                                    handshake_done_cb, g_object_ref (task));
}

void
_aio_tcp_client_connect_async (AioTcpClient        *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Attempt *attempt = g_new0 (Attempt, 1);

  g_task_set_source_tag (task, _aio_tcp_client_connect_async);
  g_task_set_task_data (task, attempt, (GDestroyNotify) attempt_free);
  if (priv->connect_timeout > 0)
    {
      GMainContext *context = g_task_get_context (task);

      attempt->cancellable = g_cancellable_new ();
      if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
        g_cancellable_cancel (attempt->cancellable);
      attempt->cancel_link = _aio_cancellable_link (cancellable, attempt->cancellable, context);
      attempt->timer = _aio_clock_timer_new (priv->clock, _aio_seconds_to_usec (priv->connect_timeout),
                                             attempt_timed_out_cb, attempt, context);
    }
  else if (cancellable != NULL)
    attempt->cancellable = g_object_ref (cancellable);

  g_debug ("Client '%s': connecting to %s", aio_service_get_name (AIO_SERVICE (self)), priv->target);
  g_socket_client_connect_async (priv->socket_client, priv->connectable, attempt->cancellable,
                                 socket_connected_cb, task);
}

GIOStream *
_aio_tcp_client_connect_finish (AioTcpClient  *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Waiting between attempts */

typedef struct
{
  GSource *timer;
  GSource *cancelled;
} Sleep;

static void
sleep_clear_sources (Sleep *sleep)
{
  if (sleep->timer != NULL)
    {
      g_source_destroy (sleep->timer);
      g_clear_pointer (&sleep->timer, g_source_unref);
    }
  _aio_cancellable_unlink (&sleep->cancelled);
}

static void
sleep_free (Sleep *sleep)
{
  sleep_clear_sources (sleep);
  g_free (sleep);
}

/* Takes the reference the pending wait held on @task. */
static void
sleep_complete (GTask *task)
{
  sleep_clear_sources (g_task_get_task_data (task));
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
sleep_timer_cb (gpointer user_data)
{
  sleep_complete (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
sleep_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  sleep_complete (user_data);
  return G_SOURCE_REMOVE;
}

void
_aio_tcp_client_sleep_async (AioTcpClient        *self,
                             double               seconds,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GMainContext *context = g_task_get_context (task);
  Sleep *sleep = g_new0 (Sleep, 1);

  g_task_set_source_tag (task, _aio_tcp_client_sleep_async);
  g_task_set_task_data (task, sleep, (GDestroyNotify) sleep_free);
  sleep->timer = _aio_clock_timer_new (priv->clock, _aio_seconds_to_usec (seconds),
                                       sleep_timer_cb, task, context);
  if (cancellable != NULL)
    {
      sleep->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (sleep->cancelled, G_SOURCE_FUNC (sleep_cancelled_cb), task, NULL);
      g_source_attach (sleep->cancelled, context);
    }
}

gboolean
_aio_tcp_client_sleep_finish (AioTcpClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Running the handler */

typedef struct
{
  GIOStream *connection;
  GError    *error;
} Serve;

static void
serve_free (Serve *serve)
{
  g_clear_object (&serve->connection);
  g_clear_error (&serve->error);
  g_free (serve);
}

static void
serve_closed_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Serve *serve = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (object), result, &error))
    g_debug ("Client '%s': closing the connection: %s",
             aio_service_get_name (g_task_get_source_object (task)), error->message);

  if (serve->error != NULL)
    g_task_return_error (task, g_steal_pointer (&serve->error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
serve_handled_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  AioTcpClient *self = AIO_TCP_CLIENT (object);
  Serve *serve = g_task_get_task_data (task);

  if (!AIO_TCP_CLIENT_GET_CLASS (self)->handle_connection_finish (self, result, &serve->error) &&
      serve->error == NULL)
    serve->error = g_error_new (AIO_ERROR, AIO_ERROR_SERVICE_FAILED,
                                "The connection handler of '%s' failed without saying why",
                                aio_service_get_name (AIO_SERVICE (self)));

  g_io_stream_close_async (serve->connection, G_PRIORITY_DEFAULT, NULL, serve_closed_cb, task);
}

void
_aio_tcp_client_serve_async (AioTcpClient        *self,
                             GIOStream           *connection,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Serve *serve = g_new0 (Serve, 1);

  g_task_set_source_tag (task, _aio_tcp_client_serve_async);
  /* The outcome is the handler's, even if it ignored a cancellation. */
  g_task_set_check_cancellable (task, FALSE);
  serve->connection = g_object_ref (connection);
  g_task_set_task_data (task, serve, (GDestroyNotify) serve_free);

  AIO_TCP_CLIENT_GET_CLASS (self)->handle_connection_async (self, connection, cancellable,
                                                            serve_handled_cb, task);
}

gboolean
_aio_tcp_client_serve_finish (AioTcpClient  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The service */

typedef struct
{
  int attempt;
  int attempts;
  double retry_timeout;
} Start;

static void start_connect (GTask *task);

static void
start_served_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (_aio_tcp_client_serve_finish (AIO_TCP_CLIENT (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
start_slept_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!_aio_tcp_client_sleep_finish (AIO_TCP_CLIENT (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  start_connect (g_steal_pointer (&task));
}

static gboolean
is_retried (const GError *error)
{
  /* A certificate that fails verification fails the same way again. */
  return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
         !g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

static void
start_connected_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AioTcpClient *self = AIO_TCP_CLIENT (object);
  Start *start = g_task_get_task_data (task);
  const char *name = aio_service_get_name (AIO_SERVICE (self));
  g_autoptr(GIOStream) connection = NULL;
  GError *error = NULL;

  connection = _aio_tcp_client_connect_finish (self, result, &error);
  if (connection != NULL)
    {
      g_info ("Client '%s': connected to %s", name, _aio_tcp_client_get_target (self));
      aio_service_set_ready (AIO_SERVICE (self));
      _aio_tcp_client_serve_async (self, connection, g_task_get_cancellable (task),
                                   start_served_cb, g_object_ref (task));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    {
      g_error_free (error);
      return;
    }

  if (start->attempt >= start->attempts || !is_retried (error))
    {
      g_prefix_error (&error, "Cannot connect to %s (attempt %d of %d): ",
                      _aio_tcp_client_get_target (self), start->attempt, start->attempts);
      g_task_return_error (task, error);
      return;
    }

  g_info ("Client '%s': attempt %d of %d to connect to %s failed: %s; retrying in %g s",
          name, start->attempt, start->attempts, _aio_tcp_client_get_target (self),
          error->message, start->retry_timeout);
  g_error_free (error);
  _aio_tcp_client_sleep_async (self, start->retry_timeout, g_task_get_cancellable (task),
                               start_slept_cb, g_object_ref (task));
}

/* Takes @task. */
static void
start_connect (GTask *task)
{
  AioTcpClient *self = g_task_get_source_object (task);
  Start *start = g_task_get_task_data (task);

  start->attempt++;
  _aio_tcp_client_connect_async (self, g_task_get_cancellable (task), start_connected_cb, task);
}

static void
aio_tcp_client_start_async (AioService          *service,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  AioTcpClient *self = AIO_TCP_CLIENT (service);
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Start *start;
  GError *error = NULL;

  g_task_set_source_tag (task, aio_tcp_client_start_async);
  if (!_aio_tcp_client_prepare (self, TRUE, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  start = g_new0 (Start, 1);
  start->attempts = priv->connect_attempts;
  start->retry_timeout = priv->connect_retry_timeout;
  g_task_set_task_data (task, start, g_free);
  start_connect (g_steal_pointer (&task));
}

/* GObject */

static void
aio_tcp_client_finalize (GObject *object)
{
  AioTcpClient *self = AIO_TCP_CLIENT (object);
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  clear_snapshot (priv);
  g_free (priv->address);
  g_free (priv->unix_path);
  g_free (priv->tls_ca_file);
  g_free (priv->tls_certificate_file);
  g_free (priv->tls_key_file);
  g_free (priv->tls_server_name);
  g_clear_object (&priv->clock);

  G_OBJECT_CLASS (aio_tcp_client_parent_class)->finalize (object);
}

static void
aio_tcp_client_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AioTcpClient *self = AIO_TCP_CLIENT (object);
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      g_value_set_string (value, priv->address);
      break;

    case PROP_PORT:
      g_value_set_uint (value, priv->port);
      break;

    case PROP_UNIX_PATH:
      g_value_set_string (value, priv->unix_path);
      break;

    case PROP_CONNECT_ATTEMPTS:
      g_value_set_int (value, priv->connect_attempts);
      break;

    case PROP_CONNECT_RETRY_TIMEOUT:
      g_value_set_double (value, priv->connect_retry_timeout);
      break;

    case PROP_TLS:
      g_value_set_boolean (value, priv->tls);
      break;

    case PROP_TLS_CA_FILE:
      g_value_set_string (value, priv->tls_ca_file);
      break;

    case PROP_TLS_CERTIFICATE_FILE:
      g_value_set_string (value, priv->tls_certificate_file);
      break;

    case PROP_TLS_KEY_FILE:
      g_value_set_string (value, priv->tls_key_file);
      break;

    case PROP_TLS_SERVER_NAME:
      g_value_set_string (value, priv->tls_server_name);
      break;

    case PROP_TLS_INSECURE:
      g_value_set_boolean (value, priv->tls_insecure);
      break;

    case PROP_CLOCK:
      g_value_set_object (value, priv->clock);
      break;
    case PROP_CONNECT_TIMEOUT:
      g_value_set_double (value, priv->connect_timeout);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_double (value, priv->idle_timeout);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_tcp_client_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AioTcpClient *self = AIO_TCP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_ADDRESS:
      aio_tcp_client_set_address (self, g_value_get_string (value));
      break;

    case PROP_PORT:
      aio_tcp_client_set_port (self, g_value_get_uint (value));
      break;

    case PROP_UNIX_PATH:
      aio_tcp_client_set_unix_path (self, g_value_get_string (value));
      break;

    case PROP_CONNECT_ATTEMPTS:
      aio_tcp_client_set_connect_attempts (self, g_value_get_int (value));
      break;

    case PROP_CONNECT_RETRY_TIMEOUT:
      aio_tcp_client_set_connect_retry_timeout (self, g_value_get_double (value));
      break;

    case PROP_TLS:
      aio_tcp_client_set_tls (self, g_value_get_boolean (value));
      break;

    case PROP_TLS_CA_FILE:
      aio_tcp_client_set_tls_ca_file (self, g_value_get_string (value));
      break;

    case PROP_TLS_CERTIFICATE_FILE:
      aio_tcp_client_set_tls_certificate_file (self, g_value_get_string (value));
      break;

    case PROP_TLS_KEY_FILE:
      aio_tcp_client_set_tls_key_file (self, g_value_get_string (value));
      break;

    case PROP_TLS_SERVER_NAME:
      aio_tcp_client_set_tls_server_name (self, g_value_get_string (value));
      break;

    case PROP_TLS_INSECURE:
      aio_tcp_client_set_tls_insecure (self, g_value_get_boolean (value));
      break;

    case PROP_CLOCK:
      aio_tcp_client_set_clock (self, g_value_get_object (value));
      break;
    case PROP_CONNECT_TIMEOUT:
      aio_tcp_client_set_connect_timeout (self, g_value_get_double (value));
      break;
    case PROP_IDLE_TIMEOUT:
      aio_tcp_client_set_idle_timeout (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_tcp_client_class_init (AioTcpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = aio_tcp_client_finalize;
  object_class->get_property = aio_tcp_client_get_property;
  object_class->set_property = aio_tcp_client_set_property;

  service_class->start_async = aio_tcp_client_start_async;

  klass->handle_connection_async = aio_tcp_client_real_handle_connection_async;
  klass->handle_connection_finish = aio_tcp_client_real_handle_connection_finish;

  /**
   * AioTcpClient:address:
   *
   * The server: a host name (resolved at each attempt) or an IPv4 or IPv6
   * address. Required unless [property@Aio.TcpClient:unix-path] is set.
   *
   * Since: 0.1
   */
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL, flags);

  /**
   * AioTcpClient:port:
   *
   * The TCP port of the server, 1 to 65535; other values make the start
   * fail with %G_IO_ERROR_INVALID_ARGUMENT.
   *
   * Since: 0.1
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, flags);

  /**
   * AioTcpClient:unix-path:
   *
   * The path of a Unix stream socket to connect to instead of
   * [property@Aio.TcpClient:address] and [property@Aio.TcpClient:port].
   *
   * Since: 0.1
   */
  properties[PROP_UNIX_PATH] =
    g_param_spec_string ("unix-path", NULL, NULL, NULL, flags);

  /**
   * AioTcpClient:connect-attempts:
   *
   * How many times the start tries to connect before it fails; 1 or more.
   * [class@Aio.RobustTcpClient] ignores it: it retries forever.
   *
   * Since: 0.1
   */
  properties[PROP_CONNECT_ATTEMPTS] =
    g_param_spec_int ("connect-attempts", NULL, NULL,
                      1, G_MAXINT, DEFAULT_CONNECT_ATTEMPTS, flags);

  /**
   * AioTcpClient:connect-retry-timeout:
   *
   * The seconds between two connection attempts of the start; finite, 0 or
   * more. [class@Aio.RobustTcpClient] uses its backoff instead.
   *
   * Since: 0.1
   */
  properties[PROP_CONNECT_RETRY_TIMEOUT] =
    g_param_spec_double ("connect-retry-timeout", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_CONNECT_RETRY_TIMEOUT, flags);

  /**
   * AioTcpClient:tls:
   *
   * Whether to speak TLS over the connection. The server certificate is
   * verified unless [property@Aio.TcpClient:tls-insecure] is set.
   *
   * Since: 0.1
   */
  properties[PROP_TLS] =
    g_param_spec_boolean ("tls", NULL, NULL, FALSE, flags);

  /**
   * AioTcpClient:tls-ca-file:
   *
   * A PEM file of the certificate authorities to trust instead of the
   * system's. A file that cannot be read or parsed makes the start fail
   * with an error naming it.
   *
   * Since: 0.1
   */
  properties[PROP_TLS_CA_FILE] =
    g_param_spec_string ("tls-ca-file", NULL, NULL, NULL, flags);

  /**
   * AioTcpClient:tls-certificate-file:
   *
   * A PEM file with the client certificate (and its chain) to present to
   * the server; the key may be in the same file or in
   * [property@Aio.TcpClient:tls-key-file].
   *
   * Since: 0.1
   */
  properties[PROP_TLS_CERTIFICATE_FILE] =
    g_param_spec_string ("tls-certificate-file", NULL, NULL, NULL, flags);

  /**
   * AioTcpClient:tls-key-file:
   *
   * A PEM file with the private key of
   * [property@Aio.TcpClient:tls-certificate-file].
   *
   * Since: 0.1
   */
  properties[PROP_TLS_KEY_FILE] =
    g_param_spec_string ("tls-key-file", NULL, NULL, NULL, flags);

  /**
   * AioTcpClient:tls-server-name:
   *
   * The name the server certificate must be issued for (and the SNI sent);
   * by default [property@Aio.TcpClient:address].
   *
   * Since: 0.1
   */
  properties[PROP_TLS_SERVER_NAME] =
    g_param_spec_string ("tls-server-name", NULL, NULL, NULL, flags);

  /**
   * AioTcpClient:tls-insecure:
   *
   * Whether to accept any server certificate. This defeats the point of
   * TLS against an active attacker; each start logs a warning when it is
   * set.
   *
   * Since: 0.1
   */
  properties[PROP_TLS_INSECURE] =
    g_param_spec_boolean ("tls-insecure", NULL, NULL, FALSE, flags);

  /**
   * AioTcpClient:clock:
   *
   * The clock the pauses between attempts are measured on; the system
   * clock unless set (tests set an [class@Aio.ManualClock]).
   *
   * Since: 0.1
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL, AIO_TYPE_CLOCK, flags);

  /**
   * AioTcpClient:connect-timeout:
   *
   * The seconds one connection attempt may take, the TLS handshake
   * included; an attempt that takes longer (a server that accepts and
   * never answers the handshake, a host that drops the packets) fails with
   * %G_IO_ERROR_TIMED_OUT and is retried like any failed attempt. 30 by
   * default; 0 waits as long as the system does. Measured on
   * [property@Aio.TcpClient:clock].
   *
   * Since: 0.2
   */
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_double ("connect-timeout", NULL, NULL, 0, G_MAXDOUBLE,
                         DEFAULT_CONNECT_TIMEOUT, flags);

  /**
   * AioTcpClient:idle-timeout:
   *
   * The seconds a read or a write of the handler on the connection may
   * wait for the server; one that waits longer fails with
   * %G_IO_ERROR_TIMED_OUT, so that a server that goes silent does not hang
   * the client for ever. It is GIO's I/O timeout of the socket
   * (g_socket_set_timeout()), in whole seconds: a fraction is rounded up.
   * 0 (the default) waits for ever.
   *
   * Since: 0.2
   */
  properties[PROP_IDLE_TIMEOUT] =
    g_param_spec_double ("idle-timeout", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_tcp_client_init (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  priv->connect_attempts = DEFAULT_CONNECT_ATTEMPTS;
  priv->connect_retry_timeout = DEFAULT_CONNECT_RETRY_TIMEOUT;
  priv->clock = g_object_ref (aio_clock_get_default ());
  priv->connect_timeout = DEFAULT_CONNECT_TIMEOUT;
}

/**
 * aio_tcp_client_handle_connection_async: (virtual handle_connection_async)
 * @self: a TCP client
 * @connection: the connection to the server
 * @cancellable: (nullable): cancelled when the service stops
 * @callback: (scope async): called when the work is done
 * @user_data: (closure): data for @callback
 *
 * Talks to the server over @connection. The client calls it once
 * connected; subclasses override it.
 *
 * Since: 0.1
 */
void
aio_tcp_client_handle_connection_async (AioTcpClient        *self,
                                        GIOStream           *connection,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (AIO_IS_TCP_CLIENT (self));
  g_return_if_fail (G_IS_IO_STREAM (connection));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  AIO_TCP_CLIENT_GET_CLASS (self)->handle_connection_async (self, connection, cancellable,
                                                            callback, user_data);
}

/**
 * aio_tcp_client_handle_connection_finish: (virtual handle_connection_finish)
 * @self: a TCP client
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.TcpClient.handle_connection_async].
 *
 * Returns: %TRUE if the work succeeded
 *
 * Since: 0.1
 */
gboolean
aio_tcp_client_handle_connection_finish (AioTcpClient  *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return AIO_TCP_CLIENT_GET_CLASS (self)->handle_connection_finish (self, result, error);
}

/**
 * aio_tcp_client_get_address:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:address].
 *
 * Returns: (nullable): the host name or IP address of the server
 *
 * Since: 0.1
 */
const char *
aio_tcp_client_get_address (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), NULL);

  return priv->address;
}

/**
 * aio_tcp_client_set_address:
 * @self: a TCP client
 * @address: (nullable): a host name or an IP address
 *
 * Sets [property@Aio.TcpClient:address].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_address (AioTcpClient *self,
                            const char   *address)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  _aio_net_set_string (G_OBJECT (self), &priv->address, address, properties[PROP_ADDRESS]);
}

/**
 * aio_tcp_client_get_unix_path:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:unix-path].
 *
 * Returns: (nullable) (type filename): the path of the Unix socket
 *
 * Since: 0.1
 */
const char *
aio_tcp_client_get_unix_path (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), NULL);

  return priv->unix_path;
}

/**
 * aio_tcp_client_set_unix_path:
 * @self: a TCP client
 * @unix_path: (nullable) (type filename): the path of a Unix stream socket
 *
 * Sets [property@Aio.TcpClient:unix-path].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_unix_path (AioTcpClient *self,
                              const char   *unix_path)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  _aio_net_set_string (G_OBJECT (self), &priv->unix_path, unix_path, properties[PROP_UNIX_PATH]);
}

/**
 * aio_tcp_client_get_tls_ca_file:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:tls-ca-file].
 *
 * Returns: (nullable) (type filename): the CA file
 *
 * Since: 0.1
 */
const char *
aio_tcp_client_get_tls_ca_file (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), NULL);

  return priv->tls_ca_file;
}

/**
 * aio_tcp_client_set_tls_ca_file:
 * @self: a TCP client
 * @tls_ca_file: (nullable) (type filename): a PEM file of trusted CAs, or %NULL
 *   for the system's
 *
 * Sets [property@Aio.TcpClient:tls-ca-file].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_tls_ca_file (AioTcpClient *self,
                                const char   *tls_ca_file)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  _aio_net_set_string (G_OBJECT (self), &priv->tls_ca_file, tls_ca_file, properties[PROP_TLS_CA_FILE]);
}

/**
 * aio_tcp_client_get_tls_certificate_file:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:tls-certificate-file].
 *
 * Returns: (nullable) (type filename): the client certificate file
 *
 * Since: 0.1
 */
const char *
aio_tcp_client_get_tls_certificate_file (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), NULL);

  return priv->tls_certificate_file;
}

/**
 * aio_tcp_client_set_tls_certificate_file:
 * @self: a TCP client
 * @tls_certificate_file: (nullable) (type filename): a PEM client certificate, or %NULL
 *
 * Sets [property@Aio.TcpClient:tls-certificate-file].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_tls_certificate_file (AioTcpClient *self,
                                         const char   *tls_certificate_file)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  _aio_net_set_string (G_OBJECT (self), &priv->tls_certificate_file, tls_certificate_file, properties[PROP_TLS_CERTIFICATE_FILE]);
}

/**
 * aio_tcp_client_get_tls_key_file:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:tls-key-file].
 *
 * Returns: (nullable) (type filename): the key file
 *
 * Since: 0.1
 */
const char *
aio_tcp_client_get_tls_key_file (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), NULL);

  return priv->tls_key_file;
}

/**
 * aio_tcp_client_set_tls_key_file:
 * @self: a TCP client
 * @tls_key_file: (nullable) (type filename): the PEM private key of the client
 *   certificate, or %NULL
 *
 * Sets [property@Aio.TcpClient:tls-key-file].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_tls_key_file (AioTcpClient *self,
                                 const char   *tls_key_file)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  _aio_net_set_string (G_OBJECT (self), &priv->tls_key_file, tls_key_file, properties[PROP_TLS_KEY_FILE]);
}

/**
 * aio_tcp_client_get_tls_server_name:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:tls-server-name].
 *
 * Returns: (nullable): the expected server name, or %NULL for the address
 *
 * Since: 0.1
 */
const char *
aio_tcp_client_get_tls_server_name (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), NULL);

  return priv->tls_server_name;
}

/**
 * aio_tcp_client_set_tls_server_name:
 * @self: a TCP client
 * @tls_server_name: (nullable): the name the server certificate must be issued for,
 *   or %NULL for the address
 *
 * Sets [property@Aio.TcpClient:tls-server-name].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_tls_server_name (AioTcpClient *self,
                                    const char   *tls_server_name)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  _aio_net_set_string (G_OBJECT (self), &priv->tls_server_name, tls_server_name, properties[PROP_TLS_SERVER_NAME]);
}

/**
 * aio_tcp_client_get_tls:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:tls].
 *
 * Returns: whether the client speaks TLS
 *
 * Since: 0.1
 */
gboolean
aio_tcp_client_get_tls (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), FALSE);

  return priv->tls;
}

/**
 * aio_tcp_client_set_tls:
 * @self: a TCP client
 * @tls: whether to speak TLS
 *
 * Sets [property@Aio.TcpClient:tls].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_tls (AioTcpClient *self,
                        gboolean      tls)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  tls = !!tls;
  if (priv->tls == tls)
    return;
  priv->tls = tls;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS]);
}

/**
 * aio_tcp_client_get_tls_insecure:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:tls-insecure].
 *
 * Returns: whether any server certificate is accepted
 *
 * Since: 0.1
 */
gboolean
aio_tcp_client_get_tls_insecure (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), FALSE);

  return priv->tls_insecure;
}

/**
 * aio_tcp_client_set_tls_insecure:
 * @self: a TCP client
 * @tls_insecure: whether to accept any server certificate
 *
 * Sets [property@Aio.TcpClient:tls-insecure].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_tls_insecure (AioTcpClient *self,
                                 gboolean      tls_insecure)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  tls_insecure = !!tls_insecure;
  if (priv->tls_insecure == tls_insecure)
    return;
  priv->tls_insecure = tls_insecure;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_INSECURE]);
}

/**
 * aio_tcp_client_get_port:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:port].
 *
 * Returns: the port of the server
 *
 * Since: 0.1
 */
guint
aio_tcp_client_get_port (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), 0);

  return priv->port;
}

/**
 * aio_tcp_client_set_port:
 * @self: a TCP client
 * @port: the port of the server, 1 to 65535
 *
 * Sets [property@Aio.TcpClient:port].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_port (AioTcpClient *self,
                         guint         port)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  if (priv->port == port)
    return;
  priv->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

/**
 * aio_tcp_client_get_connect_attempts:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:connect-attempts].
 *
 * Returns: how many times the start tries to connect
 *
 * Since: 0.1
 */
int
aio_tcp_client_get_connect_attempts (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), 0);

  return priv->connect_attempts;
}

/**
 * aio_tcp_client_set_connect_attempts:
 * @self: a TCP client
 * @connect_attempts: how many times to try, 1 or more
 *
 * Sets [property@Aio.TcpClient:connect-attempts].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_connect_attempts (AioTcpClient *self,
                                     int           connect_attempts)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  if (priv->connect_attempts == connect_attempts)
    return;
  priv->connect_attempts = connect_attempts;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECT_ATTEMPTS]);
}

/**
 * aio_tcp_client_get_connect_retry_timeout:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:connect-retry-timeout].
 *
 * Returns: the seconds between two attempts
 *
 * Since: 0.1
 */
double
aio_tcp_client_get_connect_retry_timeout (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), 0);

  return priv->connect_retry_timeout;
}

/**
 * aio_tcp_client_set_connect_retry_timeout:
 * @self: a TCP client
 * @connect_retry_timeout: the seconds between two attempts, 0 or more
 *
 * Sets [property@Aio.TcpClient:connect-retry-timeout].
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_connect_retry_timeout (AioTcpClient *self,
                                          double        connect_retry_timeout)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));

  if (priv->connect_retry_timeout == connect_retry_timeout)
    return;
  priv->connect_retry_timeout = connect_retry_timeout;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECT_RETRY_TIMEOUT]);
}

/**
 * aio_tcp_client_get_clock:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.1
 */
AioClock *
aio_tcp_client_get_clock (AioTcpClient *self)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), NULL);

  return priv->clock;
}

/**
 * aio_tcp_client_set_clock:
 * @self: a TCP client
 * @clock: (nullable): the clock, or %NULL for the system clock
 *
 * Sets [property@Aio.TcpClient:clock]; it applies to the next pause.
 *
 * Since: 0.1
 */
void
aio_tcp_client_set_clock (AioTcpClient *self,
                          AioClock     *clock)
{
  AioTcpClientPrivate *priv = aio_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));
  g_return_if_fail (clock == NULL || AIO_IS_CLOCK (clock));

  if (clock == NULL)
    clock = aio_clock_get_default ();
  if (g_set_object (&priv->clock, clock))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK]);
}

/**
 * aio_tcp_client_get_connect_timeout:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:connect-timeout].
 *
 * Returns: the seconds a connection attempt may take, 0 for no limit
 *
 * Since: 0.2
 */
double
aio_tcp_client_get_connect_timeout (AioTcpClient *self)
{
  AioTcpClientPrivate *priv;

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), 0);
  priv = aio_tcp_client_get_instance_private (self);
  return priv->connect_timeout;
}

/**
 * aio_tcp_client_set_connect_timeout:
 * @self: a TCP client
 * @seconds: the seconds a connection attempt may take, 0 for no limit
 *
 * Sets [property@Aio.TcpClient:connect-timeout]; it applies from the next
 * attempt. A negative value or NaN is ignored with a critical warning.
 *
 * Since: 0.2
 */
void
aio_tcp_client_set_connect_timeout (AioTcpClient *self,
                                    double        seconds)
{
  AioTcpClientPrivate *priv;

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));
  g_return_if_fail (seconds >= 0);
  priv = aio_tcp_client_get_instance_private (self);

  if (priv->connect_timeout == seconds)
    return;
  priv->connect_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECT_TIMEOUT]);
}

/**
 * aio_tcp_client_get_idle_timeout:
 * @self: a TCP client
 *
 * Gets [property@Aio.TcpClient:idle-timeout].
 *
 * Returns: the seconds a read or a write may wait, 0 for ever
 *
 * Since: 0.2
 */
double
aio_tcp_client_get_idle_timeout (AioTcpClient *self)
{
  AioTcpClientPrivate *priv;

  g_return_val_if_fail (AIO_IS_TCP_CLIENT (self), 0);
  priv = aio_tcp_client_get_instance_private (self);
  return priv->idle_timeout;
}

/**
 * aio_tcp_client_set_idle_timeout:
 * @self: a TCP client
 * @seconds: the seconds a read or a write may wait, 0 for ever
 *
 * Sets [property@Aio.TcpClient:idle-timeout]; it applies from the next
 * connection. A negative value or NaN is ignored with a critical warning.
 *
 * Since: 0.2
 */
void
aio_tcp_client_set_idle_timeout (AioTcpClient *self,
                                 double        seconds)
{
  AioTcpClientPrivate *priv;

  g_return_if_fail (AIO_IS_TCP_CLIENT (self));
  g_return_if_fail (seconds >= 0);
  priv = aio_tcp_client_get_instance_private (self);

  if (priv->idle_timeout == seconds)
    return;
  priv->idle_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT]);
}
