/* http-soup.c: the baseline of the HTTP benchmark: a bare SoupServer
 *
 *     http-soup [--port PORT]
 *
 * The same hello handler as examples/http-server (GET /hello answers
 * "hello, world\n"), on libsoup alone, without aiomisc-glib. Prints
 * "listening on 127.0.0.1:PORT" and serves until killed.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsoup/soup.h>

static void
hello (SoupServer        *server,
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

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  GSList *uris;
  guint port = argc > 2 && strcmp (argv[1], "--port") == 0 ? (guint) atoi (argv[2]) : 0;

  soup_server_add_handler (server, "/hello", hello, NULL, NULL);
  if (!soup_server_listen_local (server, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_printerr ("http-soup: %s\n", error->message);
      return 1;
    }
  uris = soup_server_get_uris (server);
  printf ("listening on 127.0.0.1:%d\n", g_uri_get_port (uris->data));
  fflush (stdout);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (loop);
  return 0;
}
