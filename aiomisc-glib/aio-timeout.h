/* aio-timeout.h: running an async operation with a deadline
 *
 * SPDX-License-Identifier: MIT
 *
 * The operation convention of the resilience helpers
 * --------------------------------------------------
 * aio_timeout_async(), AioBackoff, aio_select_async(), AioCircuitBreaker and
 * AioAggregator all run "an async operation" given by the caller. Such an
 * operation is a function that receives a #GTask and completes it, in the
 * spirit of #AioMainFunc:
 *
 *   static void
 *   fetch (GTask *task, GCancellable *cancellable, gpointer user_data)
 *   {
 *     // start the work; once it is done, from any thread:
 *     //   g_task_return_value (task, &value);      (or NULL: no value)
 *     //   g_task_return_error (task, error);        (or _new_error ...)
 *   }
 *
 * - The result is a #GValue: the task is completed with
 *   g_task_return_value() (%NULL for "no value") or with an error, never
 *   with g_task_return_boolean()/_int()/_pointer(). The helpers' _finish()
 *   functions hand that #GValue back through an (out caller-allocates)
 *   parameter, as aio_run_in_thread_value_finish() does.
 * - @cancellable (the task's own cancellable) is cancelled when the helper
 *   gives up on the operation (a timeout, a lost select, the caller's
 *   cancellation); the operation should then complete soon, typically with
 *   %G_IO_ERROR_CANCELLED. Timeout, backoff and select wait for that
 *   completion, so an operation never outlives their own result. (The
 *   aggregator answers a cancelled caller at once: its batch serves others.)
 * - The task's callback runs on the thread-default main context of the code
 *   that started the helper; the task may be completed from any thread.
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
 * AioTaskFunc:
 * @task: the task to complete, with g_task_return_value() (%NULL for no
 *   value) or g_task_return_error(); take a reference to keep it past the
 *   call
 * @cancellable: (nullable): the cancellable of @task, cancelled when the
 *   caller gives up on the operation
 * @user_data: (closure): the data passed with the function
 *
 * An async operation run by the resilience helpers
 * ([func@Aio.timeout_async], [class@Aio.Backoff], [func@Aio.select_async],
 * [class@Aio.CircuitBreaker], [class@Aio.Aggregator]).
 *
 * The function starts the operation and returns; the operation completes
 * @task later (or at once), from any thread. The result is a #GValue: use
 * g_task_return_value(), never g_task_return_boolean(), _int() or
 * _pointer(). Failures are #GError values, returned with
 * g_task_return_error() or g_task_return_new_error().
 *
 * When @cancellable is cancelled (a timeout expired, another operation won a
 * select, the caller cancelled), the operation should stop and complete
 * @task soon. [func@Aio.timeout_async], [class@Aio.Backoff] and
 * [func@Aio.select_async] wait for that completion, so the operation never
 * runs past their own result, and whatever it then returns, they report the
 * timeout or the cancellation. ([class@Aio.Aggregator] answers a cancelled
 * caller at once, as its batch may serve other callers.)
 *
 * From Python:
 *
 * ```python
 * def op(task, cancellable):
 *     task.return_value(42)
 * ```
 *
 * Since: 0.1
 */
typedef void (*AioTaskFunc) (GTask        *task,
                             GCancellable *cancellable,
                             gpointer      user_data);

AIO_AVAILABLE_IN_ALL
void     aio_timeout_async      (double                seconds,
                                 AioTaskFunc           func,
                                 gpointer              func_data,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
AIO_AVAILABLE_IN_ALL
void     aio_timeout_full_async (AioClock             *clock,
                                 double                seconds,
                                 AioTaskFunc           func,
                                 gpointer              func_data,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean aio_timeout_finish     (GAsyncResult         *result,
                                 GValue               *value,
                                 GError              **error);
AIO_AVAILABLE_IN_ALL
gboolean aio_timeout_full_finish (GAsyncResult        *result,
                                  GValue              *value,
                                  GError             **error);

G_END_DECLS
