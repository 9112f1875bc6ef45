/* aio-socket-server.h: AioSocketServer, the base of the socket servers
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-service.h"

G_BEGIN_DECLS

#define AIO_TYPE_SOCKET_SERVER (aio_socket_server_get_type ())
AIO_AVAILABLE_IN_0_2
G_DECLARE_DERIVABLE_TYPE (AioSocketServer, aio_socket_server, AIO, SOCKET_SERVER, AioService)

/**
 * AioSocketServerClass:
 * @parent_class: the parent class
 *
 * The class of a socket server. It adds no virtual methods: a subclass
 * implements the `start_async` and `stop_async` of [class@Aio.Service],
 * calling [method@Aio.SocketServer.listen] in its start and
 * [method@Aio.SocketServer.close_listener] in its stop.
 *
 * Since: 0.2
 */
struct _AioSocketServerClass
{
  AioServiceClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_0_2
GSocket    *aio_socket_server_listen              (AioSocketServer  *self,
                                                   GSocketType       type,
                                                   int               backlog,
                                                   GError          **error);
AIO_AVAILABLE_IN_0_2
GSocket    *aio_socket_server_get_listener        (AioSocketServer  *self);
AIO_AVAILABLE_IN_0_2
void        aio_socket_server_close_listener      (AioSocketServer  *self);

AIO_AVAILABLE_IN_0_2
const char *aio_socket_server_get_address         (AioSocketServer  *self);
AIO_AVAILABLE_IN_0_2
void        aio_socket_server_set_address         (AioSocketServer  *self,
                                                   const char       *address);
AIO_AVAILABLE_IN_0_2
guint       aio_socket_server_get_port            (AioSocketServer  *self);
AIO_AVAILABLE_IN_0_2
void        aio_socket_server_set_port            (AioSocketServer  *self,
                                                   guint             port);
AIO_AVAILABLE_IN_0_2
GSocket    *aio_socket_server_get_socket          (AioSocketServer  *self);
AIO_AVAILABLE_IN_0_2
void        aio_socket_server_set_socket          (AioSocketServer  *self,
                                                   GSocket          *socket);
AIO_AVAILABLE_IN_0_2
const char *aio_socket_server_get_activation_name (AioSocketServer  *self);
AIO_AVAILABLE_IN_0_2
void        aio_socket_server_set_activation_name (AioSocketServer  *self,
                                                   const char       *name);
AIO_AVAILABLE_IN_0_2
gboolean    aio_socket_server_get_reuse_port      (AioSocketServer  *self);
AIO_AVAILABLE_IN_0_2
void        aio_socket_server_set_reuse_port      (AioSocketServer  *self,
                                                   gboolean          reuse_port);
AIO_AVAILABLE_IN_0_2
const char *aio_socket_server_get_unix_path       (AioSocketServer  *self);
AIO_AVAILABLE_IN_0_2
void        aio_socket_server_set_unix_path       (AioSocketServer  *self,
                                                   const char       *path);
AIO_AVAILABLE_IN_0_2
const char *aio_socket_server_get_tls_certificate_file (AioSocketServer  *self);
AIO_AVAILABLE_IN_0_2
void        aio_socket_server_set_tls_certificate_file (AioSocketServer  *self,
                                                   const char       *file);
AIO_AVAILABLE_IN_0_2
const char *aio_socket_server_get_tls_key_file    (AioSocketServer  *self);
AIO_AVAILABLE_IN_0_2
void        aio_socket_server_set_tls_key_file    (AioSocketServer  *self,
                                                   const char       *file);

G_END_DECLS
