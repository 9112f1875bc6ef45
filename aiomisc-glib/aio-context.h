/* aio-context.h: values shared between services
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

#define AIO_TYPE_CONTEXT (aio_context_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioContext, aio_context, AIO, CONTEXT, GObject)

AIO_AVAILABLE_IN_ALL
AioContext *aio_context_new        (void) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
void        aio_context_set        (AioContext           *self,
                                    const char           *key,
                                    const GValue         *value);
AIO_AVAILABLE_IN_ALL
gboolean    aio_context_lookup     (AioContext           *self,
                                    const char           *key,
                                    GValue               *value);
AIO_AVAILABLE_IN_ALL
void        aio_context_get_async  (AioContext           *self,
                                    const char           *key,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean    aio_context_get_finish (AioContext           *self,
                                    GAsyncResult         *result,
                                    GValue               *value,
                                    GError              **error);

G_END_DECLS
