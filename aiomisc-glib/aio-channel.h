/* aio-channel.h: a bounded queue carrying items from threads to a main loop
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

#define AIO_TYPE_CHANNEL (aio_channel_get_type ())

AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioChannel, aio_channel, AIO, CHANNEL, GObject)

AIO_AVAILABLE_IN_ALL
AioChannel *aio_channel_new              (guint                max_size);
AIO_AVAILABLE_IN_ALL
AioChannel *aio_channel_new_full         (guint                max_size,
                                          GDestroyNotify       item_free);
AIO_AVAILABLE_IN_ALL
guint       aio_channel_get_max_size     (AioChannel          *self);
AIO_AVAILABLE_IN_ALL
gboolean    aio_channel_is_closed        (AioChannel          *self);

AIO_AVAILABLE_IN_ALL
gboolean    aio_channel_push             (AioChannel          *self,
                                          gpointer             item,
                                          GCancellable        *cancellable,
                                          GError             **error);
AIO_AVAILABLE_IN_ALL
gboolean    aio_channel_push_value       (AioChannel          *self,
                                          const GValue        *value,
                                          GCancellable        *cancellable,
                                          GError             **error);
AIO_AVAILABLE_IN_ALL
void        aio_channel_close            (AioChannel          *self);

AIO_AVAILABLE_IN_ALL
void        aio_channel_pop_async        (AioChannel          *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
AIO_AVAILABLE_IN_ALL
gboolean    aio_channel_pop_finish       (AioChannel          *self,
                                          GAsyncResult        *result,
                                          gpointer            *item,
                                          GError             **error);
AIO_AVAILABLE_IN_ALL
void        aio_channel_pop_value_async  (AioChannel          *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
AIO_AVAILABLE_IN_ALL
gboolean    aio_channel_pop_value_finish (AioChannel          *self,
                                          GAsyncResult        *result,
                                          GValue              *value,
                                          GError             **error);

G_END_DECLS
