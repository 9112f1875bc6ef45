/* aio-robust-tcp-client.h: AioRobustTcpClient, a TCP client that reconnects forever
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-tcp-client.h"

G_BEGIN_DECLS

#define AIO_TYPE_ROBUST_TCP_CLIENT (aio_robust_tcp_client_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (AioRobustTcpClient, aio_robust_tcp_client, AIO, ROBUST_TCP_CLIENT, AioTcpClient)

/**
 * AioRobustTcpClientClass:
 * @parent_class: the parent class
 *
 * The class of a robust TCP client. Subclasses override
 * `handle_connection_async` of [class@Aio.TcpClient], which runs once
 * per connection.
 *
 * Since: 0.1
 */
struct _AioRobustTcpClientClass
{
  AioTcpClientClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_ALL
double   aio_robust_tcp_client_get_reconnect_timeout (AioRobustTcpClient *self);
AIO_AVAILABLE_IN_ALL
void     aio_robust_tcp_client_set_reconnect_timeout (AioRobustTcpClient *self,
                                                      double              reconnect_timeout);
AIO_AVAILABLE_IN_ALL
double   aio_robust_tcp_client_get_reconnect_max     (AioRobustTcpClient *self);
AIO_AVAILABLE_IN_ALL
void     aio_robust_tcp_client_set_reconnect_max     (AioRobustTcpClient *self,
                                                      double              reconnect_max);
AIO_AVAILABLE_IN_ALL
gboolean aio_robust_tcp_client_get_connected         (AioRobustTcpClient *self);

G_END_DECLS
