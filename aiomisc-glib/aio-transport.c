/* aio-transport.c: the transport of one stream connection (protocol path)
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-transport-private.h"

/**
 * AioTransport:
 *
 * The transport of one stream connection, handed to
 * [vfunc@Aio.StreamProtocol.connection_made].
 *
 * Since: 0.1
 */
struct _AioTransport
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (AioTransport, aio_transport, G_TYPE_OBJECT)

static void
aio_transport_class_init (AioTransportClass *klass)
{
}

static void
aio_transport_init (AioTransport *self)
{
}

void
_aio_transport_serve_async (AioStreamProtocol   *protocol,
                            GIOStream           *stream,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_task_report_new_error (protocol, callback, user_data, _aio_transport_serve_async,
                           G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "The protocol path is not implemented yet");
}

gboolean
_aio_transport_serve_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
