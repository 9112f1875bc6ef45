/* test-clock.c: AioClock, AioManualClock and the statistics registry
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-services.h"

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_CONTINUE;   /* ignored: one-shot */
}

static void
test_default_clock (void)
{
  AioClock *clock = aio_clock_get_default ();
  g_autoptr(GDateTime) now = NULL;
  GSource *source;
  gboolean fired = FALSE;
  gint64 before = g_get_monotonic_time ();

  g_assert_true (clock == aio_clock_get_default ());
  g_assert_cmpint (aio_clock_get_monotonic_time (clock), >=, before);
  now = aio_clock_get_now (clock, NULL);
  g_assert_cmpint (g_date_time_to_unix (now), >=, g_get_real_time () / G_USEC_PER_SEC - 5);

  source = aio_clock_create_timeout_source (clock, aio_clock_get_monotonic_time (clock) + 20000);
  g_source_set_callback (source, flag_cb, &fired, NULL);
  g_source_attach (source, NULL);
  aio_test_wait (&fired);
  g_assert_cmpint (g_get_monotonic_time (), >=, before + 20000);
  g_assert_true (g_source_is_destroyed (source));
  g_source_unref (source);
}

static void
test_manual_clock (void)
{
  g_autoptr(GDateTime) start = g_date_time_new_utc (2024, 3, 31, 0, 59, 0);
  g_autoptr(AioClock) clock = aio_manual_clock_new (g_date_time_to_unix (start) * G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  GSource *source;
  gboolean fired = FALSE;

  g_assert_cmpint (aio_clock_get_monotonic_time (clock), ==, 0);
  source = aio_clock_create_timeout_source (clock, 60 * G_USEC_PER_SEC);
  g_source_set_callback (source, flag_cb, &fired, NULL);
  g_source_attach (source, NULL);

  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 59 * G_USEC_PER_SEC);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_false (fired);

  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), G_USEC_PER_SEC);
  aio_test_wait (&fired);
  g_assert_cmpint (aio_clock_get_monotonic_time (clock), ==, 60 * G_USEC_PER_SEC);
  g_source_unref (source);

  /* 01:00 UTC on the last Sunday of March: Paris springs to 03:00 CEST. */
  now = aio_clock_get_now (clock, paris);
  g_assert_cmpint (g_date_time_get_hour (now), ==, 3);
  g_assert_cmpint (g_date_time_get_minute (now), ==, 0);

  /* A wall-clock step does not move the monotonic clock. */
  aio_manual_clock_set_real_time (AIO_MANUAL_CLOCK (clock), 0);
  g_assert_cmpint (aio_clock_get_real_time (clock), ==, 0);
  g_assert_cmpint (aio_clock_get_monotonic_time (clock), ==, 60 * G_USEC_PER_SEC);
}

typedef struct
{
  AioClock *clock;
  gboolean  fired;
} ThreadData;

static gpointer
thread_waits (gpointer data)
{
  ThreadData *td = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  GSource *source = aio_clock_create_timeout_source (td->clock, 1000);

  g_source_set_callback (source, flag_cb, &td->fired, NULL);
  g_source_attach (source, context);
  while (!td->fired)
    g_main_context_iteration (context, TRUE);
  g_source_unref (source);
  return NULL;
}

static void
test_manual_clock_other_thread (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  ThreadData td = { clock, FALSE };
  GThread *thread = g_thread_new ("waiter", thread_waits, &td);

  /* Advance until the waiter has attached its source and seen the time. */
  while (!g_atomic_int_get (&td.fired))
    {
      aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 1000);
      g_thread_yield ();
    }
  g_thread_join (thread);
}

static gpointer
add_many (gpointer data)
{
  for (int i = 0; i < 10000; i++)
    aio_statistics_add ("test", "calls", 1);
  return NULL;
}

static void
test_statistics (void)
{
  g_autoptr(GVariant) snapshot = NULL;
  g_autoptr(GVariant) group = NULL;
  GThread *threads[4];
  double calls = 0;

  aio_statistics_reset ();
  g_assert_cmpfloat (aio_statistics_get ("test", "calls"), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("adder", add_many, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  aio_statistics_add ("test", "seconds", 0.5);
  g_assert_cmpfloat (aio_statistics_get ("test", "calls"), ==, 40000);

  snapshot = aio_statistics_snapshot ();
  g_assert_true (g_variant_is_of_type (snapshot, G_VARIANT_TYPE_VARDICT));
  group = g_variant_lookup_value (snapshot, "test", G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (group);
  g_assert_true (g_variant_lookup (group, "calls", "d", &calls));
  g_assert_cmpfloat (calls, ==, 40000);
  aio_statistics_reset ();
  g_assert_cmpfloat (aio_statistics_get ("test", "seconds"), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Clock/default", test_default_clock);
  g_test_add_func ("/Aio/Clock/manual", test_manual_clock);
  g_test_add_func ("/Aio/Clock/manual-other-thread", test_manual_clock_other_thread);
  g_test_add_func ("/Aio/Statistics/counters", test_statistics);

  return g_test_run ();
}
