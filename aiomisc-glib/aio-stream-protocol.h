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

typedef struct _AioTransport AioTransport;

#define AIO_TYPE_STREAM_PROTOCOL (aio_stream_protocol_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (AioStreamProtocol, aio_stream_protocol, AIO, STREAM_PROTOCOL, GObject)

/* The vfuncs are owned by the protocol work (issue 3); the TCP server only
 * creates protocol objects and hands them to _aio_transport_serve_async(). */
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

G_END_DECLS
