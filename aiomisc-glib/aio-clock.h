/* aio-clock.h: the time source of schedulers, replaceable in tests
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

#define AIO_TYPE_CLOCK (aio_clock_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_DERIVABLE_TYPE (AioClock, aio_clock, AIO, CLOCK, GObject)

/**
 * AioClockClass:
 * @parent_class: the parent class
 * @get_monotonic_time: the monotonic time in microseconds
 * @get_real_time: the wall-clock time in microseconds since the Unix epoch
 * @create_timeout_source: a #GSource that is ready once the monotonic time
 *   reaches @ready_time
 *
 * The virtual methods of a clock. The default implementations use the
 * system's clocks (g_get_monotonic_time(), g_get_real_time()).
 *
 * Since: 0.1
 */
struct _AioClockClass
{
  GObjectClass parent_class;

  gint64    (*get_monotonic_time)    (AioClock *self);
  gint64    (*get_real_time)         (AioClock *self);
  GSource  *(*create_timeout_source) (AioClock *self,
                                      gint64    ready_time);

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_ALL
AioClock *aio_clock_get_default          (void);
AIO_AVAILABLE_IN_ALL
gint64    aio_clock_get_monotonic_time   (AioClock *self);
AIO_AVAILABLE_IN_ALL
gint64    aio_clock_get_real_time        (AioClock *self);
AIO_AVAILABLE_IN_ALL
GDateTime *aio_clock_get_now             (AioClock *self,
                                          GTimeZone *time_zone) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
GSource  *aio_clock_create_timeout_source (AioClock *self,
                                           gint64    ready_time) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
