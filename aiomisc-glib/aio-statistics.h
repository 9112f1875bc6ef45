/* aio-statistics.h: process-wide counters
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <glib.h>

#include "aio-version.h"

G_BEGIN_DECLS

AIO_AVAILABLE_IN_ALL
void      aio_statistics_add      (const char *group,
                                   const char *name,
                                   double      value);
AIO_AVAILABLE_IN_ALL
double    aio_statistics_get      (const char *group,
                                   const char *name);
AIO_AVAILABLE_IN_ALL
GVariant *aio_statistics_snapshot (void) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
void      aio_statistics_reset    (void);

G_END_DECLS
