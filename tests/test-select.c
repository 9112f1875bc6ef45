/* test-select.c: aio_select_async
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-services.h"

typedef struct
{
  gboolean  done;
  gboolean  ok;
  guint     winner;
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
select_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Result *r = user_data;

  r->ok = aio_select_finish (result, &r->winner, &r->value, &r->error);
  g_assert_true (r->ok == (r->error == NULL));
  r->done = TRUE;
}

typedef enum {
  OP_HANG,          /* until cancelled, or completed by the test */
  OP_IGNORE_CANCEL, /* until completed by the test */
  OP_VALUE_NOW,
  OP_ERROR_NOW,
} OpMode;

typedef struct
{
  OpMode        mode;
  guint         calls;
  guint         index;
  GTask        *task;
  GCancellable *cancellable;
  gulong        cancel_id;
  gboolean      saw_cancel;
} Op;

typedef struct
{
  Op ops[4];
} Race;

static void
return_int (GTask *task, int v)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_INT);
  g_value_set_int (&value, v);
  g_task_return_value (task, &value);
  g_value_unset (&value);
}

static void
op_cancelled_cb (GCancellable *cancellable, Op *op)
{
  op->saw_cancel = TRUE;
  if (op->mode == OP_HANG && op->task != NULL)
    {
      g_task_return_error_if_cancelled (op->task);
      g_clear_object (&op->task);
    }
}

static void
race_func (GTask *task, guint index, GCancellable *cancellable, gpointer user_data)
{
  Race *race = user_data;
  Op *op;

  g_assert_cmpuint (index, <, G_N_ELEMENTS (race->ops));
  op = &race->ops[index];
  op->calls++;
  op->index = index;
  g_assert_true (cancellable == g_task_get_cancellable (task));

  switch (op->mode)
    {
    case OP_VALUE_NOW:
      return_int (task, 100 + index);
      break;

    case OP_ERROR_NOW:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "op %u failed", index);
      break;

    case OP_HANG:
    case OP_IGNORE_CANCEL:
      op->task = g_object_ref (task);
      op->cancellable = g_object_ref (cancellable);
      op->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (op_cancelled_cb), op, NULL);
      break;
    }
}

/* Completes a held operation with a value. */
static void
op_complete (Op *op, int v)
{
  g_assert_nonnull (op->task);
  return_int (op->task, v);
  g_clear_object (&op->task);
}

static void
race_clear (Race *race)
{
  for (guint i = 0; i < G_N_ELEMENTS (race->ops); i++)
    {
      Op *op = &race->ops[i];

      g_assert_null (op->task);
      if (op->cancellable != NULL)
        g_cancellable_disconnect (op->cancellable, op->cancel_id);
      g_clear_object (&op->cancellable);
    }
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_first_wins (void)
{
  Race race = { 0 };
  Result r = { 0 };

  aio_select_async (3, AIO_SELECT_FLAGS_NONE, race_func, &race, NULL, select_cb, &r);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (race.ops[i].calls, ==, 1);
  iterate_pending ();
  g_assert_false (r.done);

  op_complete (&race.ops[1], 11);
  aio_test_wait (&r.done);

  g_assert_no_error (r.error);
  g_assert_cmpuint (r.winner, ==, 1);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 11);
  /* The losers were cancelled, and had completed before the callback. */
  g_assert_true (race.ops[0].saw_cancel);
  g_assert_true (race.ops[2].saw_cancel);
  g_assert_false (race.ops[1].saw_cancel);
  g_assert_null (race.ops[0].task);
  g_assert_null (race.ops[2].task);

  race_clear (&race);
  result_clear (&r);
}

static void
test_immediate (void)
{
  Race race = { 0 };
  Result r = { 0 };

  race.ops[2].mode = OP_VALUE_NOW;
  race.ops[3].mode = OP_VALUE_NOW;
  aio_select_async (4, AIO_SELECT_FLAGS_NONE, race_func, &race, NULL, select_cb, &r);
  /* Every operation starts, even though one already completed. */
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (race.ops[i].calls, ==, 1);
  aio_test_wait (&r.done);

  g_assert_no_error (r.error);
  g_assert_cmpuint (r.winner, ==, 2);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 102);
  g_assert_true (race.ops[0].saw_cancel);
  g_assert_true (race.ops[1].saw_cancel);

  race_clear (&race);
  result_clear (&r);
}

static void
test_waits_for_losers (void)
{
  Race race = { 0 };
  Result r = { 0 };

  race.ops[0].mode = OP_IGNORE_CANCEL;
  race.ops[1].mode = OP_HANG;
  aio_select_async (2, AIO_SELECT_FLAGS_NONE, race_func, &race, NULL, select_cb, &r);
  op_complete (&race.ops[1], 1);
  iterate_pending ();

  /* Operation 0 saw the cancellation but did not complete yet. */
  g_assert_true (race.ops[0].saw_cancel);
  g_assert_false (r.done);

  op_complete (&race.ops[0], 0);
  aio_test_wait (&r.done);
  g_assert_cmpuint (r.winner, ==, 1);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 1);

  race_clear (&race);
  result_clear (&r);
}

static void
test_no_wait (void)
{
  Race race = { 0 };
  Result r = { 0 };

  race.ops[0].mode = OP_IGNORE_CANCEL;
  aio_select_async (2, AIO_SELECT_FLAGS_NO_WAIT, race_func, &race, NULL, select_cb, &r);
  op_complete (&race.ops[1], 5);
  aio_test_wait (&r.done);

  g_assert_cmpuint (r.winner, ==, 1);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 5);
  g_assert_true (race.ops[0].saw_cancel);
  g_assert_nonnull (race.ops[0].task);   /* still running */

  op_complete (&race.ops[0], 0);
  iterate_pending ();
  race_clear (&race);
  result_clear (&r);
}

static void
test_no_cancel (void)
{
  Race race = { 0 };
  Result r = { 0 };

  aio_select_async (3, AIO_SELECT_FLAGS_NO_CANCEL, race_func, &race, NULL, select_cb, &r);
  op_complete (&race.ops[2], 2);
  aio_test_wait (&r.done);

  g_assert_cmpuint (r.winner, ==, 2);
  g_assert_cmpint (g_value_get_int (&r.value), ==, 2);
  /* The losers keep running, untouched; their results are dropped. */
  g_assert_false (race.ops[0].saw_cancel);
  g_assert_false (race.ops[1].saw_cancel);
  g_assert_nonnull (race.ops[0].task);
  g_assert_nonnull (race.ops[1].task);

  op_complete (&race.ops[0], 0);
  op_complete (&race.ops[1], 1);
  iterate_pending ();
  g_assert_false (race.ops[0].saw_cancel);
  race_clear (&race);
  result_clear (&r);
}

static void
test_error_wins (void)
{
  Race race = { 0 };
  Result r = { 0 };

  race.ops[1].mode = OP_ERROR_NOW;
  aio_select_async (3, AIO_SELECT_FLAGS_NONE, race_func, &race, NULL, select_cb, &r);
  aio_test_wait (&r.done);

  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpstr (r.error->message, ==, "op 1 failed");
  g_assert_cmpuint (r.winner, ==, 1);
  g_assert_false (G_IS_VALUE (&r.value));
  g_assert_true (race.ops[0].saw_cancel);
  g_assert_true (race.ops[2].saw_cancel);

  race_clear (&race);
  result_clear (&r);
}

static void
test_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Race race = { 0 };
  Result r = { 0 };

  aio_select_async (3, AIO_SELECT_FLAGS_NO_CANCEL, race_func, &race, cancellable, select_cb, &r);
  iterate_pending ();
  g_cancellable_cancel (cancellable);
  aio_test_wait (&r.done);

  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (r.winner, ==, G_MAXUINT);
  for (guint i = 0; i < 3; i++)
    g_assert_true (race.ops[i].saw_cancel);
  iterate_pending ();
  race_clear (&race);
  result_clear (&r);

  /* Already cancelled: nothing starts. */
  race = (Race) { 0 };
  r = (Result) { 0 };
  aio_select_async (2, AIO_SELECT_FLAGS_NONE, race_func, &race, cancellable, select_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (race.ops[0].calls, ==, 0);
  result_clear (&r);
}

static void
test_invalid (void)
{
  Race race = { 0 };
  Result r = { 0 };

  aio_select_async (0, AIO_SELECT_FLAGS_NONE, race_func, &race, NULL, select_cb, &r);
  aio_test_wait (&r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (r.error->message, " 0"));
  g_assert_cmpuint (r.winner, ==, G_MAXUINT);
  result_clear (&r);
}

/* Without an output value or winner. */
static void
finish_no_outs_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  gboolean *done = user_data;

  g_assert_true (aio_select_finish (result, NULL, NULL, NULL));
  *done = TRUE;
}

static void
test_single (void)
{
  Race race = { 0 };
  gboolean done = FALSE;

  race.ops[0].mode = OP_VALUE_NOW;
  aio_select_async (1, AIO_SELECT_FLAGS_NONE, race_func, &race, NULL, finish_no_outs_cb, &done);
  aio_test_wait (&done);
  g_assert_cmpuint (race.ops[0].calls, ==, 1);
  g_assert_false (race.ops[0].saw_cancel);
  race_clear (&race);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Select/first-wins", test_first_wins);
  g_test_add_func ("/Aio/Select/immediate", test_immediate);
  g_test_add_func ("/Aio/Select/waits-for-losers", test_waits_for_losers);
  g_test_add_func ("/Aio/Select/no-wait", test_no_wait);
  g_test_add_func ("/Aio/Select/no-cancel", test_no_cancel);
  g_test_add_func ("/Aio/Select/error-wins", test_error_wins);
  g_test_add_func ("/Aio/Select/cancelled", test_cancelled);
  g_test_add_func ("/Aio/Select/invalid", test_invalid);
  g_test_add_func ("/Aio/Select/single", test_single);

  return g_test_run ();
}
