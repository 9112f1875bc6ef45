/* aio-tcp-server.h: AioTcpServer, a TCP and Unix stream server service
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-socket-server.h"
#include "aio-stream-protocol.h"

G_BEGIN_DECLS

#define AIO_TYPE_TCP_SERVER (aio_tcp_server_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (AioTcpServer, aio_tcp_server, AIO, TCP_SERVER, AioSocketServer)

/**
 * AioTcpServerClass:
 * @parent_class: the parent class
 * @handle_client_async: serves one client on the *streams* path. @stream
 *   is the accepted #GSocketConnection or, with TLS, the #GTlsServerConnection
 *   over it (handshake done). @cancellable is cancelled when the server
 *   stops and its drain timeout passes. The server closes @stream after the
 *   operation completes. The default fails with %G_IO_ERROR_NOT_SUPPORTED.
 * @handle_client_finish: finishes @handle_client_async; the default
 *   propagates a boolean #GTask.
 * @create_protocol: makes the protocol object of one client on the
 *   *protocol* path; %NULL serves the client on the streams path. The
 *   default makes an instance of [property@Aio.TcpServer:protocol-type],
 *   or returns %NULL when it is not set.
 *
 * The virtual methods of a TCP server. Subclasses override either the
 * streams pair or @create_protocol (or set
 * [property@Aio.TcpServer:protocol-type]).
 *
 * Since: 0.1
 */
struct _AioTcpServerClass
{
  AioSocketServerClass parent_class;

  void               (*handle_client_async)  (AioTcpServer         *self,
                                              GIOStream            *stream,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
  gboolean           (*handle_client_finish) (AioTcpServer         *self,
                                              GAsyncResult         *result,
                                              GError              **error);
  AioStreamProtocol *(*create_protocol)      (AioTcpServer         *self);

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_ALL
AioTcpServer      *aio_tcp_server_new                  (const char           *address,
                                                        guint                 port);

AIO_AVAILABLE_IN_ALL
void               aio_tcp_server_handle_client_async  (AioTcpServer         *self,
                                                        GIOStream            *stream,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean           aio_tcp_server_handle_client_finish (AioTcpServer         *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
AIO_AVAILABLE_IN_ALL
AioStreamProtocol *aio_tcp_server_create_protocol      (AioTcpServer         *self) G_GNUC_WARN_UNUSED_RESULT;

AIO_AVAILABLE_IN_ALL
int                aio_tcp_server_get_backlog          (AioTcpServer         *self);
AIO_AVAILABLE_IN_ALL
void               aio_tcp_server_set_backlog          (AioTcpServer         *self,
                                                        int                   backlog);
AIO_AVAILABLE_IN_ALL
guint              aio_tcp_server_get_max_connections  (AioTcpServer         *self);
AIO_AVAILABLE_IN_ALL
void               aio_tcp_server_set_max_connections  (AioTcpServer         *self,
                                                        guint                 max_connections);
AIO_AVAILABLE_IN_ALL
double             aio_tcp_server_get_drain_timeout    (AioTcpServer         *self);
AIO_AVAILABLE_IN_ALL
void               aio_tcp_server_set_drain_timeout    (AioTcpServer         *self,
                                                        double                seconds);
AIO_AVAILABLE_IN_ALL
GType              aio_tcp_server_get_protocol_type    (AioTcpServer         *self);
AIO_AVAILABLE_IN_ALL
void               aio_tcp_server_set_protocol_type    (AioTcpServer         *self,
                                                        GType                 protocol_type);
AIO_AVAILABLE_IN_ALL
const char        *aio_tcp_server_get_tls_ca_file      (AioTcpServer         *self);
AIO_AVAILABLE_IN_ALL
void               aio_tcp_server_set_tls_ca_file      (AioTcpServer         *self,
                                                        const char           *file);
AIO_AVAILABLE_IN_ALL
gboolean           aio_tcp_server_get_require_client_cert (AioTcpServer      *self);
AIO_AVAILABLE_IN_ALL
void               aio_tcp_server_set_require_client_cert (AioTcpServer      *self,
                                                           gboolean           require);
AIO_AVAILABLE_IN_0_2
double             aio_tcp_server_get_idle_timeout     (AioTcpServer         *self);
AIO_AVAILABLE_IN_0_2
void               aio_tcp_server_set_idle_timeout     (AioTcpServer         *self,
                                                        double                seconds);
AIO_AVAILABLE_IN_0_2
double             aio_tcp_server_get_tls_handshake_timeout (AioTcpServer    *self);
AIO_AVAILABLE_IN_0_2
void               aio_tcp_server_set_tls_handshake_timeout (AioTcpServer    *self,
                                                             double           seconds);
AIO_AVAILABLE_IN_ALL
guint              aio_tcp_server_get_n_connections    (AioTcpServer         *self);

G_END_DECLS
