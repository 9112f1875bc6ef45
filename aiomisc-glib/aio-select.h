/* aio-select.h: the first of several async operations wins
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
 * AioSelectFlags:
 * @AIO_SELECT_FLAGS_NONE: cancel the losers and wait until they all
 *   completed before reporting the winner
 * @AIO_SELECT_FLAGS_NO_CANCEL: leave the losers running and report the
 *   winner at once; their results are dropped (aiomisc's `cancel=False`)
 * @AIO_SELECT_FLAGS_NO_WAIT: cancel the losers but report the winner at
 *   once, without waiting for them to complete (aiomisc's `wait=False`)
 *
 * How [func@Aio.select_async] treats the operations that lost.
 *
 * Since: 0.1
 */
typedef enum {
  AIO_SELECT_FLAGS_NONE      = 0,
  AIO_SELECT_FLAGS_NO_CANCEL = 1 << 0,
  AIO_SELECT_FLAGS_NO_WAIT   = 1 << 1,
} AioSelectFlags;

/**
 * AioSelectFunc:
 * @task: the task of operation @index, to complete with
 *   g_task_return_value() or g_task_return_error()
 * @index: which operation to start, from 0 to the number of operations - 1
 * @cancellable: (nullable): the cancellable of @task, cancelled when another
 *   operation won or the select was cancelled
 * @user_data: (closure): the data passed with the function
 *
 * Starts operation number @index of a [func@Aio.select_async]: an
 * [callback@Aio.TaskFunc] that also receives its index, so that one
 * function (a `switch`, or a lookup in a list of callables) describes all
 * the competing operations in a form language bindings can call.
 *
 * Since: 0.1
 */
typedef void (*AioSelectFunc) (GTask        *task,
                               guint         index,
                               GCancellable *cancellable,
                               gpointer      user_data);

AIO_AVAILABLE_IN_ALL
void     aio_select_async  (guint                 n_operations,
                            AioSelectFlags        flags,
                            AioSelectFunc         func,
                            gpointer              func_data,
                            GCancellable         *cancellable,
                            GAsyncReadyCallback   callback,
                            gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean aio_select_finish (GAsyncResult         *result,
                            guint                *winner,
                            GValue               *value,
                            GError              **error);

G_END_DECLS
