/* aio-tcp-client.h: AioTcpClient, a TCP client service with connect retries
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-clock.h"
#include "aio-service.h"

G_BEGIN_DECLS

#define AIO_TYPE_TCP_CLIENT (aio_tcp_client_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (AioTcpClient, aio_tcp_client, AIO, TCP_CLIENT, AioService)

/**
 * AioTcpClientClass:
 * @parent_class: the parent class
 * @handle_connection_async: talks to the server over @connection (a
 *   #GSocketConnection, or a #GTlsClientConnection over one when
 *   [property@Aio.TcpClient:tls] is set) until the work is done.
 *   @cancellable is cancelled when the service stops. The client closes
 *   @connection once the handler has completed. The default fails with
 *   %G_IO_ERROR_NOT_SUPPORTED: subclasses override it.
 * @handle_connection_finish: finishes @handle_connection_async; the default
 *   propagates a boolean #GTask.
 *
 * The virtual methods of a TCP client. `start` and `stop` of
 * [class@Aio.Service] are implemented already.
 *
 * Since: 0.1
 */
struct _AioTcpClientClass
{
  AioServiceClass parent_class;

  void     (*handle_connection_async)  (AioTcpClient         *self,
                                        GIOStream            *connection,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
  gboolean (*handle_connection_finish) (AioTcpClient         *self,
                                        GAsyncResult         *result,
                                        GError              **error);

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_handle_connection_async  (AioTcpClient         *self,
                                                      GIOStream            *connection,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean     aio_tcp_client_handle_connection_finish (AioTcpClient         *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

AIO_AVAILABLE_IN_ALL
const char  *aio_tcp_client_get_address               (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_address               (AioTcpClient         *self,
                                                       const char           *address);
AIO_AVAILABLE_IN_ALL
guint        aio_tcp_client_get_port                  (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_port                  (AioTcpClient         *self,
                                                       guint                 port);
AIO_AVAILABLE_IN_ALL
const char  *aio_tcp_client_get_unix_path             (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_unix_path             (AioTcpClient         *self,
                                                       const char           *unix_path);
AIO_AVAILABLE_IN_ALL
int          aio_tcp_client_get_connect_attempts      (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_connect_attempts      (AioTcpClient         *self,
                                                       int                   connect_attempts);
AIO_AVAILABLE_IN_ALL
double       aio_tcp_client_get_connect_retry_timeout (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_connect_retry_timeout (AioTcpClient         *self,
                                                       double                connect_retry_timeout);
AIO_AVAILABLE_IN_ALL
gboolean     aio_tcp_client_get_tls                   (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_tls                   (AioTcpClient         *self,
                                                       gboolean              tls);
AIO_AVAILABLE_IN_ALL
const char  *aio_tcp_client_get_tls_ca_file           (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_tls_ca_file           (AioTcpClient         *self,
                                                       const char           *tls_ca_file);
AIO_AVAILABLE_IN_ALL
const char  *aio_tcp_client_get_tls_certificate_file  (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_tls_certificate_file  (AioTcpClient         *self,
                                                       const char           *tls_certificate_file);
AIO_AVAILABLE_IN_ALL
const char  *aio_tcp_client_get_tls_key_file          (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_tls_key_file          (AioTcpClient         *self,
                                                       const char           *tls_key_file);
AIO_AVAILABLE_IN_ALL
const char  *aio_tcp_client_get_tls_server_name       (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_tls_server_name       (AioTcpClient         *self,
                                                       const char           *tls_server_name);
AIO_AVAILABLE_IN_ALL
gboolean     aio_tcp_client_get_tls_insecure          (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_tls_insecure          (AioTcpClient         *self,
                                                       gboolean              tls_insecure);
AIO_AVAILABLE_IN_ALL
AioClock    *aio_tcp_client_get_clock                 (AioTcpClient         *self);
AIO_AVAILABLE_IN_ALL
void         aio_tcp_client_set_clock                 (AioTcpClient         *self,
                                                       AioClock             *clock);

AIO_AVAILABLE_IN_0_2
double       aio_tcp_client_get_connect_timeout       (AioTcpClient         *self);
AIO_AVAILABLE_IN_0_2
void         aio_tcp_client_set_connect_timeout       (AioTcpClient         *self,
                                                       double                seconds);
AIO_AVAILABLE_IN_0_2
double       aio_tcp_client_get_idle_timeout          (AioTcpClient         *self);
AIO_AVAILABLE_IN_0_2
void         aio_tcp_client_set_idle_timeout          (AioTcpClient         *self,
                                                       double                seconds);

G_END_DECLS
