/* test-backoff.c: AioBackoff and aio_retry_async
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-services.h"

#include <math.h>

#define USEC(s) ((gint64) ((s) * G_USEC_PER_SEC + 0.5))

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GValue    value;
  GError   *error;
} Result;

static void
result_clear (Result *r)
{
  g_value_unset (&r->value);
  g_clear_error (&r->error);
  *r = (Result) { 0 };
}

static void
run_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Result *r = user_data;

  g_assert_true (AIO_IS_BACKOFF (object));
  r->ok = aio_backoff_run_finish (AIO_BACKOFF (object), result, &r->value, &r->error);
  g_assert_true (r->ok == (r->error == NULL));
  r->done = TRUE;
}

static void
retry_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Result *r = user_data;

  r->ok = aio_retry_finish (result, &r->value, &r->error);
  r->done = TRUE;
}

/* An operation that fails, hangs or succeeds depending on the attempt. */
typedef struct
{
  AioClock  *clock;
  guint      calls;
  guint      fail_first;    /* attempts 1..fail_first fail */
  guint      hang_mask;     /* attempts (bit n) that hang until cancelled */
  int        code;          /* GIOErrorEnum of the failures */
  const int *codes;         /* per attempt, overrides @code */
  GArray    *times;         /* gint64: when each attempt started */
  GTask     *hung;
  guint      saw_cancel;
  guint      destroyed;
} Flaky;

static void
flaky_init (Flaky *f, AioClock *clock)
{
  *f = (Flaky) { 0 };
  f->clock = clock;
  f->code = G_IO_ERROR_CONNECTION_REFUSED;
  f->times = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
flaky_clear (Flaky *f)
{
  g_assert_null (f->hung);
  g_clear_pointer (&f->times, g_array_unref);
}

static void
flaky_destroy (gpointer data)
{
  Flaky *f = data;

  f->destroyed++;
}

static void
flaky_cancelled (GCancellable *cancellable, Flaky *f)
{
  f->saw_cancel++;
  if (f->hung != NULL)
    {
      g_task_return_error_if_cancelled (f->hung);
      g_clear_object (&f->hung);
    }
}

static void
flaky_op (GTask *task, GCancellable *cancellable, gpointer user_data)
{
  Flaky *f = user_data;
  guint n = ++f->calls;
  gint64 now = aio_clock_get_monotonic_time (f->clock ? f->clock : aio_clock_get_default ());

  g_array_append_val (f->times, now);

  if (n < 32 && (f->hang_mask & (1u << n)))
    {
      g_assert_null (f->hung);
      f->hung = g_object_ref (task);
      g_cancellable_connect (cancellable, G_CALLBACK (flaky_cancelled), f, NULL);
    }
  else if (n <= f->fail_first)
    g_task_return_new_error (task, G_IO_ERROR, f->codes ? f->codes[n - 1] : f->code,
                             "attempt %u failed", n);
  else
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_UINT);
      g_value_set_uint (&value, n);
      g_task_return_value (task, &value);
      g_value_unset (&value);
    }
}

/* Iterates, moving the manual clock by @step seconds whenever nothing is
 * left to do, until *done. */
static void
drive (AioClock *clock, const gboolean *done, double step, double max_seconds)
{
  gint64 moved = 0;

  for (;;)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (*done)
        return;
      g_assert_cmpint (moved, <, USEC (max_seconds));
      aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (step));
      moved += USEC (step);
    }
}

static gint64
gap (Flaky *f, guint i)
{
  return g_array_index (f->times, gint64, i + 1) - g_array_index (f->times, gint64, i);
}

static AioBackoff *
backoff_new_manual (AioClock *clock)
{
  return g_object_new (AIO_TYPE_BACKOFF, "clock", clock, NULL);
}

static void
test_succeeds_after_failures (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = backoff_new_manual (clock);
  double attempts = aio_statistics_get ("backoff", "attempts");
  double errors = aio_statistics_get ("backoff", "errors");
  Result r = { 0 };
  Flaky f;

  flaky_init (&f, clock);
  f.fail_first = 3;
  aio_backoff_set_pause (backoff, 1);
  aio_backoff_run_async (backoff, flaky_op, &f, flaky_destroy, NULL, run_cb, &r);
  g_assert_cmpuint (f.calls, ==, 1);   /* the first attempt starts at once */
  drive (clock, &r.done, 0.1, 60);

  g_assert_no_error (r.error);
  g_assert_cmpuint (g_value_get_uint (&r.value), ==, 4);
  g_assert_cmpuint (f.calls, ==, 4);
  g_assert_cmpuint (f.destroyed, ==, 1);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (gap (&f, i), ==, USEC (1));
  g_assert_cmpfloat (aio_statistics_get ("backoff", "attempts"), ==, attempts + 4);
  g_assert_cmpfloat (aio_statistics_get ("backoff", "errors"), ==, errors + 3);

  flaky_clear (&f);
  result_clear (&r);
}

static void
test_max_tries (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = backoff_new_manual (clock);
  Result r = { 0 };
  Flaky f;

  flaky_init (&f, clock);
  f.fail_first = G_MAXUINT;
  aio_backoff_set_max_tries (backoff, 3);
  aio_backoff_set_pause (backoff, 0.5);
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.1, 60);

  /* Exactly three attempts; the error of the last one. */
  g_assert_cmpuint (f.calls, ==, 3);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpstr (r.error->message, ==, "attempt 3 failed");
  flaky_clear (&f);
  result_clear (&r);

  /* One try: no retry at all. */
  flaky_init (&f, clock);
  f.fail_first = G_MAXUINT;
  aio_backoff_set_max_tries (backoff, 1);
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.1, 60);
  g_assert_cmpuint (f.calls, ==, 1);
  g_assert_cmpstr (r.error->message, ==, "attempt 1 failed");
  flaky_clear (&f);
  result_clear (&r);
}

static void
test_deadline_last_error (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = backoff_new_manual (clock);
  Result r = { 0 };
  Flaky f;

  /* Reached during a pause: attempts at 0, 1 and 2 s, deadline at 2.5 s. */
  flaky_init (&f, clock);
  f.fail_first = G_MAXUINT;
  aio_backoff_set_pause (backoff, 1);
  aio_backoff_set_deadline (backoff, 2.5);
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.1, 60);
  g_assert_cmpuint (f.calls, ==, 3);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpstr (r.error->message, ==, "attempt 3 failed");
  g_assert_cmpint (aio_clock_get_monotonic_time (clock), >=, USEC (2.5));
  g_assert_cmpint (aio_clock_get_monotonic_time (clock), <, USEC (3));
  flaky_clear (&f);
  result_clear (&r);

  /* Reached during an attempt: it is cancelled, and the error is still the
   * last real one, not a timeout. */
  flaky_init (&f, clock);
  f.fail_first = 2;
  f.hang_mask = 1u << 3;
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.1, 60);
  g_assert_cmpuint (f.calls, ==, 3);
  g_assert_cmpuint (f.saw_cancel, ==, 1);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpstr (r.error->message, ==, "attempt 2 failed");
  flaky_clear (&f);
  result_clear (&r);

  /* Reached before any attempt failed: then it is a timeout. */
  flaky_init (&f, clock);
  f.hang_mask = 1u << 1;
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.1, 60);
  g_assert_cmpuint (f.calls, ==, 1);
  g_assert_cmpuint (f.saw_cancel, ==, 1);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (r.error->message, "2.5"));
  flaky_clear (&f);
  result_clear (&r);
}

static void
test_attempt_timeout (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = backoff_new_manual (clock);
  Result r = { 0 };
  Flaky f;

  flaky_init (&f, clock);
  f.hang_mask = (1u << 1) | (1u << 2);
  aio_backoff_set_attempt_timeout (backoff, 1);
  aio_backoff_set_pause (backoff, 0.5);
  /* Timeouts are retried even when the filter does not name them. */
  aio_backoff_add_retry_error (backoff, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.1, 60);

  g_assert_no_error (r.error);
  g_assert_cmpuint (g_value_get_uint (&r.value), ==, 3);
  g_assert_cmpuint (f.saw_cancel, ==, 2);
  /* 1 s attempt + 0.5 s pause */
  g_assert_cmpint (gap (&f, 0), ==, USEC (1.5));
  g_assert_cmpint (gap (&f, 1), ==, USEC (1.5));
  flaky_clear (&f);
  result_clear (&r);

  /* When every attempt times out, the last timeout is reported. */
  flaky_init (&f, clock);
  f.hang_mask = ~0u;
  aio_backoff_set_max_tries (backoff, 2);
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.1, 60);
  g_assert_cmpuint (f.calls, ==, 2);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  flaky_clear (&f);
  result_clear (&r);
}

static gboolean
give_up_on_denied (const GError *error, gpointer user_data)
{
  guint *calls = user_data;

  (*calls)++;
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
}

static void
test_giveup (void)
{
  static const int codes[] = {
    G_IO_ERROR_CONNECTION_REFUSED,
    G_IO_ERROR_CONNECTION_REFUSED,
    G_IO_ERROR_PERMISSION_DENIED,
    G_IO_ERROR_CONNECTION_REFUSED,
  };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = backoff_new_manual (clock);
  Result r = { 0 };
  guint giveup_calls = 0;
  guint destroyed = 0;
  Flaky f;

  flaky_init (&f, clock);
  f.fail_first = G_N_ELEMENTS (codes);
  f.codes = codes;
  aio_backoff_set_pause (backoff, 1);
  aio_backoff_set_giveup_func (backoff, give_up_on_denied, &giveup_calls, NULL);
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.1, 60);

  g_assert_cmpuint (f.calls, ==, 3);
  g_assert_cmpuint (giveup_calls, ==, 3);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  /* Given up at once: no pause after the third attempt. */
  g_assert_cmpint (aio_clock_get_monotonic_time (clock), ==, USEC (2));
  flaky_clear (&f);
  result_clear (&r);

  /* Replacing the function frees the old data. */
  aio_backoff_set_giveup_func (backoff, give_up_on_denied, &destroyed,
                               (GDestroyNotify) g_atomic_int_inc);
  aio_backoff_set_giveup_func (backoff, NULL, NULL, NULL);
  g_assert_cmpuint (destroyed, ==, 1);
}

static void
test_retry_filter (void)
{
  static const int codes[] = {
    G_IO_ERROR_CONNECTION_REFUSED,
    G_IO_ERROR_HOST_UNREACHABLE,
    G_IO_ERROR_NOT_FOUND,
  };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = backoff_new_manual (clock);
  g_autoptr(GError) refused = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "x");
  g_autoptr(GError) not_found = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "x");
  g_autoptr(GError) timed_out = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "x");
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "x");
  g_autoptr(GError) other = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_NOENT, "x");
  Result r = { 0 };
  Flaky f;

  /* By default everything but a cancellation is retried. */
  g_assert_true (aio_backoff_is_retried (backoff, refused));
  g_assert_true (aio_backoff_is_retried (backoff, other));
  g_assert_false (aio_backoff_is_retried (backoff, cancelled));

  aio_backoff_add_retry_error (backoff, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  aio_backoff_add_retry_error (backoff, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE);
  g_assert_true (aio_backoff_is_retried (backoff, refused));
  g_assert_false (aio_backoff_is_retried (backoff, not_found));
  g_assert_true (aio_backoff_is_retried (backoff, timed_out));
  g_assert_false (aio_backoff_is_retried (backoff, other));

  flaky_init (&f, clock);
  f.fail_first = G_N_ELEMENTS (codes);
  f.codes = codes;
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.1, 60);
  /* NOT_FOUND is not retried: reported at once. */
  g_assert_cmpuint (f.calls, ==, 3);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  flaky_clear (&f);
  result_clear (&r);

  /* A whole domain. */
  aio_backoff_add_retry_error (backoff, G_FILE_ERROR, -1);
  g_assert_true (aio_backoff_is_retried (backoff, other));
  aio_backoff_clear_retry_errors (backoff);
  g_assert_true (aio_backoff_is_retried (backoff, not_found));
}

static void
test_exponential (void)
{
  static const double expected[] = { 1, 2, 4, 5, 5 };
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = backoff_new_manual (clock);
  Result r = { 0 };
  Flaky f;

  flaky_init (&f, clock);
  f.fail_first = G_MAXUINT;
  g_object_set (backoff,
                "pause", 1.0,
                "exponent", 2.0,
                "max-pause", 5.0,
                "max-tries", 6,
                NULL);
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.05, 60);

  g_assert_cmpuint (f.calls, ==, 6);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpint (gap (&f, i), ==, USEC (expected[i]));
  flaky_clear (&f);
  result_clear (&r);
}

static GArray *
jitter_gaps (guint32 seed)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = backoff_new_manual (clock);
  GArray *gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  Result r = { 0 };
  Flaky f;

  flaky_init (&f, clock);
  f.fail_first = G_MAXUINT;
  g_object_set (backoff,
                "pause", 1.0,
                "exponent", 2.0,
                "max-pause", 4.0,
                "max-tries", 9,
                "jitter", TRUE,
                NULL);
  aio_backoff_set_seed (backoff, seed);
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  drive (clock, &r.done, 0.01, 60);
  g_assert_cmpuint (f.calls, ==, 9);
  for (guint i = 0; i + 1 < f.calls; i++)
    {
      gint64 g = gap (&f, i);

      g_array_append_val (gaps, g);
    }
  flaky_clear (&f);
  result_clear (&r);

  return gaps;
}

static void
test_jitter (void)
{
  static const double ceiling[] = { 1, 2, 4, 4, 4, 4, 4, 4 };
  g_autoptr(GArray) gaps = jitter_gaps (42);
  g_autoptr(GArray) again = jitter_gaps (42);
  gint64 total = 0;

  g_assert_cmpuint (gaps->len, ==, G_N_ELEMENTS (ceiling));
  for (guint i = 0; i < gaps->len; i++)
    {
      gint64 g = g_array_index (gaps, gint64, i);

      /* Full jitter: between 0 and the computed pause (plus one step of
       * the driving loop). */
      g_assert_cmpint (g, >=, 0);
      g_assert_cmpint (g, <=, USEC (ceiling[i] + 0.01));
      total += g;
      /* The same seed gives the same pauses. */
      g_assert_cmpint (g, ==, g_array_index (again, gint64, i));
    }
  /* Drawn at random, the pauses cannot all be at their ceiling. */
  g_assert_cmpint (total, <, USEC (27));
}

static void
test_invalid (void)
{
  const struct {
    void      (*set) (AioBackoff *self, double value);
    double      value;
    const char *needle;
  } bad[] = {
    { aio_backoff_set_pause, -1, "pause -1" },
    { aio_backoff_set_pause, INFINITY, "pause inf" },
    { aio_backoff_set_deadline, -2, "deadline -2" },
    { aio_backoff_set_attempt_timeout, NAN, "attempt-timeout nan" },
    { aio_backoff_set_exponent, 0.5, "exponent 0.5" },
    { aio_backoff_set_max_pause, -3, "max-pause -3" },
  };
  const int bad_tries[] = { 0, -2 };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad) + G_N_ELEMENTS (bad_tries); i++)
    {
      g_autoptr(AioBackoff) backoff = aio_backoff_new (0, 0, 0, -1);
      g_autofree char *needle = NULL;
      Result r = { 0 };
      Flaky f;

      g_assert_true (aio_backoff_validate (backoff, &error));
      g_assert_no_error (error);

      if (i < G_N_ELEMENTS (bad))
        {
          bad[i].set (backoff, bad[i].value);
          needle = g_strdup (bad[i].needle);
        }
      else
        {
          aio_backoff_set_max_tries (backoff, bad_tries[i - G_N_ELEMENTS (bad)]);
          needle = g_strdup_printf ("max-tries %d", bad_tries[i - G_N_ELEMENTS (bad)]);
        }

      g_assert_false (aio_backoff_validate (backoff, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, needle));
      g_clear_error (&error);

      flaky_init (&f, NULL);
      aio_backoff_run_async (backoff, flaky_op, &f, flaky_destroy, NULL, run_cb, &r);
      aio_test_wait (&r.done);
      g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (r.error->message, needle));
      g_assert_cmpuint (f.calls, ==, 0);
      g_assert_cmpuint (f.destroyed, ==, 1);
      flaky_clear (&f);
      result_clear (&r);
    }

  /* Infinite limits mean none; they are set through properties too. */
  {
    g_autoptr(AioBackoff) backoff = aio_backoff_new (INFINITY, INFINITY, 0, -1);

    g_object_set (backoff, "max-pause", INFINITY, NULL);
    g_assert_true (aio_backoff_validate (backoff, &error));
    g_assert_no_error (error);
  }
}

static void
test_cancelled (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioBackoff) backoff = backoff_new_manual (clock);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Result r = { 0 };
  Flaky f;

  /* During a pause. */
  flaky_init (&f, clock);
  f.fail_first = G_MAXUINT;
  aio_backoff_set_pause (backoff, 10);
  aio_backoff_run_async (backoff, flaky_op, &f, flaky_destroy, cancellable, run_cb, &r);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (r.done);
  g_cancellable_cancel (cancellable);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f.calls, ==, 1);
  g_assert_cmpuint (f.destroyed, ==, 1);
  flaky_clear (&f);
  result_clear (&r);

  /* During an attempt. */
  g_cancellable_reset (cancellable);
  flaky_init (&f, clock);
  f.hang_mask = 1u << 1;
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, cancellable, run_cb, &r);
  g_cancellable_cancel (cancellable);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f.saw_cancel, ==, 1);
  flaky_clear (&f);
  result_clear (&r);

  /* Already cancelled. */
  flaky_init (&f, clock);
  aio_backoff_run_async (backoff, flaky_op, &f, flaky_destroy, cancellable, run_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f.calls, ==, 0);
  g_assert_cmpuint (f.destroyed, ==, 1);
  flaky_clear (&f);
  result_clear (&r);
}

/* An operation that reports a cancellation nobody asked for is not retried. */
static void
test_operation_cancelled_itself (void)
{
  static const int codes[] = { G_IO_ERROR_CANCELLED };
  g_autoptr(AioBackoff) backoff = aio_backoff_new (0, 0, 0, -1);
  Result r = { 0 };
  Flaky f;

  flaky_init (&f, NULL);
  f.fail_first = 1;
  f.codes = codes;
  aio_backoff_run_async (backoff, flaky_op, &f, NULL, NULL, run_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (f.calls, ==, 1);
  flaky_clear (&f);
  result_clear (&r);
}

static void
test_retry (void)
{
  Result r = { 0 };
  Flaky f;

  flaky_init (&f, NULL);
  f.fail_first = 2;
  aio_retry_async (3, 0, flaky_op, &f, flaky_destroy, NULL, retry_cb, &r);
  aio_test_wait (&r.done);
  g_assert_no_error (r.error);
  g_assert_cmpuint (g_value_get_uint (&r.value), ==, 3);
  g_assert_cmpuint (f.destroyed, ==, 1);
  flaky_clear (&f);
  result_clear (&r);

  flaky_init (&f, NULL);
  f.fail_first = 5;
  aio_retry_async (2, 0.001, flaky_op, &f, flaky_destroy, NULL, retry_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpuint (f.calls, ==, 2);
  g_assert_cmpuint (f.destroyed, ==, 1);
  flaky_clear (&f);
  result_clear (&r);
}

static void
count_notify (GObject *object, GParamSpec *pspec, guint *count)
{
  (*count)++;
}

static void
test_properties (void)
{
  g_autoptr(AioBackoff) backoff = aio_backoff_new (1, 10, 0.5, 4);
  guint notified = 0;
  double d;

  g_assert_true (aio_backoff_get_clock (backoff) == aio_clock_get_default ());
  g_assert_cmpfloat (aio_backoff_get_attempt_timeout (backoff), ==, 1);
  g_assert_cmpfloat (aio_backoff_get_deadline (backoff), ==, 10);
  g_assert_cmpfloat (aio_backoff_get_pause (backoff), ==, 0.5);
  g_assert_cmpint (aio_backoff_get_max_tries (backoff), ==, 4);
  g_assert_cmpfloat (aio_backoff_get_exponent (backoff), ==, 1);
  g_assert_cmpfloat (aio_backoff_get_max_pause (backoff), ==, 0);
  g_assert_false (aio_backoff_get_jitter (backoff));

  g_signal_connect (backoff, "notify", G_CALLBACK (count_notify), &notified);
  aio_backoff_set_exponent (backoff, 3);
  aio_backoff_set_exponent (backoff, 3);
  aio_backoff_set_jitter (backoff, TRUE);
  aio_backoff_set_jitter (backoff, TRUE);
  aio_backoff_set_max_tries (backoff, 4);
  g_object_set (backoff, "max-pause", 9.0, NULL);
  g_assert_cmpuint (notified, ==, 3);

  g_object_get (backoff, "exponent", &d, NULL);
  g_assert_cmpfloat (d, ==, 3);
  g_assert_cmpfloat (aio_backoff_get_max_pause (backoff), ==, 9);
  g_assert_true (aio_backoff_get_jitter (backoff));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Backoff/succeeds-after-failures", test_succeeds_after_failures);
  g_test_add_func ("/Aio/Backoff/max-tries", test_max_tries);
  g_test_add_func ("/Aio/Backoff/deadline-last-error", test_deadline_last_error);
  g_test_add_func ("/Aio/Backoff/attempt-timeout", test_attempt_timeout);
  g_test_add_func ("/Aio/Backoff/giveup", test_giveup);
  g_test_add_func ("/Aio/Backoff/retry-filter", test_retry_filter);
  g_test_add_func ("/Aio/Backoff/exponential", test_exponential);
  g_test_add_func ("/Aio/Backoff/jitter", test_jitter);
  g_test_add_func ("/Aio/Backoff/invalid", test_invalid);
  g_test_add_func ("/Aio/Backoff/cancelled", test_cancelled);
  g_test_add_func ("/Aio/Backoff/operation-cancelled-itself", test_operation_cancelled_itself);
  g_test_add_func ("/Aio/Backoff/retry", test_retry);
  g_test_add_func ("/Aio/Backoff/properties", test_properties);

  return g_test_run ();
}
