/* aio-entrypoint.h: runs a set of services
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
#include "aio-context.h"
#include "aio-service.h"

G_BEGIN_DECLS

typedef struct _AioEntrypoint AioEntrypoint;

/**
 * AioEntrypointError:
 * @AIO_ENTRYPOINT_ERROR_FAILED: generic failure
 * @AIO_ENTRYPOINT_ERROR_INVALID_ARGUMENT: a property has a value out of range
 * @AIO_ENTRYPOINT_ERROR_BUSY: the entrypoint is already starting, running or stopping
 * @AIO_ENTRYPOINT_ERROR_NOT_RUNNING: the entrypoint is not running
 * @AIO_ENTRYPOINT_ERROR_SHUTDOWN_TIMEOUT: some services did not stop within
 *   [property@Aio.Entrypoint:shutdown-timeout]; the message names them
 *   (aiomisc exits with status 70 there)
 *
 * Errors in the %AIO_ENTRYPOINT_ERROR domain. A service that fails keeps its
 * own error domain and code; the message is prefixed with its name.
 *
 * Since: 0.1
 */
typedef enum {
  AIO_ENTRYPOINT_ERROR_FAILED,
  AIO_ENTRYPOINT_ERROR_INVALID_ARGUMENT,
  AIO_ENTRYPOINT_ERROR_BUSY,
  AIO_ENTRYPOINT_ERROR_NOT_RUNNING,
  AIO_ENTRYPOINT_ERROR_SHUTDOWN_TIMEOUT,
} AioEntrypointError;

/**
 * AIO_ENTRYPOINT_ERROR:
 *
 * The error domain of [class@Aio.Entrypoint].
 *
 * Since: 0.1
 */
#define AIO_ENTRYPOINT_ERROR (aio_entrypoint_error_quark ())
AIO_AVAILABLE_IN_ALL
GQuark aio_entrypoint_error_quark (void);

/**
 * AioMainFunc:
 * @entrypoint: the running entrypoint
 * @task: the task to complete, with g_task_return_boolean() or
 *   g_task_return_error(); take a reference to keep it past the call
 * @user_data: (closure): the data passed with the function
 *
 * An async main function, run by [method@Aio.Entrypoint.run_main] once the
 * services started. Its #GTask carries a cancellable that is cancelled when
 * a signal or [method@Aio.Entrypoint.quit] interrupts the program.
 *
 * Since: 0.1
 */
typedef void (*AioMainFunc) (AioEntrypoint *entrypoint,
                             GTask         *task,
                             gpointer       user_data);

#define AIO_TYPE_ENTRYPOINT (aio_entrypoint_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioEntrypoint, aio_entrypoint, AIO, ENTRYPOINT, GObject)

AIO_AVAILABLE_IN_ALL
AioEntrypoint *aio_entrypoint_new           (void) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
AioEntrypoint *aio_entrypoint_get_current   (void);
AIO_AVAILABLE_IN_ALL
void           aio_entrypoint_add_service   (AioEntrypoint        *self,
                                             AioService           *service);
AIO_AVAILABLE_IN_ALL
GPtrArray     *aio_entrypoint_dup_services  (AioEntrypoint        *self) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
AioContext    *aio_entrypoint_get_context   (AioEntrypoint        *self);
AIO_AVAILABLE_IN_ALL
gboolean       aio_entrypoint_validate      (AioEntrypoint        *self,
                                             GError              **error);
AIO_AVAILABLE_IN_ALL
void           aio_entrypoint_start_async   (AioEntrypoint        *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean       aio_entrypoint_start_finish  (AioEntrypoint        *self,
                                             GAsyncResult         *result,
                                             GError              **error);
AIO_AVAILABLE_IN_ALL
void           aio_entrypoint_stop_async    (AioEntrypoint        *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean       aio_entrypoint_stop_finish   (AioEntrypoint        *self,
                                             GAsyncResult         *result,
                                             GError              **error);
AIO_AVAILABLE_IN_ALL
gboolean       aio_entrypoint_run           (AioEntrypoint        *self,
                                             GError              **error);
AIO_AVAILABLE_IN_ALL
gboolean       aio_entrypoint_run_main      (AioEntrypoint        *self,
                                             AioMainFunc           main_func,
                                             gpointer              user_data,
                                             GError              **error);
AIO_AVAILABLE_IN_ALL
gboolean       aio_entrypoint_run_forever   (AioEntrypoint        *self,
                                             GError              **error);
AIO_AVAILABLE_IN_ALL
void           aio_entrypoint_quit          (AioEntrypoint        *self);
AIO_AVAILABLE_IN_ALL
AioClock      *aio_entrypoint_get_clock     (AioEntrypoint        *self);
AIO_AVAILABLE_IN_ALL
void           aio_entrypoint_set_clock     (AioEntrypoint        *self,
                                             AioClock             *clock);
AIO_AVAILABLE_IN_ALL
void           aio_entrypoint_hold          (AioEntrypoint        *self);
AIO_AVAILABLE_IN_ALL
void           aio_entrypoint_release       (AioEntrypoint        *self);

G_END_DECLS
