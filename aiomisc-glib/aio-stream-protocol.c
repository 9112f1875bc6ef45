/* aio-stream-protocol.c: asyncio-Protocol style callbacks of a stream connection
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

/**
 * AioStreamProtocol:
 *
 * The callbacks of one stream connection, in the style of asyncio's
 * `Protocol`: a server creates one per accepted connection.
 *
 * Since: 0.1
 */
G_DEFINE_TYPE (AioStreamProtocol, aio_stream_protocol, G_TYPE_OBJECT)

static void
aio_stream_protocol_class_init (AioStreamProtocolClass *klass)
{
}

static void
aio_stream_protocol_init (AioStreamProtocol *self)
{
}
