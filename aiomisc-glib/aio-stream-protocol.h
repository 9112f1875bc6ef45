/* aio-stream-protocol.h: asyncio-Protocol style callbacks of a stream connection
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

#define AIO_TYPE_TRANSPORT (aio_transport_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioTransport, aio_transport, AIO, TRANSPORT, GObject)

#define AIO_TYPE_STREAM_PROTOCOL (aio_stream_protocol_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (AioStreamProtocol, aio_stream_protocol, AIO, STREAM_PROTOCOL, GObject)

/**
 * AioStreamProtocolClass:
 * @parent_class: the parent class
 * @connection_made: the connection is up; @transport writes to it and
 *   closes it. Keep a reference to @transport to use it later (and drop it
 *   in @connection_lost). Called once, first. The default does nothing.
 * @data_received: @len bytes arrived. @data belongs to the transport and is
 *   only valid during the call: copy what you keep. The default does
 *   nothing (the data is discarded).
 * @eof_received: the peer closed its sending side. Return %TRUE to keep the
 *   connection open for writing (a half-closed connection: close it later
 *   with [method@Aio.Transport.close]), %FALSE to close it once the pending
 *   writes are sent. The default returns %FALSE.
 * @connection_lost: the connection is closed: @error is %NULL after a clean
 *   close (the peer's or ours), the reason otherwise. Called exactly once,
 *   last; the transport then drops its reference to the protocol. The
 *   default does nothing.
 * @pause_writing: the write buffer of the transport went above its high
 *   water mark: stop writing until @resume_writing. The default does
 *   nothing.
 * @resume_writing: the write buffer went down to its low water mark again.
 *   The default does nothing.
 *
 * The callbacks of a stream protocol, those of asyncio's `Protocol`. They
 * run on the main context the connection is served on, never concurrently.
 *
 * Since: 0.1
 */
struct _AioStreamProtocolClass
{
  GObjectClass parent_class;

  void     (*connection_made) (AioStreamProtocol *self,
                               AioTransport      *transport);
  void     (*data_received)   (AioStreamProtocol *self,
                               const guint8      *data,
                               gsize              len);
  gboolean (*eof_received)    (AioStreamProtocol *self);
  void     (*connection_lost) (AioStreamProtocol *self,
                               const GError      *error);
  void     (*pause_writing)   (AioStreamProtocol *self);
  void     (*resume_writing)  (AioStreamProtocol *self);

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_ALL
void      aio_stream_protocol_connection_made (AioStreamProtocol    *self,
                                               AioTransport         *transport);
AIO_AVAILABLE_IN_ALL
void      aio_stream_protocol_data_received   (AioStreamProtocol    *self,
                                               const guint8         *data,
                                               gsize                 len);
AIO_AVAILABLE_IN_ALL
gboolean  aio_stream_protocol_eof_received    (AioStreamProtocol    *self);
AIO_AVAILABLE_IN_ALL
void      aio_stream_protocol_connection_lost (AioStreamProtocol    *self,
                                               const GError         *error);
AIO_AVAILABLE_IN_ALL
void      aio_stream_protocol_pause_writing   (AioStreamProtocol    *self);
AIO_AVAILABLE_IN_ALL
void      aio_stream_protocol_resume_writing  (AioStreamProtocol    *self);

AIO_AVAILABLE_IN_ALL
void      aio_stream_protocol_serve_async     (AioStreamProtocol    *self,
                                               GIOStream            *stream,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean  aio_stream_protocol_serve_finish    (AioStreamProtocol    *self,
                                               GAsyncResult         *result,
                                               GError              **error);

G_END_DECLS
