/* bench-transport.c: server CPU per request of the protocol path against a
 * raw epoll echo, in one harness
 *
 * A client thread keeps N loopback connections busy with fixed-size
 * request/echo round trips (epoll); the main thread is the server: either
 * AioStreamProtocol/AioTransport on the GLib main loop, or a plain epoll
 * loop (the limit). The server thread's CPU time (getrusage RUSAGE_THREAD)
 * is divided by the number of round trips.
 *
 *   cc -O2 -o bench-transport bench/bench-transport.c $(pkg-config --cflags --libs aiomisc-glib-1)
 *   bench-transport [--connections N] [--size BYTES] [--seconds S] [--mode protocol|epoll|both]
 *
 * Not a test: timing numbers depend on the machine.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <aiomisc-glib.h>

static int connections = 10;
static int size = 64;
static double seconds = 2.0;
static char *mode = NULL;

/* Client */

typedef struct
{
  int       *fds;
  guint16    port;
  gint       stop;      /* atomic */
  guint64    requests;
  guint8    *buffer;
} Client;

static int
connect_to (guint16 port)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = g_htons (port),
                                 .sin_addr.s_addr = g_htonl (0x7f000001) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;

  if (fd < 0 || connect (fd, (struct sockaddr *) &address, sizeof address) < 0)
    g_error ("connect: %s", g_strerror (errno));
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);
  int *received = g_new0 (int, connections);
  struct epoll_event events[256];

  for (int i = 0; i < connections; i++)
    {
      struct epoll_event event = { .events = EPOLLIN, .data.u32 = i };

      epoll_ctl (epfd, EPOLL_CTL_ADD, client->fds[i], &event);
      if (send (client->fds[i], client->buffer, size, MSG_NOSIGNAL) != size)
        g_error ("send: %s", g_strerror (errno));
    }

  while (!g_atomic_int_get (&client->stop))
    {
      int n = epoll_wait (epfd, events, G_N_ELEMENTS (events), 100);

      for (int e = 0; e < n; e++)
        {
          int i = events[e].data.u32;
          ssize_t got = recv (client->fds[i], client->buffer, size - received[i], 0);

          if (got <= 0)
            g_error ("recv: %s", got == 0 ? "EOF" : g_strerror (errno));
          received[i] += got;
          if (received[i] == size)
            {
              received[i] = 0;
              client->requests++;
              if (send (client->fds[i], client->buffer, size, MSG_NOSIGNAL) != size)
                g_error ("send: %s", g_strerror (errno));
            }
        }
    }

  for (int i = 0; i < connections; i++)
    close (client->fds[i]);
  close (epfd);
  g_free (received);
  return NULL;
}

static gint64
thread_cpu_usec (void)
{
  struct rusage usage;

  getrusage (RUSAGE_THREAD, &usage);
  return (gint64) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

/* Protocol server */

#define BENCH_TYPE_ECHO (bench_echo_get_type ())
G_DECLARE_FINAL_TYPE (BenchEcho, bench_echo, BENCH, ECHO, AioStreamProtocol)

struct _BenchEcho
{
  AioStreamProtocol  parent_instance;
  AioTransport      *transport;
};

G_DEFINE_FINAL_TYPE (BenchEcho, bench_echo, AIO_TYPE_STREAM_PROTOCOL)

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
}

static void
bench_echo_connection_lost (AioStreamProtocol *protocol,
                            const GError      *error)
{
  g_clear_object (&BENCH_ECHO (protocol)->transport);
}

static void
bench_echo_class_init (BenchEchoClass *klass)
{
  AioStreamProtocolClass *protocol_class = AIO_STREAM_PROTOCOL_CLASS (klass);

  protocol_class->connection_made = bench_echo_connection_made;
  protocol_class->data_received = bench_echo_data_received;
  protocol_class->connection_lost = bench_echo_connection_lost;
}

static void
bench_echo_init (BenchEcho *self)
{
}

static int served_left;

static void
served_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  aio_stream_protocol_serve_finish (AIO_STREAM_PROTOCOL (object), result, NULL);
  served_left--;
}

static gboolean
stop_cb (gpointer data)
{
  g_atomic_int_set ((gint *) data, 1);
  return G_SOURCE_REMOVE;
}

static void
run (const char *which)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GPtrArray) accepted = g_ptr_array_new_with_free_func (g_object_unref);
  Client client = { 0 };
  GThread *thread;
  gint64 cpu_start, cpu_end, wall_start, wall_end;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (listener, any, TRUE, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (listener, connections + 16);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  client.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  client.fds = g_new (int, connections);
  client.buffer = g_malloc0 (size);
  for (int i = 0; i < connections; i++)
    {
      client.fds[i] = connect_to (client.port);
      g_ptr_array_add (accepted, g_socket_accept (listener, NULL, &error));
      g_assert_no_error (error);
      g_socket_set_option (g_ptr_array_index (accepted, i), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
    }

  if (g_str_equal (which, "protocol"))
    {
      served_left = connections;
      for (int i = 0; i < connections; i++)
        {
          g_autoptr(GSocketConnection) connection =
            g_socket_connection_factory_create_connection (g_ptr_array_index (accepted, i));
          g_autoptr(AioStreamProtocol) echo = g_object_new (BENCH_TYPE_ECHO, NULL);

          aio_stream_protocol_serve_async (echo, G_IO_STREAM (connection), NULL, served_cb, NULL);
        }
      thread = g_thread_new ("client", client_thread, &client);
      g_timeout_add ((guint) (seconds * 1000), stop_cb, &client.stop);
      wall_start = g_get_monotonic_time ();
      cpu_start = thread_cpu_usec ();
      while (!g_atomic_int_get (&client.stop))
        g_main_context_iteration (NULL, TRUE);
      cpu_end = thread_cpu_usec ();
      wall_end = g_get_monotonic_time ();
      g_thread_join (thread);
      while (served_left > 0)
        g_main_context_iteration (NULL, TRUE);
    }
  else
    {
      int epfd = epoll_create1 (EPOLL_CLOEXEC);
      guint8 buffer[64 * 1024];
      struct epoll_event events[256];

      for (int i = 0; i < connections; i++)
        {
          struct epoll_event event = { .events = EPOLLIN,
                                       .data.fd = g_socket_get_fd (g_ptr_array_index (accepted, i)) };
          epoll_ctl (epfd, EPOLL_CTL_ADD, event.data.fd, &event);
        }
      thread = g_thread_new ("client", client_thread, &client);
      wall_start = g_get_monotonic_time ();
      cpu_start = thread_cpu_usec ();
      while (g_get_monotonic_time () - wall_start < seconds * G_USEC_PER_SEC)
        {
          int n = epoll_wait (epfd, events, G_N_ELEMENTS (events), 100);

          for (int e = 0; e < n; e++)
            {
              ssize_t got = recv (events[e].data.fd, buffer, sizeof buffer, 0);

              if (got > 0)
                send (events[e].data.fd, buffer, got, MSG_NOSIGNAL);
            }
        }
      cpu_end = thread_cpu_usec ();
      wall_end = g_get_monotonic_time ();
      g_atomic_int_set (&client.stop, 1);
      g_thread_join (thread);
      close (epfd);
    }

  g_print ("%-9s %5d conn %6d B  %9.0f req/s  %6.2f us server CPU/request\n",
           which, connections, size,
           client.requests / ((wall_end - wall_start) / (double) G_USEC_PER_SEC),
           (cpu_end - cpu_start) / (double) MAX (client.requests, 1));
  g_free (client.fds);
  g_free (client.buffer);
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- protocol path vs raw epoll echo");
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "connections", 'c', 0, G_OPTION_ARG_INT, &connections, "Connections (10)", "N" },
    { "size", 's', 0, G_OPTION_ARG_INT, &size, "Message size (64)", "BYTES" },
    { "seconds", 'd', 0, G_OPTION_ARG_DOUBLE, &seconds, "Duration of each run (2)", "S" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &mode, "protocol, epoll or both (both)", "MODE" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (connections < 1 || connections > 10000 || size < 1 || size > 65536)
    {
      g_printerr ("Bad --connections or --size\n");
      return 2;
    }

  if (mode == NULL || g_str_equal (mode, "both") || g_str_equal (mode, "epoll"))
    run ("epoll");
  if (mode == NULL || g_str_equal (mode, "both") || g_str_equal (mode, "protocol"))
    run ("protocol");
  g_free (mode);
  return 0;
}
