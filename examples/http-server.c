/* http-server.c: an HTTP service with a hello handler, health checks and metrics
 *
 *     http-server [--address ADDRESS] [--port PORT] [--unix PATH]
 *                 [--drain-timeout SECONDS]
 *
 * It prints "listening on HOST:PORT" (or "listening on PATH") on stdout once
 * it serves:
 *
 *     GET /hello?name=NAME   hello, NAME
 *     GET /slow?ms=MS        100000 bytes, after MS milliseconds (default
 *                            1000); prints "slow request started" when it
 *                            comes in: a request in flight at a stop
 *     GET /metrics           Prometheus text (statistics, process, services)
 *     GET /healthz           200 when every service runs, else 503
 *     GET /readyz            the same, for readiness probes
 *
 * Ctrl-C or SIGTERM stops it gracefully: new connections are refused and
 * the requests in progress get --drain-timeout seconds to finish.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include <aiomisc-glib.h>

#include "print-listening.h"

static void
hello (AioHttpService    *service,
       SoupServerMessage *msg,
       const char        *path,
       GHashTable        *query,
       gpointer           user_data)
{
  const char *name = query != NULL ? g_hash_table_lookup (query, "name") : NULL;
  char *body = g_strdup_printf ("hello, %s\n", name != NULL ? name : "world");

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_TAKE,
                                    body, strlen (body));
}

#define SLOW_BODY_SIZE 100000

static gboolean
slow_answer (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_TAKE,
                                    g_strnfill (SLOW_BODY_SIZE, 's'), SLOW_BODY_SIZE);
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

/* Answers after a delay, on the main loop: the message is paused meanwhile. */
static void
slow (AioHttpService    *service,
      SoupServerMessage *msg,
      const char        *path,
      GHashTable        *query,
      gpointer           user_data)
{
  const char *ms = query != NULL ? g_hash_table_lookup (query, "ms") : NULL;
  guint64 delay = 1000;

  if (ms != NULL && !g_ascii_string_to_unsigned (ms, 10, 0, 60000, &delay, NULL))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }
  soup_server_message_pause (msg);
  g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) delay, slow_answer, g_object_ref (msg),
                      g_object_unref);
  g_print ("slow request started\n");
  fflush (stdout);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(AioEntrypoint) entrypoint = NULL;
  g_autoptr(AioHttpService) service = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *unix_path = NULL;
  double drain_timeout = 5;
  int port = 8080;
  GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address, "Address to bind (default 127.0.0.1)", "ADDRESS" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port to bind, 0 for any (default 8080)", "PORT" },
    { "unix", 'u', 0, G_OPTION_ARG_FILENAME, &unix_path, "Serve on a Unix socket at PATH instead", "PATH" },
    { "drain-timeout", 'd', 0, G_OPTION_ARG_DOUBLE, &drain_timeout,
      "Seconds the requests in progress get at a stop (default 5)", "SECONDS" },
    G_OPTION_ENTRY_NULL
  };

  options = g_option_context_new ("- an HTTP service");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("http-server: %s\n", error->message);
      return 2;
    }
  if (port < 0 || port > G_MAXUINT16 || !(drain_timeout >= 0))
    {
      g_printerr ("http-server: invalid --port %d or --drain-timeout %g\n", port, drain_timeout);
      return 2;
    }

  service = g_object_new (AIO_TYPE_HTTP_SERVICE,
                          "name", "http",
                          "address", address != NULL ? address : "127.0.0.1",
                          "port", (guint) port,
                          "unix-path", unix_path,
                          "drain-timeout", drain_timeout,
                          NULL);
  aio_http_service_add_handler (service, "/hello", hello, NULL, NULL);
  aio_http_service_add_handler (service, "/slow", slow, NULL, NULL);

  entrypoint = aio_entrypoint_new ();
  aio_entrypoint_add_service (entrypoint, AIO_SERVICE (service));
  /* /metrics, /healthz and /readyz on the same port */
  aio_metrics_service_mount (service, entrypoint);
  g_signal_connect (entrypoint, "post-start", G_CALLBACK (print_listening), service);

  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("http-server: %s\n", error->message);
      return 1;
    }
  return 0;
}
