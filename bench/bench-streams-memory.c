/* bench-streams-memory.c: what one open connection of the streams path
 * costs, piece by piece
 *
 * SPDX-License-Identifier: MIT
 *
 * Opens N loopback TCP connections (the server ends accepted by this
 * process), then builds, for every connection, one layer after the other
 * of what AioTcpServer's streams path and a handler such as
 * examples/echo-server.c --streams hold for an idle client, and reads
 * after each layer how much the heap grew (mallinfo2: bytes in use, which
 * a busy machine does not change) and the resident memory (VmRSS), divided
 * by N:
 *
 *   GSocket            g_socket_new_from_fd() on the accepted descriptor
 *   GSocketConnection  g_socket_connection_factory_create_connection()
 *   its streams        g_io_stream_get_input_stream() and _output_stream()
 *                      (GIO makes them on first use)
 *   handler task       the handler's GTask and its state (the example's
 *                      Echo record)
 *   aio read pending   aio_stream_read_bytes_async() waiting, with a
 *                      cancellable shared by all connections (as the
 *                      server's), after one 64-byte echo: its GTask, its
 *                      GSource and the cancellable's signal handler
 *
 * With "gio", the last layer is replaced by the way the example read
 * before:
 *
 *   16 KiB buffer      a buffer per connection, into which one 64-byte
 *                      message was read
 *   GIO read pending   g_input_stream_read_async() waiting, into that
 *                      buffer, with the shared cancellable
 *
 * AioTcpServer's own record of a client is not built here (it is
 * private): see run-echo.py --memory for the whole server.
 *
 * Usage: bench-streams-memory [N [aio|gio]]   (default 5000 aio; needs 2 N
 * open files)
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

#define OLD_BUFFER_SIZE 16384

/* The example's per-client state (examples/echo-server.c). */
typedef struct
{
  GIOStream     *stream;
  GOutputStream *output;
  GBytes        *data;
} Echo;

static guint n_done;

static void
aio_read_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GBytes) bytes = aio_stream_read_bytes_finish (G_IO_STREAM (object), result, NULL);

  n_done++;
}

static void
gio_read_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);
  n_done++;
}

static void
wait_done (guint n)
{
  while (n_done < n)
    g_main_context_iteration (NULL, TRUE);
  n_done = 0;
}

static void
send_all (int        *client_fds,
          guint       n)
{
  guint8 message[64];

  memset (message, 'x', sizeof message);
  for (guint i = 0; i < n; i++)
    if (write (client_fds[i], message, sizeof message) != sizeof message)
      g_error ("write: %s", g_strerror (errno));
}

int
main (int    argc,
      char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 5000;
  gboolean gio = argc > 2 && strcmp (argv[2], "gio") == 0;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCancellable) aio_cancellable = g_cancellable_new ();
  GSocket **sockets;
  GSocketConnection **connections;
  GTask **tasks;
  guint8 **buffers;
  int *client_fds, *server_fds;
  Mark m;

  if (n == 0 || (argc > 2 && !gio && strcmp (argv[2], "aio") != 0))
    {
      fprintf (stderr, "usage: %s [N [aio|gio]]\n", argv[0]);
      return 2;
    }

  if (!raise_fd_limit (2 * n + 64))
    return 1;

  sockets = g_new0 (GSocket *, n);
  connections = g_new0 (GSocketConnection *, n);
  tasks = g_new0 (GTask *, n);
  buffers = g_new0 (guint8 *, n);
  client_fds = g_new0 (int, n);
  server_fds = g_new0 (int, n);

  connect_pairs (n, client_fds, server_fds);

  /* Warm up what is set up once (types, the thread's read buffer). */
  {
    int fds[2];
    g_autoptr(GSocket) socket = NULL;
    g_autoptr(GIOStream) stream = NULL;
    g_autoptr(GTask) task = NULL;
    guint8 buffer[64];

    if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
      g_error ("socketpair: %s", g_strerror (errno));
    socket = g_socket_new_from_fd (fds[0], NULL);
    stream = G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
    g_io_stream_get_output_stream (stream);
    task = g_task_new (NULL, NULL, NULL, NULL);
    if (write (fds[1], "warm", 4) != 4)
      g_error ("write: %s", g_strerror (errno));
    aio_stream_read_bytes_async (stream, AIO_STREAM_READ_MAX, G_PRIORITY_DEFAULT, cancellable,
                                 aio_read_cb, NULL);
    wait_done (1);
    if (write (fds[1], "warm", 4) != 4)
      g_error ("write: %s", g_strerror (errno));
    g_input_stream_read_async (g_io_stream_get_input_stream (stream), buffer, sizeof buffer,
                               G_PRIORITY_DEFAULT, cancellable, gio_read_cb, NULL);
    wait_done (1);
    close (fds[1]);
  }

  printf ("bench-streams-memory: %u connections, reading with %s, GLib %u.%u.%u\n", n,
          gio ? "g_input_stream_read_async" : "aio_stream_read_bytes_async",
          glib_major_version, glib_minor_version, glib_micro_version);
  printf ("| layer              | heap B/conn | RSS KiB/conn |\n");
  printf ("|---|---:|---:|\n");

  wrap_sockets (n, server_fds, sockets, connections);

  m = mark ();
  for (guint i = 0; i < n; i++)
    {
      g_io_stream_get_input_stream (G_IO_STREAM (connections[i]));
      g_io_stream_get_output_stream (G_IO_STREAM (connections[i]));
    }
  report ("its two streams", m, n);

  m = mark ();
  for (guint i = 0; i < n; i++)
    {
      Echo *echo = g_new0 (Echo, 1);

      tasks[i] = g_task_new (NULL, cancellable, NULL, NULL);
      echo->stream = G_IO_STREAM (connections[i]);
      echo->output = g_io_stream_get_output_stream (echo->stream);
      g_task_set_task_data (tasks[i], echo, g_free);
    }
  report ("handler task", m, n);

  /* One 64-byte message read (and its GBytes dropped, as once echoed),
   * then the read that waits for the next one. */
  if (gio)
    goto old_way;
  m = mark ();
  send_all (client_fds, n);
  for (guint i = 0; i < n; i++)
    aio_stream_read_bytes_async (G_IO_STREAM (connections[i]), AIO_STREAM_READ_MAX,
                                 G_PRIORITY_DEFAULT, cancellable, aio_read_cb, NULL);
  wait_done (n);
  for (guint i = 0; i < n; i++)
    aio_stream_read_bytes_async (G_IO_STREAM (connections[i]), AIO_STREAM_READ_MAX,
                                 G_PRIORITY_DEFAULT, aio_cancellable, aio_read_cb, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  report ("aio read pending", m, n);
  goto tear_down;

  /* The old way. */
old_way:
  m = mark ();
  for (guint i = 0; i < n; i++)
    buffers[i] = g_malloc (OLD_BUFFER_SIZE);
  send_all (client_fds, n);
  for (guint i = 0; i < n; i++)
    g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connections[i])),
                               buffers[i], OLD_BUFFER_SIZE, G_PRIORITY_DEFAULT, cancellable,
                               gio_read_cb, NULL);
  wait_done (n);
  report ("16 KiB buffer", m, n);

  m = mark ();
  for (guint i = 0; i < n; i++)
    g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (connections[i])),
                               buffers[i], OLD_BUFFER_SIZE, G_PRIORITY_DEFAULT, cancellable,
                               gio_read_cb, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  report ("GIO read pending", m, n);

  /* Tear down: the clients close, the reads see the end. */
tear_down:
  for (guint i = 0; i < n; i++)
    close (client_fds[i]);
  wait_done (n);
  for (guint i = 0; i < n; i++)
    {
      g_free (buffers[i]);
      g_object_unref (tasks[i]);
      g_object_unref (connections[i]);
      g_object_unref (sockets[i]);
    }
  g_free (sockets);
  g_free (connections);
  g_free (tasks);
  g_free (buffers);
  g_free (client_fds);
  g_free (server_fds);

  return 0;
}
