/* aio-stream-read-private.h: what a draining server tells the reads
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aiomisc-glib.h"

G_BEGIN_DECLS

/*
 * One read buffer of AIO_STREAM_READ_MAX bytes per thread, shared by the
 * reads that copy what they read before they return (aio_stream_read_bytes_async)
 * or hand it over for the call only (a transport's data_received): a
 * connection waiting for data holds no buffer of its own. A read made while
 * the buffer is in use (from a nested loop, or a TLS layer emitting a
 * signal inside its read) gets a temporary one. Release what was acquired.
 */
guint8 *_aio_read_buffer_acquire (void);
void    _aio_read_buffer_release (guint8 *buffer);

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
