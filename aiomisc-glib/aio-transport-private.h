/* aio-transport-private.h: how a server hands a connection to the protocol path
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aiomisc-glib.h"

G_BEGIN_DECLS

/*
 * Serves @stream (a GSocketConnection, or a GTlsConnection over one) with
 * @protocol: creates the AioTransport, calls connection_made and then the
 * other callbacks until the connection is lost. Completes (on the caller's
 * thread-default context) once connection_lost has been called: TRUE when
 * the peer closed or the protocol closed the transport, FALSE with the error
 * otherwise. When @cancellable fires the transport is aborted and the
 * operation fails with G_IO_ERROR_CANCELLED (connection_lost gets that
 * error too). The stream is closed when the operation completes.
 *
 * A plain GSocketConnection is driven through its socket's file descriptor
 * (one GSource per connection, no allocation per read); any other stream
 * whose input and output streams are pollable (a GTlsConnection) through
 * its pollable streams. Other streams fail with G_IO_ERROR_NOT_SUPPORTED; a
 * protocol that serves another connection already with G_IO_ERROR_PENDING.
 * aio_stream_protocol_serve_async() is the public form of this, and checks
 * the arguments (g_return_if_fail) for both.
 */
void     _aio_transport_serve_async  (AioStreamProtocol    *protocol,
                                      GIOStream            *stream,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data);
gboolean _aio_transport_serve_finish (GAsyncResult         *result,
                                      GError              **error);

/* The idle timeout of the server, from its sweep (no timer per connection):
 * the transport serving @protocol (NULL before connection_made and after
 * connection_lost); whether a byte was read or sent since the last call
 * (a new transport counts as active), clearing the mark; and the end of
 * the connection now, connection_lost getting @error (transfer full). */
AioTransport *_aio_transport_get_serving      (AioStreamProtocol *protocol);
gboolean      _aio_transport_take_activity    (AioTransport      *self);
void          _aio_transport_abort_with_error (AioTransport      *self,
                                               GError            *error);

G_END_DECLS
