/* bench-memory.c: what the memory benches measure, heap and resident set
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench-memory.h"

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static long
vm_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : 0;
}

Mark
mark (void)
{
  return (Mark) { heap_in_use (), vm_rss_kib () };
}

void
report (const char *what,
        Mark        before,
        guint       n)
{
  Mark after = mark ();

  printf ("| %-18s | %8.0f | %8.2f |\n", what,
          (double) (after.heap - before.heap) / n,
          (double) (after.rss - before.rss) / n);
}

gboolean
raise_fd_limit (guint n_files)
{
  struct rlimit limit;

  getrlimit (RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < n_files)
    {
      limit.rlim_cur = MIN (limit.rlim_max, n_files);
      setrlimit (RLIMIT_NOFILE, &limit);
    }
  if (limit.rlim_cur < n_files)
    {
      fprintf (stderr, "open files limited to %lu: not enough for %u files\n",
               (unsigned long) limit.rlim_cur, n_files);
      return FALSE;
    }
  return TRUE;
}

void
connect_pairs (guint  n,
               int   *client_fds,
               int   *server_fds)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t address_len = sizeof address;
  int listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (bind (listener, (struct sockaddr *) &address, sizeof address) != 0 ||
      listen (listener, 128) != 0 ||
      getsockname (listener, (struct sockaddr *) &address, &address_len) != 0)
    g_error ("listen: %s", g_strerror (errno));

  for (guint i = 0; i < n; i++)
    {
      client_fds[i] = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (connect (client_fds[i], (struct sockaddr *) &address, sizeof address) != 0)
        g_error ("connect: %s", g_strerror (errno));
      setsockopt (client_fds[i], IPPROTO_TCP, TCP_NODELAY, &(int) { 1 }, sizeof (int));
      server_fds[i] = accept (listener, NULL, NULL);
      if (server_fds[i] < 0)
        g_error ("accept: %s", g_strerror (errno));
    }
  close (listener);
}

void
wrap_sockets (guint               n,
              const int          *server_fds,
              GSocket           **sockets,
              GSocketConnection **connections)
{
  Mark m = mark ();

  for (guint i = 0; i < n; i++)
    {
      sockets[i] = g_socket_new_from_fd (server_fds[i], NULL);
      if (sockets[i] == NULL)
        g_error ("g_socket_new_from_fd failed");
      g_socket_set_option (sockets[i], IPPROTO_TCP, TCP_NODELAY, 1, NULL);
    }
  report ("GSocket", m, n);

  m = mark ();
  for (guint i = 0; i < n; i++)
    connections[i] = g_socket_connection_factory_create_connection (sockets[i]);
  report ("GSocketConnection", m, n);
}
