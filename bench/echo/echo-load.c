/* echo-load.c: closed-loop load generator for the echo benchmark
 *
 * Opens --connections TCP connections to --host:--port. Each connection
 * sends a message of --size bytes, waits until the whole message came back,
 * checks it, and sends the next one at once (closed loop): with N
 * connections, at most N requests are in flight. Everything runs on one
 * thread over a level-triggered epoll set, non-blocking sockets,
 * TCP_NODELAY.
 *
 * After all connections are up, a --warmup period (not measured) lets the
 * server and the caches settle; then requests that complete during the next
 * --duration seconds are counted and their latency (send of the first byte
 * to receipt of the last) recorded. At the end, one machine-readable line:
 *
 *   req_s=48213.2 p50_us=190 p99_us=412 requests=144640 connections=10
 *   size=64 duration_s=3.000 client_cpu_us_per_req=9.81
 *   [server_cpu_us=... server_cpu_us_per_req=...]
 *
 * (on one line). With --server-pid PID, the user + system CPU time of that
 * process (all its threads, from /proc/PID/stat) is read at the start and at
 * the end of the measured window, so that the server's CPU cost per request
 * is measured over exactly the requests counted here.
 *
 * A server that refuses, closes or corrupts a connection is an error: the
 * line "error=..." on stdout and exit status 1.
 *
 * Usage: echo-load [--host 127.0.0.1] --port PORT [--connections 10]
 *                  [--size 64] [--duration 3] [--warmup 1] [--server-pid PID]
 *
 * Plain C and Linux: no GLib, so that the load generator costs the same
 * whatever the server under test is.
 *
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

typedef struct
{
  int      fd;
  size_t   sent;       /* bytes of the current request written */
  size_t   received;   /* bytes of its echo read */
  int64_t  started;    /* ns, when the request was sent */
  int      want_out;   /* EPOLLOUT is in the interest set */
} Connection;

typedef struct
{
  int64_t *values;
  size_t   len, allocated;
} Samples;

static const char *opt_host = "127.0.0.1";
static const char *opt_port;
static long opt_connections = 10;
static long opt_size = 64;
static double opt_duration = 3.0;
static double opt_warmup = 1.0;
static long opt_server_pid;

static unsigned char *message;
static unsigned char *scratch;

static void
fail (const char *format,
      ...)
{
  va_list args;

  printf ("error=");
  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  printf ("\n");
  fflush (stdout);
  exit (1);
}

static int64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
self_cpu_us (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (int64_t) usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec +
         (int64_t) usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec;
}

/* utime + stime of a process, all threads, in µs; -1 if unreadable. */
static int64_t
process_cpu_us (long pid)
{
  char path[64], buffer[4096];
  FILE *file;
  size_t n;
  char *p;
  unsigned long long utime, stime;
  long ticks = sysconf (_SC_CLK_TCK);

  snprintf (path, sizeof path, "/proc/%ld/stat", pid);
  file = fopen (path, "r");
  if (file == NULL)
    return -1;
  n = fread (buffer, 1, sizeof buffer - 1, file);
  fclose (file);
  buffer[n] = '\0';

  /* The command name (field 2) may hold spaces: fields 3 and on start
   * after its closing parenthesis. utime and stime are fields 14 and 15. */
  p = strrchr (buffer, ')');
  if (p == NULL ||
      sscanf (p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
              &utime, &stime) != 2)
    return -1;
  return (int64_t) ((utime + stime) * 1000000ULL / (unsigned long long) ticks);
}

static void
samples_add (Samples *samples,
             int64_t  value)
{
  if (samples->len == samples->allocated)
    {
      samples->allocated = samples->allocated ? samples->allocated * 2 : 65536;
      samples->values = realloc (samples->values, samples->allocated * sizeof *samples->values);
      if (samples->values == NULL)
        fail ("out of memory");
    }
  samples->values[samples->len++] = value;
}

static int
compare_int64 (const void *a,
               const void *b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;

  return x < y ? -1 : x > y;
}

static int64_t
percentile (const Samples *samples,
            unsigned       pct)
{
  size_t i;

  if (samples->len == 0)
    return 0;
  i = samples->len * pct / 100;
  if (i >= samples->len)
    i = samples->len - 1;
  return samples->values[i];
}

static long
parse_long (const char *name,
            const char *text,
            long        min,
            long        max)
{
  char *end;
  long value;

  errno = 0;
  value = strtol (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
    fail ("bad --%s %s: an integer from %ld to %ld is expected", name, text, min, max);
  return value;
}

static double
parse_seconds (const char *name,
               const char *text)
{
  char *end;
  double value;

  errno = 0;
  value = strtod (text, &end);
  if (errno != 0 || end == text || *end != '\0' || !(value >= 0.0) || value > 3600.0)
    fail ("bad --%s %s: seconds from 0 to 3600 are expected", name, text);
  return value;
}

static void
parse_options (int    argc,
               char **argv)
{
  static const struct option options[] = {
    { "host",        required_argument, NULL, 'h' },
    { "port",        required_argument, NULL, 'p' },
    { "connections", required_argument, NULL, 'c' },
    { "size",        required_argument, NULL, 's' },
    { "duration",    required_argument, NULL, 'd' },
    { "warmup",      required_argument, NULL, 'w' },
    { "server-pid",  required_argument, NULL, 'P' },
    { "help",        no_argument,       NULL, '?' },
    { NULL, 0, NULL, 0 }
  };
  int c;

  while ((c = getopt_long (argc, argv, "", options, NULL)) != -1)
    {
      switch (c)
        {
        case 'h': opt_host = optarg; break;
        case 'p': opt_port = optarg; break;
        case 'c': opt_connections = parse_long ("connections", optarg, 1, 100000); break;
        case 's': opt_size = parse_long ("size", optarg, 1, 16 * 1024 * 1024); break;
        case 'd': opt_duration = parse_seconds ("duration", optarg); break;
        case 'w': opt_warmup = parse_seconds ("warmup", optarg); break;
        case 'P': opt_server_pid = parse_long ("server-pid", optarg, 1, 1L << 30); break;
        default:
          fprintf (stderr,
                   "Usage: %s [--host HOST] --port PORT [--connections N] [--size BYTES]\n"
                   "          [--duration SECONDS] [--warmup SECONDS] [--server-pid PID]\n",
                   argv[0]);
          exit (2);
        }
    }
  if (optind != argc)
    fail ("unexpected argument %s", argv[optind]);
  if (opt_port == NULL)
    fail ("--port is required");
  if (opt_duration <= 0.0)
    fail ("bad --duration: must be more than 0 seconds");
}

static int
connect_one (const struct addrinfo *addresses)
{
  const struct addrinfo *ai;
  int last_errno = 0;

  for (ai = addresses; ai != NULL; ai = ai->ai_next)
    {
      int fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      int one = 1;

      if (fd < 0)
        {
          last_errno = errno;
          continue;
        }
      /* A blocking connect, then non-blocking I/O: connecting is not
       * measured. */
      if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
        {
          setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          if (fcntl (fd, F_SETFL, O_NONBLOCK) < 0)
            fail ("fcntl: %s", strerror (errno));
          return fd;
        }
      last_errno = errno;
      close (fd);
    }
  fail ("cannot connect to %s:%s: %s", opt_host, opt_port, strerror (last_errno));
  return -1;
}

static void
set_interest (int         epfd,
              Connection *conn,
              int         want_out)
{
  struct epoll_event event = { 0 };

  if (conn->want_out == want_out)
    return;
  event.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
  event.data.ptr = conn;
  if (epoll_ctl (epfd, EPOLL_CTL_MOD, conn->fd, &event) < 0)
    fail ("epoll_ctl: %s", strerror (errno));
  conn->want_out = want_out;
}

/* Writes what remains of the current request. */
static void
send_some (int         epfd,
           Connection *conn)
{
  while (conn->sent < (size_t) opt_size)
    {
      ssize_t n = send (conn->fd, message + conn->sent, (size_t) opt_size - conn->sent,
                        MSG_NOSIGNAL);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            {
              set_interest (epfd, conn, 1);
              return;
            }
          fail ("send: %s", strerror (errno));
        }
      conn->sent += (size_t) n;
    }
  set_interest (epfd, conn, 0);
}

static void
start_request (int         epfd,
               Connection *conn,
               int64_t     now)
{
  conn->sent = 0;
  conn->received = 0;
  conn->started = now;
  send_some (epfd, conn);
}

/* Reads what the socket holds; returns 1 when the echo is complete. */
static int
receive_some (Connection *conn)
{
  for (;;)
    {
      size_t want = (size_t) opt_size - conn->received;
      ssize_t n;

      if (want == 0)
        return 1;
      n = recv (conn->fd, scratch, want, 0);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
          fail ("recv: %s", strerror (errno));
        }
      if (n == 0)
        fail ("the server closed a connection");
      /* More bytes than were sent would be read by the next request's
       * check below, so every byte of every echo is checked. */
      if (conn->received + (size_t) n > conn->sent)
        fail ("the server echoed %zu bytes, more than it was sent",
              conn->received + (size_t) n);
      if (memcmp (scratch, message + conn->received, (size_t) n) != 0)
        fail ("the echo differs from the message");
      conn->received += (size_t) n;
    }
}

int
main (int    argc,
      char **argv)
{
  struct addrinfo hints = { 0 }, *addresses = NULL;
  Connection *conns;
  struct epoll_event *events;
  Samples latencies = { 0 };
  int epfd, rc;
  long i;
  int64_t window_start, window_end, now;
  int64_t client_cpu0 = 0, client_cpu1, server_cpu0 = -1, server_cpu1 = -1;
  int measuring = 0;
  unsigned long long requests = 0;
  double elapsed_s, req_s;
  const int max_events = 512;

  setvbuf (stdout, NULL, _IOLBF, 0);
  parse_options (argc, argv);

  message = malloc ((size_t) opt_size);
  scratch = malloc ((size_t) opt_size);
  conns = calloc ((size_t) opt_connections, sizeof *conns);
  events = calloc (max_events, sizeof *events);
  if (message == NULL || scratch == NULL || conns == NULL || events == NULL)
    fail ("out of memory");
  for (i = 0; i < opt_size; i++)
    message[i] = (unsigned char) ('a' + i % 26);

  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  rc = getaddrinfo (opt_host, opt_port, &hints, &addresses);
  if (rc != 0)
    fail ("cannot resolve %s:%s: %s", opt_host, opt_port, gai_strerror (rc));

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (epfd < 0)
    fail ("epoll_create1: %s", strerror (errno));

  for (i = 0; i < opt_connections; i++)
    {
      struct epoll_event event = { 0 };

      conns[i].fd = connect_one (addresses);
      event.events = EPOLLIN;
      event.data.ptr = &conns[i];
      if (epoll_ctl (epfd, EPOLL_CTL_ADD, conns[i].fd, &event) < 0)
        fail ("epoll_ctl: %s", strerror (errno));
    }
  freeaddrinfo (addresses);

  now = now_ns ();
  window_start = now + (int64_t) (opt_warmup * 1e9);
  window_end = window_start + (int64_t) (opt_duration * 1e9);
  for (i = 0; i < opt_connections; i++)
    start_request (epfd, &conns[i], now);

  for (;;)
    {
      int timeout_ms, n, k;

      now = now_ns ();
      if (!measuring && now >= window_start)
        {
          measuring = 1;
          window_start = now;
          window_end = now + (int64_t) (opt_duration * 1e9);
          client_cpu0 = self_cpu_us ();
          if (opt_server_pid)
            server_cpu0 = process_cpu_us (opt_server_pid);
        }
      if (measuring && now >= window_end)
        break;

      timeout_ms = (int) (((measuring ? window_end : window_start) - now) / 1000000) + 1;
      n = epoll_wait (epfd, events, max_events, timeout_ms);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          fail ("epoll_wait: %s", strerror (errno));
        }
      now = now_ns ();
      for (k = 0; k < n; k++)
        {
          Connection *conn = events[k].data.ptr;

          if (events[k].events & EPOLLOUT)
            send_some (epfd, conn);
          if (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
            {
              if (receive_some (conn))
                {
                  if (measuring && now < window_end)
                    {
                      requests++;
                      samples_add (&latencies, (now - conn->started) / 1000);
                    }
                  start_request (epfd, conn, now);
                }
            }
        }
    }

  /* The window is over: read the CPU times before anything else. */
  if (opt_server_pid)
    server_cpu1 = process_cpu_us (opt_server_pid);
  client_cpu1 = self_cpu_us ();
  elapsed_s = (double) (now - window_start) / 1e9;

  for (i = 0; i < opt_connections; i++)
    close (conns[i].fd);
  close (epfd);

  if (requests == 0)
    fail ("no echo came back in %.3f s", elapsed_s);

  qsort (latencies.values, latencies.len, sizeof *latencies.values, compare_int64);
  req_s = (double) requests / elapsed_s;
  printf ("req_s=%.1f p50_us=%lld p99_us=%lld requests=%llu connections=%ld size=%ld "
          "duration_s=%.3f client_cpu_us_per_req=%.3f",
          req_s, (long long) percentile (&latencies, 50), (long long) percentile (&latencies, 99),
          requests, opt_connections, opt_size, elapsed_s,
          (double) (client_cpu1 - client_cpu0) / (double) requests);
  if (opt_server_pid)
    {
      if (server_cpu0 < 0 || server_cpu1 < 0)
        printf (" server_cpu_us=n/a server_cpu_us_per_req=n/a");
      else
        printf (" server_cpu_us=%lld server_cpu_us_per_req=%.3f",
                (long long) (server_cpu1 - server_cpu0),
                (double) (server_cpu1 - server_cpu0) / (double) requests);
    }
  printf ("\n");

  free (latencies.values);
  free (events);
  free (conns);
  free (scratch);
  free (message);
  return 0;
}
