/* aio-thread.h: running blocking calls on the entrypoint's thread pool
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
 * AioThreadFunc:
 * @data: (closure): the data passed to [func@Aio.run_in_thread_async]
 * @cancellable: (nullable): the cancellable of the operation
 * @error: return location for a #GError
 *
 * A blocking function run on a worker thread by
 * [func@Aio.run_in_thread_async].
 *
 * It should poll @cancellable now and then (or connect to it) and fail with
 * %G_IO_ERROR_CANCELLED once it is cancelled.
 *
 * Returns: (nullable) (transfer full): the result, or %NULL with @error set
 *   on failure (%NULL without an error is a valid result)
 *
 * Since: 0.1
 */
typedef gpointer (*AioThreadFunc) (gpointer       data,
                                   GCancellable  *cancellable,
                                   GError       **error);

/**
 * AioThreadValueFunc:
 * @data: (closure): the data passed to [func@Aio.run_in_thread_value_async]
 * @cancellable: (nullable): the cancellable of the operation
 * @error: return location for a #GError
 *
 * A blocking function run on a worker thread by
 * [func@Aio.run_in_thread_value_async]: the language-binding friendly
 * variant of [callback@Aio.ThreadFunc], whose result is a #GValue, so that
 * it can carry any value a binding can express (from Python: any object).
 *
 * Returns: (nullable) (transfer full): a newly allocated #GValue (free it with
 *   `g_boxed_free (G_TYPE_VALUE, value)`), or %NULL; %NULL with @error set on
 *   failure
 *
 * Since: 0.1
 */
typedef GValue * (*AioThreadValueFunc) (gpointer       data,
                                        GCancellable  *cancellable,
                                        GError       **error);

AIO_AVAILABLE_IN_ALL
void     aio_run_in_thread_async        (AioThreadFunc        func,
                                         gpointer             data,
                                         GDestroyNotify       destroy,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
AIO_AVAILABLE_IN_ALL
gpointer aio_run_in_thread_finish       (GAsyncResult        *result,
                                         GError             **error);

AIO_AVAILABLE_IN_ALL
void     aio_run_in_thread_value_async  (AioThreadValueFunc   func,
                                         gpointer             data,
                                         GDestroyNotify       destroy,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
AIO_AVAILABLE_IN_ALL
GValue  *aio_run_in_thread_value_finish (GAsyncResult        *result,
                                         GError             **error);

G_END_DECLS
