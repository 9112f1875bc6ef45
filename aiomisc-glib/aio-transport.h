/* aio-transport.h: the transport of one stream connection (protocol path)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-stream-protocol.h"

G_BEGIN_DECLS

#define AIO_TYPE_TRANSPORT (aio_transport_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioTransport, aio_transport, AIO, TRANSPORT, GObject)

/* placeholder: write/close/abort/... are filled in by the protocol work (issue 3) */

G_END_DECLS
