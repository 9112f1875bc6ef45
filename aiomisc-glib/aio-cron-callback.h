/* aio-cron-callback.h: runs a function on a cron schedule
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
#include "aio-cron.h"

G_BEGIN_DECLS

#define AIO_TYPE_CRON_CALLBACK (aio_cron_callback_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioCronCallback, aio_cron_callback, AIO, CRON_CALLBACK, GObject)

/**
 * AioCronFunc:
 * @callback: the cron callback that fires
 * @task: the run: complete it exactly once, now or later, with
 *   g_task_return_boolean() for success or g_task_return_error() for a
 *   failure; g_task_get_cancellable() gives the #GCancellable that stopping
 *   the callback cancels. Take a reference to complete it later.
 * @user_data: the data given with the function
 *
 * The job of an [class@Aio.CronCallback]. A synchronous job does its work
 * and completes @task before it returns; an asynchronous one starts its
 * work and completes @task when the work is over. The next run does not
 * start before @task is completed.
 *
 * Since: 0.1
 */
typedef void (*AioCronFunc) (AioCronCallback *callback,
                             GTask           *task,
                             gpointer         user_data);

AIO_AVAILABLE_IN_ALL
AioCronCallback *aio_cron_callback_new           (AioCron              *cron,
                                                  AioCronFunc           func,
                                                  gpointer              user_data,
                                                  GDestroyNotify        destroy) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
AioCron         *aio_cron_callback_get_cron      (AioCronCallback      *self);
AIO_AVAILABLE_IN_ALL
const char      *aio_cron_callback_get_name      (AioCronCallback      *self);
AIO_AVAILABLE_IN_ALL
void             aio_cron_callback_set_name      (AioCronCallback      *self,
                                                  const char           *name);
AIO_AVAILABLE_IN_ALL
AioClock        *aio_cron_callback_get_clock     (AioCronCallback      *self);
AIO_AVAILABLE_IN_ALL
void             aio_cron_callback_set_clock     (AioCronCallback      *self,
                                                  AioClock             *clock);
AIO_AVAILABLE_IN_ALL
GTimeZone       *aio_cron_callback_get_time_zone (AioCronCallback      *self);
AIO_AVAILABLE_IN_ALL
void             aio_cron_callback_set_time_zone (AioCronCallback      *self,
                                                  GTimeZone            *time_zone);
AIO_AVAILABLE_IN_ALL
gboolean         aio_cron_callback_get_shield    (AioCronCallback      *self);
AIO_AVAILABLE_IN_ALL
void             aio_cron_callback_set_shield    (AioCronCallback      *self,
                                                  gboolean              shield);
AIO_AVAILABLE_IN_ALL
gboolean         aio_cron_callback_is_running    (AioCronCallback      *self);
AIO_AVAILABLE_IN_ALL
GDateTime       *aio_cron_callback_dup_next_fire (AioCronCallback      *self) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
gboolean         aio_cron_callback_start         (AioCronCallback      *self,
                                                  GError              **error);
AIO_AVAILABLE_IN_ALL
void             aio_cron_callback_stop_async    (AioCronCallback      *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean         aio_cron_callback_stop_finish   (AioCronCallback      *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
