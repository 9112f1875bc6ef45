/* test-circuit-breaker.c: AioCircuitBreaker
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-services.h"

#include <math.h>

#define USEC(s) ((gint64) ((s) * G_USEC_PER_SEC + 0.5))

static void
advance (AioClock *clock, double seconds)
{
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (seconds));
}

static void
record_state (AioCircuitBreaker *breaker, GParamSpec *pspec, GArray *states)
{
  AioCircuitBreakerState state = aio_circuit_breaker_get_state (breaker);

  g_array_append_val (states, state);
}

static AioCircuitBreaker *
breaker_new (AioClock *clock)
{
  AioCircuitBreaker *breaker;

  /* Buckets of 0.1 s; broken for 2 s, recovering for 2 s, then passing
   * for at least 1 s. */
  breaker = g_object_new (AIO_TYPE_CIRCUIT_BREAKER,
                          "clock", clock,
                          "error-ratio", 0.5,
                          "response-time", 1.0,
                          "broken-time", 2.0,
                          "recovery-time", 2.0,
                          "passing-time", 1.0,
                          NULL);
  aio_circuit_breaker_set_seed (breaker, 1234);

  return breaker;
}

static void
fail (AioCircuitBreaker *breaker, guint n)
{
  g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                                         "backend down #%u", n);

  aio_circuit_breaker_record (breaker, error);
}

/* One failed call in each of the 10 buckets, then one more call: broken. */
static void
break_it (AioCircuitBreaker *breaker, AioClock *clock)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 10; i++)
    {
      if (i > 0)
        advance (clock, 0.1);
      g_assert_true (aio_circuit_breaker_allow (breaker, &error));
      g_assert_no_error (error);
      g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_PASSING);
      fail (breaker, i);
    }

  g_assert_false (aio_circuit_breaker_allow (breaker, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_CIRCUIT_BROKEN);
  g_assert_nonnull (strstr (error->message, "backend down #9"));
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_BROKEN);
}

static void
test_full_cycle (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioCircuitBreaker) breaker = breaker_new (clock);
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (AioCircuitBreakerState));
  g_autoptr(GError) error = NULL;
  guint allowed[2] = { 0, 0 };
  guint asked[2] = { 0, 0 };

  g_signal_connect (breaker, "notify::state", G_CALLBACK (record_state), states);

  /* PASSING -> BROKEN */
  break_it (breaker, clock);
  g_assert_cmpuint (states->len, ==, 1);
  g_assert_cmpfloat_with_epsilon (aio_circuit_breaker_get_state_delay (breaker), 2.0, 1e-9);

  /* Still broken just before broken-time passed: calls fail fast. */
  advance (clock, 1.9);
  g_assert_false (aio_circuit_breaker_allow (breaker, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_CIRCUIT_BROKEN);
  g_assert_nonnull (strstr (error->message, "backend down #9"));
  g_clear_error (&error);
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_BROKEN);

  /* BROKEN -> RECOVERING: at its very start nothing passes (2^0 - 1 = 0). */
  advance (clock, 0.1);
  g_assert_cmpfloat (aio_circuit_breaker_get_state_delay (breaker), ==, 0);
  g_assert_false (aio_circuit_breaker_allow (breaker, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_CIRCUIT_BROKEN);
  g_assert_nonnull (strstr (error->message, "recovering"));
  g_assert_nonnull (strstr (error->message, "backend down #9"));
  g_clear_error (&error);
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_RECOVERING);

  /* The share of calls let through rises during the recovery. */
  for (guint step = 0; step < 20; step++)
    {
      if (step > 0)
        advance (clock, 0.1);
      for (guint i = 0; i < 20; i++)
        {
          asked[step / 10]++;
          if (aio_circuit_breaker_allow (breaker, NULL))
            {
              allowed[step / 10]++;
              aio_circuit_breaker_record (breaker, NULL);
            }
          g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_RECOVERING);
        }
    }
  g_test_message ("let through: %u/%u, then %u/%u", allowed[0], asked[0], allowed[1], asked[1]);
  g_assert_cmpuint (allowed[0], >, 0);
  g_assert_cmpuint (allowed[0], <, allowed[1]);
  g_assert_cmpuint (allowed[1], <, asked[1]);

  /* RECOVERING -> PASSING once recovery-time passed. */
  advance (clock, 0.1);
  g_assert_true (aio_circuit_breaker_allow (breaker, &error));
  g_assert_no_error (error);
  aio_circuit_breaker_record (breaker, NULL);
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_PASSING);
  g_assert_cmpfloat_with_epsilon (aio_circuit_breaker_get_state_delay (breaker), 1.0, 1e-9);

  g_assert_cmpuint (states->len, ==, 3);
  g_assert_cmpint (g_array_index (states, AioCircuitBreakerState, 0), ==, AIO_CIRCUIT_BREAKER_STATE_BROKEN);
  g_assert_cmpint (g_array_index (states, AioCircuitBreakerState, 1), ==, AIO_CIRCUIT_BREAKER_STATE_RECOVERING);
  g_assert_cmpint (g_array_index (states, AioCircuitBreakerState, 2), ==, AIO_CIRCUIT_BREAKER_STATE_PASSING);
}

static void
test_recovery_fails (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioCircuitBreaker) breaker = breaker_new (clock);
  g_autoptr(GError) error = NULL;
  gboolean let_through = FALSE;

  break_it (breaker, clock);
  advance (clock, 2);
  g_assert_false (aio_circuit_breaker_allow (breaker, NULL));
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_RECOVERING);

  /* Well into the recovery a call gets through, and fails again. */
  advance (clock, 1.5);
  for (guint i = 0; i < 100 && !let_through; i++)
    let_through = aio_circuit_breaker_allow (breaker, NULL);
  g_assert_true (let_through);
  fail (breaker, 100);

  /* Back to broken, carrying the new error. */
  g_assert_false (aio_circuit_breaker_allow (breaker, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_CIRCUIT_BROKEN);
  g_assert_nonnull (strstr (error->message, "backend down #100"));
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_BROKEN);
}

/* Buckets below the error ratio, or a window not full yet, do not break. */
static void
test_below_ratio (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioCircuitBreaker) breaker = breaker_new (clock);

  aio_circuit_breaker_set_error_ratio (breaker, 0.7);
  for (guint i = 0; i < 30; i++)
    {
      advance (clock, 0.1);
      for (guint j = 0; j < 5; j++)
        {
          g_assert_true (aio_circuit_breaker_allow (breaker, NULL));
          /* One bucket in two fails completely, the others at 60 %. */
          if (i % 2 == 0 || j % 2 == 0)
            fail (breaker, i);
          else
            aio_circuit_breaker_record (breaker, NULL);
        }
    }
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_PASSING);

  /* With a ratio of 0.5 every bucket is failing. */
  aio_circuit_breaker_set_error_ratio (breaker, 0.5);
  g_assert_false (aio_circuit_breaker_allow (breaker, NULL));
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_BROKEN);
}

static gboolean
not_found_is_fine (const GError *error, gpointer user_data)
{
  return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_error_filter (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioCircuitBreaker) breaker = breaker_new (clock);
  g_autoptr(AioCircuitBreaker) listed = breaker_new (clock);
  g_autoptr(GError) not_found = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no such key");
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
  g_autoptr(GError) file_error = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_IO, "disk");

  aio_circuit_breaker_set_filter_func (breaker, not_found_is_fine, NULL, NULL);
  aio_circuit_breaker_add_counted_error (listed, G_FILE_ERROR, -1);

  for (guint i = 0; i < 20; i++)
    {
      advance (clock, 0.1);
      g_assert_true (aio_circuit_breaker_allow (breaker, NULL));
      aio_circuit_breaker_record (breaker, not_found);
      g_assert_true (aio_circuit_breaker_allow (breaker, NULL));
      aio_circuit_breaker_record (breaker, cancelled);

      g_assert_true (aio_circuit_breaker_allow (listed, NULL));
      aio_circuit_breaker_record (listed, not_found);
    }
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_PASSING);
  g_assert_cmpint (aio_circuit_breaker_get_state (listed), ==, AIO_CIRCUIT_BREAKER_STATE_PASSING);

  /* The listed domain counts. */
  for (guint i = 0; i < 10; i++)
    {
      if (i > 0)
        advance (clock, 0.1);
      g_assert_true (aio_circuit_breaker_allow (listed, NULL));
      aio_circuit_breaker_record (listed, file_error);
    }
  g_assert_false (aio_circuit_breaker_allow (listed, NULL));
  g_assert_cmpint (aio_circuit_breaker_get_state (listed), ==, AIO_CIRCUIT_BREAKER_STATE_BROKEN);
}

static void
sync_ok (gpointer user_data, GValue *result, GError **error)
{
  guint *calls = user_data;

  (*calls)++;
  g_value_init (result, G_TYPE_STRING);
  g_value_set_static_string (result, "pong");
}

static void
sync_fail (gpointer user_data, GValue *result, GError **error)
{
  guint *calls = user_data;

  (*calls)++;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "call %u timed out", *calls);
}

static void
sync_no_value (gpointer user_data, GValue *result, GError **error)
{
}

static void
test_call (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioCircuitBreaker) breaker = breaker_new (clock);
  g_autoptr(GError) error = NULL;
  GValue value = G_VALUE_INIT;
  guint calls = 0;

  g_assert_true (aio_circuit_breaker_call (breaker, sync_ok, &calls, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (&value), ==, "pong");
  g_value_unset (&value);

  g_assert_true (aio_circuit_breaker_call (breaker, sync_no_value, NULL, &value, &error));
  g_assert_true (G_VALUE_HOLDS_POINTER (&value));
  g_value_unset (&value);
  g_assert_true (aio_circuit_breaker_call (breaker, sync_ok, &calls, NULL, NULL));

  calls = 0;
  for (guint i = 0; i < 10; i++)
    {
      advance (clock, 0.1);
      g_assert_false (aio_circuit_breaker_call (breaker, sync_fail, &calls, &value, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      g_clear_error (&error);
    }
  g_assert_cmpuint (calls, ==, 10);

  /* Broken: the function is not called; the error names the last failure. */
  g_assert_false (aio_circuit_breaker_call (breaker, sync_fail, &calls, &value, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_CIRCUIT_BROKEN);
  g_assert_nonnull (strstr (error->message, "call 10 timed out"));
  g_assert_cmpuint (calls, ==, 10);
  g_assert_false (G_IS_VALUE (&value));
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GValue    value;
  GError   *error;
} Result;

static void
call_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Result *r = user_data;

  r->ok = aio_circuit_breaker_call_finish (AIO_CIRCUIT_BREAKER (object), result, &r->value, &r->error);
  r->done = TRUE;
}

static void
result_clear (Result *r)
{
  g_value_unset (&r->value);
  g_clear_error (&r->error);
  *r = (Result) { 0 };
}

typedef struct
{
  guint  calls;
  int    code;     /* 0: success */
  GTask *held;     /* when hold is set */
  gboolean hold;
} AsyncOp;

static void
async_op (GTask *task, GCancellable *cancellable, gpointer user_data)
{
  AsyncOp *op = user_data;

  op->calls++;
  if (op->hold)
    op->held = g_object_ref (task);
  else if (op->code != 0)
    g_task_return_new_error (task, G_IO_ERROR, op->code, "async call %u failed", op->calls);
  else
    {
      GValue value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, (int) op->calls);
      g_task_return_value (task, &value);
      g_value_unset (&value);
    }
}

static void
test_call_async (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioCircuitBreaker) breaker = breaker_new (clock);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncOp op = { 0 };
  Result r = { 0 };

  aio_circuit_breaker_call_async (breaker, async_op, &op, NULL, call_cb, &r);
  aio_test_wait (&r.done);
  g_assert_no_error (r.error);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 1);
  result_clear (&r);

  /* Cancelled operations are not counted: they never break the circuit. */
  op.hold = TRUE;
  for (guint i = 0; i < 15; i++)
    {
      advance (clock, 0.1);
      g_cancellable_reset (cancellable);
      aio_circuit_breaker_call_async (breaker, async_op, &op, cancellable, call_cb, &r);
      g_assert_nonnull (op.held);
      g_cancellable_cancel (cancellable);
      g_task_return_error_if_cancelled (op.held);
      g_clear_object (&op.held);
      aio_test_wait (&r.done);
      g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      result_clear (&r);
    }
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), ==, AIO_CIRCUIT_BREAKER_STATE_PASSING);

  /* Failures are. */
  op.hold = FALSE;
  op.code = G_IO_ERROR_BROKEN_PIPE;
  for (guint i = 0; i < 10; i++)
    {
      advance (clock, 0.1);
      aio_circuit_breaker_call_async (breaker, async_op, &op, NULL, call_cb, &r);
      aio_test_wait (&r.done);
      g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
      result_clear (&r);
    }

  op.calls = 0;
  aio_circuit_breaker_call_async (breaker, async_op, &op, NULL, call_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, AIO_ERROR, AIO_ERROR_CIRCUIT_BROKEN);
  g_assert_nonnull (strstr (r.error->message, "async call 26 failed"));
  g_assert_cmpuint (op.calls, ==, 0);
  result_clear (&r);
}

static void
test_invalid (void)
{
  /* Through the C setters, which take any value (g_object_set() would
   * refuse those out of the ranges of the properties with a warning). */
  const struct {
    void      (*set) (AioCircuitBreaker *self, double value);
    double      value;
    const char *needle;
  } bad[] = {
    { aio_circuit_breaker_set_error_ratio, 0, "error-ratio 0" },
    { aio_circuit_breaker_set_error_ratio, 1.5, "error-ratio 1.5" },
    { aio_circuit_breaker_set_response_time, 0, "response-time 0" },
    { aio_circuit_breaker_set_response_time, -1, "response-time -1" },
    { aio_circuit_breaker_set_broken_time, -2, "broken-time -2" },
    { aio_circuit_breaker_set_recovery_time, INFINITY, "recovery-time inf" },
    { aio_circuit_breaker_set_passing_time, -0.5, "passing-time -0.5" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(AioCircuitBreaker) breaker = aio_circuit_breaker_new (0.5, 1);
      g_autoptr(GError) error = NULL;
      AsyncOp op = { 0 };
      Result r = { 0 };
      guint calls = 0;

      g_assert_true (aio_circuit_breaker_validate (breaker, NULL));
      bad[i].set (breaker, bad[i].value);

      g_assert_false (aio_circuit_breaker_validate (breaker, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i].needle));
      g_clear_error (&error);

      g_assert_false (aio_circuit_breaker_call (breaker, sync_ok, &calls, NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_cmpuint (calls, ==, 0);

      aio_circuit_breaker_call_async (breaker, async_op, &op, NULL, call_cb, &r);
      aio_test_wait (&r.done);
      g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_cmpuint (op.calls, ==, 0);
      result_clear (&r);
    }

  {
    g_autoptr(AioCircuitBreaker) breaker = aio_circuit_breaker_new (NAN, 1);
    g_autoptr(GError) error = NULL;

    g_assert_false (aio_circuit_breaker_allow (breaker, &error));
    g_assert_nonnull (strstr (error->message, "error-ratio nan"));
  }
}

static void
test_properties (void)
{
  g_autoptr(AioCircuitBreaker) breaker = aio_circuit_breaker_new (0.25, 3);
  AioCircuitBreakerState state;
  guint notified = 0;
  double d;

  g_assert_true (aio_circuit_breaker_get_clock (breaker) == aio_clock_get_default ());
  g_assert_cmpfloat (aio_circuit_breaker_get_error_ratio (breaker), ==, 0.25);
  g_assert_cmpfloat (aio_circuit_breaker_get_response_time (breaker), ==, 3);
  g_assert_cmpfloat (aio_circuit_breaker_get_broken_time (breaker), ==, 0);
  g_assert_cmpfloat (aio_circuit_breaker_get_recovery_time (breaker), ==, 0);
  g_assert_cmpfloat (aio_circuit_breaker_get_passing_time (breaker), ==, 0);
  g_assert_cmpfloat (aio_circuit_breaker_get_state_delay (breaker), ==, 0);
  g_object_get (breaker, "state", &state, "response-time", &d, NULL);
  g_assert_cmpint (state, ==, AIO_CIRCUIT_BREAKER_STATE_PASSING);
  g_assert_cmpfloat (d, ==, 3);

  g_signal_connect_swapped (breaker, "notify", G_CALLBACK (g_atomic_int_inc), &notified);
  aio_circuit_breaker_set_broken_time (breaker, 5);
  aio_circuit_breaker_set_broken_time (breaker, 5);
  aio_circuit_breaker_set_recovery_time (breaker, 6);
  aio_circuit_breaker_set_passing_time (breaker, 7);
  aio_circuit_breaker_set_response_time (breaker, 3);
  g_assert_cmpuint (notified, ==, 3);
  g_assert_cmpfloat (aio_circuit_breaker_get_passing_time (breaker), ==, 7);
}

/* Several threads call and record at once while another moves the time. */
#define N_THREADS 6
#define N_CALLS 3000

typedef struct
{
  AioCircuitBreaker *breaker;
  AioClock          *clock;
  guint              index;
  guint              allowed;
  guint              refused;
  gint              *running;
} Worker;

static gpointer
worker_thread (gpointer data)
{
  Worker *w = data;
  g_autoptr(GError) failure = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "worker %u", w->index);

  for (guint i = 0; i < N_CALLS; i++)
    {
      g_autoptr(GError) error = NULL;

      if (aio_circuit_breaker_allow (w->breaker, &error))
        {
          w->allowed++;
          /* Mostly failures, so that the breaker cycles. */
          aio_circuit_breaker_record (w->breaker, (i + w->index) % 5 ? failure : NULL);
        }
      else
        {
          g_assert_error (error, AIO_ERROR, AIO_ERROR_CIRCUIT_BROKEN);
          w->refused++;
        }
    }
  g_atomic_int_dec_and_test (w->running);

  return NULL;
}

static void
count_change (AioCircuitBreaker *breaker, GParamSpec *pspec, gint *changes)
{
  g_atomic_int_inc (changes);
}

static void
test_threads (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(AioCircuitBreaker) breaker = NULL;
  GThread *threads[N_THREADS];
  Worker workers[N_THREADS];
  double calls = aio_statistics_get ("circuit_breaker", "calls");
  gint running = N_THREADS;
  gint changes = 0;
  guint total = 0;
  guint allowed = 0;

  breaker = g_object_new (AIO_TYPE_CIRCUIT_BREAKER,
                          "clock", clock,
                          "error-ratio", 0.5,
                          "response-time", 0.1,
                          NULL);
  g_signal_connect (breaker, "notify::state", G_CALLBACK (count_change), &changes);

  for (guint i = 0; i < N_THREADS; i++)
    {
      workers[i] = (Worker) { breaker, clock, i, 0, 0, &running };
      threads[i] = g_thread_new ("breaker", worker_thread, &workers[i]);
    }
  /* Time moves while they run (a bucket per advance). */
  while (g_atomic_int_get (&running) > 0)
    {
      advance (clock, 0.01);
      g_thread_yield ();
    }
  for (guint i = 0; i < N_THREADS; i++)
    {
      g_thread_join (threads[i]);
      total += workers[i].allowed + workers[i].refused;
      allowed += workers[i].allowed;
    }

  g_test_message ("%u of %u calls let through, %d state changes", allowed, total, changes);
  g_assert_cmpuint (total, ==, N_THREADS * N_CALLS);
  g_assert_cmpfloat (aio_statistics_get ("circuit_breaker", "calls"), ==, calls + total);
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), >=, AIO_CIRCUIT_BREAKER_STATE_PASSING);
  g_assert_cmpint (aio_circuit_breaker_get_state (breaker), <=, AIO_CIRCUIT_BREAKER_STATE_RECOVERING);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/CircuitBreaker/full-cycle", test_full_cycle);
  g_test_add_func ("/Aio/CircuitBreaker/recovery-fails", test_recovery_fails);
  g_test_add_func ("/Aio/CircuitBreaker/below-ratio", test_below_ratio);
  g_test_add_func ("/Aio/CircuitBreaker/error-filter", test_error_filter);
  g_test_add_func ("/Aio/CircuitBreaker/call", test_call);
  g_test_add_func ("/Aio/CircuitBreaker/call-async", test_call_async);
  g_test_add_func ("/Aio/CircuitBreaker/invalid", test_invalid);
  g_test_add_func ("/Aio/CircuitBreaker/properties", test_properties);
  g_test_add_func ("/Aio/CircuitBreaker/threads", test_threads);

  return g_test_run ();
}
