/* aio-recurring-callback.h: an async callback run on a schedule a strategy decides
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

/**
 * AioRecurringAction:
 * @AIO_RECURRING_ACTION_RUN_AFTER: run the callback once the returned delay
 *   has passed, then ask the strategy again once the callback completed
 * @AIO_RECURRING_ACTION_SKIP: do not run the callback this time; ask the
 *   strategy again once the returned delay has passed (aiomisc's
 *   `StrategySkip(delay)`)
 * @AIO_RECURRING_ACTION_STOP: stop recurring; the returned delay is ignored
 *   (aiomisc's `StrategyStop`)
 *
 * What an [callback@Aio.RecurringStrategy] asks its
 * [class@Aio.RecurringCallback] to do next.
 *
 * Since: 0.1
 */
typedef enum {
  AIO_RECURRING_ACTION_RUN_AFTER,
  AIO_RECURRING_ACTION_SKIP,
  AIO_RECURRING_ACTION_STOP,
} AioRecurringAction;

#define AIO_TYPE_RECURRING_CALLBACK (aio_recurring_callback_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioRecurringCallback, aio_recurring_callback, AIO, RECURRING_CALLBACK, GObject)

/**
 * AioRecurringFunc:
 * @recurring: the recurring callback
 * @task: the call to complete, with g_task_return_boolean() or
 *   g_task_return_error(); take a reference to keep it past the call
 * @user_data: (closure): the data passed with the function
 *
 * The work of an [class@Aio.RecurringCallback]. A synchronous function
 * completes @task before it returns; an asynchronous one keeps a reference
 * and completes it later. The next delay is counted from the completion,
 * which may ask the strategy at once, before the function has returned. A
 * function that returns without completing @task or keeping a reference to
 * it fails that call.
 *
 * The cancellable of @task is cancelled when the callback is stopped,
 * unless [property@Aio.RecurringCallback:shield] is set.
 *
 * Since: 0.1
 */
typedef void (*AioRecurringFunc) (AioRecurringCallback *recurring,
                                  GTask                *task,
                                  gpointer              user_data);

/**
 * AioRecurringStrategy:
 * @recurring: the recurring callback
 * @action: (out): what to do next; it is %AIO_RECURRING_ACTION_RUN_AFTER
 *   unless the strategy sets it
 * @user_data: (closure): the data passed with the strategy
 *
 * Decides when an [class@Aio.RecurringCallback] runs next (aiomisc's
 * recurring strategy). It is called when the callback starts, after each
 * call completes and after each skip.
 *
 * The return value is a delay in seconds: how long to wait before running
 * the callback (%AIO_RECURRING_ACTION_RUN_AFTER) or before asking the
 * strategy again (%AIO_RECURRING_ACTION_SKIP). A negative delay counts as
 * 0; a NaN or infinite one stops the callback; both are logged as warnings.
 *
 * From a language binding, the strategy returns the pair `(delay, action)`.
 *
 * Returns: the delay, in seconds
 *
 * Since: 0.1
 */
typedef double (*AioRecurringStrategy) (AioRecurringCallback *recurring,
                                        AioRecurringAction   *action,
                                        gpointer              user_data);

AIO_AVAILABLE_IN_ALL
AioRecurringCallback *aio_recurring_callback_new         (AioRecurringFunc       func,
                                                          gpointer               user_data,
                                                          GDestroyNotify         destroy) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
gboolean              aio_recurring_callback_start       (AioRecurringCallback  *self,
                                                          AioRecurringStrategy   strategy,
                                                          gpointer               strategy_data,
                                                          GDestroyNotify         strategy_destroy,
                                                          GError               **error);
AIO_AVAILABLE_IN_ALL
void                  aio_recurring_callback_stop_async  (AioRecurringCallback  *self,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
AIO_AVAILABLE_IN_ALL
gboolean              aio_recurring_callback_stop_finish (AioRecurringCallback  *self,
                                                          GAsyncResult          *result,
                                                          GError               **error);
AIO_AVAILABLE_IN_ALL
gboolean              aio_recurring_callback_is_running  (AioRecurringCallback  *self);
AIO_AVAILABLE_IN_ALL
const char           *aio_recurring_callback_get_name    (AioRecurringCallback  *self);
AIO_AVAILABLE_IN_ALL
void                  aio_recurring_callback_set_name    (AioRecurringCallback  *self,
                                                          const char            *name);
AIO_AVAILABLE_IN_ALL
gboolean              aio_recurring_callback_get_shield  (AioRecurringCallback  *self);
AIO_AVAILABLE_IN_ALL
void                  aio_recurring_callback_set_shield  (AioRecurringCallback  *self,
                                                          gboolean               shield);
AIO_AVAILABLE_IN_ALL
AioClock             *aio_recurring_callback_get_clock   (AioRecurringCallback  *self);
AIO_AVAILABLE_IN_ALL
void                  aio_recurring_callback_set_clock   (AioRecurringCallback  *self,
                                                          AioClock              *clock);

G_END_DECLS
