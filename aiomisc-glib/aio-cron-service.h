/* aio-cron-service.h: a service that runs functions on cron schedules
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
#include "aio-cron-callback.h"
#include "aio-service.h"

G_BEGIN_DECLS

#define AIO_TYPE_CRON_SERVICE (aio_cron_service_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioCronService, aio_cron_service, AIO, CRON_SERVICE, AioService)

AIO_AVAILABLE_IN_ALL
AioCronService  *aio_cron_service_new           (void) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
AioCronCallback *aio_cron_service_register      (AioCronService   *self,
                                                 const char       *expression,
                                                 AioCronFunc       func,
                                                 gpointer          user_data,
                                                 GDestroyNotify    destroy,
                                                 GError          **error);
AIO_AVAILABLE_IN_ALL
gboolean         aio_cron_service_add_callback  (AioCronService   *self,
                                                 AioCronCallback  *callback,
                                                 GError          **error);
AIO_AVAILABLE_IN_ALL
GPtrArray       *aio_cron_service_dup_callbacks (AioCronService   *self) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
AioClock        *aio_cron_service_get_clock     (AioCronService   *self);
AIO_AVAILABLE_IN_ALL
void             aio_cron_service_set_clock     (AioCronService   *self,
                                                 AioClock         *clock);
AIO_AVAILABLE_IN_ALL
GTimeZone       *aio_cron_service_get_time_zone (AioCronService   *self);
AIO_AVAILABLE_IN_ALL
void             aio_cron_service_set_time_zone (AioCronService   *self,
                                                 GTimeZone        *time_zone);

G_END_DECLS
