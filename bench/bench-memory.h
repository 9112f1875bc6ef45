/* bench-memory.h: what the memory benches measure, heap and resident set
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

/* The heap in use (mallinfo2) and the resident set (VmRSS, KiB) now. */
typedef struct
{
  gsize heap;
  long  rss;
} Mark;

Mark mark (void);

/* Prints a table row: heap bytes and RSS KiB per item of @n since @before. */
void report (const char *what,
             Mark        before,
             guint       n);

/* Raises the limit of open files to @n_files if needed; FALSE (with a
 * message) when the hard limit is lower. */
gboolean raise_fd_limit (guint n_files);

/* Opens @n TCP connections over the loopback (TCP_NODELAY on the client
 * side): their two ends in @client_fds and @server_fds. */
void connect_pairs (guint  n,
                    int   *client_fds,
                    int   *server_fds);

/* The server ends as GSockets, then GSocketConnections, reporting a row
 * for each layer. */
void wrap_sockets (guint               n,
                   const int          *server_fds,
                   GSocket           **sockets,
                   GSocketConnection **connections);
