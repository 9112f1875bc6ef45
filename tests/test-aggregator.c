/* test-aggregator.c: AioAggregator
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-services.h"

#include <math.h>

#define USEC(s) ((gint64) ((s) * G_USEC_PER_SEC + 0.5))

typedef struct
{
  gboolean  done;
  GVariant *value;
  GError   *error;
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->value, g_variant_unref);
  g_clear_error (&r->error);
  *r = (Result) { 0 };
}

static void
call_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Result *r = user_data;

  g_assert_false (r->done);
  r->value = aio_aggregator_call_finish (AIO_AGGREGATOR (object), result, &r->error);
  g_assert_true ((r->value == NULL) == (r->error != NULL));
  r->done = TRUE;
}

typedef enum {
  BATCH_TIMES_TEN,     /* `ai`: each int32 item times ten */
  BATCH_ECHO,          /* `av`: the items as they are */
  BATCH_FAIL,
  BATCH_HOLD,          /* keep the task; the test completes it */
  BATCH_TOO_FEW,       /* one result less than items */
  BATCH_NOT_VARIANT,   /* an int instead of a variant */
} BatchMode;

typedef struct
{
  BatchMode     mode;
  GPtrArray    *batches;       /* GVariant `av`, one per call of the function */
  GTask        *held;
  GCancellable *held_cancellable;
  gboolean      saw_cancel;
  guint         destroyed;
} Backend;

static void
backend_init (Backend *b, BatchMode mode)
{
  *b = (Backend) { 0 };
  b->mode = mode;
  b->batches = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}

static void
backend_clear (Backend *b)
{
  g_assert_null (b->held);
  g_clear_object (&b->held_cancellable);
  g_clear_pointer (&b->batches, g_ptr_array_unref);
}

static void
backend_destroy (gpointer data)
{
  Backend *b = data;

  b->destroyed++;
}

static void
return_variant (GTask *task, GVariant *variant)
{
  GValue value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_VARIANT);
  g_value_set_variant (&value, variant);
  g_task_return_value (task, &value);
  g_value_unset (&value);
}

static GVariant *
times_ten (GVariant *items)
{
  GVariantBuilder builder;
  GVariantIter iter;
  GVariant *item;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("ai"));
  g_variant_iter_init (&iter, items);
  while (g_variant_iter_next (&iter, "v", &item))
    {
      g_variant_builder_add (&builder, "i", g_variant_get_int32 (item) * 10);
      g_variant_unref (item);
    }

  return g_variant_builder_end (&builder);
}

static void
held_cancelled (GCancellable *cancellable, Backend *b)
{
  b->saw_cancel = TRUE;
}

static void
backend_func (GTask *task, GVariant *items, GCancellable *cancellable, gpointer user_data)
{
  static GMutex lock;   /* the batch function runs in several threads */
  Backend *b = user_data;

  g_assert_true (g_variant_is_of_type (items, G_VARIANT_TYPE ("av")));
  g_mutex_lock (&lock);
  g_ptr_array_add (b->batches, g_variant_ref (items));
  g_mutex_unlock (&lock);

  switch (b->mode)
    {
    case BATCH_TIMES_TEN:
      return_variant (task, times_ten (items));
      break;

    case BATCH_ECHO:
      return_variant (task, items);
      break;

    case BATCH_FAIL:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               "batch of %" G_GSIZE_FORMAT " failed", g_variant_n_children (items));
      break;

    case BATCH_HOLD:
      g_assert_null (b->held);
      b->held = g_object_ref (task);
      g_clear_object (&b->held_cancellable);
      b->held_cancellable = g_object_ref (cancellable);
      g_cancellable_connect (cancellable, G_CALLBACK (held_cancelled), b, NULL);
      break;

    case BATCH_TOO_FEW:
      {
        g_autoptr(GVariant) all = times_ten (items);
        gsize n = g_variant_n_children (all);
        g_autofree gint32 *ints = g_new0 (gint32, n);

        for (gsize i = 0; i + 1 < n; i++)
          g_variant_get_child (all, i, "i", &ints[i]);
        return_variant (task, g_variant_new_fixed_array (G_VARIANT_TYPE_INT32, ints, n - 1, sizeof (gint32)));
      }
      break;

    case BATCH_NOT_VARIANT:
      {
        GValue value = G_VALUE_INIT;

        g_value_init (&value, G_TYPE_INT);
        g_task_return_value (task, &value);
      }
      break;
    }
}

/* The int32 items of batch @i. */
static char *
batch_string (Backend *b, guint i)
{
  return g_variant_print (g_ptr_array_index (b->batches, i), FALSE);
}

static void
iterate_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static AioAggregator *
aggregator_new (AioClock *clock, double leeway, int max_count, Backend *b)
{
  AioAggregator *aggregator;

  aggregator = g_object_new (AIO_TYPE_AGGREGATOR,
                             "clock", clock,
                             "leeway", leeway,
                             "max-count", max_count,
                             NULL);
  aio_aggregator_set_func (aggregator, backend_func, b, backend_destroy);

  return aggregator;
}

static void
test_leeway (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Backend b;
  g_autoptr(AioAggregator) aggregator = (backend_init (&b, BATCH_TIMES_TEN),
                                         aggregator_new (clock, 0.1, -1, &b));
  double batches = aio_statistics_get ("aggregator", "batches");
  g_autofree char *printed = NULL;
  Result r[4] = { 0 };

  aio_aggregator_call_async (aggregator, g_variant_new_int32 (1), NULL, call_cb, &r[0]);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (0.05));
  iterate_pending ();
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (2), NULL, call_cb, &r[1]);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (0.049));
  iterate_pending ();
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (3), NULL, call_cb, &r[2]);
  iterate_pending ();

  /* Within the leeway of the first call: nothing sent yet. */
  g_assert_cmpuint (b.batches->len, ==, 0);
  g_assert_cmpuint (aio_aggregator_get_count (aggregator), ==, 3);
  g_assert_false (r[0].done);

  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (0.001));
  aio_test_wait (&r[2].done);
  g_assert_cmpuint (b.batches->len, ==, 1);
  printed = batch_string (&b, 0);
  g_assert_cmpstr (printed, ==, "[<1>, <2>, <3>]");
  g_assert_cmpuint (aio_aggregator_get_count (aggregator), ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (r[i].done);
      g_assert_no_error (r[i].error);
      g_assert_cmpint (g_variant_get_int32 (r[i].value), ==, 10 * (i + 1));
      result_clear (&r[i]);
    }
  g_assert_cmpfloat (aio_statistics_get ("aggregator", "batches"), ==, batches + 1);

  /* A later call starts a new batch. */
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (4), NULL, call_cb, &r[3]);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (0.1));
  aio_test_wait (&r[3].done);
  g_assert_cmpint (g_variant_get_int32 (r[3].value), ==, 40);
  g_assert_cmpuint (b.batches->len, ==, 2);
  result_clear (&r[3]);

  g_clear_object (&aggregator);
  g_assert_cmpuint (b.destroyed, ==, 1);
  backend_clear (&b);
}

static void
test_max_count (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Backend b;
  g_autoptr(AioAggregator) aggregator = (backend_init (&b, BATCH_TIMES_TEN),
                                         aggregator_new (clock, 10, 2, &b));
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *third = NULL;
  Result r[5] = { 0 };

  aio_aggregator_call_async (aggregator, g_variant_new_int32 (1), NULL, call_cb, &r[0]);
  g_assert_cmpuint (b.batches->len, ==, 0);
  /* The second call fills the batch: sent before the call returns. */
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (2), NULL, call_cb, &r[1]);
  g_assert_cmpuint (b.batches->len, ==, 1);
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (3), NULL, call_cb, &r[2]);
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (4), NULL, call_cb, &r[3]);
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (5), NULL, call_cb, &r[4]);
  g_assert_cmpuint (b.batches->len, ==, 2);
  g_assert_cmpuint (aio_aggregator_get_count (aggregator), ==, 1);

  aio_test_wait (&r[3].done);
  g_assert_false (r[4].done);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (10));
  aio_test_wait (&r[4].done);

  g_assert_cmpuint (b.batches->len, ==, 3);
  first = batch_string (&b, 0);
  second = batch_string (&b, 1);
  third = batch_string (&b, 2);
  g_assert_cmpstr (first, ==, "[<1>, <2>]");
  g_assert_cmpstr (second, ==, "[<3>, <4>]");
  g_assert_cmpstr (third, ==, "[<5>]");
  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpint (g_variant_get_int32 (r[i].value), ==, 10 * (i + 1));
      result_clear (&r[i]);
    }

  g_clear_object (&aggregator);
  backend_clear (&b);
}

static void
test_batch_error (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Backend b;
  g_autoptr(AioAggregator) aggregator = (backend_init (&b, BATCH_FAIL),
                                         aggregator_new (clock, 0.5, -1, &b));
  Result r[3] = { 0 };

  for (guint i = 0; i < 3; i++)
    aio_aggregator_call_async (aggregator, g_variant_new_int32 (i), NULL, call_cb, &r[i]);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (0.5));
  for (guint i = 0; i < 3; i++)
    {
      aio_test_wait (&r[i].done);
      g_assert_error (r[i].error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
      g_assert_cmpstr (r[i].error->message, ==, "batch of 3 failed");
      result_clear (&r[i]);
    }
  g_assert_cmpuint (b.batches->len, ==, 1);

  g_clear_object (&aggregator);
  backend_clear (&b);
}

static void
test_cancelled_before_send (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Backend b;
  g_autoptr(AioAggregator) aggregator = (backend_init (&b, BATCH_TIMES_TEN),
                                         aggregator_new (clock, 1, 3, &b));
  g_autofree char *printed = NULL;
  Result r[4] = { 0 };

  /* Cancelled before the batch is sent: the item is dropped, and it no
   * longer counts towards max-count. */
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (1), NULL, call_cb, &r[0]);
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (2), cancellable, call_cb, &r[1]);
  g_cancellable_cancel (cancellable);
  aio_test_wait (&r[1].done);
  g_assert_error (r[1].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (aio_aggregator_get_count (aggregator), ==, 1);
  g_assert_false (r[0].done);

  aio_aggregator_call_async (aggregator, g_variant_new_int32 (3), NULL, call_cb, &r[2]);
  g_assert_cmpuint (b.batches->len, ==, 0);
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (4), NULL, call_cb, &r[3]);
  g_assert_cmpuint (b.batches->len, ==, 1);
  printed = batch_string (&b, 0);
  g_assert_cmpstr (printed, ==, "[<1>, <3>, <4>]");
  aio_test_wait (&r[3].done);
  g_assert_cmpint (g_variant_get_int32 (r[0].value), ==, 10);
  g_assert_cmpint (g_variant_get_int32 (r[2].value), ==, 30);
  g_assert_cmpint (g_variant_get_int32 (r[3].value), ==, 40);
  for (guint i = 0; i < 4; i++)
    result_clear (&r[i]);

  /* Already cancelled: fails at once, never queued. */
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (5), cancellable, call_cb, &r[0]);
  aio_test_wait (&r[0].done);
  g_assert_error (r[0].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (aio_aggregator_get_count (aggregator), ==, 0);
  result_clear (&r[0]);

  /* Every caller of a batch cancelled: nothing is sent. */
  g_cancellable_reset (cancellable);
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (6), cancellable, call_cb, &r[0]);
  g_cancellable_cancel (cancellable);
  aio_test_wait (&r[0].done);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), USEC (1));
  iterate_pending ();
  g_assert_cmpuint (b.batches->len, ==, 1);
  result_clear (&r[0]);

  g_clear_object (&aggregator);
  backend_clear (&b);
}

static void
test_cancelled_after_send (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(GCancellable) c0 = g_cancellable_new ();
  g_autoptr(GCancellable) c1 = g_cancellable_new ();
  Backend b;
  g_autoptr(AioAggregator) aggregator = (backend_init (&b, BATCH_HOLD),
                                         aggregator_new (clock, 1, 2, &b));
  Result r[2] = { 0 };

  /* One caller of a sent batch cancels: it gets its error at once, the
   * batch goes on for the other. */
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (1), c0, call_cb, &r[0]);
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (2), NULL, call_cb, &r[1]);
  g_assert_nonnull (b.held);
  g_cancellable_cancel (c0);
  aio_test_wait (&r[0].done);
  g_assert_error (r[0].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (b.saw_cancel);
  g_assert_false (r[1].done);

  return_variant (b.held, g_variant_new_parsed ("[10, 20]"));
  g_clear_object (&b.held);
  aio_test_wait (&r[1].done);
  g_assert_cmpint (g_variant_get_int32 (r[1].value), ==, 20);
  result_clear (&r[0]);
  result_clear (&r[1]);

  /* All of them cancel: the batch function is cancelled too. */
  g_cancellable_reset (c0);
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (3), c0, call_cb, &r[0]);
  aio_aggregator_call_async (aggregator, g_variant_new_int32 (4), c1, call_cb, &r[1]);
  g_assert_nonnull (b.held);
  g_cancellable_cancel (c0);
  aio_test_wait (&r[0].done);
  g_assert_false (b.saw_cancel);
  g_cancellable_cancel (c1);
  aio_test_wait (&r[1].done);
  g_assert_true (b.saw_cancel);
  g_assert_error (r[1].error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* Its late result is ignored. */
  return_variant (b.held, g_variant_new_parsed ("[30, 40]"));
  g_clear_object (&b.held);
  iterate_pending ();
  result_clear (&r[0]);
  result_clear (&r[1]);

  g_clear_object (&aggregator);
  backend_clear (&b);
}

static void
test_bad_result (void)
{
  const BatchMode modes[] = { BATCH_TOO_FEW, BATCH_NOT_VARIANT };

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      g_autoptr(AioClock) clock = aio_manual_clock_new (0);
      Backend b;
      g_autoptr(AioAggregator) aggregator = (backend_init (&b, modes[m]),
                                             aggregator_new (clock, 1, 3, &b));
      Result r[3] = { 0 };

      for (guint i = 0; i < 3; i++)
        aio_aggregator_call_async (aggregator, g_variant_new_int32 (i), NULL, call_cb, &r[i]);
      for (guint i = 0; i < 3; i++)
        {
          aio_test_wait (&r[i].done);
          g_assert_error (r[i].error, AIO_ERROR, AIO_ERROR_BAD_RESULT);
          g_assert_nonnull (strstr (r[i].error->message, "for 3 items"));
          g_test_message ("%s", r[i].error->message);
          result_clear (&r[i]);
        }

      g_clear_object (&aggregator);
      backend_clear (&b);
    }
}

static void
test_variant_kinds (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  Backend b;
  g_autoptr(AioAggregator) aggregator = (backend_init (&b, BATCH_ECHO),
                                         aggregator_new (clock, 1, 3, &b));
  Result r[3] = { 0 };

  /* Items of any type; an `av` result is unboxed for each caller. */
  aio_aggregator_call_async (aggregator, g_variant_new_string ("key"), NULL, call_cb, &r[0]);
  aio_aggregator_call_async (aggregator, g_variant_new_parsed ("(1, 'x')"), NULL, call_cb, &r[1]);
  aio_aggregator_call_async (aggregator, g_variant_new_boolean (TRUE), NULL, call_cb, &r[2]);
  aio_test_wait (&r[2].done);
  g_assert_cmpstr (g_variant_get_string (r[0].value, NULL), ==, "key");
  g_assert_true (g_variant_is_of_type (r[1].value, G_VARIANT_TYPE ("(is)")));
  g_assert_true (g_variant_get_boolean (r[2].value));
  for (guint i = 0; i < 3; i++)
    result_clear (&r[i]);

  g_clear_object (&aggregator);
  backend_clear (&b);
}

static void
test_invalid (void)
{
  struct {
    double      leeway;
    int         max_count;
    gboolean    no_func;
    const char *needle;
  } bad[] = {
    { 0, -1, FALSE, "leeway 0" },
    { -1, -1, FALSE, "leeway -1" },
    { NAN, -1, FALSE, "leeway nan" },
    { INFINITY, -1, FALSE, "leeway inf" },
    { 1, 0, FALSE, "max-count 0" },
    { 1, -5, FALSE, "max-count -5" },
    { 1, -1, TRUE, "No batch function" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(AioAggregator) aggregator = NULL;
      g_autoptr(GError) error = NULL;
      Result r = { 0 };
      Backend b;

      backend_init (&b, BATCH_TIMES_TEN);
      aggregator = aio_aggregator_new (bad[i].leeway, bad[i].max_count,
                                       bad[i].no_func ? NULL : backend_func, &b, NULL);
      g_assert_false (aio_aggregator_validate (aggregator, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, bad[i].needle));

      aio_aggregator_call_async (aggregator, g_variant_new_int32 (1), NULL, call_cb, &r);
      aio_test_wait (&r.done);
      g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (r.error->message, bad[i].needle));
      g_assert_cmpuint (b.batches->len, ==, 0);
      result_clear (&r);
      backend_clear (&b);
    }
}

static void
test_properties (void)
{
  g_autoptr(AioAggregator) aggregator = aio_aggregator_new (0.25, 8, backend_func, NULL, NULL);
  guint notified = 0;
  double leeway;
  int max_count;

  g_assert_true (aio_aggregator_get_clock (aggregator) == aio_clock_get_default ());
  g_assert_true (aio_aggregator_validate (aggregator, NULL));
  g_object_get (aggregator, "leeway", &leeway, "max-count", &max_count, NULL);
  g_assert_cmpfloat (leeway, ==, 0.25);
  g_assert_cmpint (max_count, ==, 8);

  g_signal_connect_swapped (aggregator, "notify", G_CALLBACK (g_atomic_int_inc), &notified);
  aio_aggregator_set_leeway (aggregator, 0.5);
  aio_aggregator_set_leeway (aggregator, 0.5);
  aio_aggregator_set_max_count (aggregator, -1);
  g_object_set (aggregator, "max-count", -1, NULL);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpfloat (aio_aggregator_get_leeway (aggregator), ==, 0.5);
  g_assert_cmpint (aio_aggregator_get_max_count (aggregator), ==, -1);
}

/* Callers in several threads, each on a main context of its own. */
#define N_THREADS 4
#define N_CALLS 25

typedef struct
{
  AioAggregator *aggregator;
  guint          index;
} Caller;

static gpointer
caller_thread (gpointer data)
{
  Caller *caller = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  Result r[N_CALLS] = { 0 };

  g_main_context_push_thread_default (context);
  for (guint i = 0; i < N_CALLS; i++)
    {
      gint32 v = (gint32) (caller->index * 1000 + i);

      aio_aggregator_call_async (caller->aggregator, g_variant_new_int32 (v), NULL, call_cb, &r[i]);
    }
  for (guint i = 0; i < N_CALLS; i++)
    {
      while (!r[i].done)
        g_main_context_iteration (context, TRUE);
      g_assert_no_error (r[i].error);
      g_assert_cmpint (g_variant_get_int32 (r[i].value), ==, (gint32) (caller->index * 1000 + i) * 10);
      result_clear (&r[i]);
    }
  g_main_context_pop_thread_default (context);

  return NULL;
}

static void
test_threads (void)
{
  Backend b;
  g_autoptr(AioAggregator) aggregator = NULL;
  GThread *threads[N_THREADS];
  Caller callers[N_THREADS];
  guint items = 0;

  backend_init (&b, BATCH_TIMES_TEN);
  aggregator = aio_aggregator_new (0.005, 7, backend_func, &b, NULL);
  for (guint i = 0; i < N_THREADS; i++)
    {
      callers[i] = (Caller) { aggregator, i };
      threads[i] = g_thread_new ("caller", caller_thread, &callers[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  for (guint i = 0; i < b.batches->len; i++)
    {
      gsize n = g_variant_n_children (g_ptr_array_index (b.batches, i));

      g_assert_cmpuint (n, >=, 1);
      g_assert_cmpuint (n, <=, 7);
      items += n;
    }
  g_test_message ("%u items in %u batches", items, b.batches->len);
  g_assert_cmpuint (items, ==, N_THREADS * N_CALLS);

  g_clear_object (&aggregator);
  backend_clear (&b);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Aggregator/leeway", test_leeway);
  g_test_add_func ("/Aio/Aggregator/max-count", test_max_count);
  g_test_add_func ("/Aio/Aggregator/batch-error", test_batch_error);
  g_test_add_func ("/Aio/Aggregator/cancelled-before-send", test_cancelled_before_send);
  g_test_add_func ("/Aio/Aggregator/cancelled-after-send", test_cancelled_after_send);
  g_test_add_func ("/Aio/Aggregator/bad-result", test_bad_result);
  g_test_add_func ("/Aio/Aggregator/variant-kinds", test_variant_kinds);
  g_test_add_func ("/Aio/Aggregator/invalid", test_invalid);
  g_test_add_func ("/Aio/Aggregator/properties", test_properties);
  g_test_add_func ("/Aio/Aggregator/threads", test_threads);

  return g_test_run ();
}
