/* aio-aggregator.h: batching single calls into one
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
#include "aio-timeout.h"

G_BEGIN_DECLS

/**
 * AioAggregatorFunc:
 * @task: the task to complete with g_task_return_value() — a
 *   %G_TYPE_VARIANT holding one result per item, in order — or with
 *   g_task_return_error()
 * @items: the items of the batch, a #GVariant of type `av`, in the order
 *   of the calls
 * @cancellable: (nullable): cancelled when every caller of the batch has
 *   cancelled its call
 * @user_data: (closure): the data passed with the function
 *
 * The batch function of an [class@Aio.Aggregator]: an
 * [callback@Aio.TaskFunc] that also receives the items of the batch.
 *
 * Its result is a #GVariant array or tuple with exactly one child per item
 * (`as`, `ai`, `av`, `(sib)`…); each caller gets its child (unboxed if it
 * is a `v`). An error goes to every caller of the batch.
 *
 * From Python:
 *
 * ```python
 * def lookup(task, items, cancellable):
 *     keys = items.unpack()
 *     task.return_value(GLib.Variant('as', [db[k] for k in keys]))
 * ```
 *
 * Since: 0.1
 */
typedef void (*AioAggregatorFunc) (GTask        *task,
                                   GVariant     *items,
                                   GCancellable *cancellable,
                                   gpointer      user_data);

#define AIO_TYPE_AGGREGATOR (aio_aggregator_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioAggregator, aio_aggregator, AIO, AGGREGATOR, GObject)

AIO_AVAILABLE_IN_ALL
AioAggregator *aio_aggregator_new           (double               leeway,
                                             int                  max_count,
                                             AioAggregatorFunc    func,
                                             gpointer             user_data,
                                             GDestroyNotify       destroy) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
void           aio_aggregator_set_func      (AioAggregator       *self,
                                             AioAggregatorFunc    func,
                                             gpointer             user_data,
                                             GDestroyNotify       destroy);
AIO_AVAILABLE_IN_ALL
AioClock      *aio_aggregator_get_clock     (AioAggregator       *self);
AIO_AVAILABLE_IN_ALL
double         aio_aggregator_get_leeway    (AioAggregator       *self);
AIO_AVAILABLE_IN_ALL
void           aio_aggregator_set_leeway    (AioAggregator       *self,
                                             double               leeway);
AIO_AVAILABLE_IN_ALL
int            aio_aggregator_get_max_count (AioAggregator       *self);
AIO_AVAILABLE_IN_ALL
void           aio_aggregator_set_max_count (AioAggregator       *self,
                                             int                  max_count);
AIO_AVAILABLE_IN_ALL
guint          aio_aggregator_get_count     (AioAggregator       *self);
AIO_AVAILABLE_IN_ALL
gboolean       aio_aggregator_validate      (AioAggregator       *self,
                                             GError             **error);

AIO_AVAILABLE_IN_ALL
void           aio_aggregator_call_async    (AioAggregator       *self,
                                             GVariant            *item,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
AIO_AVAILABLE_IN_ALL
GVariant      *aio_aggregator_call_finish   (AioAggregator       *self,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
