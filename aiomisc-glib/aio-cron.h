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

/**
 * AioCronError:
 * @AIO_CRON_ERROR_FIELD_COUNT: the expression has neither 5 nor 6 fields
 * @AIO_CRON_ERROR_INVALID_FIELD: a field is not valid cron syntax (an
 *   unknown name, a stray character, an empty list item…)
 * @AIO_CRON_ERROR_OUT_OF_RANGE: a value, range bound or step is outside
 *   what its field allows, or a range runs backwards
 * @AIO_CRON_ERROR_UNKNOWN_MACRO: an `@` macro that is not one of `@yearly`,
 *   `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`
 * @AIO_CRON_ERROR_NEVER_MATCHES: the day-of-month field names only days that
 *   the month field never has (`0 0 30 2 *`), so the schedule would never fire
 * @AIO_CRON_ERROR_BUSY: the [class@Aio.CronCallback] is already running or
 *   still stopping
 *
 * Errors in the %AIO_CRON_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum {
  AIO_CRON_ERROR_FIELD_COUNT,
  AIO_CRON_ERROR_INVALID_FIELD,
  AIO_CRON_ERROR_OUT_OF_RANGE,
  AIO_CRON_ERROR_UNKNOWN_MACRO,
  AIO_CRON_ERROR_NEVER_MATCHES,
  AIO_CRON_ERROR_BUSY,
} AioCronError;

/**
 * AIO_CRON_ERROR:
 *
 * The error domain of [struct@Aio.Cron], [class@Aio.CronCallback] and
 * [class@Aio.CronService].
 *
 * Since: 0.1
 */
#define AIO_CRON_ERROR (aio_cron_error_quark ())
AIO_AVAILABLE_IN_ALL
GQuark aio_cron_error_quark (void);

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
