/* aio-metrics-service.h: AioMetricsService, Prometheus metrics and health checks over HTTP
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include "aio-version.h"
#include "aio-entrypoint.h"
#include "aio-http-service.h"

G_BEGIN_DECLS

#define AIO_TYPE_METRICS_SERVICE (aio_metrics_service_get_type ())
AIO_AVAILABLE_IN_0_2
G_DECLARE_FINAL_TYPE (AioMetricsService, aio_metrics_service, AIO, METRICS_SERVICE, AioHttpService)

AIO_AVAILABLE_IN_0_2
AioMetricsService *aio_metrics_service_new            (const char      *address,
                                                       guint            port);
AIO_AVAILABLE_IN_0_2
AioEntrypoint     *aio_metrics_service_get_entrypoint (AioMetricsService *self);
AIO_AVAILABLE_IN_0_2
void               aio_metrics_service_set_entrypoint (AioMetricsService *self,
                                                       AioEntrypoint     *entrypoint);
AIO_AVAILABLE_IN_0_2
void               aio_metrics_service_mount          (AioHttpService  *service,
                                                       AioEntrypoint   *entrypoint);
AIO_AVAILABLE_IN_0_2
char              *aio_metrics_render                 (AioEntrypoint   *entrypoint) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
