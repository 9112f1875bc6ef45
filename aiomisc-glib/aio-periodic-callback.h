/* aio-periodic-callback.h: an async callback run at a fixed delay
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

G_BEGIN_DECLS

#define AIO_TYPE_PERIODIC_CALLBACK (aio_periodic_callback_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioPeriodicCallback, aio_periodic_callback, AIO, PERIODIC_CALLBACK, GObject)

/**
 * AioPeriodicFunc:
 * @periodic: the periodic callback
 * @task: the call to complete, with g_task_return_boolean() or
 *   g_task_return_error(); take a reference to keep it past the call
 * @user_data: (closure): the data passed with the function
 *
 * The work of an [class@Aio.PeriodicCallback]. A synchronous function
 * completes @task before it returns; an asynchronous one keeps a reference
 * and completes it later. The next call comes
 * [property@Aio.PeriodicCallback:interval] seconds after the completion. A
 * function that returns without completing @task or keeping a reference to
 * it fails that call.
 *
 * The cancellable of @task is cancelled when the callback is stopped,
 * unless [property@Aio.PeriodicCallback:shield] is set.
 *
 * Since: 0.1
 */
typedef void (*AioPeriodicFunc) (AioPeriodicCallback *periodic,
                                 GTask               *task,
                                 gpointer             user_data);

AIO_AVAILABLE_IN_ALL
AioPeriodicCallback *aio_periodic_callback_new          (AioPeriodicFunc       func,
                                                         gpointer              user_data,
                                                         GDestroyNotify        destroy) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
gboolean             aio_periodic_callback_start        (AioPeriodicCallback  *self,
                                                         GError              **error);
AIO_AVAILABLE_IN_ALL
void                 aio_periodic_callback_stop_async   (AioPeriodicCallback  *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean             aio_periodic_callback_stop_finish  (AioPeriodicCallback  *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
AIO_AVAILABLE_IN_ALL
gboolean             aio_periodic_callback_is_running   (AioPeriodicCallback  *self);
AIO_AVAILABLE_IN_ALL
double               aio_periodic_callback_get_interval (AioPeriodicCallback  *self);
AIO_AVAILABLE_IN_ALL
void                 aio_periodic_callback_set_interval (AioPeriodicCallback  *self,
                                                         double                interval);
AIO_AVAILABLE_IN_ALL
double               aio_periodic_callback_get_delay    (AioPeriodicCallback  *self);
AIO_AVAILABLE_IN_ALL
void                 aio_periodic_callback_set_delay    (AioPeriodicCallback  *self,
                                                         double                delay);
AIO_AVAILABLE_IN_ALL
gboolean             aio_periodic_callback_get_shield   (AioPeriodicCallback  *self);
AIO_AVAILABLE_IN_ALL
void                 aio_periodic_callback_set_shield   (AioPeriodicCallback  *self,
                                                         gboolean              shield);
AIO_AVAILABLE_IN_ALL
AioClock            *aio_periodic_callback_get_clock    (AioPeriodicCallback  *self);
AIO_AVAILABLE_IN_ALL
void                 aio_periodic_callback_set_clock    (AioPeriodicCallback  *self,
                                                         AioClock             *clock);
AIO_AVAILABLE_IN_ALL
const char          *aio_periodic_callback_get_name     (AioPeriodicCallback  *self);
AIO_AVAILABLE_IN_ALL
void                 aio_periodic_callback_set_name     (AioPeriodicCallback  *self,
                                                         const char           *name);

G_END_DECLS
