/* aio-manual-clock.h: a clock that moves only when told, for tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include "aio-clock.h"

G_BEGIN_DECLS

#define AIO_TYPE_MANUAL_CLOCK (aio_manual_clock_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioManualClock, aio_manual_clock, AIO, MANUAL_CLOCK, AioClock)

AIO_AVAILABLE_IN_ALL
AioClock *aio_manual_clock_new           (gint64          real_time) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
void      aio_manual_clock_advance       (AioManualClock *self,
                                          gint64          microseconds);
AIO_AVAILABLE_IN_ALL
void      aio_manual_clock_set_real_time (AioManualClock *self,
                                          gint64          real_time);

G_END_DECLS
