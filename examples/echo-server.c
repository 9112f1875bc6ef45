/* echo-server.c: a TCP (or Unix socket) echo server under an AioEntrypoint
 *
 *     echo-server [--address ADDRESS] [--port PORT] [--streams | --protocol]
 *                 [--unix PATH] [--max-connections N] [--idle-timeout SECONDS]
 *                 [--reuse-port]
 *
 * It prints "listening on HOST:PORT" (or "listening on PATH") on stdout once
 * it serves and runs until SIGINT or SIGTERM, then stops gracefully. Two ways
 * to serve, as AioTcpServer offers:
 *
 * - --streams (the default): handle_client_async() gets the connection as a
 *   GIOStream and writes back what it reads, until the client closes; it
 *   reads with aio_stream_read_bytes_async(), which holds no buffer while
 *   the client is idle;
 * - --protocol: an AioStreamProtocol whose data_received() writes the data
 *   back through the transport, without a GTask per read; it stops reading
 *   while the client does not read the echo (pause_writing).
 *
 * Against hostile clients, use --max-connections with --idle-timeout: a
 * client silent for that long is closed, so that a few clients that
 * connect and send nothing cannot hold every slot.
 *
 * The aiomisc original:
 *
 *     class EchoServer(TCPServer):
 *         async def handle_client(self, reader, writer):
 *             while data := await reader.read(65536):
 *                 writer.write(data)
 *                 await writer.drain()
 *
 *     with aiomisc.entrypoint(EchoServer(address="127.0.0.1", port=8000)) as loop:
 *         loop.run_forever()
 *
 * SPDX-License-Identifier: MIT
 */
#include <aiomisc-glib.h>

#include "print-listening.h"

/* The streams path */

#define ECHO_TYPE_SERVER (echo_server_get_type ())
G_DECLARE_FINAL_TYPE (EchoServer, echo_server, ECHO, SERVER, AioTcpServer)

struct _EchoServer
{
  AioTcpServer parent_instance;
};

G_DEFINE_FINAL_TYPE (EchoServer, echo_server, AIO_TYPE_TCP_SERVER)

/* One client: read what arrives, write it all back, until the end.
 *
 * aio_stream_read_bytes_async() waits for the client without a buffer and
 * hands back what arrived as a GBytes: an idle client holds no read buffer
 * (a 16 KiB buffer per client would be most of what a client costs). */
typedef struct
{
  GIOStream     *stream;
  GOutputStream *output;
  GBytes        *data;   /* being written back */
} Echo;

static void
echo_free (gpointer data)
{
  Echo *echo = data;

  g_clear_pointer (&echo->data, g_bytes_unref);
  g_free (echo);
}

static void echo_read (GTask *task);

static void
written_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Echo *echo = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&echo->data, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  echo_read (task);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Echo *echo = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *data;

  data = aio_stream_read_bytes_finish (G_IO_STREAM (object), result, &error);
  if (data == NULL || g_bytes_get_size (data) == 0)
    {
      /* The end of the stream (the client closed), or an error. */
      if (data == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      g_clear_pointer (&data, g_bytes_unref);
      g_object_unref (task);
      return;
    }

  echo->data = data;
  g_output_stream_write_all_async (echo->output, g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                   G_PRIORITY_DEFAULT, g_task_get_cancellable (task),
                                   written_cb, task);
}

static void
echo_read (GTask *task)
{
  Echo *echo = g_task_get_task_data (task);

  aio_stream_read_bytes_async (echo->stream, AIO_STREAM_READ_MAX, G_PRIORITY_DEFAULT,
                               g_task_get_cancellable (task), read_cb, task);
}

static void
echo_server_handle_client_async (AioTcpServer        *server,
                                 GIOStream           *stream,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (server, cancellable, callback, user_data);
  Echo *echo = g_new0 (Echo, 1);

  /* @stream and its output stream belong to the server, which keeps them
   * until the task completes; it closes the connection afterwards. */
  echo->stream = stream;
  echo->output = g_io_stream_get_output_stream (stream);
  g_task_set_task_data (task, echo, echo_free);
  echo_read (task);
}

static void
echo_server_class_init (EchoServerClass *klass)
{
  AIO_TCP_SERVER_CLASS (klass)->handle_client_async = echo_server_handle_client_async;
}

static void
echo_server_init (EchoServer *self)
{
}

/* The protocol path */

#define ECHO_TYPE_PROTOCOL (echo_protocol_get_type ())
G_DECLARE_FINAL_TYPE (EchoProtocol, echo_protocol, ECHO, PROTOCOL, AioStreamProtocol)

struct _EchoProtocol
{
  AioStreamProtocol  parent_instance;
  AioTransport      *transport;
};

G_DEFINE_FINAL_TYPE (EchoProtocol, echo_protocol, AIO_TYPE_STREAM_PROTOCOL)

static void
echo_protocol_connection_made (AioStreamProtocol *protocol,
                               AioTransport      *transport)
{
  g_set_object (&ECHO_PROTOCOL (protocol)->transport, transport);
}

static void
echo_protocol_data_received (AioStreamProtocol *protocol,
                             const guint8      *data,
                             gsize              len)
{
  aio_transport_write (ECHO_PROTOCOL (protocol)->transport, data, len);
}

/* The client does not read what we send back: stop reading what it sends,
 * so that its data waits in TCP rather than in our write queue. */
static void
echo_protocol_pause_writing (AioStreamProtocol *protocol)
{
  aio_transport_pause_reading (ECHO_PROTOCOL (protocol)->transport);
}

static void
echo_protocol_resume_writing (AioStreamProtocol *protocol)
{
  aio_transport_resume_reading (ECHO_PROTOCOL (protocol)->transport);
}

static void
echo_protocol_connection_lost (AioStreamProtocol *protocol,
                               const GError      *error)
{
  g_clear_object (&ECHO_PROTOCOL (protocol)->transport);
}

static void
echo_protocol_finalize (GObject *object)
{
  g_clear_object (&ECHO_PROTOCOL (object)->transport);
  G_OBJECT_CLASS (echo_protocol_parent_class)->finalize (object);
}

static void
echo_protocol_class_init (EchoProtocolClass *klass)
{
  AioStreamProtocolClass *protocol_class = AIO_STREAM_PROTOCOL_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = echo_protocol_finalize;
  protocol_class->connection_made = echo_protocol_connection_made;
  protocol_class->data_received = echo_protocol_data_received;
  protocol_class->pause_writing = echo_protocol_pause_writing;
  protocol_class->resume_writing = echo_protocol_resume_writing;
  protocol_class->connection_lost = echo_protocol_connection_lost;
}

static void
echo_protocol_init (EchoProtocol *self)
{
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(AioEntrypoint) entrypoint = NULL;
  g_autoptr(AioTcpServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *unix_path = NULL;
  gboolean protocol = FALSE;
  gboolean streams = FALSE;
  gboolean reuse_port = FALSE;
  int port = 8000;
  int max_connections = 0;
  double idle_timeout = 0;
  GOptionEntry entries[] = {
    { "address", 'a', 0, G_OPTION_ARG_STRING, &address, "Address to bind (default 127.0.0.1)", "ADDRESS" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port to bind, 0 for any (default 8000)", "PORT" },
    { "unix", 'u', 0, G_OPTION_ARG_FILENAME, &unix_path, "Serve on a Unix socket at PATH instead", "PATH" },
    { "streams", 's', 0, G_OPTION_ARG_NONE, &streams, "Serve on the streams path (the default)", NULL },
    { "protocol", 'P', 0, G_OPTION_ARG_NONE, &protocol, "Serve on the protocol path", NULL },
    { "max-connections", 'm', 0, G_OPTION_ARG_INT, &max_connections, "Clients served at once, 0 for no limit", "N" },
    { "idle-timeout", 'i', 0, G_OPTION_ARG_DOUBLE, &idle_timeout,
      "Close a client silent that long, 0 never (default)", "SECONDS" },
    { "reuse-port", 'r', 0, G_OPTION_ARG_NONE, &reuse_port, "Set SO_REUSEPORT (several processes on one port)", NULL },
    G_OPTION_ENTRY_NULL
  };

  options = g_option_context_new ("- an echo server");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("echo-server: %s\n", error->message);
      return 2;
    }
  if (protocol && streams)
    {
      g_printerr ("echo-server: --protocol and --streams exclude each other\n");
      return 2;
    }
  if (!(idle_timeout >= 0))
    {
      g_printerr ("echo-server: invalid --idle-timeout %g: 0 or more seconds\n", idle_timeout);
      return 2;
    }
  if (port < 0 || port > G_MAXUINT16 || max_connections < 0)
    {
      g_printerr ("echo-server: invalid %s %d\n",
                  max_connections < 0 ? "--max-connections" : "--port",
                  max_connections < 0 ? max_connections : port);
      return 2;
    }

  server = g_object_new (protocol ? AIO_TYPE_TCP_SERVER : ECHO_TYPE_SERVER,
                         "name", "echo",
                         "address", address != NULL ? address : "127.0.0.1",
                         "port", (guint) port,
                         "unix-path", unix_path,
                         "max-connections", (guint) max_connections,
                         "idle-timeout", idle_timeout,
                         "reuse-port", reuse_port,
                         "protocol-type", protocol ? ECHO_TYPE_PROTOCOL : G_TYPE_NONE,
                         NULL);

  entrypoint = aio_entrypoint_new ();
  aio_entrypoint_add_service (entrypoint, AIO_SERVICE (server));
  g_signal_connect (entrypoint, "post-start", G_CALLBACK (print_listening), server);

  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("echo-server: %s\n", error->message);
      return 1;
    }

  return 0;
}
