/* echo-gsocketservice.c: the baseline of the streams path, a plain GIO echo
 *
 * What a GLib programmer writes without aiomisc-glib: a GSocketService whose
 * ::incoming handler runs, per connection, a loop of
 * g_input_stream_read_async() into a 64 KiB buffer and
 * g_output_stream_write_all_async() of what was read, until end of stream
 * or an error. One thread, the default main context; the socket options
 * are GIO's defaults (no TCP_NODELAY).
 *
 * Prints "listening on HOST:PORT" once bound, like examples/echo-server,
 * and serves until SIGINT or SIGTERM.
 *
 * Usage: echo-gsocketservice [--host 127.0.0.1] [--port 0]
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>
#include <glib-unix.h>

#define BUFFER_SIZE 65536

typedef struct
{
  GSocketConnection *connection;
  GInputStream      *input;    /* owned by the connection */
  GOutputStream     *output;   /* owned by the connection */
  guint8             buffer[BUFFER_SIZE];
} Client;

static void read_next (Client *client);

static void
client_free (Client *client)
{
  g_object_unref (client->connection);
  g_free (client);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Client *client = data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      client_free (client);
      return;
    }
  read_next (client);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Client *client = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    {
      client_free (client);
      return;
    }
  g_output_stream_write_all_async (client->output, client->buffer, (gsize) n,
                                   G_PRIORITY_DEFAULT, NULL, written_cb, client);
}

static void
read_next (Client *client)
{
  g_input_stream_read_async (client->input, client->buffer, sizeof client->buffer,
                             G_PRIORITY_DEFAULT, NULL, read_cb, client);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           data)
{
  Client *client = g_new (Client, 1);

  client->connection = g_object_ref (connection);
  client->input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  client->output = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  read_next (client);
  return TRUE;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *host = NULL;
  int port = 0;
  const GOptionEntry entries[] = {
    { "host", 0, 0, G_OPTION_ARG_STRING, &host, "Address to listen on (127.0.0.1)", "ADDRESS" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, "Port (0: any free port)", "PORT" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- GSocketService echo server");
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *bound_host = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("echo-gsocketservice: %s\n", error->message);
      return 2;
    }
  if (port < 0 || port > 65535)
    {
      g_printerr ("echo-gsocketservice: bad port %d\n", port);
      return 2;
    }

  inet = g_inet_address_new_from_string (host != NULL ? host : "127.0.0.1");
  if (inet == NULL)
    {
      g_printerr ("echo-gsocketservice: bad address %s\n", host);
      return 2;
    }
  address = g_inet_socket_address_new (inet, (guint16) port);

  service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), 1024);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &bound, &error))
    {
      g_printerr ("echo-gsocketservice: %s\n", error->message);
      return 1;
    }
  g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), NULL);
  g_socket_service_start (service);

  bound_host = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (bound)));
  g_print ("listening on %s:%u\n", bound_host,
           g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  return 0;
}
