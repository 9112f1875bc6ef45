/* aio-udp-server.h: AioUdpServer, a UDP datagram server service
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

G_BEGIN_DECLS

#define AIO_TYPE_UDP_SERVER (aio_udp_server_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (AioUdpServer, aio_udp_server, AIO, UDP_SERVER, AioSocketServer)

/**
 * AioUdpServerClass:
 * @parent_class: the parent class
 * @handle_datagram: called on the main context of the server for every
 *   datagram received: @data is its payload and @from its sender. The
 *   default does nothing.
 *
 * The virtual methods of a UDP server.
 *
 * Since: 0.1
 */
struct _AioUdpServerClass
{
  AioSocketServerClass parent_class;

  void (*handle_datagram) (AioUdpServer   *self,
                           GBytes         *data,
                           GSocketAddress *from);

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_ALL
AioUdpServer *aio_udp_server_new                 (const char     *address,
                                                  guint           port);
AIO_AVAILABLE_IN_ALL
void          aio_udp_server_handle_datagram     (AioUdpServer   *self,
                                                  GBytes         *data,
                                                  GSocketAddress *from);
AIO_AVAILABLE_IN_ALL
gboolean      aio_udp_server_send_to             (AioUdpServer   *self,
                                                  GBytes         *data,
                                                  GSocketAddress *to,
                                                  GError        **error);

G_END_DECLS
