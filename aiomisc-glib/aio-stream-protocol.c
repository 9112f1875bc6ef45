/* aio-stream-protocol.c: asyncio-Protocol style callbacks of a stream connection
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

/* placeholder: filled in by the protocol work (issue 3) */
G_DEFINE_TYPE (AioStreamProtocol, aio_stream_protocol, G_TYPE_OBJECT)

static void
aio_stream_protocol_class_init (AioStreamProtocolClass *klass)
{
}

static void
aio_stream_protocol_init (AioStreamProtocol *self)
{
}
