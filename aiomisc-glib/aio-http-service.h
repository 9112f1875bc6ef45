/* aio-http-service.h: AioHttpService, an HTTP server service on libsoup 3
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>
/* libsoup's headers repeat typedefs (valid C11, a pedantic warning in C99):
 * not ours to fix, so not ours to report to a -std=c99 -pedantic consumer. */
#if defined(__GNUC__)
# pragma GCC diagnostic push
# pragma GCC diagnostic ignored "-Wpedantic"
#endif
#include <libsoup/soup.h>
#if defined(__GNUC__)
# pragma GCC diagnostic pop
#endif

#include "aio-version.h"
#include "aio-socket-server.h"

G_BEGIN_DECLS

#define AIO_TYPE_HTTP_SERVICE (aio_http_service_get_type ())
AIO_AVAILABLE_IN_0_2
G_DECLARE_DERIVABLE_TYPE (AioHttpService, aio_http_service, AIO, HTTP_SERVICE, AioSocketServer)

/**
 * AioHttpHandler:
 * @service: the service
 * @msg: the request, to answer with soup_server_message_set_status() and
 *   soup_server_message_set_response() (or to pause with
 *   soup_server_message_pause() and answer later)
 * @path: the path of the request
 * @query: (nullable) (element-type utf8 utf8): the decoded query, or %NULL
 * @user_data: the data given to [method@Aio.HttpService.add_handler]
 *
 * Answers a request on a path added with [method@Aio.HttpService.add_handler].
 *
 * Since: 0.2
 */
typedef void (*AioHttpHandler) (AioHttpService    *service,
                                SoupServerMessage *msg,
                                const char        *path,
                                GHashTable        *query,
                                gpointer           user_data);

/**
 * AioHttpServiceClass:
 * @parent_class: the parent class
 * @handle_request: answers a request on a path no handler was added for.
 *   The default answers 404 Not Found.
 *
 * The virtual methods of an HTTP service.
 *
 * Since: 0.2
 */
struct _AioHttpServiceClass
{
  AioSocketServerClass parent_class;

  void (*handle_request) (AioHttpService    *self,
                          SoupServerMessage *msg,
                          const char        *path,
                          GHashTable        *query);

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_0_2
AioHttpService *aio_http_service_new                      (const char      *address,
                                                           guint            port);
AIO_AVAILABLE_IN_0_2
void            aio_http_service_add_handler              (AioHttpService  *self,
                                                           const char      *path,
                                                           AioHttpHandler   handler,
                                                           gpointer         user_data,
                                                           GDestroyNotify   destroy);
AIO_AVAILABLE_IN_0_2
void            aio_http_service_remove_handler           (AioHttpService  *self,
                                                           const char      *path);
AIO_AVAILABLE_IN_0_2
void            aio_http_service_handle_request           (AioHttpService    *self,
                                                           SoupServerMessage *msg,
                                                           const char        *path,
                                                           GHashTable        *query);
AIO_AVAILABLE_IN_0_2
SoupServer     *aio_http_service_get_soup_server          (AioHttpService  *self);
AIO_AVAILABLE_IN_0_2
guint           aio_http_service_get_active_requests      (AioHttpService  *self);

AIO_AVAILABLE_IN_0_2
double          aio_http_service_get_drain_timeout        (AioHttpService  *self);
AIO_AVAILABLE_IN_0_2
void            aio_http_service_set_drain_timeout        (AioHttpService  *self,
                                                           double           seconds);
AIO_AVAILABLE_IN_0_2
double          aio_http_service_get_header_timeout       (AioHttpService  *self);
AIO_AVAILABLE_IN_0_2
void            aio_http_service_set_header_timeout       (AioHttpService  *self,
                                                           double           seconds);
AIO_AVAILABLE_IN_0_2
double          aio_http_service_get_idle_timeout         (AioHttpService  *self);
AIO_AVAILABLE_IN_0_2
void            aio_http_service_set_idle_timeout         (AioHttpService  *self,
                                                           double           seconds);
AIO_AVAILABLE_IN_0_2
guint64         aio_http_service_get_max_body_size        (AioHttpService  *self);
AIO_AVAILABLE_IN_0_2
void            aio_http_service_set_max_body_size        (AioHttpService  *self,
                                                           guint64          size);

G_END_DECLS
