/* test-channel.c: AioChannel, the bounded thread -> loop queue
 *
 * SPDX-License-Identifier: MIT
 *
 * Synchronisation is never done with sleeps: threads meet on GMutex/GCond,
 * the main context is iterated until a condition holds. Every wait has a
 * generous deadline (a liveness guard, not a timing assertion) so that a
 * broken implementation fails instead of hanging.
 */
#include <aiomisc-glib.h>

#include "aio-thread-private.h"

#define DEADLINE_SECONDS 60

/* --- helpers ------------------------------------------------------------ */

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates @ctx until @cond holds; fails the test after DEADLINE_SECONDS. */
#define ITERATE_UNTIL(ctx, cond)                                             \
  G_STMT_START {                                                             \
    gboolean timed_out_ = FALSE;                                             \
    GSource *deadline_ = g_timeout_source_new_seconds (DEADLINE_SECONDS);   \
    g_source_set_callback (deadline_, set_flag_cb, &timed_out_, NULL);       \
    g_source_attach (deadline_, (ctx));                                      \
    while (!(cond) && !timed_out_)                                           \
      g_main_context_iteration ((ctx), TRUE);                                \
    g_source_destroy (deadline_);                                            \
    g_source_unref (deadline_);                                              \
    if (!(cond))                                                             \
      g_error ("timed out waiting for: %s", #cond);                          \
  } G_STMT_END

/* Waits, without iterating any context, for a state that another thread
 * reaches without notifying anybody (a producer entering its wait). */
#define SPIN_UNTIL(cond)                                                     \
  G_STMT_START {                                                             \
    gint64 deadline_ = g_get_monotonic_time () +                             \
                       DEADLINE_SECONDS * G_USEC_PER_SEC;                    \
    while (!(cond) && g_get_monotonic_time () < deadline_)                   \
      g_thread_yield ();                                                     \
    if (!(cond))                                                             \
      g_error ("timed out waiting for: %s", #cond);                          \
  } G_STMT_END

static GMainContext *
push_new_context (void)
{
  GMainContext *ctx = g_main_context_new ();

  g_main_context_push_thread_default (ctx);
  return ctx;
}

static void
pop_context (GMainContext *ctx)
{
  while (g_main_context_iteration (ctx, FALSE))
    ;
  g_main_context_pop_thread_default (ctx);
  g_main_context_unref (ctx);
}

/* The outcome of one pop. */
typedef struct
{
  gboolean  done;
  gboolean  ok;
  gpointer  item;
  GError   *error;
  GThread  *thread;
  guint     order;       /* completion rank */
} Pop;

static guint completion_counter;

static void
pop_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Pop *p = user_data;

  g_assert_false (p->done);
  p->ok = aio_channel_pop_finish (AIO_CHANNEL (source), result, &p->item, &p->error);
  p->thread = g_thread_self ();
  p->order = completion_counter++;
  p->done = TRUE;
}

static void
pop_clear (Pop *p)
{
  g_clear_error (&p->error);
  memset (p, 0, sizeof *p);
}

/* Pops one item synchronously (by iterating @ctx). */
static gboolean
pop_one (GMainContext  *ctx,
         AioChannel    *channel,
         gpointer      *item,
         GError       **error)
{
  Pop p = { 0 };

  aio_channel_pop_async (channel, NULL, pop_cb, &p);
  g_assert_false (p.done);   /* never synchronously */
  ITERATE_UNTIL (ctx, p.done);
  g_assert_true (p.thread == g_thread_self ());
  if (item != NULL)
    *item = p.item;
  if (p.error != NULL)
    g_propagate_error (error, g_steal_pointer (&p.error));

  return p.ok;
}

static gint n_freed;

static void
count_free (gpointer item)
{
  g_atomic_int_inc (&n_freed);
}

/* --- tests --------------------------------------------------------------- */

static void
test_properties (void)
{
  g_autoptr(AioChannel) bounded = aio_channel_new (5);
  g_autoptr(AioChannel) unbounded = g_object_new (AIO_TYPE_CHANNEL, NULL);
  guint max_size = 1;

  g_assert_cmpuint (aio_channel_get_max_size (bounded), ==, 5);
  g_object_get (bounded, "max-size", &max_size, NULL);
  g_assert_cmpuint (max_size, ==, 5);
  g_assert_cmpuint (aio_channel_get_max_size (unbounded), ==, 0);

  g_assert_false (aio_channel_is_closed (bounded));
  aio_channel_close (bounded);
  g_assert_true (aio_channel_is_closed (bounded));
  aio_channel_close (bounded);   /* idempotent */
  g_assert_true (aio_channel_is_closed (bounded));

  g_assert_cmpuint (AIO_ERROR, !=, 0);
  g_assert_cmpstr (g_quark_to_string (AIO_ERROR), ==, "aio-error-quark");
}

/* One producer: strict FIFO, then the end of the stream. */
typedef struct
{
  AioChannel *channel;
  guint       first;
  guint       n_items;
  guint       stride;      /* item = first + i * stride */
  gboolean    close;
  gint       *n_running;   /* the last producer to finish closes */
  guint       n_pushed;
  GError     *error;
} Producer;

static gpointer
producer_thread (gpointer data)
{
  Producer *p = data;

  for (guint i = 0; i < p->n_items; i++)
    {
      if (!aio_channel_push (p->channel, GUINT_TO_POINTER (p->first + i * p->stride),
                             NULL, &p->error))
        break;
      p->n_pushed++;
    }

  if (p->close && (p->n_running == NULL || g_atomic_int_dec_and_test (p->n_running)))
    aio_channel_close (p->channel);

  return NULL;
}

static void
test_fifo_single_producer (void)
{
  enum { N_ITEMS = 5000 };
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new (16);
  Producer p = { .channel = channel, .first = 1, .n_items = N_ITEMS, .stride = 1, .close = TRUE };
  GThread *thread;
  guint expected = 1;
  gpointer item;
  GError *error = NULL;

  thread = g_thread_new ("producer", producer_thread, &p);
  while (pop_one (ctx, channel, &item, &error))
    {
      g_assert_cmpuint (GPOINTER_TO_UINT (item), ==, expected);
      expected++;
    }
  g_assert_no_error (error);   /* end of stream, not an error */
  g_assert_null (item);
  g_assert_cmpuint (expected, ==, N_ITEMS + 1);

  g_thread_join (thread);
  g_assert_no_error (p.error);
  g_assert_cmpuint (p.n_pushed, ==, N_ITEMS);

  /* The end of the stream is sticky. */
  g_assert_false (pop_one (ctx, channel, NULL, &error));
  g_assert_no_error (error);

  pop_context (ctx);
}

/* Several producers through a small channel: nothing lost, nothing
 * duplicated, each producer's items in order. */
static void
test_fifo_many_producers (void)
{
  enum { N_PRODUCERS = 4, N_ITEMS = 3000 };
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new (8);
  Producer producers[N_PRODUCERS];
  GThread *threads[N_PRODUCERS];
  guint next[N_PRODUCERS];
  gint n_running = N_PRODUCERS;
  guint total = 0;
  gpointer item;
  GError *error = NULL;

  for (guint i = 0; i < N_PRODUCERS; i++)
    {
      /* Item i * N_PRODUCERS + k belongs to producer k (offset by 1). */
      producers[i] = (Producer) {
        .channel = channel, .first = i + 1, .n_items = N_ITEMS,
        .stride = N_PRODUCERS, .close = TRUE, .n_running = &n_running,
      };
      next[i] = i + 1;
      threads[i] = g_thread_new ("producer", producer_thread, &producers[i]);
    }

  while (pop_one (ctx, channel, &item, &error))
    {
      guint v = GPOINTER_TO_UINT (item);
      guint k = (v - 1) % N_PRODUCERS;

      g_assert_cmpuint (v, ==, next[k]);
      next[k] += N_PRODUCERS;
      total++;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, N_PRODUCERS * N_ITEMS);

  for (guint i = 0; i < N_PRODUCERS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_no_error (producers[i].error);
      g_assert_cmpuint (next[i], ==, i + 1 + N_ITEMS * N_PRODUCERS);
    }

  pop_context (ctx);
}

/* Several pops pending at once are served, and called back, in order. */
static void
test_pending_pops_in_order (void)
{
  enum { N_POPS = 8 };
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new (2);
  Producer p = { .channel = channel, .first = 1, .n_items = N_POPS, .stride = 1 };
  Pop pops[N_POPS] = { { 0 } };
  GThread *thread;

  completion_counter = 0;
  for (guint i = 0; i < N_POPS; i++)
    aio_channel_pop_async (channel, NULL, pop_cb, &pops[i]);

  thread = g_thread_new ("producer", producer_thread, &p);
  ITERATE_UNTIL (ctx, pops[N_POPS - 1].done);
  g_thread_join (thread);

  for (guint i = 0; i < N_POPS; i++)
    {
      g_assert_true (pops[i].done);
      g_assert_true (pops[i].ok);
      g_assert_cmpuint (GPOINTER_TO_UINT (pops[i].item), ==, i + 1);
      g_assert_cmpuint (pops[i].order, ==, i);
      g_assert_true (pops[i].thread == g_thread_self ());
    }

  pop_context (ctx);
}

/* A full channel blocks the producer until a pop makes room. */
typedef struct
{
  AioChannel *channel;
  GMutex      mutex;
  GCond       cond;
  guint       n_pushed;
  gboolean    ok;
  GError     *error;
  GCancellable *cancellable;
} BlockingProducer;

static gpointer
blocking_producer_thread (gpointer data)
{
  BlockingProducer *bp = data;
  gboolean ok = TRUE;

  for (guint i = 1; i <= 3 && ok; i++)
    {
      ok = aio_channel_push (bp->channel, GUINT_TO_POINTER (i), bp->cancellable, &bp->error);
      g_mutex_lock (&bp->mutex);
      if (ok)
        bp->n_pushed++;
      g_cond_broadcast (&bp->cond);
      g_mutex_unlock (&bp->mutex);
    }
  bp->ok = ok;

  return NULL;
}

static guint
blocking_producer_get_pushed (BlockingProducer *bp)
{
  guint n;

  g_mutex_lock (&bp->mutex);
  n = bp->n_pushed;
  g_mutex_unlock (&bp->mutex);

  return n;
}

static void
blocking_producer_wait_pushed (BlockingProducer *bp,
                               guint             n)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  g_mutex_lock (&bp->mutex);
  while (bp->n_pushed < n)
    if (!g_cond_wait_until (&bp->cond, &bp->mutex, deadline))
      g_error ("producer stuck at %u items", bp->n_pushed);
  g_mutex_unlock (&bp->mutex);
}

static void
test_push_blocks_when_full (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new (2);
  BlockingProducer bp = { .channel = channel };
  GThread *thread;
  gpointer item;
  GError *error = NULL;

  g_mutex_init (&bp.mutex);
  g_cond_init (&bp.cond);
  thread = g_thread_new ("producer", blocking_producer_thread, &bp);

  /* Two items fit; the third push waits inside the channel. */
  blocking_producer_wait_pushed (&bp, 2);
  SPIN_UNTIL (_aio_channel_get_n_waiting_producers (channel) == 1);
  g_assert_cmpuint (blocking_producer_get_pushed (&bp), ==, 2);

  /* One pop makes room for exactly that push. */
  g_assert_true (pop_one (ctx, channel, &item, &error));
  g_assert_cmpuint (GPOINTER_TO_UINT (item), ==, 1);
  blocking_producer_wait_pushed (&bp, 3);
  g_thread_join (thread);
  g_assert_true (bp.ok);
  g_assert_no_error (bp.error);
  g_assert_cmpuint (_aio_channel_get_n_waiting_producers (channel), ==, 0);

  g_assert_true (pop_one (ctx, channel, &item, &error));
  g_assert_cmpuint (GPOINTER_TO_UINT (item), ==, 2);
  g_assert_true (pop_one (ctx, channel, &item, &error));
  g_assert_cmpuint (GPOINTER_TO_UINT (item), ==, 3);
  g_assert_no_error (error);

  g_mutex_clear (&bp.mutex);
  g_cond_clear (&bp.cond);
  pop_context (ctx);
}

static void
test_close_wakes_blocked_producer (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new_full (2, count_free);
  BlockingProducer bp = { .channel = channel };
  GThread *thread;
  gpointer item;
  GError *error = NULL;

  n_freed = 0;
  g_mutex_init (&bp.mutex);
  g_cond_init (&bp.cond);
  thread = g_thread_new ("producer", blocking_producer_thread, &bp);

  blocking_producer_wait_pushed (&bp, 2);
  SPIN_UNTIL (_aio_channel_get_n_waiting_producers (channel) == 1);

  aio_channel_close (channel);
  g_thread_join (thread);
  g_assert_false (bp.ok);
  g_assert_error (bp.error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_assert_cmpuint (bp.n_pushed, ==, 2);
  g_assert_cmpint (n_freed, ==, 1);   /* the rejected item */
  g_clear_error (&bp.error);

  /* Pushing to a closed channel fails at once; the item is freed. */
  g_assert_false (aio_channel_push (channel, GUINT_TO_POINTER (9), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_cmpint (n_freed, ==, 2);

  /* Drain, then the end of the stream. */
  g_assert_true (pop_one (ctx, channel, &item, &error));
  g_assert_cmpuint (GPOINTER_TO_UINT (item), ==, 1);
  g_assert_true (pop_one (ctx, channel, &item, &error));
  g_assert_cmpuint (GPOINTER_TO_UINT (item), ==, 2);
  g_assert_false (pop_one (ctx, channel, &item, &error));
  g_assert_no_error (error);
  g_assert_null (item);
  g_assert_false (pop_one (ctx, channel, &item, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n_freed, ==, 2);   /* popped items belong to the caller */

  g_mutex_clear (&bp.mutex);
  g_cond_clear (&bp.cond);
  pop_context (ctx);
}

static void
test_cancel_blocked_push (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new_full (2, count_free);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  BlockingProducer bp = { .channel = channel, .cancellable = cancellable };
  GThread *thread;
  gpointer item;
  GError *error = NULL;

  n_freed = 0;
  g_mutex_init (&bp.mutex);
  g_cond_init (&bp.cond);
  thread = g_thread_new ("producer", blocking_producer_thread, &bp);

  blocking_producer_wait_pushed (&bp, 2);
  SPIN_UNTIL (_aio_channel_get_n_waiting_producers (channel) == 1);
  g_cancellable_cancel (cancellable);
  g_thread_join (thread);

  g_assert_false (bp.ok);
  g_assert_error (bp.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&bp.error);
  g_assert_cmpint (n_freed, ==, 1);
  g_assert_false (aio_channel_is_closed (channel));

  /* Already cancelled: fails before looking at the channel. */
  g_assert_false (aio_channel_push (channel, GUINT_TO_POINTER (7), cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (n_freed, ==, 2);

  /* The channel still works. */
  g_assert_true (pop_one (ctx, channel, &item, &error));
  g_assert_cmpuint (GPOINTER_TO_UINT (item), ==, 1);
  g_assert_true (aio_channel_push (channel, NULL, NULL, &error));
  g_assert_no_error (error);

  g_mutex_clear (&bp.mutex);
  g_cond_clear (&bp.cond);
  pop_context (ctx);
  /* Finalizing frees the two items left. */
  g_clear_object (&channel);
  g_assert_cmpint (n_freed, ==, 4);
}

static gpointer
close_thread (gpointer data)
{
  aio_channel_close (data);
  return NULL;
}

static void
test_pending_pop_sees_close (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new (0);
  Pop p1 = { 0 }, p2 = { 0 };

  aio_channel_pop_async (channel, NULL, pop_cb, &p1);
  aio_channel_pop_async (channel, NULL, pop_cb, &p2);
  g_thread_join (g_thread_new ("closer", close_thread, channel));
  ITERATE_UNTIL (ctx, p1.done && p2.done);

  g_assert_false (p1.ok);
  g_assert_no_error (p1.error);
  g_assert_false (p2.ok);
  g_assert_no_error (p2.error);
  g_assert_true (p1.thread == g_thread_self ());

  pop_clear (&p1);
  pop_clear (&p2);
  pop_context (ctx);
}

static void
test_cancel_pending_pop (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new (0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Pop p1 = { 0 }, p2 = { 0 }, p3 = { 0 };
  GError *error = NULL;

  aio_channel_pop_async (channel, cancellable, pop_cb, &p1);
  aio_channel_pop_async (channel, NULL, pop_cb, &p2);
  g_cancellable_cancel (cancellable);
  ITERATE_UNTIL (ctx, p1.done);
  g_assert_false (p1.ok);
  g_assert_error (p1.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (p2.done);

  /* The item goes to the pop still waiting, not the cancelled one. */
  g_assert_true (aio_channel_push (channel, GUINT_TO_POINTER (5), NULL, &error));
  g_assert_no_error (error);
  ITERATE_UNTIL (ctx, p2.done);
  g_assert_true (p2.ok);
  g_assert_cmpuint (GPOINTER_TO_UINT (p2.item), ==, 5);

  /* A pop with an already cancelled cancellable takes nothing. */
  g_assert_true (aio_channel_push (channel, GUINT_TO_POINTER (6), NULL, &error));
  aio_channel_pop_async (channel, cancellable, pop_cb, &p3);
  ITERATE_UNTIL (ctx, p3.done);
  g_assert_error (p3.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  pop_clear (&p3);
  aio_channel_pop_async (channel, NULL, pop_cb, &p3);
  ITERATE_UNTIL (ctx, p3.done);
  g_assert_true (p3.ok);
  g_assert_cmpuint (GPOINTER_TO_UINT (p3.item), ==, 6);

  pop_clear (&p1);
  pop_clear (&p2);
  pop_clear (&p3);
  pop_context (ctx);
}

/* Pushes from the consumer's own thread (never blocking, the channel is
 * unbounded) hand items to pending pops without deadlocking, even when the
 * callback pops again. */
typedef struct
{
  AioChannel *channel;
  guint       n_received;
  gboolean    eos;
} Chain;

static void
chain_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Chain *chain = user_data;
  g_autoptr(GError) error = NULL;
  gpointer item = NULL;

  if (!aio_channel_pop_finish (chain->channel, result, &item, &error))
    {
      g_assert_no_error (error);
      chain->eos = TRUE;
      return;
    }
  g_assert_cmpuint (GPOINTER_TO_UINT (item), ==, ++chain->n_received);
  aio_channel_pop_async (chain->channel, NULL, chain_cb, chain);
}

static gboolean
push_from_loop_cb (gpointer data)
{
  Chain *chain = data;
  static guint next = 1;
  g_autoptr(GError) error = NULL;

  if (next > 10)
    {
      next = 1;
      aio_channel_close (chain->channel);
      return G_SOURCE_REMOVE;
    }
  g_assert_true (aio_channel_push (chain->channel, GUINT_TO_POINTER (next++), NULL, &error));
  g_assert_no_error (error);
  return G_SOURCE_CONTINUE;
}

static void
test_push_from_consumer_thread (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new (0);
  Chain chain = { .channel = channel };
  GSource *idle;

  aio_channel_pop_async (channel, NULL, chain_cb, &chain);
  idle = g_idle_source_new ();
  g_source_set_callback (idle, push_from_loop_cb, &chain, NULL);
  g_source_attach (idle, ctx);
  g_source_unref (idle);

  ITERATE_UNTIL (ctx, chain.eos);
  g_assert_cmpuint (chain.n_received, ==, 10);

  pop_context (ctx);
}

/* Items nobody received are freed. */
static void
weak_notify_cb (gpointer  data,
                GObject  *where_the_object_was)
{
  (*(guint *) data)++;
}

static void
test_unconsumed_items_freed (void)
{
  GMainContext *ctx = push_new_context ();
  AioChannel *channel;
  GError *error = NULL;
  guint n_objects_freed = 0;
  Pop p = { 0 };

  n_freed = 0;

  /* Left in the channel at finalize. */
  channel = aio_channel_new_full (0, count_free);
  for (guint i = 0; i < 5; i++)
    g_assert_true (aio_channel_push (channel, GUINT_TO_POINTER (i), NULL, &error));
  g_object_unref (channel);
  g_assert_cmpint (n_freed, ==, 5);

  /* Handed to a pop whose result was never finished. */
  n_freed = 0;
  channel = aio_channel_new_full (0, count_free);
  g_assert_true (aio_channel_push (channel, GUINT_TO_POINTER (1), NULL, &error));
  g_assert_true (aio_channel_push (channel, GUINT_TO_POINTER (2), NULL, &error));
  aio_channel_pop_async (channel, NULL, NULL, NULL);
  /* Finished, but the item not asked for. */
  aio_channel_pop_async (channel, NULL, pop_cb, &p);
  while (!p.done)
    g_main_context_iteration (ctx, TRUE);
  g_assert_true (p.ok);
  g_clear_object (&channel);
  while (g_main_context_iteration (ctx, FALSE))
    ;
  g_assert_cmpint (n_freed, ==, 1);   /* item 1; item 2 was received */

  /* GValue items, in a channel without an item-free function. */
  channel = aio_channel_new (0);
  for (guint i = 0; i < 3; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;
      g_autoptr(GCancellable) object = g_cancellable_new ();

      g_object_weak_ref (G_OBJECT (object), weak_notify_cb, &n_objects_freed);
      g_value_init (&value, G_TYPE_CANCELLABLE);
      g_value_set_object (&value, object);
      g_assert_true (aio_channel_push_value (channel, &value, NULL, &error));
    }
  g_assert_cmpuint (n_objects_freed, ==, 0);
  g_object_unref (channel);
  g_assert_cmpuint (n_objects_freed, ==, 3);
  g_assert_no_error (error);

  pop_clear (&p);
  pop_context (ctx);
}

/* --- GValue items ---------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GValue    value;
  GError   *error;
} ValuePop;

static void
value_pop_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ValuePop *vp = user_data;

  vp->ok = aio_channel_pop_value_finish (AIO_CHANNEL (source), result, &vp->value, &vp->error);
  vp->done = TRUE;
}

static void
value_pop (GMainContext *ctx,
           AioChannel   *channel,
           ValuePop     *vp)
{
  g_value_unset (&vp->value);
  g_clear_error (&vp->error);
  memset (vp, 0, sizeof *vp);
  aio_channel_pop_value_async (channel, NULL, value_pop_cb, vp);
  ITERATE_UNTIL (ctx, vp->done);
}

static gpointer
value_producer_thread (gpointer data)
{
  AioChannel *channel = data;
  g_autoptr(GError) error = NULL;

  for (gint i = 0; i < 100; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      if (i % 2 == 0)
        {
          g_value_init (&value, G_TYPE_INT);
          g_value_set_int (&value, i);
        }
      else
        {
          g_value_init (&value, G_TYPE_STRING);
          g_value_take_string (&value, g_strdup_printf ("item %d", i));
        }
      g_assert_true (aio_channel_push_value (channel, &value, NULL, &error));
      g_assert_no_error (error);
    }
  /* A raw pointer item in the same channel. */
  g_assert_true (aio_channel_push (channel, GUINT_TO_POINTER (0xbeef), NULL, &error));
  aio_channel_close (channel);

  return NULL;
}

static void
test_values (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new (4);
  ValuePop vp = { 0 };
  GThread *thread;

  thread = g_thread_new ("producer", value_producer_thread, channel);
  for (gint i = 0; i < 100; i++)
    {
      value_pop (ctx, channel, &vp);
      g_assert_true (vp.ok);
      g_assert_no_error (vp.error);
      if (i % 2 == 0)
        {
          g_assert_true (G_VALUE_HOLDS_INT (&vp.value));
          g_assert_cmpint (g_value_get_int (&vp.value), ==, i);
        }
      else
        {
          g_autofree char *expected = g_strdup_printf ("item %d", i);

          g_assert_true (G_VALUE_HOLDS_STRING (&vp.value));
          g_assert_cmpstr (g_value_get_string (&vp.value), ==, expected);
        }
    }

  value_pop (ctx, channel, &vp);
  g_assert_true (vp.ok);
  g_assert_true (G_VALUE_HOLDS_POINTER (&vp.value));
  g_assert_cmpuint (GPOINTER_TO_UINT (g_value_get_pointer (&vp.value)), ==, 0xbeef);

  /* End of stream: FALSE, no error, a NULL pointer value. */
  value_pop (ctx, channel, &vp);
  g_assert_false (vp.ok);
  g_assert_no_error (vp.error);
  g_assert_true (G_VALUE_HOLDS_POINTER (&vp.value));
  g_assert_null (g_value_get_pointer (&vp.value));

  g_thread_join (thread);
  g_value_unset (&vp.value);
  pop_context (ctx);
}

static void
test_value_item_through_pointer_pop (void)
{
  GMainContext *ctx = push_new_context ();
  g_autoptr(AioChannel) channel = aio_channel_new (0);
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;
  gpointer item = NULL;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_static_string (&value, "boxed");
  g_assert_true (aio_channel_push_value (channel, &value, NULL, &error));

  g_assert_true (pop_one (ctx, channel, &item, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (g_value_get_string (item), ==, "boxed");
  g_boxed_free (G_TYPE_VALUE, item);

  pop_context (ctx);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Channel/properties", test_properties);
  g_test_add_func ("/Aio/Channel/fifo-single-producer", test_fifo_single_producer);
  g_test_add_func ("/Aio/Channel/fifo-many-producers", test_fifo_many_producers);
  g_test_add_func ("/Aio/Channel/pending-pops-in-order", test_pending_pops_in_order);
  g_test_add_func ("/Aio/Channel/push-blocks-when-full", test_push_blocks_when_full);
  g_test_add_func ("/Aio/Channel/close-wakes-blocked-producer", test_close_wakes_blocked_producer);
  g_test_add_func ("/Aio/Channel/cancel-blocked-push", test_cancel_blocked_push);
  g_test_add_func ("/Aio/Channel/pending-pop-sees-close", test_pending_pop_sees_close);
  g_test_add_func ("/Aio/Channel/cancel-pending-pop", test_cancel_pending_pop);
  g_test_add_func ("/Aio/Channel/push-from-consumer-thread", test_push_from_consumer_thread);
  g_test_add_func ("/Aio/Channel/unconsumed-items-freed", test_unconsumed_items_freed);
  g_test_add_func ("/Aio/Channel/values", test_values);
  g_test_add_func ("/Aio/Channel/value-item-through-pointer-pop", test_value_item_through_pointer_pop);

  return g_test_run ();
}
