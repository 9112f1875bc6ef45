/* aio-socket-server-private.h: what the library's own socket servers add
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-socket-server.h"

G_BEGIN_DECLS

/* aio_socket_server_listen() with a Unix socket path (stream servers): when
 * @unix_path is set, no socket is given and no activation name is set, the
 * server binds a Unix socket there, removing a stale socket file first, and
 * aio_socket_server_close_listener() removes the file. */
GSocket *_aio_socket_server_listen (AioSocketServer  *self,
                                    GSocketType       type,
                                    int               backlog,
                                    const char       *unix_path,
                                    GError          **error);

/* The listening socket without the checks of the public getter (hot path). */
GSocket *_aio_socket_server_peek_listener (AioSocketServer *self);

G_END_DECLS
