/* aio-cron.h: cron expressions and their next fire times
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "aio-version.h"

G_BEGIN_DECLS

typedef struct _AioCron AioCron;

#define AIO_TYPE_CRON (aio_cron_get_type ())
AIO_AVAILABLE_IN_ALL
GType       aio_cron_get_type       (void) G_GNUC_CONST;

AIO_AVAILABLE_IN_ALL
AioCron    *aio_cron_new            (const char  *expression,
                                     GError     **error) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
AioCron    *aio_cron_ref            (AioCron     *cron);
AIO_AVAILABLE_IN_ALL
void        aio_cron_unref          (AioCron     *cron);
AIO_AVAILABLE_IN_ALL
const char *aio_cron_get_expression (AioCron     *cron);
AIO_AVAILABLE_IN_ALL
gboolean    aio_cron_has_seconds    (AioCron     *cron);
AIO_AVAILABLE_IN_ALL
gboolean    aio_cron_matches        (AioCron     *cron,
                                     GDateTime   *datetime);
AIO_AVAILABLE_IN_ALL
GDateTime  *aio_cron_next           (AioCron     *cron,
                                     GDateTime   *after) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
gboolean    aio_cron_next_unix      (AioCron     *cron,
                                     GTimeZone   *time_zone,
                                     gint64       after,
                                     gint64      *next);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AioCron, aio_cron_unref)

G_END_DECLS
