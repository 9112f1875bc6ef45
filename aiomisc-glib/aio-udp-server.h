/* aio-udp-server.h: AioUdpServer, a UDP datagram server service
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-service.h"

G_BEGIN_DECLS

/* placeholder: filled in by the network work (issue 3) */

G_END_DECLS
