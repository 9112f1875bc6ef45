/* test-tls.c: loading certificates, keys and CA files; errors name the file;
 * TLS on AioTcpServer
 *
 * The shared loader (aio-tls-private.h) is tested against certificates made
 * by openssl at test time, and so is the TLS of the TCP server: echo with
 * and without a required client certificate, a client that trusts another
 * CA, and start errors that name the file.
 *
 * SPDX-License-Identifier: MIT
 */
#include <glib/gstdio.h>

#include "aio-test-certs.h"
#include "aio-test-echo.h"
#include "aio-tls-private.h"

static void
test_load_and_verify (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(GTlsCertificate) server = NULL;
  g_autoptr(GTlsCertificate) other = NULL;
  g_autoptr(GTlsCertificate) ca = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("localhost", 443);
  g_autoptr(GError) error = NULL;
  GTlsCertificateFlags flags;

  if (certs == NULL)
    return;

  server = _aio_tls_load_certificate (certs->server_cert, certs->server_key, &error);
  g_assert_no_error (error);
  g_assert_nonnull (server);

  database = _aio_tls_load_ca (certs->ca_cert, &error);
  g_assert_no_error (error);
  g_assert_nonnull (database);

  /* The server certificate chains to the test CA and matches its name. */
  flags = g_tls_database_verify_chain (database, server, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (flags, ==, 0);

  /* A certificate of another CA does not. */
  other = _aio_tls_load_certificate (certs->other_cert, certs->other_key, &error);
  g_assert_no_error (error);
  flags = g_tls_database_verify_chain (database, other, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                       identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (flags & G_TLS_CERTIFICATE_UNKNOWN_CA);
}

static void
test_missing_files (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = NULL;
  GTlsCertificate *certificate;
  GTlsDatabase *database;

  if (certs == NULL)
    return;
  missing = g_build_filename (certs->dir, "no-such-file.pem", NULL);

  certificate = _aio_tls_load_certificate (missing, certs->server_key, &error);
  g_assert_null (certificate);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, "certificate"));
  g_clear_error (&error);

  certificate = _aio_tls_load_certificate (certs->server_cert, missing, &error);
  g_assert_null (certificate);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_nonnull (strstr (error->message, "key"));
  g_clear_error (&error);

  database = _aio_tls_load_ca (missing, &error);
  g_assert_null (database);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
}

static void
test_invalid_files (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *garbage = NULL;
  GTlsCertificate *certificate;
  GTlsDatabase *database;

  if (certs == NULL)
    return;
  garbage = g_build_filename (certs->dir, "garbage.pem", NULL);
  g_file_set_contents (garbage, "not a certificate\n", -1, &error);
  g_assert_no_error (error);

  certificate = _aio_tls_load_certificate (garbage, certs->server_key, &error);
  g_assert_null (certificate);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, garbage));
  g_clear_error (&error);

  database = _aio_tls_load_ca (garbage, &error);
  g_assert_null (database);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, garbage));

  g_unlink (garbage);
}

/* The TLS server */

typedef struct
{
  guint       port;
  const char *ca_file;      /* what the client trusts */
  const char *cert_file;    /* its own certificate, if any */
  const char *key_file;
} TlsClient;

/* A blocking TLS echo client; returns the first error, NULL if the echo
 * worked. */
static gpointer
tls_client (gpointer data)
{
  TlsClient *args = data;
  g_autoptr(GSocketClient) client = aio_test_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("localhost", args->port);
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GIOStream) tls = NULL;
  GError *error = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", args->port, NULL, &error);
  g_assert_no_error (error);
  database = _aio_tls_load_ca (args->ca_file, &error);
  g_assert_no_error (error);

  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &error);
  g_assert_no_error (error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);
  if (args->cert_file != NULL)
    {
      g_autoptr(GTlsCertificate) certificate =
        _aio_tls_load_certificate (args->cert_file, args->key_file, &error);

      g_assert_no_error (error);
      g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), certificate);
    }

  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error) ||
      !aio_test_echo_roundtrip (tls, "secret", &error) ||
      !aio_test_echo_roundtrip (tls, "more secrets", &error))
    return error;

  g_io_stream_close (tls, NULL, NULL);
  return NULL;
}

static AioTestEchoServer *
start_tls_server (AioTestCerts *certs,
                  gboolean      require_client_cert)
{
  AioTestEchoServer *server = aio_test_echo_server_new ();
  g_autoptr(GError) error = NULL;

  g_object_set (server,
                "tls-certificate-file", certs->server_cert,
                "tls-key-file", certs->server_key,
                "tls-ca-file", require_client_cert ? certs->ca_cert : NULL,
                "require-client-cert", require_client_cert,
                NULL);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  return server;
}

static void
test_server_echo (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestEchoServer) server = NULL;
  TlsClient client = { 0, NULL, NULL, NULL };
  GError *error;

  if (certs == NULL)
    return;
  server = start_tls_server (certs, FALSE);
  client.port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));
  client.ca_file = certs->ca_cert;

  error = aio_test_run_in_thread (tls_client, &client);
  g_assert_no_error (error);
  aio_test_wait_until (&server->n_done, 1);

  /* A client that trusts another CA refuses the server. */
  client.ca_file = certs->other_ca_cert;
  error = aio_test_run_in_thread (tls_client, &client);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  /* The rejected handshake is no handler run, and nothing is left over. */
  aio_test_wait_until (&server->n_done, 1);
  while (aio_tcp_server_get_n_connections (AIO_TCP_SERVER (server)) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (server->n_done, ==, 1);

  aio_test_service_stop (AIO_SERVICE (server));
}

static void
test_server_client_cert (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestEchoServer) server = NULL;
  TlsClient client = { 0, NULL, NULL, NULL };
  GError *error;

  if (certs == NULL)
    return;
  server = start_tls_server (certs, TRUE);
  client.port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));
  client.ca_file = certs->ca_cert;
  client.cert_file = certs->client_cert;
  client.key_file = certs->client_key;

  error = aio_test_run_in_thread (tls_client, &client);
  g_assert_no_error (error);
  aio_test_wait_until (&server->n_done, 1);

  /* Without a certificate the server hangs up (TLS 1.3 tells the client
   * only after its side of the handshake is done). */
  client.cert_file = client.key_file = NULL;
  error = aio_test_run_in_thread (tls_client, &client);
  g_assert_nonnull (error);
  g_test_message ("without a client certificate: %s", error->message);
  g_clear_error (&error);

  /* A certificate from another CA is refused too. */
  client.cert_file = certs->other_cert;
  client.key_file = certs->other_key;
  error = aio_test_run_in_thread (tls_client, &client);
  g_assert_nonnull (error);
  g_test_message ("with a certificate of another CA: %s", error->message);
  g_clear_error (&error);

  while (aio_tcp_server_get_n_connections (AIO_TCP_SERVER (server)) > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (server->n_done, ==, 1);

  aio_test_service_stop (AIO_SERVICE (server));
}

/* TLS on the protocol path: the transport gets the TLS connection once its
 * handshake is done. */
static void
test_server_protocol_echo (void)
{
  g_autoptr(AioTestCerts) certs = NULL;
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autoptr(GError) local_error = NULL;
  TlsClient client = { 0, NULL, NULL, NULL };
  GError *error;

  certs = aio_test_certs_new ();
  if (certs == NULL)
    return;

  g_object_set (server,
                "tls-certificate-file", certs->server_cert,
                "tls-key-file", certs->server_key,
                "protocol-type", AIO_TEST_TYPE_ECHO_PROTOCOL,
                NULL);
  aio_test_protocol_reset ();
  aio_test_service_start (AIO_SERVICE (server), &local_error);
  g_assert_no_error (local_error);
  client.port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));
  client.ca_file = certs->ca_cert;

  error = aio_test_run_in_thread (tls_client, &client);
  g_assert_no_error (error);
  aio_test_wait_until (&aio_test_protocol_lost, 1);
  g_assert_cmpuint (server->n_done, ==, 0);

  aio_test_service_stop (AIO_SERVICE (server));
}

static void
test_server_missing_files (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestEchoServer) server = aio_test_echo_server_new ();
  g_autofree char *missing = NULL;
  g_autoptr(GError) error = NULL;

  if (certs == NULL)
    return;
  missing = g_build_filename (certs->dir, "missing.pem", NULL);

  g_object_set (server, "tls-certificate-file", missing, "tls-key-file", certs->server_key, NULL);
  g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_object_set (server, "tls-certificate-file", certs->server_cert, "tls-key-file", missing, NULL);
  g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  g_object_set (server, "tls-key-file", certs->server_key, "tls-ca-file", missing, NULL);
  g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);

  /* TLS settings without a certificate are a mistake, not plain TCP. */
  g_object_set (server, "tls-certificate-file", NULL, "tls-ca-file", certs->ca_cert, NULL);
  g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "tls-certificate-file"));
  g_clear_error (&error);

  /* "" is unset, as for the client: not a file that cannot be read. */
  g_object_set (server, "tls-certificate-file", "", NULL);
  g_assert_false (aio_test_service_start (AIO_SERVICE (server), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "tls-certificate-file"));
}

/* Iterates the main context until the server serves @n clients. */
static void
wait_n_connections (AioTcpServer *server,
                    guint         n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (aio_tcp_server_get_n_connections (server) != n)
    {
      g_main_context_iteration (NULL, FALSE);
      if (g_get_monotonic_time () > deadline)
        g_error ("%u connections, not %u, after 30 s", aio_tcp_server_get_n_connections (server), n);
    }
}

/* A client that connects and never sends its ClientHello holds a slot
 * until tls-handshake-timeout; a real client is served meanwhile. */
static void
test_server_handshake_timeout (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioTestEchoServer) server = NULL;
  g_autoptr(GSocketClient) socket_client = aio_test_socket_client_new ();
  g_autoptr(GSocketConnection) silent = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer = NULL;
  TlsClient client = { 0, NULL, NULL, NULL };
  GError *client_error;
  char byte;

  if (certs == NULL)
    return;
  aio_test_log_clear ();
  server = aio_test_echo_server_new ();
  g_object_set (server,
                "tls-certificate-file", certs->server_cert,
                "tls-key-file", certs->server_key,
                "tls-handshake-timeout", 60.0,
                NULL);
  aio_test_service_start (AIO_SERVICE (server), &error);
  g_assert_no_error (error);
  client.port = aio_socket_server_get_port (AIO_SOCKET_SERVER (server));
  client.ca_file = certs->ca_cert;

  silent = g_socket_client_connect_to_host (socket_client, "127.0.0.1", client.port, NULL, &error);
  g_assert_no_error (error);
  local = g_socket_connection_get_local_address (silent, &error);
  g_assert_no_error (error);
  peer = g_strdup_printf ("127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
  wait_n_connections (AIO_TCP_SERVER (server), 1);

  /* Served while the silent client waits. */
  client_error = aio_test_run_in_thread (tls_client, &client);
  g_assert_no_error (client_error);
  aio_test_wait_until (&server->n_done, 1);
  wait_n_connections (AIO_TCP_SERVER (server), 1);

  /* A shorter timeout applies to the running server: the silent client is
   * closed, and logged at debug level with its address. */
  aio_tcp_server_set_tls_handshake_timeout (AIO_TCP_SERVER (server), 0.5);
  wait_n_connections (AIO_TCP_SERVER (server), 0);
  g_assert_cmpint (g_socket_receive (g_socket_connection_get_socket (silent), &byte, 1, NULL, NULL),
                   <=, 0);
  g_assert_cmpuint (aio_test_log_count_all (G_LOG_LEVEL_DEBUG, "TLS handshake", peer, NULL), ==, 1);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE, ""), ==, 0);
  g_assert_cmpuint (server->n_active, ==, 0);

  aio_test_service_stop (AIO_SERVICE (server));
}

/* The same with a handler that reads with aio_stream_read_bytes_async():
 * the TLS connection's pollable input stream. */
static void
test_server_echo_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_server_echo ();
  aio_test_echo_read_bytes = FALSE;
}

static void
test_server_client_cert_read_bytes (void)
{
  aio_test_echo_read_bytes = TRUE;
  test_server_client_cert ();
  aio_test_echo_read_bytes = FALSE;
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  aio_test_log_capture_install (AIO_TEST_ECHO_CAPTURED | G_LOG_LEVEL_DEBUG,
                                AIO_TEST_ECHO_CAPTURED | G_LOG_LEVEL_DEBUG);

  g_test_add_func ("/Aio/Tls/load-and-verify", test_load_and_verify);
  g_test_add_func ("/Aio/Tls/missing-files", test_missing_files);
  g_test_add_func ("/Aio/Tls/invalid-files", test_invalid_files);
  g_test_add_func ("/Aio/Tls/server-echo", test_server_echo);
  g_test_add_func ("/Aio/Tls/server-client-cert", test_server_client_cert);
  g_test_add_func ("/Aio/Tls/server-echo-read-bytes", test_server_echo_read_bytes);
  g_test_add_func ("/Aio/Tls/server-client-cert-read-bytes", test_server_client_cert_read_bytes);
  g_test_add_func ("/Aio/Tls/server-protocol-echo", test_server_protocol_echo);
  g_test_add_func ("/Aio/Tls/server-missing-files", test_server_missing_files);
  g_test_add_func ("/Aio/Tls/server-handshake-timeout", test_server_handshake_timeout);

  ret = g_test_run ();
  aio_test_stop_pool_threads ();
  return ret;
}
