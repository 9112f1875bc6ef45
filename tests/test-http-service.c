/* test-http-service.c: AioHttpService over real sockets on the loopback
 *
 * The service runs on the main thread; the clients are plain blocking
 * sockets speaking HTTP/1.1 by hand in threads (so that malformed and
 * hostile requests can be sent), the main thread iterating its context.
 *
 * SPDX-License-Identifier: MIT
 */
#include <glib/gstdio.h>

#include "aio-test-echo.h"
#include "aio-test-certs.h"
#include "aio-test-services.h"

typedef struct
{
  guint        port;
  const char  *unix_path;
  gboolean     tls;
  const char  *request;
  gboolean     half_close;     /* shut the writing side down after the request */
  GString     *response;       /* everything read until the server closed */
  GError      *error;
  gboolean     done;
  GMainContext *context;
} Exchange;

static gboolean
accept_any (GTlsConnection       *conn,
            GTlsCertificate      *cert,
            GTlsCertificateFlags  errors,
            gpointer              data)
{
  return TRUE;
}

static void
client_event (GSocketClient      *client,
              GSocketClientEvent  event,
              GSocketConnectable *connectable,
              GIOStream          *connection,
              gpointer            data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (accept_any), NULL);
}

static gpointer
exchange_thread (gpointer data)
{
  Exchange *ex = data;
  g_autoptr(GSocketClient) client = aio_test_socket_client_new ();
  g_autoptr(GSocketConnectable) where = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  char buffer[4096];
  gssize n;

  ex->response = g_string_new (NULL);
  if (ex->unix_path != NULL)
    where = G_SOCKET_CONNECTABLE (g_unix_socket_address_new (ex->unix_path));
  else
    where = g_network_address_new ("127.0.0.1", ex->port);
  if (ex->tls)
    {
      g_socket_client_set_tls (client, TRUE);
      g_signal_connect (client, "event", G_CALLBACK (client_event), NULL);
    }
  connection = g_socket_client_connect (client, where, NULL, &ex->error);
  if (connection == NULL)
    goto out;
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                  ex->request, strlen (ex->request), NULL, NULL, &ex->error))
    goto out;
  if (ex->half_close)
    g_socket_shutdown (g_socket_connection_get_socket (connection), FALSE, TRUE, NULL);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, &ex->error)) > 0)
    g_string_append_len (ex->response, buffer, n);

out:
  g_atomic_int_set (&ex->done, TRUE);
  g_main_context_wakeup (ex->context);
  return NULL;
}

static GThread *
exchange_start (Exchange *ex)
{
  ex->context = g_main_context_default ();
  return g_thread_new ("http-client", exchange_thread, ex);
}

static void
exchange_finish (Exchange *ex,
                 GThread  *thread)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!g_atomic_int_get (&ex->done))
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("the HTTP client did not finish within 30 s");
    }
  g_thread_join (thread);
}

static void
exchange_clear (Exchange *ex)
{
  if (ex->response != NULL)
    g_string_free (ex->response, TRUE);
  g_clear_error (&ex->error);
}

/* Sends @request to the service and returns all it answered until it
 * closed (or the error that ended the exchange, when @error is not NULL). */
static char *
http_exchange_full (AioHttpService  *service,
                    const char      *request,
                    gboolean         half_close,
                    GError         **error)
{
  Exchange ex = { 0 };
  char *response;

  ex.port = aio_socket_server_get_port (AIO_SOCKET_SERVER (service));
  ex.unix_path = aio_socket_server_get_unix_path (AIO_SOCKET_SERVER (service));
  ex.tls = aio_socket_server_get_tls_certificate_file (AIO_SOCKET_SERVER (service)) != NULL;
  ex.request = request;
  ex.half_close = half_close;
  exchange_finish (&ex, exchange_start (&ex));
  if (error == NULL)
    g_assert_no_error (ex.error);
  else if (ex.error != NULL)
    g_propagate_error (error, g_steal_pointer (&ex.error));
  response = g_strdup (ex.response->str);
  exchange_clear (&ex);
  return response;
}

static char *
http_exchange (AioHttpService *service,
               const char     *request,
               gboolean        half_close)
{
  return http_exchange_full (service, request, half_close, NULL);
}

#define GET_HELLO "GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"

static void
hello_handler (AioHttpService    *service,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "hello", 5);
}

static void
echo_handler (AioHttpService    *service,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* A handler that answers when the test says so. */
typedef struct
{
  SoupServerMessage *msg;
  guint              n;
} Slow;

static void
slow_handler (AioHttpService    *service,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Slow *slow = user_data;

  soup_server_message_pause (msg);
  slow->msg = g_object_ref (msg);
  slow->n++;
}

static void
slow_answer (Slow *slow)
{
  static const char body[] = "slow but whole";

  soup_server_message_set_status (slow->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (slow->msg, "text/plain", SOUP_MEMORY_STATIC, body, strlen (body));
  soup_server_message_unpause (slow->msg);
  g_clear_object (&slow->msg);
}

static AioHttpService *
service_new (void)
{
  AioHttpService *service = aio_http_service_new ("127.0.0.1", 0);

  aio_http_service_add_handler (service, "/hello", hello_handler, NULL, NULL);
  aio_http_service_add_handler (service, "/echo", echo_handler, NULL, NULL);
  return service;
}

static void
start (AioHttpService *service)
{
  g_autoptr(GError) error = NULL;

  aio_test_service_start (AIO_SERVICE (service), &error);
  g_assert_no_error (error);
}

static void
assert_hello (AioHttpService *service)
{
  g_autofree char *response = http_exchange (service, GET_HELLO, FALSE);

  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 200 OK\r\n"));
  g_assert_true (g_str_has_suffix (response, "\r\n\r\nhello"));
}

static void
test_hello_tcp (void)
{
  g_autoptr(AioHttpService) service = service_new ();
  g_autofree char *missing = NULL;

  start (service);
  g_assert_cmpuint (aio_socket_server_get_port (AIO_SOCKET_SERVER (service)), !=, 0);
  assert_hello (service);

  missing = http_exchange (service, "GET /nothing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", FALSE);
  g_assert_true (g_str_has_prefix (missing, "HTTP/1.1 404 "));

  aio_test_service_stop (AIO_SERVICE (service));
  /* And again: the service restarts. */
  start (service);
  assert_hello (service);
  aio_test_service_stop (AIO_SERVICE (service));
}

static void
test_hello_unix (void)
{
  g_autoptr(AioHttpService) service = service_new ();
  g_autofree char *dir = g_dir_make_tmp ("aio-http-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "http.sock", NULL);

  aio_socket_server_set_unix_path (AIO_SOCKET_SERVER (service), path);
  start (service);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  assert_hello (service);
  aio_test_service_stop (AIO_SERVICE (service));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

static void
test_hello_tls (void)
{
  g_autoptr(AioTestCerts) certs = aio_test_certs_new ();
  g_autoptr(AioHttpService) service = service_new ();
  g_autoptr(AioHttpService) bad = service_new ();
  g_autoptr(GError) error = NULL;

#if defined(__SANITIZE_ADDRESS__)
  /* LeakSanitizer's tracer crashes on the dynamic TLS block GnuTLS (the
   * dlopened glib-networking backend) leaves in libsoup's handshake
   * thread ("Tracer caught signal 11" at exit); valgrind covers it. */
  g_test_skip ("LeakSanitizer crashes on GnuTLS's dynamic TLS in libsoup's handshake thread");
  return;
#endif
  aio_socket_server_set_tls_certificate_file (AIO_SOCKET_SERVER (service), certs->server_cert);
  aio_socket_server_set_tls_key_file (AIO_SOCKET_SERVER (service), certs->server_key);
  start (service);
  assert_hello (service);
  aio_test_service_stop (AIO_SERVICE (service));

  /* A missing certificate file fails the start with an error naming it. */
  aio_socket_server_set_tls_certificate_file (AIO_SOCKET_SERVER (bad), "/nonexistent/cert.pem");
  g_assert_false (aio_test_service_start (AIO_SERVICE (bad), &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "/nonexistent/cert.pem"));
}

#define N_CONCURRENT 200

static void
test_concurrent (void)
{
  g_autoptr(AioHttpService) service = service_new ();
  Exchange *ex = g_new0 (Exchange, N_CONCURRENT);
  GThread **threads = g_new0 (GThread *, N_CONCURRENT);

  start (service);
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      ex[i].port = aio_socket_server_get_port (AIO_SOCKET_SERVER (service));
      ex[i].request = GET_HELLO;
      threads[i] = exchange_start (&ex[i]);
    }
  for (guint i = 0; i < N_CONCURRENT; i++)
    {
      exchange_finish (&ex[i], threads[i]);
      g_assert_no_error (ex[i].error);
      g_assert_true (g_str_has_prefix (ex[i].response->str, "HTTP/1.1 200 OK\r\n"));
      g_assert_true (g_str_has_suffix (ex[i].response->str, "hello"));
      exchange_clear (&ex[i]);
    }
  aio_test_service_stop (AIO_SERVICE (service));
  g_free (ex);
  g_free (threads);
}

static void
assert_refused (guint port)
{
  g_autoptr(GSocketClient) client = aio_test_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static void
test_graceful_stop (void)
{
  g_autoptr(AioHttpService) service = service_new ();
  Slow slow = { 0 };
  Exchange ex = { 0 }, idle = { 0 };
  GThread *thread, *idle_thread;
  gboolean stopped = FALSE;
  guint port;

  aio_http_service_add_handler (service, "/slow", slow_handler, &slow, NULL);
  start (service);
  port = aio_socket_server_get_port (AIO_SOCKET_SERVER (service));

  ex.port = port;
  ex.request = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";   /* keep-alive */
  thread = exchange_start (&ex);
  aio_test_wait_until (&slow.n, 1);
  g_assert_cmpuint (aio_http_service_get_active_requests (service), ==, 1);

  /* A connection that sends nothing is closed at once by the stop. */
  idle.port = port;
  idle.request = "";
  idle_thread = exchange_start (&idle);

  aio_service_stop_async (AIO_SERVICE (service), NULL, NULL, aio_test_stop_cb, &stopped);
  assert_refused (port);
  exchange_finish (&idle, idle_thread);
  g_assert_cmpstr (idle.response->str, ==, "");
  g_assert_false (stopped);

  slow_answer (&slow);
  aio_test_wait (&stopped);
  exchange_finish (&ex, thread);
  g_assert_no_error (ex.error);
  g_assert_true (g_str_has_prefix (ex.response->str, "HTTP/1.1 200 OK\r\n"));
  g_assert_nonnull (strstr (ex.response->str, "Connection: close\r\n"));
  g_assert_true (g_str_has_suffix (ex.response->str, "\r\n\r\nslow but whole"));
  exchange_clear (&ex);
  exchange_clear (&idle);
}

static void
test_drain_timeout (void)
{
  g_autoptr(AioHttpService) service = service_new ();
  Slow slow = { 0 };
  Exchange ex = { 0 };
  GThread *thread;
  gboolean stopped = FALSE;

  aio_http_service_add_handler (service, "/slow", slow_handler, &slow, NULL);
  aio_http_service_set_drain_timeout (service, 0.1);
  start (service);

  ex.port = aio_socket_server_get_port (AIO_SOCKET_SERVER (service));
  ex.request = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
  thread = exchange_start (&ex);
  aio_test_wait_until (&slow.n, 1);

  aio_service_stop_async (AIO_SERVICE (service), NULL, NULL, aio_test_stop_cb, &stopped);
  aio_test_wait (&stopped);
  exchange_finish (&ex, thread);
  /* The request never answered is dropped: the client sees the end. */
  g_assert_cmpstr (ex.response->str, ==, "");
  g_assert_cmpuint (aio_http_service_get_active_requests (service), ==, 0);
  g_clear_object (&slow.msg);
  exchange_clear (&ex);
}

#define CHUNK_64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CHUNK_1K CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64 \
                 CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64 CHUNK_64

static void
test_hostile (void)
{
  g_autoptr(AioHttpService) service = service_new ();
  g_autofree char *big_header = NULL;
  g_autofree char *big_request = NULL;
  g_autofree char *big_body = NULL;
  g_autofree char *big_post = NULL;
  GError *error = NULL;
  char *response;

  aio_http_service_set_header_timeout (service, 0.2);
  aio_http_service_set_max_body_size (service, 1000);
  start (service);

  /* A bad request line */
  response = http_exchange (service, "GARBAGE\r\n\r\n", FALSE);
  g_test_message ("bad request line: %s", response);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.0 400 ") || g_str_has_prefix (response, "HTTP/1.1 400 "));
  g_free (response);

  /* Oversized headers: refused, never kept */
  big_header = g_strnfill (1024 * 1024, 'x');
  big_request = g_strdup_printf ("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: %s\r\n\r\n", big_header);
  response = http_exchange_full (service, big_request, FALSE, &error);
  g_test_message ("oversized headers: %.40s %s", response, error != NULL ? error->message : "");
  g_assert_false (g_str_has_prefix (response, "HTTP/1.1 200"));
  g_clear_error (&error);
  g_free (response);

  /* Headers forever: closed at the header timeout */
  response = http_exchange (service, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: aaaa", FALSE);
  g_assert_cmpstr (response, ==, "");
  g_free (response);

  /* A body larger than max-body-size: read and dropped, then refused */
  big_body = g_strnfill (5000, 'b');
  big_post = g_strdup_printf ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n%s", big_body);
  response = http_exchange (service, big_post, FALSE);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 413 "));
  g_free (response);
  /* ... or refused before it is sent, when the client expects 100-continue */
  response = http_exchange (service, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                            "Content-Length: 5000000\r\n\r\n", FALSE);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 413 "));
  g_free (response);
  /* ... or chunked */
  response = http_exchange (service, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "400\r\n" CHUNK_1K "\r\n400\r\n" CHUNK_1K "\r\n0\r\n\r\n", FALSE);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 413 "));
  g_free (response);

  /* A body that is cut off */
  response = http_exchange (service, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc", TRUE);
  g_assert_false (g_str_has_prefix (response, "HTTP/1.1 200"));
  g_free (response);

  /* A body that is whole */
  response = http_exchange (service, "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc", FALSE);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 200 "));
  g_assert_true (g_str_has_suffix (response, "\r\n\r\nabc"));
  g_free (response);

  /* And the service still answers. */
  assert_hello (service);
  aio_test_service_stop (AIO_SERVICE (service));
}

static void
test_idle_timeout (void)
{
  g_autoptr(AioHttpService) service = service_new ();
  g_autofree char *response = NULL;

  aio_http_service_set_idle_timeout (service, 0.1);
  start (service);
  /* Keep-alive: the response comes, then the idle connection is closed. */
  response = http_exchange (service, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", FALSE);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 200 OK\r\n"));
  g_assert_true (g_str_has_suffix (response, "hello"));
  aio_test_service_stop (AIO_SERVICE (service));
}

/* A small parser of the Prometheus text format 0.0.4: fails the test on a
 * line that is not a comment, a HELP/TYPE line or a sample; returns the
 * samples, "name{labels}" -> value (a gdouble *). */
static GHashTable *
parse_prometheus (const char *text)
{
  g_autoptr(GRegex) sample = g_regex_new ("^([a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\""
                                          "(,[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\")*\\})?) (\\S+)$",
                                          0, 0, NULL);
  g_autoptr(GRegex) type = g_regex_new ("^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$",
                                        0, 0, NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GHashTable *samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_assert_true (g_str_has_suffix (text, "\n"));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;
      const char *line = lines[i];

      if (line[0] == '\0' || g_str_has_prefix (line, "# HELP "))
        continue;
      if (g_str_has_prefix (line, "# TYPE "))
        {
          if (!g_regex_match (type, line, 0, NULL))
            g_error ("bad TYPE line: %s", line);
          continue;
        }
      if (g_regex_match (sample, line, 0, &match))
        {
          g_autofree char *key = g_match_info_fetch (match, 1);
          g_autofree char *value = g_match_info_fetch (match, 6);
          char *end = NULL;
          double *number = g_new (double, 1);

          *number = g_ascii_strtod (value, &end);
          if (end == value || *end != '\0')
            g_error ("bad sample value: %s", line);
          g_hash_table_replace (samples, g_steal_pointer (&key), number);
          continue;
        }
      g_error ("not Prometheus text: %s", line);
    }
  return samples;
}

static char *
body_of (const char *response)
{
  const char *body = strstr (response, "\r\n\r\n");

  g_assert_nonnull (body);
  return g_strdup (body + 4);
}

static double
sample (GHashTable *samples,
        const char *key)
{
  double *value = g_hash_table_lookup (samples, key);

  if (value == NULL)
    g_error ("no sample %s", key);
  return *value;
}

#define GET(path) "GET " path " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"

static void
state_changed (GObject    *object,
               GParamSpec *pspec,
               gpointer    data)
{
  *(gboolean *) data = aio_service_get_state (AIO_SERVICE (object)) == AIO_SERVICE_STATE_FAILED;
}

/* Makes the long-running @worker fail, as if its work broke. */
static void
worker_fails (AioTestService *worker)
{
  g_autoptr(GTask) task = g_steal_pointer (&worker->run_task);
  gboolean failed = FALSE;

  g_signal_connect (worker, "notify::state", G_CALLBACK (state_changed), &failed);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "the worker broke");
  aio_test_wait (&failed);
  g_signal_handlers_disconnect_by_data (worker, &failed);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "the worker broke"), ==, 1);
}

static void
test_metrics (void)
{
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  g_autoptr(AioMetricsService) metrics = aio_metrics_service_new (NULL, 0);
  g_autoptr(AioHttpService) web = service_new ();
  g_autoptr(AioTestService) worker = aio_test_service_new ("worker \"one\"");
  g_autofree char *first = NULL, *second = NULL, *health = NULL, *sick = NULL, *ready = NULL;
  g_autofree char *body1 = NULL, *body2 = NULL;
  g_autoptr(GHashTable) samples1 = NULL;
  g_autoptr(GHashTable) samples2 = NULL;
  g_autoptr(GError) error = NULL;

  aio_entrypoint_add_service (entrypoint, AIO_SERVICE (metrics));
  aio_entrypoint_add_service (entrypoint, AIO_SERVICE (web));
  aio_entrypoint_add_service (entrypoint, AIO_SERVICE (worker));
  aio_metrics_service_set_entrypoint (metrics, entrypoint);
  worker->mode = TEST_MODE_LONG_RUNNING;
  worker->fail_after_ready_ms = -1;
  /* Started one by one, not by the entrypoint: a failing service would
   * make it stop them all. */
  start (AIO_HTTP_SERVICE (metrics));
  start (web);
  aio_test_service_start (AIO_SERVICE (worker), &error);
  g_assert_no_error (error);

  first = http_exchange (AIO_HTTP_SERVICE (metrics), GET ("/metrics"), FALSE);
  g_assert_true (g_str_has_prefix (first, "HTTP/1.1 200 OK\r\n"));
  g_assert_nonnull (strstr (first, "Content-Type: text/plain; version=0.0.4"));
  body1 = body_of (first);
  samples1 = parse_prometheus (body1);
  g_assert_cmpfloat (sample (samples1, "aio_service_state{name=\"worker \\\"one\\\"\"}"), ==,
                     AIO_SERVICE_STATE_RUNNING);
  g_assert_cmpfloat (sample (samples1, "process_resident_memory_bytes"), >, 0);
  g_assert_cmpfloat (sample (samples1, "process_open_fds"), >, 2);
  g_assert_cmpfloat (sample (samples1, "process_cpu_seconds_total"), >=, 0);

  /* Work on the other HTTP service shows. */
  for (guint i = 0; i < 3; i++)
    assert_hello (web);
  second = http_exchange (AIO_HTTP_SERVICE (metrics), GET ("/metrics"), FALSE);
  body2 = body_of (second);
  samples2 = parse_prometheus (body2);
  g_assert_cmpfloat (sample (samples2, "aio_http_requests"), >=, sample (samples1, "aio_http_requests") + 4);

  health = http_exchange (AIO_HTTP_SERVICE (metrics), GET ("/healthz"), FALSE);
  g_assert_true (g_str_has_prefix (health, "HTTP/1.1 200 OK\r\n"));
  g_assert_true (g_str_has_suffix (health, "\r\n\r\nok\n"));

  /* The worker fails: /healthz and /readyz answer 503 and name it. */
  worker_fails (worker);
  sick = http_exchange (AIO_HTTP_SERVICE (metrics), GET ("/healthz"), FALSE);
  g_assert_true (g_str_has_prefix (sick, "HTTP/1.1 503 "));
  g_assert_true (g_str_has_suffix (sick, "\r\n\r\nworker \"one\" failed\n"));
  ready = http_exchange (AIO_HTTP_SERVICE (metrics), GET ("/readyz"), FALSE);
  g_assert_true (g_str_has_prefix (ready, "HTTP/1.1 503 "));

  aio_test_service_stop (AIO_SERVICE (web));
  aio_test_service_stop (AIO_SERVICE (metrics));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  aio_test_log_capture_install (G_LOG_LEVEL_WARNING, G_LOG_LEVEL_WARNING);

  g_test_add_func ("/Aio/HttpService/hello-tcp", test_hello_tcp);
  g_test_add_func ("/Aio/HttpService/hello-unix", test_hello_unix);
  g_test_add_func ("/Aio/HttpService/hello-tls", test_hello_tls);
  g_test_add_func ("/Aio/HttpService/concurrent", test_concurrent);
  g_test_add_func ("/Aio/HttpService/graceful-stop", test_graceful_stop);
  g_test_add_func ("/Aio/HttpService/drain-timeout", test_drain_timeout);
  g_test_add_func ("/Aio/HttpService/hostile", test_hostile);
  g_test_add_func ("/Aio/HttpService/idle-timeout", test_idle_timeout);
  g_test_add_func ("/Aio/MetricsService/metrics-and-health", test_metrics);

  return g_test_run ();
}
