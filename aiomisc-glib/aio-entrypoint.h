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

#define AIO_TYPE_ENTRYPOINT (aio_entrypoint_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioEntrypoint, aio_entrypoint, AIO, ENTRYPOINT, GObject)

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
gboolean       aio_entrypoint_start         (AioEntrypoint        *self,
                                             GError              **error);
AIO_AVAILABLE_IN_ALL
gboolean       aio_entrypoint_stop          (AioEntrypoint        *self,
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
AIO_AVAILABLE_IN_0_2
void           aio_entrypoint_attach_application (AioEntrypoint  *self,
                                                  GApplication   *application);

G_END_DECLS
