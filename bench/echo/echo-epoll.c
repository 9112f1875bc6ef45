/* echo-epoll.c: the limit of the echo benchmark, a raw epoll echo server
 *
 * One thread, one level-triggered epoll set, non-blocking sockets with
 * TCP_NODELAY (as asyncio and uvloop set it). Each readable connection is
 * read into one shared 64 KiB buffer and the bytes are written back at once;
 * what the socket does not take is kept for that connection, which then
 * waits for EPOLLOUT instead of EPOLLIN (back-pressure) until it is all
 * written. Nothing is allocated per read.
 *
 * Prints "listening on HOST:PORT" once bound, like examples/echo-server,
 * and serves until killed (SIGINT or SIGTERM end it).
 *
 * Usage: echo-epoll [--host 127.0.0.1] [--port 0]
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define BUFFER_SIZE 65536

typedef struct
{
  int            fd;
  unsigned char *pending;    /* bytes read but not yet written back */
  size_t         pending_len, pending_off;
} Connection;

static unsigned char buffer[BUFFER_SIZE];
static int listener_tag;      /* the address of this tells the listener apart */

static void
die (const char *what)
{
  fprintf (stderr, "echo-epoll: %s: %s\n", what, strerror (errno));
  exit (1);
}

static void
drop (int         epfd,
      Connection *conn)
{
  epoll_ctl (epfd, EPOLL_CTL_DEL, conn->fd, NULL);
  close (conn->fd);
  free (conn->pending);
  free (conn);
}

static void
watch (int         epfd,
       Connection *conn,
       int         op,
       uint32_t    events)
{
  struct epoll_event event = { .events = events, .data.ptr = conn };

  if (epoll_ctl (epfd, op, conn->fd, &event) < 0)
    die ("epoll_ctl");
}

/* Writes bytes back; keeps what the socket does not take. 0 on error. */
static int
write_back (int                  epfd,
            Connection          *conn,
            const unsigned char *data,
            size_t               len)
{
  size_t off = 0;

  while (off < len)
    {
      ssize_t n = send (conn->fd, data + off, len - off, MSG_NOSIGNAL);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno != EAGAIN && errno != EWOULDBLOCK)
            return 0;
          if (conn->pending == NULL)
            {
              conn->pending = malloc (BUFFER_SIZE);
              if (conn->pending == NULL)
                return 0;
            }
          memmove (conn->pending, data + off, len - off);
          conn->pending_len = len - off;
          conn->pending_off = 0;
          watch (epfd, conn, EPOLL_CTL_MOD, EPOLLOUT);
          return 1;
        }
      off += (size_t) n;
    }
  return 1;
}

static void
on_readable (int         epfd,
             Connection *conn)
{
  ssize_t n;

  /* Level-triggered: one read per event; if the socket holds more, epoll
   * reports it again, after the other ready connections. */
  do
    n = recv (conn->fd, buffer, sizeof buffer, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return;
  if (n <= 0 || !write_back (epfd, conn, buffer, (size_t) n))
    drop (epfd, conn);
}

static void
on_writable (int         epfd,
             Connection *conn)
{
  while (conn->pending_off < conn->pending_len)
    {
      ssize_t n = send (conn->fd, conn->pending + conn->pending_off,
                        conn->pending_len - conn->pending_off, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
      if (n < 0)
        {
          drop (epfd, conn);
          return;
        }
      conn->pending_off += (size_t) n;
    }
  conn->pending_len = conn->pending_off = 0;
  watch (epfd, conn, EPOLL_CTL_MOD, EPOLLIN);
}

static void
on_acceptable (int epfd,
               int listen_fd)
{
  for (;;)
    {
      int one = 1;
      int fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
      Connection *conn;

      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
          /* EMFILE and the like: try again at the next event. */
          fprintf (stderr, "echo-epoll: accept: %s\n", strerror (errno));
          return;
        }
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      conn = calloc (1, sizeof *conn);
      if (conn == NULL)
        {
          close (fd);
          continue;
        }
      conn->fd = fd;
      watch (epfd, conn, EPOLL_CTL_ADD, EPOLLIN);
    }
}

int
main (int    argc,
      char **argv)
{
  static const struct option options[] = {
    { "host", required_argument, NULL, 'h' },
    { "port", required_argument, NULL, 'p' },
    { NULL, 0, NULL, 0 }
  };
  const char *host = "127.0.0.1", *port = "0";
  struct addrinfo hints = { 0 }, *ai;
  struct sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  char host_text[NI_MAXHOST], port_text[NI_MAXSERV];
  struct epoll_event event = { 0 }, events[256];
  int c, rc, listen_fd, epfd, one = 1;

  while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
    {
      if (c == 'h')
        host = optarg;
      else if (c == 'p')
        port = optarg;
      else
        {
          fprintf (stderr, "Usage: %s [--host HOST] [--port PORT]\n", argv[0]);
          return 2;
        }
    }

  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  rc = getaddrinfo (host, port, &hints, &ai);
  if (rc != 0)
    {
      fprintf (stderr, "echo-epoll: bad address %s:%s: %s\n", host, port, gai_strerror (rc));
      return 1;
    }
  listen_fd = socket (ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd < 0)
    die ("socket");
  setsockopt (listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (listen_fd, ai->ai_addr, ai->ai_addrlen) < 0)
    die ("bind");
  freeaddrinfo (ai);
  if (listen (listen_fd, 1024) < 0)
    die ("listen");
  if (getsockname (listen_fd, (struct sockaddr *) &bound, &bound_len) < 0)
    die ("getsockname");
  rc = getnameinfo ((struct sockaddr *) &bound, bound_len, host_text, sizeof host_text,
                    port_text, sizeof port_text, NI_NUMERICHOST | NI_NUMERICSERV);
  if (rc != 0)
    {
      fprintf (stderr, "echo-epoll: getnameinfo: %s\n", gai_strerror (rc));
      return 1;
    }

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (epfd < 0)
    die ("epoll_create1");
  event.events = EPOLLIN;
  event.data.ptr = &listener_tag;
  if (epoll_ctl (epfd, EPOLL_CTL_ADD, listen_fd, &event) < 0)
    die ("epoll_ctl");

  printf ("listening on %s:%s\n", host_text, port_text);
  fflush (stdout);

  for (;;)
    {
      int n = epoll_wait (epfd, events, 256, -1), k;

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          die ("epoll_wait");
        }
      for (k = 0; k < n; k++)
        {
          Connection *conn = events[k].data.ptr;

          if (events[k].data.ptr == &listener_tag)
            on_acceptable (epfd, listen_fd);
          else if (conn->pending_len > 0)
            on_writable (epfd, conn);
          else
            on_readable (epfd, conn);
        }
    }
}
