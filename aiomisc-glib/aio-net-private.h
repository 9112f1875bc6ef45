/* aio-net-private.h: binding listening sockets and systemd socket activation
 *
 * Shared by the TCP and the UDP server: where a server's socket comes from
 * (a given socket, an inherited one, a Unix path, an address and a port) is
 * decided here once, for both.
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Parses "127.0.0.1", "::", "0.0.0.0", "localhost"...; the error
 * (G_IO_ERROR_INVALID_ARGUMENT) names the value. */
GInetAddress *_aio_net_parse_address (const char  *address,
                                      GError     **error);

/* "127.0.0.1:8080", "[::1]:8080", or the path of a Unix socket address. */
char         *_aio_net_address_to_string (GSocketAddress *address);

/* The address a socket is bound to / connected to, as above ("?" if unknown). */
char         *_aio_net_local_to_string   (GSocket        *socket);
char         *_aio_net_remote_to_string  (GSocket        *socket);

/* The bound port of @socket, 0 if it is not an IP socket. */
guint16       _aio_net_get_local_port    (GSocket        *socket);

/* A non-blocking socket of @type (STREAM: TCP, listening with @backlog;
 * DATAGRAM: UDP) bound to @address:@port. SO_REUSEADDR is set for TCP;
 * @reuse_port sets SO_REUSEPORT. Errors name "address:port". */
GSocket      *_aio_net_bind_inet (const char  *address,
                                  guint        port,
                                  GSocketType  type,
                                  int          backlog,
                                  gboolean     reuse_port,
                                  GError     **error);

/* A non-blocking listening Unix stream socket at @path. A stale socket file
 * (nobody accepts on it) is removed first; a live one, or a file that is not
 * a socket, is an error naming the path. */
GSocket      *_aio_net_bind_unix (const char  *path,
                                  int          backlog,
                                  GError     **error);

/* systemd socket activation (sd_listen_fds(3)): what LISTEN_PID, LISTEN_FDS
 * and LISTEN_FDNAMES describe. Pure: no file descriptor is touched. */
typedef struct
{
  guint   n_fds;       /* inherited descriptors, 3 .. 3 + n_fds - 1 */
  char  **names;       /* n_fds names ("unknown" when not given) */
  char   *why_none;    /* when n_fds == 0: why (for error messages) */
} AioNetActivation;

AioNetActivation *_aio_net_activation_parse (const char *listen_pid,
                                             const char *listen_fds,
                                             const char *listen_fdnames,
                                             gint64      pid);
void              _aio_net_activation_free  (AioNetActivation *activation);
/* The index of the descriptor named @name, -1 if none; with @name NULL, the
 * only descriptor (-1 unless there is exactly one). */
int               _aio_net_activation_find  (const AioNetActivation *activation,
                                             const char             *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AioNetActivation, _aio_net_activation_free)

/* The inherited socket named @name from the environment of the process
 * (parsed once); with @name NULL, the only inherited socket if there is
 * exactly one and it is of @type, else NULL without error. The socket is
 * made once (FD_CLOEXEC set) and kept for the life of the process: asked
 * again, the same socket is returned. Errors name the name. */
GSocket      *_aio_net_take_activated (const char  *name,
                                       GSocketType  type,
                                       GError     **error);

/* Where a server's socket comes from; the fields are its properties. */
typedef struct
{
  const char *address;
  guint       port;
  const char *unix_path;        /* stream servers only */
  GSocket    *socket;           /* an already bound socket (not owned) */
  const char *activation_name;
  int         backlog;          /* stream servers only */
  gboolean    reuse_port;
} AioNetListenOptions;

/* The socket a server of @type serves on, in this order: the given socket,
 * the inherited socket named activation_name, the Unix path, the only
 * inherited socket, a new socket bound to address:port. Stream sockets are
 * listening and every socket is non-blocking. *owned tells whether the
 * server closes it when it stops (not a given or an inherited socket). */
GSocket      *_aio_net_listen (const AioNetListenOptions *options,
                               GSocketType                type,
                               gboolean                  *owned,
                               GError                   **error);

/* Sets a string property field, notifying only on a change. */
static inline void
_aio_net_set_string (GObject     *object,
                     char       **field,
                     const char  *value,
                     GParamSpec  *pspec)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (object, pspec);
}

G_END_DECLS
