/* aio-socket-server-private.h: what the library's own socket servers add
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-socket-server.h"

G_BEGIN_DECLS

/* The listening socket without the checks of the public getter (hot path). */
GSocket *_aio_socket_server_peek_listener (AioSocketServer *self);

G_END_DECLS
