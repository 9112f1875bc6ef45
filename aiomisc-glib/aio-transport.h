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

/**
 * AIO_TRANSPORT_DEFAULT_HIGH_WATER:
 *
 * The default high water mark of the write buffer of a transport: 64 KiB,
 * as in asyncio.
 *
 * Since: 0.1
 */
#define AIO_TRANSPORT_DEFAULT_HIGH_WATER (64 * 1024)

/**
 * AIO_TRANSPORT_DEFAULT_LOW_WATER:
 *
 * The default low water mark of the write buffer of a transport: 16 KiB,
 * as in asyncio.
 *
 * Since: 0.1
 */
#define AIO_TRANSPORT_DEFAULT_LOW_WATER (16 * 1024)

/* AioTransport is declared in aio-stream-protocol.h, whose vfuncs take it. */

AIO_AVAILABLE_IN_ALL
void               aio_transport_write                   (AioTransport   *self,
                                                          const guint8   *data,
                                                          gsize           len);
AIO_AVAILABLE_IN_ALL
void               aio_transport_write_bytes             (AioTransport   *self,
                                                          GBytes         *bytes);
AIO_AVAILABLE_IN_ALL
void               aio_transport_close                   (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
void               aio_transport_abort                   (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
gboolean           aio_transport_is_closing              (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
void               aio_transport_pause_reading           (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
void               aio_transport_resume_reading          (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
gboolean           aio_transport_is_reading              (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
gboolean           aio_transport_set_write_buffer_limits (AioTransport   *self,
                                                          gsize           high,
                                                          gsize           low,
                                                          GError        **error);
AIO_AVAILABLE_IN_ALL
void               aio_transport_get_write_buffer_limits (AioTransport   *self,
                                                          gsize          *high,
                                                          gsize          *low);
AIO_AVAILABLE_IN_ALL
gsize              aio_transport_get_write_buffer_size   (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
GSocketAddress    *aio_transport_get_remote_address      (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
GSocketAddress    *aio_transport_get_local_address       (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
GIOStream         *aio_transport_get_stream              (AioTransport   *self);
AIO_AVAILABLE_IN_ALL
AioStreamProtocol *aio_transport_get_protocol            (AioTransport   *self);

G_END_DECLS
