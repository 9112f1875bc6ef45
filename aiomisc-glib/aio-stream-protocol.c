/* aio-stream-protocol.c: asyncio-Protocol style callbacks of a stream connection
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-transport-private.h"

/**
 * AioStreamProtocol:
 *
 * The callbacks of one stream connection, in the style of asyncio's
 * `Protocol`: a server creates one per accepted connection (see the
 * `protocol-type` of `AioTcpServer`), or
 * [method@Aio.StreamProtocol.serve_async] serves any connected stream with
 * one.
 *
 * The connection is driven by an [class@Aio.Transport]: it reads whatever
 * arrives and hands it to `data_received`, and writes without blocking,
 * queueing what the peer cannot take yet. The callbacks come in this order:
 *
 * - `connection_made (transport)`, once;
 * - `data_received (data, len)`, any number of times, then maybe
 *   `eof_received ()` once when the peer closes its side;
 * - `pause_writing ()` / `resume_writing ()` pairs when the write buffer
 *   crosses its water marks ([method@Aio.Transport.set_write_buffer_limits]);
 * - `connection_lost (error)`, exactly once, last: after it the transport
 *   drops its reference to the protocol.
 *
 * Every default does nothing (and `eof_received` returns %FALSE: close).
 * An echo protocol in C:
 *
 * ```c
 * static void
 * echo_connection_made (AioStreamProtocol *protocol,
 *                       AioTransport      *transport)
 * {
 *   ECHO (protocol)->transport = g_object_ref (transport);
 * }
 *
 * static void
 * echo_data_received (AioStreamProtocol *protocol,
 *                     const guint8      *data,
 *                     gsize              len)
 * {
 *   aio_transport_write (ECHO (protocol)->transport, data, len);
 * }
 *
 * static void
 * echo_connection_lost (AioStreamProtocol *protocol,
 *                       const GError      *error)
 * {
 *   g_clear_object (&ECHO (protocol)->transport);
 * }
 * ```
 *
 * and in Python:
 *
 * ```python
 * class Echo(Aio.StreamProtocol):
 *     def do_connection_made(self, transport):
 *         self.transport = transport
 *
 *     def do_data_received(self, data, *length):
 *         self.transport.write(data)
 *
 *     def do_connection_lost(self, error):
 *         self.transport = None
 * ```
 *
 * In Python `data` comes as `bytes`; PyGObject (3.42 at least) passes its
 * length too, hence the `*length`.
 *
 * Since: 0.1
 */
G_DEFINE_TYPE (AioStreamProtocol, aio_stream_protocol, G_TYPE_OBJECT)

static void
aio_stream_protocol_real_connection_made (AioStreamProtocol *self,
                                          AioTransport      *transport)
{
}

static void
aio_stream_protocol_real_data_received (AioStreamProtocol *self,
                                        const guint8      *data,
                                        gsize              len)
{
}

static gboolean
aio_stream_protocol_real_eof_received (AioStreamProtocol *self)
{
  return FALSE;
}

static void
aio_stream_protocol_real_connection_lost (AioStreamProtocol *self,
                                          const GError      *error)
{
}

static void
aio_stream_protocol_real_nothing (AioStreamProtocol *self)
{
}

static void
aio_stream_protocol_class_init (AioStreamProtocolClass *klass)
{
  klass->connection_made = aio_stream_protocol_real_connection_made;
  klass->data_received = aio_stream_protocol_real_data_received;
  klass->eof_received = aio_stream_protocol_real_eof_received;
  klass->connection_lost = aio_stream_protocol_real_connection_lost;
  klass->pause_writing = aio_stream_protocol_real_nothing;
  klass->resume_writing = aio_stream_protocol_real_nothing;
}

static void
aio_stream_protocol_init (AioStreamProtocol *self)
{
}

/**
 * aio_stream_protocol_connection_made: (virtual connection_made)
 * @self: a protocol
 * @transport: the transport of the new connection
 *
 * Tells the protocol that its connection is up. The transport calls it
 * once, before any other callback; keep a reference to @transport to write
 * to the connection later.
 *
 * Since: 0.1
 */
void
aio_stream_protocol_connection_made (AioStreamProtocol *self,
                                     AioTransport      *transport)
{
  g_return_if_fail (AIO_IS_STREAM_PROTOCOL (self));
  g_return_if_fail (AIO_IS_TRANSPORT (transport));

  AIO_STREAM_PROTOCOL_GET_CLASS (self)->connection_made (self, transport);
}

/**
 * aio_stream_protocol_data_received: (virtual data_received)
 * @self: a protocol
 * @data: (array length=len) (element-type guint8): the bytes received
 * @len: the number of bytes in @data
 *
 * Hands the protocol bytes that arrived. @data is only valid during the
 * call (it is the read buffer of the transport): copy what you keep.
 *
 * Since: 0.1
 */
void
aio_stream_protocol_data_received (AioStreamProtocol *self,
                                   const guint8      *data,
                                   gsize              len)
{
  g_return_if_fail (AIO_IS_STREAM_PROTOCOL (self));
  g_return_if_fail (data != NULL || len == 0);

  AIO_STREAM_PROTOCOL_GET_CLASS (self)->data_received (self, data, len);
}

/**
 * aio_stream_protocol_eof_received: (virtual eof_received)
 * @self: a protocol
 *
 * Tells the protocol that the peer will send nothing more. No
 * `data_received` follows.
 *
 * Returns: %TRUE to keep the connection open for writing (close it later
 *   with [method@Aio.Transport.close]), %FALSE to close it once the pending
 *   writes are sent (the default)
 *
 * Since: 0.1
 */
gboolean
aio_stream_protocol_eof_received (AioStreamProtocol *self)
{
  g_return_val_if_fail (AIO_IS_STREAM_PROTOCOL (self), FALSE);

  return AIO_STREAM_PROTOCOL_GET_CLASS (self)->eof_received (self);
}

/**
 * aio_stream_protocol_connection_lost: (virtual connection_lost)
 * @self: a protocol
 * @error: (nullable): why the connection was lost, %NULL after a clean
 *   close
 *
 * Tells the protocol that its connection is closed, by the peer, by the
 * protocol ([method@Aio.Transport.close], [method@Aio.Transport.abort]) or
 * by an error. Called exactly once per connection, last. Drop the
 * reference to the transport here.
 *
 * Since: 0.1
 */
void
aio_stream_protocol_connection_lost (AioStreamProtocol *self,
                                     const GError      *error)
{
  g_return_if_fail (AIO_IS_STREAM_PROTOCOL (self));

  AIO_STREAM_PROTOCOL_GET_CLASS (self)->connection_lost (self, error);
}

/**
 * aio_stream_protocol_pause_writing: (virtual pause_writing)
 * @self: a protocol
 *
 * Tells the protocol that the write buffer of its transport went above the
 * high water mark: the peer does not read as fast as the protocol writes.
 * Writing more still works (it is queued), but a well-behaved protocol
 * stops producing until `resume_writing`.
 *
 * Since: 0.1
 */
void
aio_stream_protocol_pause_writing (AioStreamProtocol *self)
{
  g_return_if_fail (AIO_IS_STREAM_PROTOCOL (self));

  AIO_STREAM_PROTOCOL_GET_CLASS (self)->pause_writing (self);
}

/**
 * aio_stream_protocol_resume_writing: (virtual resume_writing)
 * @self: a protocol
 *
 * Tells the protocol that the write buffer of its transport drained to the
 * low water mark after a `pause_writing`.
 *
 * Since: 0.1
 */
void
aio_stream_protocol_resume_writing (AioStreamProtocol *self)
{
  g_return_if_fail (AIO_IS_STREAM_PROTOCOL (self));

  AIO_STREAM_PROTOCOL_GET_CLASS (self)->resume_writing (self);
}

/**
 * aio_stream_protocol_serve_async:
 * @self: a protocol, not serving another connection
 * @stream: a connected stream: a [class@Gio.SocketConnection], a
 *   [class@Gio.TlsConnection] or any stream with pollable input and output
 *   streams
 * @cancellable: (nullable): aborts the connection
 * @callback: (scope async): called after `connection_lost`
 * @user_data: (closure): data for @callback
 *
 * Serves @stream with the protocol: creates its [class@Aio.Transport],
 * calls `connection_made` and then the other callbacks until the
 * connection is lost. This is what `AioTcpServer` does for every
 * client in protocol mode; use it for a connection made by a
 * [class@Gio.SocketClient] (asyncio's `loop.create_connection()`).
 *
 * The operation completes after `connection_lost`: successfully after a
 * clean close, with the error handed to `connection_lost` otherwise.
 * Cancelling @cancellable aborts the connection (`connection_lost` then gets
 * a %G_IO_ERROR_CANCELLED error) and the operation fails with it. It fails
 * at once with %G_IO_ERROR_PENDING if the protocol serves another
 * connection, and with %G_IO_ERROR_NOT_SUPPORTED for a stream that cannot
 * be polled.
 *
 * The transport and @stream stay alive while the operation runs; the
 * stream is closed when it completes.
 *
 * Since: 0.1
 */
void
aio_stream_protocol_serve_async (AioStreamProtocol   *self,
                                 GIOStream           *stream,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (AIO_IS_STREAM_PROTOCOL (self));
  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  _aio_transport_serve_async (self, stream, cancellable, callback, user_data);
}

/**
 * aio_stream_protocol_serve_finish:
 * @self: a protocol
 * @result: the result handed to the callback
 * @error: return location for the error the connection was lost with
 *
 * Finishes [method@Aio.StreamProtocol.serve_async].
 *
 * Returns: %TRUE if the connection was closed cleanly
 *
 * Since: 0.1
 */
gboolean
aio_stream_protocol_serve_finish (AioStreamProtocol  *self,
                                  GAsyncResult       *result,
                                  GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return _aio_transport_serve_finish (result, error);
}
