/* aio-clock.c: the time source of schedulers, replaceable in tests
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

/**
 * AioClock:
 *
 * Where schedulers (periodic and cron services, backoff, circuit breaker)
 * read the time and wait for it.
 *
 * The default clock, [func@Aio.Clock.get_default], is the system's. Tests
 * hand a scheduler an [class@Aio.ManualClock] instead, so that an hour of
 * schedule passes in microseconds and exactly when the test says.
 *
 * Since: 0.1
 */

G_DEFINE_TYPE (AioClock, aio_clock, G_TYPE_OBJECT)

static gint64
aio_clock_real_get_monotonic_time (AioClock *self)
{
  return g_get_monotonic_time ();
}

static gint64
aio_clock_real_get_real_time (AioClock *self)
{
  return g_get_real_time ();
}

static gboolean
aio_clock_timeout_dispatch (GSource     *source,
                            GSourceFunc  callback,
                            gpointer     user_data)
{
  if (callback != NULL)
    callback (user_data);
  return G_SOURCE_REMOVE;
}

static GSourceFuncs aio_clock_timeout_funcs = {
  .dispatch = aio_clock_timeout_dispatch,
};

static GSource *
aio_clock_real_create_timeout_source (AioClock *self,
                                      gint64    ready_time)
{
  GSource *source = g_source_new (&aio_clock_timeout_funcs, sizeof (GSource));

  g_source_set_static_name (source, "[aiomisc-glib] clock timeout");
  g_source_set_ready_time (source, MAX (ready_time, 0));

  return source;
}

static void
aio_clock_class_init (AioClockClass *klass)
{
  klass->get_monotonic_time = aio_clock_real_get_monotonic_time;
  klass->get_real_time = aio_clock_real_get_real_time;
  klass->create_timeout_source = aio_clock_real_create_timeout_source;
}

static void
aio_clock_init (AioClock *self)
{
}

/**
 * aio_clock_get_default:
 *
 * Gets the system clock.
 *
 * Returns: (transfer none): the default clock
 *
 * Since: 0.1
 */
AioClock *
aio_clock_get_default (void)
{
  static gsize clock;

  if (g_once_init_enter (&clock))
    g_once_init_leave (&clock, (gsize) g_object_new (AIO_TYPE_CLOCK, NULL));

  return (AioClock *) clock;
}

/**
 * aio_clock_get_monotonic_time: (virtual get_monotonic_time)
 * @self: a clock
 *
 * Gets the monotonic time of the clock.
 *
 * Returns: microseconds since an arbitrary, fixed point
 *
 * Since: 0.1
 */
gint64
aio_clock_get_monotonic_time (AioClock *self)
{
  g_return_val_if_fail (AIO_IS_CLOCK (self), 0);

  return AIO_CLOCK_GET_CLASS (self)->get_monotonic_time (self);
}

/**
 * aio_clock_get_real_time: (virtual get_real_time)
 * @self: a clock
 *
 * Gets the wall-clock time of the clock.
 *
 * Returns: microseconds since the Unix epoch
 *
 * Since: 0.1
 */
gint64
aio_clock_get_real_time (AioClock *self)
{
  g_return_val_if_fail (AIO_IS_CLOCK (self), 0);

  return AIO_CLOCK_GET_CLASS (self)->get_real_time (self);
}

/**
 * aio_clock_get_now:
 * @self: a clock
 * @time_zone: (nullable): the time zone of the result, or %NULL for UTC
 *
 * Gets the wall-clock time of the clock as a #GDateTime.
 *
 * Returns: (transfer full): the current time in @time_zone
 *
 * Since: 0.1
 */
GDateTime *
aio_clock_get_now (AioClock  *self,
                   GTimeZone *time_zone)
{
  g_autoptr(GDateTime) epoch = NULL;
  g_autoptr(GDateTime) utc = NULL;

  g_return_val_if_fail (AIO_IS_CLOCK (self), NULL);

  /* g_date_time_new_from_unix_utc_usec() is GLib 2.80; 2.74 is the floor. */
  epoch = g_date_time_new_from_unix_utc (0);
  utc = g_date_time_add (epoch, aio_clock_get_real_time (self));
  if (time_zone == NULL)
    return g_steal_pointer (&utc);

  return g_date_time_to_timezone (utc, time_zone);
}

/**
 * aio_clock_create_timeout_source: (virtual create_timeout_source)
 * @self: a clock
 * @ready_time: the monotonic time, in microseconds, at which to fire
 *
 * Creates a one-shot source that dispatches once the monotonic time of the
 * clock reaches @ready_time (at once if it already has). Set its callback
 * with g_source_set_callback() and attach it; its return value is ignored:
 * the source is removed after one dispatch.
 *
 * Returns: (transfer full): a new, unattached source
 *
 * Since: 0.1
 */
GSource *
aio_clock_create_timeout_source (AioClock *self,
                                 gint64    ready_time)
{
  g_return_val_if_fail (AIO_IS_CLOCK (self), NULL);

  return AIO_CLOCK_GET_CLASS (self)->create_timeout_source (self, ready_time);
}
