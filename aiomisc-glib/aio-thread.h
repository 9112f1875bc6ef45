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
 * It should check @cancellable now and then (or connect to it) and fail
 * with %G_IO_ERROR_CANCELLED once it is cancelled.
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
 * @result: (out caller-allocates): an uninitialized #GValue to store the
 *   result in
 * @error: return location for a #GError
 *
 * A blocking function run on a worker thread by
 * [func@Aio.run_in_thread_value_async]: the variant of
 * [callback@Aio.ThreadFunc] for language bindings. Its result is a #GValue,
 * so it can be anything a binding can express; from Python, the function
 * simply returns a value (any object) or raises a `GLib.Error`.
 *
 * On success, initialize and set @result (leaving it untouched means "no
 * value", seen as %NULL / `None`). On failure, set @error; @result is then
 * ignored (and unset if it was initialized).
 *
 * Since: 0.1
 */
typedef void (*AioThreadValueFunc) (gpointer       data,
                                    GCancellable  *cancellable,
                                    GValue        *result,
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
gboolean aio_run_in_thread_value_finish (GAsyncResult        *result,
                                         GValue              *value,
                                         GError             **error);

G_END_DECLS
