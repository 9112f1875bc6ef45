/* aio-periodic-service.h: a service that runs a callback at a fixed delay
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

#define AIO_TYPE_PERIODIC_SERVICE (aio_periodic_service_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (AioPeriodicService, aio_periodic_service, AIO, PERIODIC_SERVICE, AioService)

/**
 * AioPeriodicServiceClass:
 * @parent_class: the parent class
 * @callback_async: the periodic work (aiomisc's `PeriodicService.callback`).
 *   @cancellable is cancelled when the service stops, unless
 *   [property@Aio.PeriodicService:shield] is set. The default fails with
 *   %G_IO_ERROR_NOT_SUPPORTED: subclasses override it.
 * @callback_finish: finishes @callback_async; the default propagates a
 *   boolean #GTask.
 *
 * The virtual methods of a periodic service. Subclasses override
 * @callback_async (and @callback_finish if they do not complete with a
 * boolean #GTask); `start` and `stop` of [class@Aio.Service] are
 * implemented already.
 *
 * Since: 0.1
 */
struct _AioPeriodicServiceClass
{
  AioServiceClass parent_class;

  void     (*callback_async)  (AioPeriodicService   *self,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data);
  gboolean (*callback_finish) (AioPeriodicService   *self,
                               GAsyncResult         *result,
                               GError              **error);

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_ALL
void      aio_periodic_service_callback_async  (AioPeriodicService   *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean  aio_periodic_service_callback_finish (AioPeriodicService   *self,
                                                GAsyncResult         *result,
                                                GError              **error);
AIO_AVAILABLE_IN_ALL
double    aio_periodic_service_get_interval    (AioPeriodicService   *self);
AIO_AVAILABLE_IN_ALL
void      aio_periodic_service_set_interval    (AioPeriodicService   *self,
                                                double                interval);
AIO_AVAILABLE_IN_ALL
double    aio_periodic_service_get_delay       (AioPeriodicService   *self);
AIO_AVAILABLE_IN_ALL
void      aio_periodic_service_set_delay       (AioPeriodicService   *self,
                                                double                delay);
AIO_AVAILABLE_IN_ALL
gboolean  aio_periodic_service_get_shield      (AioPeriodicService   *self);
AIO_AVAILABLE_IN_ALL
void      aio_periodic_service_set_shield      (AioPeriodicService   *self,
                                                gboolean              shield);
AIO_AVAILABLE_IN_ALL
AioClock *aio_periodic_service_get_clock       (AioPeriodicService   *self);
AIO_AVAILABLE_IN_ALL
void      aio_periodic_service_set_clock       (AioPeriodicService   *self,
                                                AioClock             *clock);

G_END_DECLS
