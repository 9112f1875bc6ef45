/* aio-stream-read.h: reading a stream without a buffer of its own
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"

G_BEGIN_DECLS

/**
 * AIO_STREAM_READ_MAX:
 *
 * The most bytes one [func@Aio.stream_read_bytes_async] returns: the size
 * of the read buffer shared by the streams of a thread.
 *
 * Since: 0.2
 */
#define AIO_STREAM_READ_MAX 65536

AIO_AVAILABLE_IN_0_2
void    aio_stream_read_bytes_async  (GIOStream            *stream,
                                      gsize                 count,
                                      int                   io_priority,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
AIO_AVAILABLE_IN_0_2
GBytes *aio_stream_read_bytes_finish (GIOStream            *stream,
                                      GAsyncResult         *result,
                                      GError              **error);

G_END_DECLS
