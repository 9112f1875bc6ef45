/* aio-net.c: binding listening sockets and systemd socket activation
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "aiomisc-glib.h"
#include "aio-net-private.h"

#define ACTIVATION_FIRST_FD 3

GInetAddress *
_aio_net_parse_address (const char  *address,
                        GError     **error)
{
  GInetAddress *inet;

  if (address != NULL && g_ascii_strcasecmp (address, "localhost") == 0)
    return g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  inet = address != NULL ? g_inet_address_new_from_string (address) : NULL;
  if (inet == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "Invalid address “%s”: an IPv4 or IPv6 address or “localhost” is expected",
                 address != NULL ? address : "(null)");
  return inet;
}

static char *
format_host_port (GInetAddress *inet,
                  guint         port)
{
  g_autofree char *host = g_inet_address_to_string (inet);

  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

char *
_aio_net_address_to_string (GSocketAddress *address)
{
  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);

      return format_host_port (g_inet_socket_address_get_address (inet),
                               g_inet_socket_address_get_port (inet));
    }
  if (G_IS_UNIX_SOCKET_ADDRESS (address))
    {
      const char *path = g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (address));

      return g_strdup (path != NULL && *path != '\0' ? path : "unix:(unnamed)");
    }
  return g_strdup ("?");
}

char *
_aio_net_local_to_string (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return address != NULL ? _aio_net_address_to_string (address) : g_strdup ("?");
}

char *
_aio_net_remote_to_string (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_remote_address (socket, NULL);

  return address != NULL ? _aio_net_address_to_string (address) : g_strdup ("?");
}

guint16
_aio_net_get_local_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

/* Listens on a stream socket unless it already does (an inherited socket
 * keeps the backlog it was given), and makes any socket non-blocking. */
static gboolean
prepare_socket (GSocket     *socket,
                int          backlog,
                const char  *what,
                GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  int accepting = 0;

  if (g_socket_get_socket_type (socket) == G_SOCKET_TYPE_STREAM &&
      (!g_socket_get_option (socket, SOL_SOCKET, SO_ACCEPTCONN, &accepting, NULL) || !accepting))
    {
      if (backlog > 0)
        g_socket_set_listen_backlog (socket, backlog);
      if (!g_socket_listen (socket, &local_error))
        {
          g_set_error (error, G_IO_ERROR, local_error->code,
                       "Cannot listen on %s: %s", what, local_error->message);
          return FALSE;
        }
    }

  g_socket_set_blocking (socket, FALSE);
  return TRUE;
}

GSocket *
_aio_net_bind_inet (const char  *address,
                    guint        port,
                    GSocketType  type,
                    int          backlog,
                    gboolean     reuse_port,
                    GError     **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *where = NULL;
  struct sockaddr_storage native;
  GSocketProtocol protocol;

  g_return_val_if_fail (type == G_SOCKET_TYPE_STREAM || type == G_SOCKET_TYPE_DATAGRAM, NULL);

  inet = _aio_net_parse_address (address, error);
  if (inet == NULL)
    return NULL;

  where = format_host_port (inet, port);
  if (port > G_MAXUINT16)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid port %u in %s: 0 to 65535 is expected", port, where);
      return NULL;
    }

  protocol = type == G_SOCKET_TYPE_STREAM ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP;
  socket = g_socket_new (g_inet_address_get_family (inet), type, protocol, &local_error);
  if (socket == NULL)
    {
      g_set_error (error, G_IO_ERROR, local_error->code,
                   "Cannot create a socket for %s: %s", where, local_error->message);
      return NULL;
    }

  /* SO_REUSEADDR for TCP (rebinding a port with connections in
   * TIME_WAIT); for UDP it would share the port with anybody, so only with
   * reuse_port. The bind is done here rather than by g_socket_bind(), which
   * would clear the SO_REUSEPORT of a TCP socket. */
  if (type == G_SOCKET_TYPE_STREAM || reuse_port)
    g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, NULL);
#ifdef SO_REUSEPORT
  if (reuse_port && !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, &local_error))
    {
      g_set_error (error, G_IO_ERROR, local_error->code,
                   "Cannot set SO_REUSEPORT on %s: %s", where, local_error->message);
      return NULL;
    }
#else
  if (reuse_port)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot set SO_REUSEPORT on %s: not supported here", where);
      return NULL;
    }
#endif

  sockaddr = g_inet_socket_address_new (inet, (guint16) port);
  if (!g_socket_address_to_native (sockaddr, &native, sizeof native, &local_error))
    {
      g_set_error (error, G_IO_ERROR, local_error->code,
                   "Cannot bind %s: %s", where, local_error->message);
      return NULL;
    }
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native,
            (socklen_t) g_socket_address_get_native_size (sockaddr)) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot bind %s: %s", where, g_strerror (saved_errno));
      return NULL;
    }

  if (!prepare_socket (socket, backlog, where, error))
    return NULL;

  return g_steal_pointer (&socket);
}

/* Whether something accepts connections on the Unix socket at @path. */
static gboolean
unix_socket_is_live (const char *path)
{
  g_autoptr(GSocket) probe = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  probe = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                        G_SOCKET_PROTOCOL_DEFAULT, NULL);
  if (probe == NULL)
    return FALSE;
  address = g_unix_socket_address_new (path);
  return g_socket_connect (probe, address, NULL, NULL);
}

GSocket *
_aio_net_bind_unix (const char  *path,
                    int          backlog,
                    GError     **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;

  if (path == NULL || *path == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Invalid Unix socket path “”: a path is expected");
      return NULL;
    }

  if (g_lstat (path, &st) == 0)
    {
      if (!S_ISSOCK (st.st_mode))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "Cannot bind the Unix socket “%s”: the file exists and is not a socket",
                       path);
          return NULL;
        }
      if (unix_socket_is_live (path))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                       "Cannot bind the Unix socket “%s”: another process listens on it",
                       path);
          return NULL;
        }
      g_debug ("Removing the stale Unix socket “%s”", path);
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Cannot remove the stale Unix socket “%s”: %s",
                       path, g_strerror (saved_errno));
          return NULL;
        }
    }

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, &local_error);
  if (socket == NULL)
    {
      g_set_error (error, G_IO_ERROR, local_error->code,
                   "Cannot create the Unix socket “%s”: %s", path, local_error->message);
      return NULL;
    }

  address = g_unix_socket_address_new (path);
  if (!g_socket_bind (socket, address, FALSE, &local_error))
    {
      g_set_error (error, G_IO_ERROR, local_error->code,
                   "Cannot bind the Unix socket “%s”: %s", path, local_error->message);
      return NULL;
    }

  if (!prepare_socket (socket, backlog, path, error))
    return NULL;

  return g_steal_pointer (&socket);
}

/* Socket activation */

void
_aio_net_activation_free (AioNetActivation *activation)
{
  if (activation == NULL)
    return;
  g_strfreev (activation->names);
  g_free (activation->why_none);
  g_free (activation);
}

static gboolean
parse_unsigned (const char *text,
                guint64     max,
                guint64    *out)
{
  return text != NULL &&
         g_ascii_string_to_unsigned (text, 10, 1, max, out, NULL);
}

AioNetActivation *
_aio_net_activation_parse (const char *listen_pid,
                           const char *listen_fds,
                           const char *listen_fdnames,
                           gint64      pid)
{
  AioNetActivation *activation = g_new0 (AioNetActivation, 1);
  g_auto(GStrv) given = NULL;
  guint64 value;
  guint n_given;

  activation->names = g_new0 (char *, 1);

  if (listen_pid == NULL || listen_fds == NULL)
    {
      activation->why_none = g_strdup ("LISTEN_PID and LISTEN_FDS are not set");
      return activation;
    }
  if (!parse_unsigned (listen_pid, G_MAXINT64, &value) || (gint64) value != pid)
    {
      activation->why_none = g_strdup_printf ("LISTEN_PID=%s is not this process (%" G_GINT64_FORMAT ")",
                                              listen_pid, pid);
      return activation;
    }
  /* Anything beyond a few thousand is garbage, not sockets. */
  if (!parse_unsigned (listen_fds, 65536, &value))
    {
      activation->why_none = g_strdup_printf ("LISTEN_FDS=%s is not a positive number", listen_fds);
      return activation;
    }

  activation->n_fds = (guint) value;
  g_strfreev (activation->names);
  activation->names = g_new0 (char *, activation->n_fds + 1);

  given = listen_fdnames != NULL ? g_strsplit (listen_fdnames, ":", -1) : g_new0 (char *, 1);
  n_given = g_strv_length (given);
  if (listen_fdnames != NULL && n_given != activation->n_fds)
    g_debug ("LISTEN_FDNAMES=%s names %u sockets but LISTEN_FDS=%s: names ignored",
             listen_fdnames, n_given, listen_fds);
  for (guint i = 0; i < activation->n_fds; i++)
    activation->names[i] = g_strdup (n_given == activation->n_fds && *given[i] != '\0'
                                     ? given[i] : "unknown");

  return activation;
}

int
_aio_net_activation_find (const AioNetActivation *activation,
                          const char             *name)
{
  if (name == NULL)
    return activation->n_fds == 1 ? 0 : -1;

  for (guint i = 0; i < activation->n_fds; i++)
    if (g_str_equal (activation->names[i], name))
      return (int) i;
  return -1;
}

/* The activation of this process, parsed once, and the sockets made of its
 * descriptors so far: they live as long as the process (systemd keeps them
 * for the next activation anyway), so that a server restarts on the same
 * socket and servers may share one. Under the lock. */
static GMutex activation_lock;
static AioNetActivation *process_activation;
static GSocket **activation_sockets;

static AioNetActivation *
get_process_activation (void)
{
  if (process_activation == NULL)
    {
      process_activation = _aio_net_activation_parse (g_getenv ("LISTEN_PID"),
                                                      g_getenv ("LISTEN_FDS"),
                                                      g_getenv ("LISTEN_FDNAMES"),
                                                      getpid ());
      activation_sockets = g_new0 (GSocket *, process_activation->n_fds + 1);
      if (process_activation->n_fds > 0)
        g_debug ("Socket activation: %u inherited sockets", process_activation->n_fds);
    }
  return process_activation;
}

static const char *
socket_type_name (GSocketType type)
{
  switch (type)
    {
    case G_SOCKET_TYPE_STREAM: return "stream";
    case G_SOCKET_TYPE_DATAGRAM: return "datagram";
    case G_SOCKET_TYPE_SEQPACKET: return "seqpacket";
    case G_SOCKET_TYPE_INVALID:
    default: return "unknown";
    }
}

GSocket *
_aio_net_take_activated (const char  *name,
                         GSocketType  type,
                         GError     **error)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&activation_lock);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) local_error = NULL;
  AioNetActivation *activation = get_process_activation ();
  int index = _aio_net_activation_find (activation, name);
  int fd, flags;

  if (index < 0)
    {
      if (name == NULL)
        return NULL;
      if (activation->n_fds == 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "No inherited socket named “%s”: no sockets were passed (%s)",
                     name, activation->why_none);
      else
        {
          g_autofree char *names = g_strjoinv (":", activation->names);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "No inherited socket named “%s” (LISTEN_FDNAMES: %s)", name, names);
        }
      return NULL;
    }

  if (activation_sockets[index] != NULL)
    {
      GSocketType cached_type = g_socket_get_socket_type (activation_sockets[index]);

      if (cached_type == type)
        return g_object_ref (activation_sockets[index]);
      if (name != NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "The inherited socket named “%s” is a %s socket, a %s one is expected",
                     name, socket_type_name (cached_type), socket_type_name (type));
      return NULL;
    }

  fd = ACTIVATION_FIRST_FD + index;

  /* The type is checked on the descriptor: a GSocket would close it when
   * dropped, and a socket that is not ours stays open for its owner. */
  {
    int so_type = 0;
    socklen_t len = sizeof so_type;
    GSocketType fd_type;

    if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &so_type, &len) != 0)
      {
        int saved_errno = errno;

        if (name == NULL)
          return NULL;
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                     "The inherited socket named “%s” (descriptor %d) is not usable: %s",
                     name, fd, g_strerror (saved_errno));
        return NULL;
      }
    fd_type = so_type == SOCK_STREAM ? G_SOCKET_TYPE_STREAM :
              so_type == SOCK_DGRAM ? G_SOCKET_TYPE_DATAGRAM :
              so_type == SOCK_SEQPACKET ? G_SOCKET_TYPE_SEQPACKET : G_SOCKET_TYPE_INVALID;
    if (fd_type != type)
      {
        if (name == NULL)
          return NULL;
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "The inherited socket named “%s” is a %s socket, a %s one is expected",
                     name, socket_type_name (fd_type), socket_type_name (type));
        return NULL;
      }
  }

  socket = g_socket_new_from_fd (fd, &local_error);
  if (socket == NULL)
    {
      /* Unnamed, it is only a candidate: NULL without error, and the caller
       * binds a socket of its own (as for the other mismatches above). */
      if (name == NULL)
        return NULL;
      g_set_error (error, G_IO_ERROR, local_error->code,
                   "The inherited socket “%s” (descriptor %d) is not usable: %s",
                   activation->names[index], fd, local_error->message);
      return NULL;
    }

  flags = fcntl (fd, F_GETFD);
  if (flags >= 0)
    fcntl (fd, F_SETFD, flags | FD_CLOEXEC);

  activation_sockets[index] = g_object_ref (socket);
  g_debug ("Using the inherited socket “%s” (descriptor %d)", activation->names[index], fd);
  return g_steal_pointer (&socket);
}

GSocket *
_aio_net_listen (const AioNetListenOptions  *options,
                 GSocketType                 type,
                 gboolean                   *owned,
                 GError                    **error)
{
  GSocket *socket;

  *owned = TRUE;

  if (options->socket != NULL)
    {
      g_autofree char *where = _aio_net_local_to_string (options->socket);

      if (g_socket_get_socket_type (options->socket) != type)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "The socket bound to %s is a %s socket, a %s one is expected",
                       where, socket_type_name (g_socket_get_socket_type (options->socket)),
                       socket_type_name (type));
          return NULL;
        }
      if (!prepare_socket (options->socket, options->backlog, where, error))
        return NULL;
      *owned = FALSE;
      return g_object_ref (options->socket);
    }

  if (options->activation_name != NULL || options->unix_path == NULL)
    {
      socket = _aio_net_take_activated (options->activation_name, type, error);
      if (socket != NULL)
        {
          *owned = FALSE;
          if (!prepare_socket (socket, options->backlog, "the inherited socket", error))
            {
              g_object_unref (socket);
              return NULL;
            }
          return socket;
        }
      if (options->activation_name != NULL)
        return NULL;
    }

  if (options->unix_path != NULL)
    return _aio_net_bind_unix (options->unix_path, options->backlog, error);

  return _aio_net_bind_inet (options->address, options->port, type,
                             options->backlog, options->reuse_port, error);
}
