/* aio-service.h: the base class of every service
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"

G_BEGIN_DECLS

/**
 * AioServiceState:
 * @AIO_SERVICE_STATE_NEW: created, never started
 * @AIO_SERVICE_STATE_STARTING: `start` is in progress
 * @AIO_SERVICE_STATE_RUNNING: started (an ordinary `start` completed, or a
 *   long-running one called [method@Aio.Service.set_ready])
 * @AIO_SERVICE_STATE_STOPPING: `stop` is in progress
 * @AIO_SERVICE_STATE_STOPPED: stopped; the service may be started again
 * @AIO_SERVICE_STATE_FAILED: `start` failed, or a long-running `start`
 *   failed after the service was ready
 *
 * The life cycle of an [class@Aio.Service].
 *
 * Since: 0.1
 */
typedef enum {
  AIO_SERVICE_STATE_NEW,
  AIO_SERVICE_STATE_STARTING,
  AIO_SERVICE_STATE_RUNNING,
  AIO_SERVICE_STATE_STOPPING,
  AIO_SERVICE_STATE_STOPPED,
  AIO_SERVICE_STATE_FAILED,
} AioServiceState;

#define AIO_TYPE_SERVICE (aio_service_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (AioService, aio_service, AIO, SERVICE, GObject)

/**
 * AioServiceClass:
 * @parent_class: the parent class
 * @start_async: starts the service. An ordinary service completes when it is
 *   up; a long-running one calls [method@Aio.Service.set_ready] when it is up
 *   and completes when its work ends (when @cancellable is cancelled on stop).
 *   The default completes at once.
 * @start_finish: finishes @start_async; the default propagates a boolean #GTask.
 * @stop_async: tears the service down; @reason is the error that caused the
 *   stop, or %NULL for a normal shutdown (copy it to keep it). Optional: the
 *   default completes at once.
 * @stop_finish: finishes @stop_async; the default propagates a boolean #GTask.
 *
 * The virtual methods of a service. Subclasses override the async/finish
 * pairs in the usual GIO way.
 *
 * Since: 0.1
 */
struct _AioServiceClass
{
  GObjectClass parent_class;

  void     (*start_async)  (AioService           *self,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
  gboolean (*start_finish) (AioService           *self,
                            GAsyncResult         *result,
                            GError              **error);
  void     (*stop_async)   (AioService           *self,
                            const GError         *reason,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
  gboolean (*stop_finish)  (AioService           *self,
                            GAsyncResult         *result,
                            GError              **error);

  /*< private >*/
  gpointer padding[12];
};

AIO_AVAILABLE_IN_ALL
void            aio_service_start_async    (AioService           *self,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean        aio_service_start_finish   (AioService           *self,
                                            GAsyncResult         *result,
                                            GError              **error);
AIO_AVAILABLE_IN_ALL
void            aio_service_stop_async     (AioService           *self,
                                            const GError         *reason,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean        aio_service_stop_finish    (AioService           *self,
                                            GAsyncResult         *result,
                                            GError              **error);
AIO_AVAILABLE_IN_ALL
void            aio_service_set_ready      (AioService           *self);
AIO_AVAILABLE_IN_ALL
AioServiceState aio_service_get_state      (AioService           *self);
AIO_AVAILABLE_IN_ALL
const char     *aio_service_get_name       (AioService           *self);
AIO_AVAILABLE_IN_ALL
void            aio_service_set_name       (AioService           *self,
                                            const char           *name);
AIO_AVAILABLE_IN_ALL
void            aio_service_add_dependency (AioService           *self,
                                            AioService           *dependency);
AIO_AVAILABLE_IN_ALL
GPtrArray      *aio_service_dup_dependencies (AioService         *self) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
