/* test-tcp-client.c: AioTcpClient against real loopback servers
 *
 * The servers are the echo server of aio-test-proxy.c (plain or TLS, a
 * GSocket listener and GTlsServerConnection written for the tests) and the
 * fault-injecting proxy, whose closed port refuses connections.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "aio-test-certs.h"
#include "aio-test-proxy.h"
#include "aio-test-services.h"
#include "aio-tls-private.h"

/* A client whose handler exchanges one line with an echo server. */

typedef enum {
  PINGER_RETURN,   /* exchange, then complete with success */
  PINGER_WAIT,     /* exchange, then read until the end (or the stop) */
  PINGER_FAIL,     /* fail at once */
} PingerMode;

#define TEST_TYPE_PINGER (test_pinger_get_type ())
G_DECLARE_FINAL_TYPE (TestPinger, test_pinger, TEST, PINGER, AioTcpClient)

struct _TestPinger
{
  AioTcpClient  parent_instance;

  PingerMode    mode;
  guint         n_handled;
  char         *reply;
  gboolean      handled;       /* the handler completed */
  gboolean      was_cancelled; /* ... with G_IO_ERROR_CANCELLED */
  gboolean      is_tls;
};

G_DEFINE_FINAL_TYPE (TestPinger, test_pinger, AIO_TYPE_TCP_CLIENT)

static void
pinger_handled (GTask  *task,
                GError *error)
{
  TestPinger *self = g_task_get_source_object (task);

  self->handled = TRUE;
  if (error != NULL)
    {
      self->was_cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
}

static void
pinger_read_to_end_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  aio_test_read_to_end_finish (result, &error);
  pinger_handled (task, error);
}

static void
pinger_exchanged_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TestPinger *self = g_task_get_source_object (task);
  GError *error = NULL;

  g_free (self->reply);
  self->reply = aio_test_echo_exchange_finish (result, &error);
  if (self->reply == NULL || self->mode == PINGER_RETURN)
    {
      pinger_handled (task, error);
      return;
    }

  aio_test_read_to_end_async (g_task_get_task_data (task), g_task_get_cancellable (task),
                              pinger_read_to_end_cb, g_object_ref (task));
}

static void
test_pinger_handle_connection_async (AioTcpClient        *client,
                                     GIOStream           *connection,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  TestPinger *self = TEST_PINGER (client);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  self->n_handled++;
  self->is_tls = G_IS_TLS_CLIENT_CONNECTION (connection);
  g_task_set_task_data (task, g_object_ref (connection), g_object_unref);

  if (self->mode == PINGER_FAIL)
    {
      pinger_handled (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "the pinger failed on purpose"));
      g_object_unref (task);
      return;
    }

  aio_test_echo_exchange_async (connection, "hello\n", cancellable, pinger_exchanged_cb, task);
}

static void
test_pinger_finalize (GObject *object)
{
  g_free (TEST_PINGER (object)->reply);
  G_OBJECT_CLASS (test_pinger_parent_class)->finalize (object);
}

static void
test_pinger_class_init (TestPingerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_pinger_finalize;
  AIO_TCP_CLIENT_CLASS (klass)->handle_connection_async = test_pinger_handle_connection_async;
}

static void
test_pinger_init (TestPinger *self)
{
}

static TestPinger *
pinger_new (PingerMode  mode,
            guint16     port)
{
  TestPinger *pinger = g_object_new (TEST_TYPE_PINGER,
                                     "name", "pinger",
                                     "address", "127.0.0.1",
                                     "port", (guint) port,
                                     "connect-retry-timeout", 0.01,
                                     NULL);

  pinger->mode = mode;
  return pinger;
}

/* Driving services */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Result;

static void
result_clear (Result *r)
{
  g_clear_error (&r->error);
  r->done = FALSE;
  r->ok = FALSE;
}

static void
start (gpointer  service,
       Result   *r)
{
  r->ok = aio_test_start_service (AIO_SERVICE (service), &r->error);
  r->done = TRUE;
}

static void
stop (gpointer service)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  g_assert_no_error (error);
}

/* A port nothing listens on: the proxy's, while it refuses. */
static AioTestProxy *
refusing_proxy (void)
{
  g_autoptr(GError) error = NULL;
  AioTestProxy *proxy = aio_test_proxy_new ("127.0.0.1", 9, &error);

  g_assert_no_error (error);
  aio_test_proxy_set_refusing (proxy, TRUE);
  return proxy;
}

static gboolean
contains (const char *haystack,
          const char *needle)
{
  if (strstr (haystack, needle) != NULL)
    return TRUE;
  g_test_message ("“%s” does not contain “%s”", haystack, needle);
  return FALSE;
}

/* Tests */

static void
test_properties (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(TestPinger) pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  AioTcpClient *client = AIO_TCP_CLIENT (pinger);
  g_autofree char *address = NULL;
  guint port = 0;
  int attempts = 0;
  double retry = 0;
  gboolean tls = TRUE, insecure = TRUE;

  g_object_get (pinger, "address", &address, "port", &port, "connect-attempts", &attempts,
                "connect-retry-timeout", &retry, "tls", &tls, "tls-insecure", &insecure, NULL);
  g_assert_null (address);
  g_assert_cmpuint (port, ==, 0);
  g_assert_cmpint (attempts, ==, 5);
  g_assert_cmpfloat (retry, ==, 3.0);
  g_assert_false (tls);
  g_assert_false (insecure);
  g_assert_null (aio_tcp_client_get_unix_path (client));
  g_assert_null (aio_tcp_client_get_tls_ca_file (client));
  g_assert_null (aio_tcp_client_get_tls_certificate_file (client));
  g_assert_null (aio_tcp_client_get_tls_key_file (client));
  g_assert_null (aio_tcp_client_get_tls_server_name (client));
  g_assert_true (aio_tcp_client_get_clock (client) == aio_clock_get_default ());

  g_object_set (pinger,
                "address", "example.com", "port", 443u, "unix-path", "/run/x.sock",
                "connect-attempts", 2, "connect-retry-timeout", 0.5, "tls", TRUE,
                "tls-ca-file", "ca.pem", "tls-certificate-file", "c.pem", "tls-key-file", "k.pem",
                "tls-server-name", "example.org", "tls-insecure", TRUE, "clock", clock, NULL);
  g_assert_cmpstr (aio_tcp_client_get_address (client), ==, "example.com");
  g_assert_cmpuint (aio_tcp_client_get_port (client), ==, 443);
  g_assert_cmpstr (aio_tcp_client_get_unix_path (client), ==, "/run/x.sock");
  g_assert_cmpint (aio_tcp_client_get_connect_attempts (client), ==, 2);
  g_assert_cmpfloat (aio_tcp_client_get_connect_retry_timeout (client), ==, 0.5);
  g_assert_true (aio_tcp_client_get_tls (client));
  g_assert_cmpstr (aio_tcp_client_get_tls_ca_file (client), ==, "ca.pem");
  g_assert_cmpstr (aio_tcp_client_get_tls_certificate_file (client), ==, "c.pem");
  g_assert_cmpstr (aio_tcp_client_get_tls_key_file (client), ==, "k.pem");
  g_assert_cmpstr (aio_tcp_client_get_tls_server_name (client), ==, "example.org");
  g_assert_true (aio_tcp_client_get_tls_insecure (client));
  g_assert_true (aio_tcp_client_get_clock (client) == clock);
  aio_tcp_client_set_clock (client, NULL);
  g_assert_true (aio_tcp_client_get_clock (client) == aio_clock_get_default ());
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_notify (void)
{
  g_autoptr(TestPinger) pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  guint n = 0;

  g_signal_connect (pinger, "notify", G_CALLBACK (count_notify), &n);
  aio_tcp_client_set_address (AIO_TCP_CLIENT (pinger), "a");
  aio_tcp_client_set_address (AIO_TCP_CLIENT (pinger), "a");
  aio_tcp_client_set_port (AIO_TCP_CLIENT (pinger), 1);
  aio_tcp_client_set_port (AIO_TCP_CLIENT (pinger), 1);
  aio_tcp_client_set_tls (AIO_TCP_CLIENT (pinger), TRUE);
  aio_tcp_client_set_tls (AIO_TCP_CLIENT (pinger), 2);
  aio_tcp_client_set_connect_retry_timeout (AIO_TCP_CLIENT (pinger), 1);
  aio_tcp_client_set_connect_retry_timeout (AIO_TCP_CLIENT (pinger), 1);
  g_assert_cmpuint (n, ==, 4);
}

static void
test_echo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new (NULL, 0, &error);
  g_autoptr(TestPinger) pinger = NULL;
  Result started = { 0 };

  g_assert_no_error (error);
  pinger = pinger_new (PINGER_RETURN, aio_test_echo_server_get_port (server));

  start (pinger, &started);
  g_assert_no_error (started.error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (pinger)), ==, AIO_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (pinger->n_handled, ==, 1);

  /* Handler done = work done: the service keeps running until stopped. */
  aio_test_wait (&pinger->handled);
  g_assert_cmpstr (pinger->reply, ==, "hello\n");
  g_assert_false (pinger->is_tls);
  g_assert_cmpuint (aio_test_echo_server_get_n_connections (server), ==, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (pinger)), ==, AIO_SERVICE_STATE_RUNNING);

  stop (pinger);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (pinger)), ==, AIO_SERVICE_STATE_STOPPED);
}

static void
test_stop_cancels_handler (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new (NULL, 0, &error);
  g_autoptr(AioTestProxy) proxy = NULL;
  g_autoptr(TestPinger) pinger = NULL;
  Result started = { 0 };

  g_assert_no_error (error);
  proxy = aio_test_proxy_new ("127.0.0.1", aio_test_echo_server_get_port (server), &error);
  g_assert_no_error (error);
  pinger = pinger_new (PINGER_WAIT, aio_test_proxy_get_port (proxy));

  start (pinger, &started);
  g_assert_no_error (started.error);
  while (pinger->reply == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (pinger->reply, ==, "hello\n");
  g_assert_false (pinger->handled);

  stop (pinger);
  g_assert_true (pinger->handled);
  g_assert_true (pinger->was_cancelled);
  /* The client closed its connection: the proxy sees it go. */
  while (aio_test_proxy_get_n_active (proxy) > 0)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_failed (AioService   *service,
           const GError *error,
           gpointer      user_data)
{
  GError **out = user_data;

  *out = g_error_copy (error);
}

static void
test_handler_error_fails_service (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) failure = NULL;
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new (NULL, 0, &error);
  g_autoptr(TestPinger) pinger = NULL;
  Result started = { 0 };

  g_assert_no_error (error);
  pinger = pinger_new (PINGER_FAIL, aio_test_echo_server_get_port (server));
  g_signal_connect (pinger, "failed", G_CALLBACK (on_failed), &failure);

  start (pinger, &started);
  g_assert_no_error (started.error);
  while (failure == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (failure, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (pinger)), ==, AIO_SERVICE_STATE_FAILED);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "the pinger failed on purpose"), ==, 1);
  stop (pinger);
}

static void
test_attempts_refused (void)
{
  g_autoptr(AioTestProxy) proxy = refusing_proxy ();
  g_autoptr(TestPinger) pinger = pinger_new (PINGER_RETURN, aio_test_proxy_get_port (proxy));
  g_autofree char *target = g_strdup_printf ("127.0.0.1:%u", aio_test_proxy_get_port (proxy));
  Result started = { 0 };

  aio_test_log_clear ();
  aio_tcp_client_set_connect_attempts (AIO_TCP_CLIENT (pinger), 3);
  start (pinger, &started);
  g_assert_false (started.ok);
  g_assert_error (started.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_true (contains (started.error->message, target));
  g_assert_true (contains (started.error->message, "attempt 3 of 3"));
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (pinger)), ==, AIO_SERVICE_STATE_FAILED);
  g_assert_cmpuint (pinger->n_handled, ==, 0);

  /* Two failures retried, the third reported. */
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_INFO, "to connect to 127.0.0.1"), ==, 2);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_INFO, "attempt 1 of 3"), ==, 1);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_INFO, "attempt 2 of 3"), ==, 1);
  result_clear (&started);

  /* Stopping a failed start is fine; the proxy now listens: it works. */
  stop (pinger);
  aio_test_proxy_set_refusing (proxy, FALSE);
}

/* The proxy accepts, cannot reach its target and resets: each attempt
 * reaches the proxy, which counts them. (TLS: the failed handshake makes
 * the attempt fail; a plain connect would have succeeded.) */
static void
test_attempts_counted (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestProxy) dead = NULL;
  g_autoptr(AioTestProxy) proxy = NULL;
  g_autoptr(TestPinger) pinger = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  Result started = { 0 };

  if (certs == NULL)
    return;
  dead = refusing_proxy ();
  proxy = aio_test_proxy_new ("127.0.0.1", aio_test_proxy_get_port (dead), &error);
  g_assert_no_error (error);
  target = g_strdup_printf ("127.0.0.1:%u", aio_test_proxy_get_port (proxy));

  pinger = pinger_new (PINGER_RETURN, aio_test_proxy_get_port (proxy));
  g_object_set (pinger, "connect-attempts", 4, "tls", TRUE, "tls-ca-file", certs->ca_cert, NULL);
  start (pinger, &started);
  g_assert_false (started.ok);
  g_assert_nonnull (started.error);
  g_assert_true (contains (started.error->message, target));
  g_assert_true (contains (started.error->message, "attempt 4 of 4"));
  g_assert_cmpuint (aio_test_proxy_get_n_connections (proxy), ==, 4);
  result_clear (&started);
}

static void
test_stop_during_retry (void)
{
  g_autoptr(AioTestProxy) proxy = refusing_proxy ();
  g_autoptr(TestPinger) pinger = pinger_new (PINGER_RETURN, aio_test_proxy_get_port (proxy));
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  aio_test_log_clear ();
  /* An hour between attempts: the stop must not wait for it. */
  aio_tcp_client_set_connect_retry_timeout (AIO_TCP_CLIENT (pinger), 3600);
  aio_service_start_async (AIO_SERVICE (pinger), NULL, aio_test_async_result_cb, &started);
  while (aio_test_log_count (G_LOG_LEVEL_INFO, "retrying in 3600 s") == 0)
    g_main_context_iteration (NULL, TRUE);

  stop (pinger);
  g_assert_false (aio_service_start_finish (AIO_SERVICE (pinger), aio_test_wait_result (&started),
                                            &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_bad_address (void)
{
  g_autoptr(TestPinger) pinger = pinger_new (PINGER_RETURN, 7);
  Result started = { 0 };

  g_object_set (pinger, "address", "no-such-host.invalid", "connect-attempts", 2, NULL);
  start (pinger, &started);
  g_assert_false (started.ok);
  g_assert_nonnull (started.error);
  g_assert_true (contains (started.error->message, "no-such-host.invalid:7"));
  g_assert_true (contains (started.error->message, "attempt 2 of 2"));
  result_clear (&started);
}

static void
expect_invalid (TestPinger *pinger,
                GQuark      domain,
                int         code,
                const char *needle)
{
  Result started = { 0 };

  start (pinger, &started);
  g_assert_false (started.ok);
  g_assert_error (started.error, domain, code);
  g_assert_true (contains (started.error->message, needle));
  g_assert_cmpuint (pinger->n_handled, ==, 0);
  result_clear (&started);
}

static void
test_invalid_properties (void)
{
  g_autoptr(TestPinger) pinger = g_object_new (TEST_TYPE_PINGER, NULL);
  GQuark domain = G_IO_ERROR;
  int code = G_IO_ERROR_INVALID_ARGUMENT;

  expect_invalid (pinger, domain, code, "no address");
  g_object_set (pinger, "address", "", NULL);
  expect_invalid (pinger, domain, code, "no address");
  g_object_set (pinger, "address", "127.0.0.1", NULL);
  expect_invalid (pinger, domain, code, "invalid port 0");
  /* Out of the ranges of the properties: through the C setters, which take
   * any value (g_object_set() would refuse them with a warning). */
  aio_tcp_client_set_port (AIO_TCP_CLIENT (pinger), 70000);
  expect_invalid (pinger, domain, code, "invalid port 70000");
  aio_tcp_client_set_port (AIO_TCP_CLIENT (pinger), 7);
  aio_tcp_client_set_connect_attempts (AIO_TCP_CLIENT (pinger), 0);
  expect_invalid (pinger, domain, code, "invalid connect-attempts 0");
  aio_tcp_client_set_connect_attempts (AIO_TCP_CLIENT (pinger), 1);
  aio_tcp_client_set_connect_retry_timeout (AIO_TCP_CLIENT (pinger), -1.0);
  expect_invalid (pinger, domain, code, "invalid connect-retry-timeout -1");
  aio_tcp_client_set_connect_retry_timeout (AIO_TCP_CLIENT (pinger), NAN);
  expect_invalid (pinger, domain, code, "invalid connect-retry-timeout nan");
  g_object_set (pinger, "connect-retry-timeout", 0.0, "tls", TRUE, "tls-key-file", "key.pem", NULL);
  expect_invalid (pinger, domain, code, "tls-key-file “key.pem” is set without tls-certificate-file");
  g_object_set (pinger, "tls-key-file", NULL, "address", NULL, "unix-path", "/nonexistent/socket", NULL);
  expect_invalid (pinger, domain, code, "tls-server-name is needed");
}

static void
test_tls_missing_files (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(TestPinger) pinger = pinger_new (PINGER_RETURN, 7);
  g_autofree char *missing = NULL;

  if (certs == NULL)
    return;
  missing = g_build_filename (certs->dir, "no-such-ca.pem", NULL);
  g_object_set (pinger, "tls", TRUE, "tls-ca-file", missing, NULL);
  expect_invalid (pinger, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, missing);

  g_object_set (pinger, "tls-ca-file", certs->ca_cert,
                "tls-certificate-file", certs->client_cert, "tls-key-file", missing, NULL);
  expect_invalid (pinger, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, missing);

  g_object_set (pinger, "tls-certificate-file", missing, "tls-key-file", NULL, NULL);
  expect_invalid (pinger, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, missing);

  /* Not a CA file at all. */
  g_object_set (pinger, "tls-certificate-file", NULL, "tls-ca-file", certs->server_key, NULL);
  expect_invalid (pinger, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, certs->server_key);
}

static AioTestEchoServer *
tls_server (const char             *cert,
            const char             *key,
            GTlsAuthenticationMode  mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = _aio_tls_load_certificate (cert, key, &error);
  AioTestEchoServer *server;

  g_assert_no_error (error);
  server = aio_test_echo_server_new (certificate, mode, &error);
  g_assert_no_error (error);
  return server;
}

static void
test_tls_verified (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestEchoServer) server = NULL;
  const char *names[] = { NULL, "localhost" };

  if (certs == NULL)
    return;
  server = tls_server (certs->server_cert, certs->server_key, G_TLS_AUTHENTICATION_NONE);

  /* By IP address (the certificate has IP:127.0.0.1), then by name. */
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(TestPinger) pinger = pinger_new (PINGER_RETURN, aio_test_echo_server_get_port (server));
      Result started = { 0 };

      g_object_set (pinger, "tls", TRUE, "tls-ca-file", certs->ca_cert,
                    "tls-server-name", names[i], NULL);
      start (pinger, &started);
      g_assert_no_error (started.error);
      aio_test_wait (&pinger->handled);
      g_assert_cmpstr (pinger->reply, ==, "hello\n");
      g_assert_true (pinger->is_tls);
      stop (pinger);
    }
  g_assert_cmpuint (aio_test_echo_server_get_n_handshakes (server), ==, 2);
  g_assert_cmpuint (aio_test_echo_server_get_n_client_certs (server), ==, 0);
}

static void
test_tls_wrong_ca (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestEchoServer) server = NULL;
  g_autoptr(TestPinger) pinger = NULL;
  g_autofree char *target = NULL;
  Result started = { 0 };

  if (certs == NULL)
    return;
  /* The server's certificate comes from another CA than the trusted one. */
  server = tls_server (certs->other_cert, certs->other_key, G_TLS_AUTHENTICATION_NONE);
  pinger = pinger_new (PINGER_RETURN, aio_test_echo_server_get_port (server));
  target = g_strdup_printf ("127.0.0.1:%u", aio_test_echo_server_get_port (server));
  g_object_set (pinger, "tls", TRUE, "tls-ca-file", certs->ca_cert, NULL);

  start (pinger, &started);
  g_assert_false (started.ok);
  g_assert_error (started.error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_true (contains (started.error->message, target));
  g_assert_true (contains (started.error->message, "unknown certificate authority"));
  /* Not retried: it would fail the same way. */
  g_assert_true (contains (started.error->message, "attempt 1 of 5"));
  g_assert_cmpuint (aio_test_echo_server_get_n_connections (server), ==, 1);
  g_assert_cmpuint (pinger->n_handled, ==, 0);
  result_clear (&started);

  /* Without tls-ca-file, the system's CAs do not know the test CA either. */
  g_object_set (pinger, "tls-ca-file", NULL, NULL);
  start (pinger, &started);
  g_assert_error (started.error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  result_clear (&started);
}

static void
test_tls_wrong_name (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestEchoServer) server = NULL;
  g_autoptr(TestPinger) pinger = NULL;
  Result started = { 0 };

  if (certs == NULL)
    return;
  server = tls_server (certs->server_cert, certs->server_key, G_TLS_AUTHENTICATION_NONE);
  pinger = pinger_new (PINGER_RETURN, aio_test_echo_server_get_port (server));
  g_object_set (pinger, "tls", TRUE, "tls-ca-file", certs->ca_cert,
                "tls-server-name", "not-the-server.example", NULL);

  start (pinger, &started);
  g_assert_error (started.error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_true (contains (started.error->message, "not issued for the expected server name"));
  result_clear (&started);
}

static void
test_tls_insecure (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestEchoServer) server = NULL;
  g_autoptr(TestPinger) pinger = NULL;
  Result started = { 0 };

  if (certs == NULL)
    return;
  aio_test_log_clear ();
  server = tls_server (certs->other_cert, certs->other_key, G_TLS_AUTHENTICATION_NONE);
  pinger = pinger_new (PINGER_RETURN, aio_test_echo_server_get_port (server));
  g_object_set (pinger, "tls", TRUE, "tls-ca-file", certs->ca_cert, "tls-insecure", TRUE, NULL);

  start (pinger, &started);
  g_assert_no_error (started.error);
  aio_test_wait (&pinger->handled);
  g_assert_cmpstr (pinger->reply, ==, "hello\n");
  g_assert_true (pinger->is_tls);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "verification of 127.0.0.1"), ==, 1);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "DISABLED (tls-insecure)"), ==, 1);
  stop (pinger);
}

static void
test_tls_client_certificate (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestEchoServer) server = NULL;
  g_autoptr(TestPinger) pinger = NULL;
  Result started = { 0 };

  if (certs == NULL)
    return;
  server = tls_server (certs->server_cert, certs->server_key, G_TLS_AUTHENTICATION_REQUIRED);
  pinger = pinger_new (PINGER_RETURN, aio_test_echo_server_get_port (server));
  g_object_set (pinger, "tls", TRUE, "tls-ca-file", certs->ca_cert,
                "tls-certificate-file", certs->client_cert,
                "tls-key-file", certs->client_key, NULL);

  start (pinger, &started);
  g_assert_no_error (started.error);
  aio_test_wait (&pinger->handled);
  g_assert_cmpstr (pinger->reply, ==, "hello\n");
  g_assert_cmpuint (aio_test_echo_server_get_n_handshakes (server), ==, 1);
  g_assert_cmpuint (aio_test_echo_server_get_n_client_certs (server), ==, 1);
  stop (pinger);
}

static void
test_unix_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("aio-tcp-client-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(AioTestEchoServer) server = NULL;
  g_autoptr(TestPinger) pinger = NULL;
  Result started = { 0 };

  g_assert_no_error (error);
  path = g_build_filename (dir, "echo.sock", NULL);
  server = aio_test_echo_server_new_unix (path, &error);
  g_assert_no_error (error);

  /* unix-path wins over address and port. */
  pinger = pinger_new (PINGER_RETURN, 0);
  g_object_set (pinger, "unix-path", path, NULL);
  start (pinger, &started);
  g_assert_no_error (started.error);
  aio_test_wait (&pinger->handled);
  g_assert_cmpstr (pinger->reply, ==, "hello\n");
  stop (pinger);
  g_clear_object (&pinger);
  result_clear (&started);

  /* A missing socket: the error names it. */
  g_clear_pointer (&server, aio_test_echo_server_free);
  pinger = pinger_new (PINGER_RETURN, 0);
  g_object_set (pinger, "unix-path", path, "connect-attempts", 2, NULL);
  start (pinger, &started);
  g_assert_false (started.ok);
  g_assert_error (started.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_true (contains (started.error->message, path));
  result_clear (&started);
  g_rmdir (dir);
}

/* Fault-free restart: a stopped client connects again. */
static void
test_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new (NULL, 0, &error);
  g_autoptr(TestPinger) pinger = NULL;

  g_assert_no_error (error);
  pinger = pinger_new (PINGER_RETURN, aio_test_echo_server_get_port (server));
  for (int i = 0; i < 3; i++)
    {
      Result started = { 0 };

      pinger->handled = FALSE;
      start (pinger, &started);
      g_assert_no_error (started.error);
      aio_test_wait (&pinger->handled);
      stop (pinger);
    }
  g_assert_cmpuint (pinger->n_handled, ==, 3);
  g_assert_cmpuint (aio_test_echo_server_get_n_connections (server), ==, 3);
}

/* A server that accepts (the kernel completes the connection into the
 * backlog) and never answers. */
static GSocket *
silent_server (guint16 *port)
{
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

/* TLS against a server that never answers the handshake: each attempt
 * times out at connect-timeout, and the start fails instead of hanging. */
static void
test_connect_timeout (void)
{
  g_autoptr(GSocket) server = NULL;
  g_autoptr(TestPinger) pinger = NULL;
  g_autofree char *target = NULL;
  Result started = { 0 };
  guint16 port;

  if (!_aio_tls_check_backend (NULL))
    {
      g_test_skip ("no TLS backend");
      return;
    }
  aio_test_log_clear ();
  server = silent_server (&port);
  target = g_strdup_printf ("127.0.0.1:%u", port);
  pinger = pinger_new (PINGER_RETURN, port);
  g_assert_cmpfloat (aio_tcp_client_get_connect_timeout (AIO_TCP_CLIENT (pinger)), ==, 30);
  g_object_set (pinger, "tls", TRUE, "tls-insecure", TRUE, "connect-timeout", 0.2,
                "connect-attempts", 2, "connect-retry-timeout", 0.0, NULL);

  start (pinger, &started);
  g_assert_false (started.ok);
  g_assert_error (started.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (contains (started.error->message, target));
  g_assert_true (contains (started.error->message, "connect-timeout"));
  g_assert_true (contains (started.error->message, "attempt 2 of 2"));
  g_assert_cmpuint (pinger->n_handled, ==, 0);
  /* The first attempt was retried. */
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_INFO, "attempt 1 of 2"), ==, 1);
  g_clear_error (&started.error);
}

/* A server that accepts and never answers the handler: its read times out
 * at idle-timeout, which fails the service instead of hanging it. */
static void
test_idle_timeout (void)
{
  g_autoptr(GSocket) server = NULL;
  g_autoptr(TestPinger) pinger = NULL;
  g_autoptr(GError) failure = NULL;
  Result started = { 0 };
  guint16 port;

  server = silent_server (&port);
  pinger = pinger_new (PINGER_RETURN, port);
  aio_tcp_client_set_idle_timeout (AIO_TCP_CLIENT (pinger), 0.5);
  g_assert_cmpfloat (aio_tcp_client_get_idle_timeout (AIO_TCP_CLIENT (pinger)), ==, 0.5);
  g_signal_connect (pinger, "failed", G_CALLBACK (on_failed), &failure);

  start (pinger, &started);
  g_assert_no_error (started.error);
  while (failure == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (failure, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_true (pinger->handled);
  g_assert_null (pinger->reply);
  stop (pinger);
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  /* Warnings are expected (and checked): keep only criticals fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  /* Infos, messages and warnings, asserted on; warnings are written only
   * with --verbose. */
  aio_test_log_capture_install (G_LOG_LEVEL_INFO | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING,
                                G_LOG_LEVEL_WARNING);

  g_test_add_func ("/Aio/TcpClient/properties", test_properties);
  g_test_add_func ("/Aio/TcpClient/notify", test_notify);
  g_test_add_func ("/Aio/TcpClient/echo", test_echo);
  g_test_add_func ("/Aio/TcpClient/restart", test_restart);
  g_test_add_func ("/Aio/TcpClient/unix-path", test_unix_path);
  g_test_add_func ("/Aio/TcpClient/stop-cancels-handler", test_stop_cancels_handler);
  g_test_add_func ("/Aio/TcpClient/handler-error-fails-service", test_handler_error_fails_service);
  g_test_add_func ("/Aio/TcpClient/attempts-refused", test_attempts_refused);
  g_test_add_func ("/Aio/TcpClient/attempts-counted", test_attempts_counted);
  g_test_add_func ("/Aio/TcpClient/stop-during-retry", test_stop_during_retry);
  g_test_add_func ("/Aio/TcpClient/bad-address", test_bad_address);
  g_test_add_func ("/Aio/TcpClient/invalid-properties", test_invalid_properties);
  g_test_add_func ("/Aio/TcpClient/tls-missing-files", test_tls_missing_files);
  g_test_add_func ("/Aio/TcpClient/tls-verified", test_tls_verified);
  g_test_add_func ("/Aio/TcpClient/tls-wrong-ca", test_tls_wrong_ca);
  g_test_add_func ("/Aio/TcpClient/tls-wrong-name", test_tls_wrong_name);
  g_test_add_func ("/Aio/TcpClient/tls-insecure", test_tls_insecure);
  g_test_add_func ("/Aio/TcpClient/tls-client-certificate", test_tls_client_certificate);
  g_test_add_func ("/Aio/TcpClient/connect-timeout", test_connect_timeout);
  g_test_add_func ("/Aio/TcpClient/idle-timeout", test_idle_timeout);

  ret = g_test_run ();
  aio_test_stop_pool_threads ();
  return ret;
}
