/* aio-channel.c: a bounded queue carrying items from threads to a main loop
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-thread-private.h"

/**
 * AioChannel:
 *
 * A FIFO queue that carries items from worker threads to a main loop, with
 * backpressure: aiomisc's `threaded_iterable(max_size=…)`.
 *
 * Producers (any thread but the consumer's) call [method@Aio.Channel.push],
 * which blocks while the channel holds [property@Aio.Channel:max-size]
 * items, and [method@Aio.Channel.close] when they are done. The consumer
 * calls [method@Aio.Channel.pop_async] again and again; each pop completes
 * on the thread-default main context of its caller with the next item, in
 * the order the items were pushed, until the channel is closed and drained:
 * then [method@Aio.Channel.pop_finish] returns %FALSE without an error (end
 * of stream). Errors (only %G_IO_ERROR_CANCELLED) are distinct from the end
 * of the stream.
 *
 * Closing wakes the producers blocked in a push, which fail with
 * %G_IO_ERROR_CLOSED; so the consumer can stop a producer early by
 * closing the channel (as breaking out of `async for` does in aiomisc).
 * Items already pushed stay available to pops.
 *
 * ```c
 * static gpointer
 * produce (gpointer data, GCancellable *cancellable, GError **error)
 * {
 *   AioChannel *channel = data;
 *
 *   for (guint i = 0; i < 100; i++)
 *     if (!aio_channel_push (channel, g_strdup_printf ("line %u", i), cancellable, error))
 *       break;
 *   aio_channel_close (channel);
 *   return NULL;
 * }
 *
 * static void
 * on_item (GObject *source, GAsyncResult *result, gpointer user_data)
 * {
 *   AioChannel *channel = AIO_CHANNEL (source);
 *   g_autoptr(GError) error = NULL;
 *   g_autofree char *line = NULL;
 *
 *   if (!aio_channel_pop_finish (channel, result, (gpointer *) &line, &error))
 *     return;  // end of stream, or error set
 *   g_print ("%s\n", line);
 *   aio_channel_pop_async (channel, NULL, on_item, NULL);
 * }
 *
 * channel = aio_channel_new_full (8, g_free);
 * aio_run_in_thread_async (produce, g_object_ref (channel), g_object_unref, NULL, NULL, NULL);
 * aio_channel_pop_async (channel, NULL, on_item, NULL);
 * ```
 *
 * Language bindings use [method@Aio.Channel.push_value],
 * [method@Aio.Channel.pop_value_async] and
 * [method@Aio.Channel.pop_value_finish], which carry #GValue items (from
 * Python: any object).
 *
 * Several pops may be pending at once: they are served in the order they
 * were made. Items left in a channel when it is finalized are freed.
 *
 * Since: 0.1
 */

typedef struct
{
  gpointer       data;
  GDestroyNotify destroy;
} AioChannelItem;

typedef struct
{
  AioChannelItem  item;
  GSource        *cancel_source;
  gboolean        has_item;
} AioChannelPop;

struct _AioChannel
{
  GObject          parent_instance;

  guint            max_size;       /* construct-only; 0 = unbounded */
  GDestroyNotify   item_free;      /* set by aio_channel_new_full() */

  GMutex           mutex;
  GCond            not_full;
  /* The items: a ring buffer, grown on demand. */
  AioChannelItem  *items;
  guint            capacity;
  guint            head;
  guint            n_items;
  /* Pending pops (owned GTask refs), oldest first; only ever non-empty
   * while n_items == 0. */
  GQueue           pending_pops;
  guint            n_waiting_producers;
  gboolean         closed;
};

enum {
  PROP_0,
  PROP_MAX_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (AioChannel, aio_channel, G_TYPE_OBJECT)

static void
aio_channel_value_free (gpointer value)
{
  g_value_unset (value);
  g_free (value);
}

static void
aio_channel_item_clear (AioChannelItem *item)
{
  GDestroyNotify destroy = g_steal_pointer (&item->destroy);

  if (destroy != NULL)
    destroy (g_steal_pointer (&item->data));
  item->data = NULL;
}

static void
aio_channel_enqueue_locked (AioChannel           *self,
                            const AioChannelItem *item)
{
  if (self->n_items == self->capacity)
    {
      guint capacity;
      AioChannelItem *items;

      if (self->capacity > G_MAXUINT / 2)
        g_error ("AioChannel: too many items");

      capacity = MAX (self->capacity * 2, 8);
      if (self->max_size != 0)
        capacity = MIN (capacity, self->max_size);

      items = g_new (AioChannelItem, capacity);
      for (guint i = 0; i < self->n_items; i++)
        items[i] = self->items[(self->head + i) % self->capacity];
      g_free (self->items);
      self->items = items;
      self->capacity = capacity;
      self->head = 0;
    }

  self->items[(self->head + self->n_items) % self->capacity] = *item;
  self->n_items++;
}

static void
aio_channel_dequeue_locked (AioChannel     *self,
                            AioChannelItem *item)
{
  g_assert (self->n_items > 0);

  *item = self->items[self->head];
  self->head = (self->head + 1) % self->capacity;
  self->n_items--;

  /* Room for one more: let one blocked producer in. */
  if (self->n_waiting_producers > 0)
    g_cond_signal (&self->not_full);
}

static void
aio_channel_pop_free (gpointer data)
{
  AioChannelPop *pop = data;

  if (pop->has_item)
    aio_channel_item_clear (&pop->item);
  if (pop->cancel_source != NULL)
    {
      g_source_destroy (pop->cancel_source);
      g_source_unref (pop->cancel_source);
    }
  g_free (pop);
}

/* Completes the pending pop @task with @item, or with the end of the
 * stream if @item is %NULL. */
static void
aio_channel_pop_complete (GTask                *task,
                          const AioChannelItem *item)
{
  AioChannelPop *pop = g_task_get_task_data (task);

  /* Also drops the source's reference on @task. */
  if (pop->cancel_source != NULL)
    g_source_destroy (pop->cancel_source);

  if (item != NULL)
    {
      pop->item = *item;
      pop->has_item = TRUE;
    }

  g_task_return_boolean (task, item != NULL);
}

/* Whether a pending pop can be completed with the channel's mutex held.
 *
 * Completing pops under the mutex keeps their callbacks in the order the
 * items were handed out, even when several producers race. But in the
 * thread that owns the pop's main context, GTask may invoke the callback
 * synchronously, and a callback that pops again would deadlock on the
 * mutex: there, the pop is completed after unlocking instead. */
static gboolean
aio_channel_can_complete_locked (GTask *task)
{
  return !g_main_context_is_owner (g_task_get_context (task));
}

static void
aio_channel_finalize (GObject *object)
{
  AioChannel *self = (AioChannel *) object;

  /* A pending pop holds a reference on the channel. */
  g_assert (g_queue_is_empty (&self->pending_pops));

  while (self->n_items > 0)
    {
      AioChannelItem item;

      aio_channel_dequeue_locked (self, &item);
      aio_channel_item_clear (&item);
    }
  g_clear_pointer (&self->items, g_free);

  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->not_full);

  G_OBJECT_CLASS (aio_channel_parent_class)->finalize (object);
}

static void
aio_channel_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  AioChannel *self = AIO_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_MAX_SIZE:
      g_value_set_uint (value, self->max_size);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_channel_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  AioChannel *self = AIO_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_MAX_SIZE:
      self->max_size = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_channel_class_init (AioChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aio_channel_finalize;
  object_class->get_property = aio_channel_get_property;
  object_class->set_property = aio_channel_set_property;

  /**
   * AioChannel:max-size:
   *
   * How many items the channel holds before [method@Aio.Channel.push]
   * blocks; 0 (the default) means unbounded, as in aiomisc.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_SIZE] =
    g_param_spec_uint ("max-size", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE |
                        G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_channel_init (AioChannel *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->not_full);
  g_queue_init (&self->pending_pops);
}

/**
 * aio_channel_new: (constructor)
 * @max_size: how many items the channel holds before a push blocks; 0 means
 *   unbounded
 *
 * Creates a channel. Items left in it when it is finalized are freed only
 * if they were pushed with [method@Aio.Channel.push_value]; see
 * [ctor@Aio.Channel.new_full].
 *
 * Returns: (transfer full): a new #AioChannel
 *
 * Since: 0.1
 */
AioChannel *
aio_channel_new (guint max_size)
{
  return g_object_new (AIO_TYPE_CHANNEL,
                       "max-size", max_size,
                       NULL);
}

/**
 * aio_channel_new_full: (constructor) (skip)
 * @max_size: how many items the channel holds before a push blocks; 0 means
 *   unbounded
 * @item_free: (nullable): frees an item pushed with
 *   [method@Aio.Channel.push] that nobody will receive: left in the channel
 *   when it is finalized, rejected by a push that failed, or popped by a
 *   pop whose result was not finished
 *
 * Creates a channel whose items are freed with @item_free when they are not
 * handed out.
 *
 * Returns: (transfer full): a new #AioChannel
 *
 * Since: 0.1
 */
AioChannel *
aio_channel_new_full (guint          max_size,
                      GDestroyNotify item_free)
{
  AioChannel *self = aio_channel_new (max_size);

  self->item_free = item_free;

  return self;
}

/**
 * aio_channel_get_max_size:
 * @self: a #AioChannel
 *
 * Gets [property@Aio.Channel:max-size].
 *
 * Returns: the capacity of the channel, or 0 if it is unbounded
 *
 * Since: 0.1
 */
guint
aio_channel_get_max_size (AioChannel *self)
{
  g_return_val_if_fail (AIO_IS_CHANNEL (self), 0);

  return self->max_size;
}

/**
 * aio_channel_is_closed:
 * @self: a #AioChannel
 *
 * Whether [method@Aio.Channel.close] was called. Items may still be
 * waiting to be popped.
 *
 * Returns: %TRUE if @self is closed
 *
 * Since: 0.1
 */
gboolean
aio_channel_is_closed (AioChannel *self)
{
  gboolean closed;

  g_return_val_if_fail (AIO_IS_CHANNEL (self), FALSE);

  g_mutex_lock (&self->mutex);
  closed = self->closed;
  g_mutex_unlock (&self->mutex);

  return closed;
}

static void
aio_channel_push_cancelled_cb (GCancellable *cancellable,
                               gpointer      user_data)
{
  AioChannel *self = user_data;

  g_mutex_lock (&self->mutex);
  g_cond_broadcast (&self->not_full);
  g_mutex_unlock (&self->mutex);
}

static gboolean
aio_channel_push_item (AioChannel      *self,
                       AioChannelItem  *item,
                       GCancellable    *cancellable,
                       GError         **error)
{
  GTask *pop = NULL;
  gboolean pop_completed = FALSE;
  gboolean connected = FALSE;
  gulong handler_id = 0;
  gboolean pushed = FALSE;
  GError *local_error = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &local_error))
    goto out;

  g_mutex_lock (&self->mutex);
  for (;;)
    {
      if (self->closed)
        {
          g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               "The channel is closed");
          break;
        }

      if (!g_queue_is_empty (&self->pending_pops))
        {
          /* A consumer is waiting, so the queue is empty: hand over. */
          pop = g_queue_pop_head (&self->pending_pops);
          if (aio_channel_can_complete_locked (pop))
            {
              aio_channel_pop_complete (pop, item);
              pop_completed = TRUE;
            }
          pushed = TRUE;
          break;
        }

      if (self->max_size == 0 || self->n_items < self->max_size)
        {
          aio_channel_enqueue_locked (self, item);
          pushed = TRUE;
          break;
        }

      /* Full: wait for room, watching the cancellable. It is connected
       * without the mutex held, as the handler takes it (and runs at once
       * if the cancellable was cancelled already). */
      if (cancellable != NULL && !connected)
        {
          g_mutex_unlock (&self->mutex);
          handler_id = g_cancellable_connect (cancellable,
                                              G_CALLBACK (aio_channel_push_cancelled_cb),
                                              self, NULL);
          connected = TRUE;
          g_mutex_lock (&self->mutex);
          continue;
        }

      if (g_cancellable_set_error_if_cancelled (cancellable, &local_error))
        break;

      self->n_waiting_producers++;
      g_cond_wait (&self->not_full, &self->mutex);
      self->n_waiting_producers--;
    }
  g_mutex_unlock (&self->mutex);

  if (handler_id != 0)
    g_cancellable_disconnect (cancellable, handler_id);

  if (pop != NULL)
    {
      if (!pop_completed)
        aio_channel_pop_complete (pop, item);
      g_object_unref (pop);
    }

out:
  if (!pushed)
    {
      aio_channel_item_clear (item);
      g_propagate_error (error, local_error);
    }

  return pushed;
}

/**
 * aio_channel_push: (skip)
 * @self: a #AioChannel
 * @item: (nullable) (transfer full): the item
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Appends @item to the channel, blocking while it is full: call it from a
 * producer thread (for example a function run by
 * [func@Aio.run_in_thread_async]), never from the thread of the consumer's
 * main context, which must run to make room.
 *
 * Fails with %G_IO_ERROR_CLOSED if the channel is closed, or gets
 * closed while waiting, and with %G_IO_ERROR_CANCELLED if @cancellable is
 * cancelled before there was room. The channel takes @item in any case: on
 * failure it frees it with the item-free function given to
 * [ctor@Aio.Channel.new_full], if any.
 *
 * Returns: %TRUE if @item was queued (or handed to a pending pop), %FALSE
 *   with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
aio_channel_push (AioChannel    *self,
                  gpointer       item,
                  GCancellable  *cancellable,
                  GError       **error)
{
  AioChannelItem it;

  g_return_val_if_fail (AIO_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  it.data = item;
  it.destroy = self->item_free;

  return aio_channel_push_item (self, &it, cancellable, error);
}

/**
 * aio_channel_push_value:
 * @self: a #AioChannel
 * @value: the item, copied
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Like [method@Aio.Channel.push], for an item held in a #GValue: the
 * variant for language bindings, paired with
 * [method@Aio.Channel.pop_value_finish]. From Python, @value can be any
 * object; the call releases the GIL while it blocks:
 *
 * ```python
 * def produce(channel, cancellable):
 *     for row in read_rows():
 *         channel.push_value(row, cancellable)   # GLib.Error once closed
 *     channel.close()
 * ```
 *
 * Returns: %TRUE if the item was queued (or handed to a pending pop),
 *   %FALSE with @error set otherwise
 *
 * Since: 0.1
 */
gboolean
aio_channel_push_value (AioChannel    *self,
                        const GValue  *value,
                        GCancellable  *cancellable,
                        GError       **error)
{
  AioChannelItem it;
  GValue *copy;

  g_return_val_if_fail (AIO_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  copy = g_new0 (GValue, 1);
  g_value_init (copy, G_VALUE_TYPE (value));
  g_value_copy (value, copy);

  it.data = copy;
  it.destroy = aio_channel_value_free;

  return aio_channel_push_item (self, &it, cancellable, error);
}

/**
 * aio_channel_close:
 * @self: a #AioChannel
 *
 * Closes the channel: pushes fail with %G_IO_ERROR_CLOSED from now
 * on, producers blocked in a push wake up and fail the same way, and once
 * the items already queued have been popped, pops report the end of the
 * stream. Can be called from any thread, more than once.
 *
 * Since: 0.1
 */
void
aio_channel_close (AioChannel *self)
{
  GQueue later = G_QUEUE_INIT;
  GQueue pops = G_QUEUE_INIT;

  g_return_if_fail (AIO_IS_CHANNEL (self));

  g_mutex_lock (&self->mutex);
  if (!self->closed)
    {
      self->closed = TRUE;
      g_cond_broadcast (&self->not_full);

      /* Pending pops imply an empty queue: they all see the end. */
      pops = self->pending_pops;
      g_queue_init (&self->pending_pops);
      for (GList *l = pops.head; l != NULL; l = l->next)
        {
          if (aio_channel_can_complete_locked (l->data))
            aio_channel_pop_complete (l->data, NULL);
          else
            g_queue_push_tail (&later, l->data);
        }
    }
  g_mutex_unlock (&self->mutex);

  for (GList *l = later.head; l != NULL; l = l->next)
    aio_channel_pop_complete (l->data, NULL);

  g_queue_clear (&later);
  g_queue_clear_full (&pops, g_object_unref);
}

static gboolean
aio_channel_pop_cancelled_cb (GCancellable *cancellable,
                              gpointer      user_data)
{
  GTask *task = user_data;
  AioChannel *self = g_task_get_source_object (task);
  gboolean removed;

  g_mutex_lock (&self->mutex);
  removed = g_queue_remove (&self->pending_pops, task);
  g_mutex_unlock (&self->mutex);

  if (removed)
    {
      g_task_return_error_if_cancelled (task);
      g_object_unref (task);
    }

  return G_SOURCE_REMOVE;
}

static void
aio_channel_pop_internal (AioChannel          *self,
                          gpointer             source_tag,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AioChannelPop *pop;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  /* An item handed to a pop is delivered even if the cancellable fires
   * afterwards: items are never lost. */
  g_task_set_check_cancellable (task, FALSE);
  pop = g_new0 (AioChannelPop, 1);
  g_task_set_task_data (task, pop, aio_channel_pop_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_mutex_lock (&self->mutex);
  if (self->n_items > 0)
    {
      aio_channel_dequeue_locked (self, &pop->item);
      pop->has_item = TRUE;
    }
  else if (!self->closed)
    {
      if (cancellable != NULL)
        {
          pop->cancel_source = g_cancellable_source_new (cancellable);
          g_source_set_static_name (pop->cancel_source, "[aio] AioChannel pop cancelled");
          g_source_set_callback (pop->cancel_source,
                                 G_SOURCE_FUNC (aio_channel_pop_cancelled_cb),
                                 g_object_ref (task), g_object_unref);
          g_source_attach (pop->cancel_source, g_task_get_context (task));
        }
      g_queue_push_tail (&self->pending_pops, g_steal_pointer (&task));
    }
  g_mutex_unlock (&self->mutex);

  if (task != NULL)
    g_task_return_boolean (task, pop->has_item);
}

/**
 * aio_channel_pop_async: (skip)
 * @self: a #AioChannel
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called with the next item
 * @user_data: data for @callback
 *
 * Takes the next item of the channel, waiting for one if it is empty. The
 * operation completes on the thread-default main context of the caller;
 * call [method@Aio.Channel.pop_finish] from @callback.
 *
 * If @cancellable is cancelled while the pop waits, it completes with
 * %G_IO_ERROR_CANCELLED and takes no item; an item already handed to the
 * pop is still delivered.
 *
 * Since: 0.1
 */
void
aio_channel_pop_async (AioChannel          *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (AIO_IS_CHANNEL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  aio_channel_pop_internal (self, aio_channel_pop_async, cancellable, callback, user_data);
}

static AioChannelPop *
aio_channel_pop_propagate (AioChannel    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  AioChannelPop *pop;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  pop = g_task_get_task_data (G_TASK (result));
  g_assert (pop->has_item);
  pop->has_item = FALSE;

  return pop;
}

/**
 * aio_channel_pop_finish: (skip)
 * @self: a #AioChannel
 * @result: the #GAsyncResult passed to the callback
 * @item: (out) (optional) (nullable) (transfer full): the item
 * @error: return location for a #GError
 *
 * Completes [method@Aio.Channel.pop_async] (or
 * [method@Aio.Channel.pop_value_async]; an item pushed with
 * [method@Aio.Channel.push_value] then comes out as a #GValue pointer,
 * to free with `g_boxed_free (G_TYPE_VALUE, item)`).
 *
 * Returns: %TRUE with @item set to the next item; %FALSE without an error
 *   at the end of the stream (the channel is closed and drained); %FALSE
 *   with @error set on failure
 *
 * Since: 0.1
 */
gboolean
aio_channel_pop_finish (AioChannel    *self,
                        GAsyncResult  *result,
                        gpointer      *item,
                        GError       **error)
{
  AioChannelPop *pop;

  g_return_val_if_fail (AIO_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aio_channel_pop_async ||
                        g_task_get_source_tag (G_TASK (result)) == aio_channel_pop_value_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pop = aio_channel_pop_propagate (self, result, error);
  if (pop == NULL)
    {
      if (item != NULL)
        *item = NULL;
      return FALSE;
    }

  if (item != NULL)
    *item = g_steal_pointer (&pop->item.data);
  else
    aio_channel_item_clear (&pop->item);

  return TRUE;
}

/**
 * aio_channel_pop_value_async:
 * @self: a #AioChannel
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called with the next item
 * @user_data: data for @callback
 *
 * Like [method@Aio.Channel.pop_async]; call
 * [method@Aio.Channel.pop_value_finish] from @callback. The variant for
 * language bindings. From Python:
 *
 * ```python
 * def on_item(channel, result):
 *     ok, item = channel.pop_value_finish(result)
 *     if not ok:
 *         return  # end of stream
 *     handle(item)
 *     channel.pop_value_async(None, on_item)
 *
 * channel.pop_value_async(None, on_item)
 * ```
 *
 * Since: 0.1
 */
void
aio_channel_pop_value_async (AioChannel          *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (AIO_IS_CHANNEL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  aio_channel_pop_internal (self, aio_channel_pop_value_async, cancellable, callback, user_data);
}

/**
 * aio_channel_pop_value_finish:
 * @self: a #AioChannel
 * @result: the #GAsyncResult passed to the callback
 * @value: (out caller-allocates) (optional): an uninitialized #GValue that
 *   receives the item
 * @error: return location for a #GError
 *
 * Completes [method@Aio.Channel.pop_value_async] (or
 * [method@Aio.Channel.pop_async]). @value receives the item pushed with
 * [method@Aio.Channel.push_value]; an item pushed with
 * [method@Aio.Channel.push] comes out as a %G_TYPE_POINTER, owned by the
 * caller. At the end of the stream @value is set to a %G_TYPE_POINTER
 * holding %NULL (`None` for bindings); on error it is left untouched.
 *
 * Returns: %TRUE with @value set to the next item; %FALSE without an error
 *   at the end of the stream (the channel is closed and drained); %FALSE
 *   with @error set on failure
 *
 * Since: 0.1
 */
gboolean
aio_channel_pop_value_finish (AioChannel    *self,
                              GAsyncResult  *result,
                              GValue        *value,
                              GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  AioChannelPop *pop;

  g_return_val_if_fail (AIO_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aio_channel_pop_async ||
                        g_task_get_source_tag (G_TASK (result)) == aio_channel_pop_value_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pop = aio_channel_pop_propagate (self, result, &local_error);
  if (pop == NULL)
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (value != NULL)
        g_value_init (value, G_TYPE_POINTER);
      return FALSE;
    }

  if (value == NULL)
    aio_channel_item_clear (&pop->item);
  else if (pop->item.destroy == aio_channel_value_free)
    {
      GValue *boxed = g_steal_pointer (&pop->item.data);

      *value = *boxed;   /* a GValue may be moved bitwise */
      g_free (boxed);
    }
  else
    {
      g_value_init (value, G_TYPE_POINTER);
      g_value_set_pointer (value, g_steal_pointer (&pop->item.data));
    }

  return TRUE;
}

guint
_aio_channel_get_n_waiting_producers (AioChannel *self)
{
  guint n;

  g_return_val_if_fail (AIO_IS_CHANNEL (self), 0);

  g_mutex_lock (&self->mutex);
  n = self->n_waiting_producers;
  g_mutex_unlock (&self->mutex);

  return n;
}
