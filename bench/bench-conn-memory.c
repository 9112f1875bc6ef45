/* bench-conn-memory.c: what one open connection of the protocol path costs,
 * piece by piece
 *
 * SPDX-License-Identifier: MIT
 *
 * Opens N loopback TCP connections (the server ends accepted by this
 * process), then builds, for every connection, one layer after the other,
 * and reads after each layer how much the heap grew (mallinfo2: bytes in
 * use, which a busy machine does not change) and the resident memory
 * (VmRSS), divided by N:
 *
 *   GObject            a plain g_object_new (G_TYPE_OBJECT): the floor of
 *                      any object
 *   GSocket            g_socket_new_from_fd() on the accepted descriptor
 *   GSocketConnection  g_socket_connection_factory_create_connection()
 *   GSource            a GSource polling the descriptor
 *                      (g_source_add_unix_fd), attached to a main context:
 *                      what a per-connection watch costs
 *   protocol           the echo protocol object (an AioStreamProtocol)
 *   transport          aio_stream_protocol_serve_async() with a cancellable
 *                      shared by all connections (as AioTcpServer does),
 *                      after one 64-byte echo: the AioTransport, the serve
 *                      GTask, and whatever the transport polls with
 *
 * The last four are what AioTcpServer's protocol path adds to an accepted
 * GSocket (with its own per-client record besides); run-echo.py --memory
 * measures the whole server.
 *
 * Usage: bench-conn-memory [N]   (default 5000; needs 2 N open files)
 */
#include <aiomisc-glib.h>

#include "bench-memory.h"

#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* The echo protocol */

#define BENCH_TYPE_ECHO (bench_echo_get_type ())
G_DECLARE_FINAL_TYPE (BenchEcho, bench_echo, BENCH, ECHO, AioStreamProtocol)

struct _BenchEcho
{
  AioStreamProtocol  parent_instance;
  AioTransport      *transport;
};

G_DEFINE_FINAL_TYPE (BenchEcho, bench_echo, AIO_TYPE_STREAM_PROTOCOL)

static guint n_echoed;

static void
bench_echo_connection_made (AioStreamProtocol *protocol,
                            AioTransport      *transport)
{
  BENCH_ECHO (protocol)->transport = g_object_ref (transport);
}

static void
bench_echo_data_received (AioStreamProtocol *protocol,
                          const guint8      *data,
                          gsize              len)
{
  aio_transport_write (BENCH_ECHO (protocol)->transport, data, len);
  n_echoed++;
}

static void
bench_echo_connection_lost (AioStreamProtocol *protocol,
                            const GError      *error)
{
  g_clear_object (&BENCH_ECHO (protocol)->transport);
}

static void
bench_echo_finalize (GObject *object)
{
  g_clear_object (&BENCH_ECHO (object)->transport);
  G_OBJECT_CLASS (bench_echo_parent_class)->finalize (object);
}

static void
bench_echo_class_init (BenchEchoClass *klass)
{
  AioStreamProtocolClass *protocol_class = AIO_STREAM_PROTOCOL_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = bench_echo_finalize;
  protocol_class->connection_made = bench_echo_connection_made;
  protocol_class->data_received = bench_echo_data_received;
  protocol_class->connection_lost = bench_echo_connection_lost;
}

static void
bench_echo_init (BenchEcho *self)
{
}

/* Measuring */

static gboolean
gsource_dispatch (GSource     *source,
                  GSourceFunc  callback,
                  gpointer     user_data)
{
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs gsource_funcs = { .dispatch = gsource_dispatch };

static void
served_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  aio_stream_protocol_serve_finish (AIO_STREAM_PROTOCOL (object), result, NULL);
}

int
main (int    argc,
      char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 5000;
  g_autoptr(GMainContext) watch_context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GObject **objects, **protocols;
  GSocket **sockets;
  GSocketConnection **connections;
  GSource **sources;
  int *client_fds, *server_fds;
  guint8 message[64], echo[64];
  Mark m;

  if (n == 0)
    {
      fprintf (stderr, "usage: %s [N]\n", argv[0]);
      return 2;
    }

  if (!raise_fd_limit (2 * n + 64))
    return 1;

  objects = g_new0 (GObject *, n);
  protocols = g_new0 (GObject *, n);
  sockets = g_new0 (GSocket *, n);
  connections = g_new0 (GSocketConnection *, n);
  sources = g_new0 (GSource *, n);
  client_fds = g_new0 (int, n);
  server_fds = g_new0 (int, n);
  memset (message, 'x', sizeof message);

  /* The kernel's side of the connections is not in the heap nor in VmRSS,
   * but the first objects of each kind are set up once: warm everything
   * with one connection's worth first (class and type initialisation, the
   * transport's per-thread read buffer). */
  connect_pairs (n, client_fds, server_fds);

  printf ("bench-conn-memory: %u connections, GLib %u.%u.%u\n", n,
          glib_major_version, glib_minor_version, glib_micro_version);
  printf ("| layer              | heap B/conn | RSS KiB/conn |\n");
  printf ("|---|---:|---:|\n");

  g_object_unref (g_object_new (G_TYPE_OBJECT, NULL));
  m = mark ();
  for (guint i = 0; i < n; i++)
    objects[i] = g_object_new (G_TYPE_OBJECT, NULL);
  report ("GObject (plain)", m, n);

  wrap_sockets (n, server_fds, sockets, connections);

  m = mark ();
  for (guint i = 0; i < n; i++)
    {
      sources[i] = g_source_new (&gsource_funcs, sizeof (GSource));
      g_source_add_unix_fd (sources[i], g_socket_get_fd (sockets[i]), G_IO_IN);
      g_source_attach (sources[i], watch_context);
    }
  report ("GSource (fd watch)", m, n);

  m = mark ();
  for (guint i = 0; i < n; i++)
    protocols[i] = g_object_new (BENCH_TYPE_ECHO, NULL);
  report ("protocol object", m, n);

  m = mark ();
  for (guint i = 0; i < n; i++)
    aio_stream_protocol_serve_async (AIO_STREAM_PROTOCOL (protocols[i]), G_IO_STREAM (connections[i]),
                                     cancellable, served_cb, NULL);
  for (guint i = 0; i < n; i++)
    if (write (client_fds[i], message, sizeof message) != sizeof message)
      g_error ("write: %s", g_strerror (errno));
  while (n_echoed < n)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < n; i++)
    {
      gsize got = 0;

      while (got < sizeof echo)
        {
          ssize_t r = read (client_fds[i], echo + got, sizeof echo - got);

          if (r <= 0)
            g_error ("read: %s", r < 0 ? g_strerror (errno) : "end of stream");
          got += r;
        }
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  report ("transport", m, n);

  /* Tear down: the clients close, the transports see EOF. */
  for (guint i = 0; i < n; i++)
    close (client_fds[i]);
  g_cancellable_cancel (cancellable);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  for (guint i = 0; i < n; i++)
    {
      g_source_destroy (sources[i]);
      g_source_unref (sources[i]);
      g_object_unref (protocols[i]);
      g_object_unref (connections[i]);
      g_object_unref (sockets[i]);
      g_object_unref (objects[i]);
    }
  g_free (objects);
  g_free (protocols);
  g_free (sockets);
  g_free (connections);
  g_free (sources);
  g_free (client_fds);
  g_free (server_fds);

  return 0;
}
