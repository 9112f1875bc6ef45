/* aio-stream-read-private.h: what a draining server tells the reads
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aiomisc-glib.h"

G_BEGIN_DECLS

/*
 * Ends the reading side of @stream for aio_stream_read_bytes_async(): the
 * reads return what the peer had sent until now (what the kernel holds for
 * the socket), then the end of the stream, even when the peer sends more.
 * The drain of AioTcpServer calls it with its shutdown (SHUT_RD): Linux
 * keeps delivering what a peer sends after that shutdown, so a handler
 * serving a client that never stops sending would never see the end.
 * Only a plain GSocketConnection is bounded this way; for other streams
 * (TLS) it does nothing.
 */
void _aio_stream_read_end (GIOStream *stream);

G_END_DECLS
