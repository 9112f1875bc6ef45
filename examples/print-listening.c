/* print-listening.c: the "listening on" line of the server examples
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "print-listening.h"

/* A "post-start" handler: prints where the AioSocketServer given as user
 * data serves, as "listening on HOST:PORT", "[HOST]:PORT" or PATH, once the
 * entrypoint has started it (the tests read the port from that line). */
void
print_listening (AioEntrypoint *entrypoint,
                 gpointer       socket_server)
{
  AioSocketServer *server = AIO_SOCKET_SERVER (socket_server);
  const char *address = aio_socket_server_get_address (server);
  guint port = aio_socket_server_get_port (server);

  if (aio_socket_server_get_unix_path (server) != NULL)
    g_print ("listening on %s\n", aio_socket_server_get_unix_path (server));
  else if (strchr (address, ':') != NULL)
    g_print ("listening on [%s]:%u\n", address, port);
  else
    g_print ("listening on %s:%u\n", address, port);
  fflush (stdout);
}
