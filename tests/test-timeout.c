/* test-timeout.c: aio_timeout_async
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
}

static void
timeout_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  static guint calls;
  Result *r = user_data;

  g_assert_null (object);
  /* Both names work for both forms. */
  if (calls++ % 2 == 0)
    r->ok = aio_timeout_finish (result, &r->value, &r->error);
  else
    r->ok = aio_timeout_full_finish (result, &r->value, &r->error);
  g_assert_true (r->ok == (r->error == NULL));
  r->done = TRUE;
}

/* A controllable operation. */
typedef struct
{
  guint     calls;
  GTask    *task;          /* held until completed */
  gboolean  saw_cancel;
  gboolean  ignore_cancel;
  gulong    cancel_id;
} Op;

static void
op_return_int (GTask *task, int v)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, v);
  g_task_return_value (task, &value);
  g_value_unset (&value);
}

static void
op_value_now (GTask *task, GCancellable *cancellable, gpointer user_data)
{
  Op *op = user_data;

  op->calls++;
  op_return_int (task, 42);
}

static void
op_error_now (GTask *task, GCancellable *cancellable, gpointer user_data)
{
  Op *op = user_data;

  op->calls++;
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE, "no route");
}

static void
op_cancelled_cb (GCancellable *cancellable, Op *op)
{
  op->saw_cancel = TRUE;
  if (!op->ignore_cancel && op->task != NULL)
    {
      /* Completing from the handler is fine: GTask defers the callback. */
      g_task_return_error_if_cancelled (op->task);
      g_clear_object (&op->task);
    }
}

/* Runs until cancelled (or completed by the test). */
static void
op_hang (GTask *task, GCancellable *cancellable, gpointer user_data)
{
  Op *op = user_data;

  op->calls++;
  g_assert_nonnull (cancellable);
  g_assert_true (cancellable == g_task_get_cancellable (task));
  op->task = g_object_ref (task);
  op->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (op_cancelled_cb), op, NULL);
}

static void
op_clear (Op *op)
{
  if (op->task != NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (op->task);

      g_cancellable_disconnect (cancellable, op->cancel_id);
      g_clear_object (&op->task);
    }
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_in_time (void)
{
  Op op = { 0 };
  Result r = { 0 };

  aio_timeout_async (10, op_value_now, &op, NULL, timeout_cb, &r);
  g_assert_cmpuint (op.calls, ==, 1);   /* called before returning */
  aio_test_wait (&r.done);
  g_assert_no_error (r.error);
  g_assert_true (G_VALUE_HOLDS_INT (&r.value));
  g_assert_cmpint (g_value_get_int (&r.value), ==, 42);
  result_clear (&r);
}

static void
test_in_time_manual_clock (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Op op = { 0 };
  Result r = { 0 };

  aio_timeout_full_async (clock, 1.0, op_hang, &op, NULL, timeout_cb, &r);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (0.999));
  iterate_pending ();
  g_assert_false (r.done);
  g_assert_false (op.saw_cancel);

  /* The operation finishes just in time. */
  op_return_int (op.task, 7);
  op_clear (&op);
  aio_test_wait (&r.done);
  g_assert_no_error (r.error);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 7);

  /* The timer is gone: advancing past the limit changes nothing. */
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (5));
  iterate_pending ();
  g_assert_false (op.saw_cancel);
  result_clear (&r);
}

static void
test_expires (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Op op = { 0 };
  Result r = { 0 };
  double timeouts = aio_statistics_get ("timeout", "timeouts");

  aio_timeout_full_async (clock, 1.5, op_hang, &op, NULL, timeout_cb, &r);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (1.5));
  aio_test_wait (&r.done);

  g_assert_true (op.saw_cancel);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (r.error->message, "1.5"));
  g_assert_false (G_IS_VALUE (&r.value));
  g_assert_cmpfloat (aio_statistics_get ("timeout", "timeouts"), ==, timeouts + 1);
  op_clear (&op);
  result_clear (&r);
}

static void
test_expires_real_clock (void)
{
  Op op = { 0 };
  Result r = { 0 };

  aio_timeout_async (0.01, op_hang, &op, NULL, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_assert_true (op.saw_cancel);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  op_clear (&op);
  result_clear (&r);
}

static void
test_zero (void)
{
  Op op = { 0 };
  Result r = { 0 };

  aio_timeout_async (0, op_hang, &op, NULL, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  op_clear (&op);
  result_clear (&r);
}

static void
test_infinite (void)
{
  Op op = { 0 };
  Result r = { 0 };

  aio_timeout_async (INFINITY, op_value_now, &op, NULL, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_assert_no_error (r.error);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 42);
  result_clear (&r);
}

/* After the deadline the operation is still waited for. */
static void
test_waits_for_operation (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Op op = { .ignore_cancel = TRUE };
  Result r = { 0 };

  aio_timeout_full_async (clock, 1, op_hang, &op, NULL, timeout_cb, &r);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (2));
  iterate_pending ();
  g_assert_true (op.saw_cancel);
  g_assert_false (r.done);

  /* Whatever it returns now, the caller gets the timeout. */
  op_return_int (op.task, 1);
  op_clear (&op);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  result_clear (&r);
}

static void
test_error (void)
{
  Op op = { 0 };
  Result r = { 0 };

  aio_timeout_async (10, op_error_now, &op, NULL, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE);
  g_assert_cmpstr (r.error->message, ==, "no route");
  result_clear (&r);
}

static void
test_cancelled (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Op op = { 0 };
  Result r = { 0 };

  aio_timeout_full_async (clock, 10, op_hang, &op, cancellable, timeout_cb, &r);
  iterate_pending ();
  g_cancellable_cancel (cancellable);
  aio_test_wait (&r.done);
  g_assert_true (op.saw_cancel);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  op_clear (&op);
  result_clear (&r);

  /* Already cancelled: the operation is not even started. */
  op = (Op) { 0 };
  r = (Result) { 0 };
  aio_timeout_full_async (clock, 10, op_hang, &op, cancellable, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_assert_cmpuint (op.calls, ==, 0);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);
}

static void
test_invalid (void)
{
  Op op = { 0 };
  Result r = { 0 };

  aio_timeout_async (-1, op_value_now, &op, NULL, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (r.error->message, "-1"));
  g_assert_cmpuint (op.calls, ==, 0);
  result_clear (&r);

  r = (Result) { 0 };
  aio_timeout_async (NAN, op_value_now, &op, NULL, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (r.error->message, "nan"));
  g_assert_cmpuint (op.calls, ==, 0);
  result_clear (&r);
}

static gpointer
complete_in_thread (gpointer data)
{
  GTask *task = data;

  op_return_int (task, 99);
  g_object_unref (task);
  return NULL;
}

static void
op_in_thread (GTask *task, GCancellable *cancellable, gpointer user_data)
{
  GThread **thread = user_data;

  *thread = g_thread_new ("op", complete_in_thread, g_object_ref (task));
}

static void
test_completed_from_thread (void)
{
  GThread *thread = NULL;
  Result r = { 0 };

  aio_timeout_async (30, op_in_thread, &thread, NULL, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_thread_join (thread);
  g_assert_no_error (r.error);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 99);
  result_clear (&r);
}

static void
op_no_value (GTask *task, GCancellable *cancellable, gpointer user_data)
{
  g_task_return_value (task, NULL);
}

static void
op_wrong_kind (GTask *task, GCancellable *cancellable, gpointer user_data)
{
  g_task_return_boolean (task, TRUE);
}

static void
test_value_kinds (void)
{
  Result r = { 0 };

  /* No value: a NULL pointer. */
  aio_timeout_async (10, op_no_value, NULL, NULL, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_assert_no_error (r.error);
  g_assert_true (G_VALUE_HOLDS_POINTER (&r.value));
  g_assert_null (g_value_get_pointer (&r.value));
  result_clear (&r);

  /* Breaking the convention is reported, not taken for a success. */
  r = (Result) { 0 };
  g_test_expect_message ("GLib-GIO", G_LOG_LEVEL_CRITICAL, "*result_destroy*");
  aio_timeout_async (10, op_wrong_kind, NULL, NULL, timeout_cb, &r);
  aio_test_wait (&r.done);
  g_test_assert_expected_messages ();
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_nonnull (strstr (r.error->message, "g_task_return_value"));
  result_clear (&r);
}

/* An operation that watches the caller's cancellable rather than its own,
 * and completes right from the "cancelled" handler: the timeout must not
 * deadlock nor complete twice. */
typedef struct
{
  GCancellable *caller;
  GTask        *task;
  gulong        id;
} Watcher;

static void
watcher_cancelled (GCancellable *cancellable, Watcher *w)
{
  g_task_return_new_error (w->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "seen");
  g_clear_object (&w->task);
}

static void
op_watch_caller (GTask *task, GCancellable *cancellable, gpointer user_data)
{
  Watcher *w = user_data;

  w->task = g_object_ref (task);
  w->id = g_cancellable_connect (w->caller, G_CALLBACK (watcher_cancelled), w, NULL);
}

static gboolean
cancel_from_source (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancelled_from_handler (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Watcher w = { cancellable, NULL, 0 };
  Result r = { 0 };

  aio_timeout_async (30, op_watch_caller, &w, cancellable, timeout_cb, &r);
  iterate_pending ();
  g_idle_add (cancel_from_source, cancellable);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (w.task);
  g_cancellable_disconnect (cancellable, w.id);
  iterate_pending ();
  result_clear (&r);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Timeout/in-time", test_in_time);
  g_test_add_func ("/Aio/Timeout/in-time-manual-clock", test_in_time_manual_clock);
  g_test_add_func ("/Aio/Timeout/expires", test_expires);
  g_test_add_func ("/Aio/Timeout/expires-real-clock", test_expires_real_clock);
  g_test_add_func ("/Aio/Timeout/zero", test_zero);
  g_test_add_func ("/Aio/Timeout/infinite", test_infinite);
  g_test_add_func ("/Aio/Timeout/waits-for-operation", test_waits_for_operation);
  g_test_add_func ("/Aio/Timeout/error", test_error);
  g_test_add_func ("/Aio/Timeout/cancelled", test_cancelled);
  g_test_add_func ("/Aio/Timeout/cancelled-from-handler", test_cancelled_from_handler);
  g_test_add_func ("/Aio/Timeout/invalid", test_invalid);
  g_test_add_func ("/Aio/Timeout/completed-from-thread", test_completed_from_thread);
  g_test_add_func ("/Aio/Timeout/value-kinds", test_value_kinds);

  return g_test_run ();
}
