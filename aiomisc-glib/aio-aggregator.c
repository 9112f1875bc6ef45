/* aio-aggregator.c: batching single calls into one
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-statistics-private.h"
#include "aio-task-private.h"

/**
 * AioAggregator:
 *
 * Batches single calls into one call of a batch function, after aiomisc's
 * `aggregate`: the items of the calls made within
 * [property@Aio.Aggregator:leeway] seconds of the first one (or until
 * [property@Aio.Aggregator:max-count] of them are waiting) go to one call
 * of the [callback@Aio.AggregatorFunc], and each caller gets its own result.
 *
 * Items and results are #GVariant values, which every language binding
 * handles: the batch function receives the items as an `av` and returns an
 * array or tuple with one result per item, in the same order. An error of
 * the batch function reaches every caller of the batch.
 *
 * A caller that cancels its call gets %G_IO_ERROR_CANCELLED at once and
 * does not disturb the others: its item is dropped from the batch if the
 * batch was not sent yet, its result is ignored otherwise. The batch
 * function's cancellable is cancelled only when every caller of the batch
 * has cancelled.
 *
 * The leeway is measured on [property@Aio.Aggregator:clock], so tests
 * drive an aggregator with an [class@Aio.ManualClock]. The batch function
 * runs on the thread-default main context of the first call of its batch
 * (or of the call that filled it); results are delivered on the context of
 * each caller. An aggregator is thread-safe.
 *
 * Each batch adds to the process-wide statistics ([func@Aio.statistics_get])
 * of group `"aggregator"`: `calls`, `batches`, `items` (items sent),
 * `success` and `errors` (batches).
 *
 * The ranges of the properties are in their specifications, so
 * g_object_set() refuses a value out of range with a warning. The C setters
 * take any value: [method@Aio.Aggregator.validate] and every call report a
 * bad one as %G_IO_ERROR_INVALID_ARGUMENT, naming the value.
 *
 * Since: 0.1
 */

typedef struct _Batch Batch;

struct _AioAggregator
{
  GObject            parent_instance;

  GMutex             mutex;
  AioClock          *clock;
  double             leeway;
  int                max_count;
  AioAggregatorFunc  func;
  gpointer           func_data;
  GDestroyNotify     func_destroy;
  Batch             *current;        /* collecting items, owned */
};

/* One call. task and cancel_source are guarded by the aggregator's mutex;
 * whoever steals the task completes it. An item and its batch reference
 * each other until the batch is sent (batch->items) or done
 * (batch->sent_items), when the batch drops its items. */
typedef struct
{
  GTask    *task;
  GVariant *value;
  GSource  *cancel_source;
  Batch    *batch;                   /* owned */
} Item;

struct _Batch
{
  gatomicrefcount  ref_count;
  AioAggregator   *self;             /* owned */
  GPtrArray       *items;            /* Item*, owned; guarded by the mutex */
  guint            n_live;           /* items not cancelled, while collecting */
  gboolean         sent;
  GPtrArray       *sent_items;       /* Item*, owned, from sent to done */
  guint            n_sent;
  guint            n_cancelled;      /* of the sent items */
  GSource         *timer;
  GCancellable    *cancellable;      /* handed to the batch function */
};

G_DEFINE_FINAL_TYPE (AioAggregator, aio_aggregator, G_TYPE_OBJECT)

#define DEFAULT_LEEWAY 0.1
#define DEFAULT_MAX_COUNT (-1)

enum {
  PROP_0,
  PROP_CLOCK,
  PROP_LEEWAY,
  PROP_MAX_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static Batch *
batch_ref (Batch *batch)
{
  g_atomic_ref_count_inc (&batch->ref_count);
  return batch;
}

static void
batch_unref (Batch *batch)
{
  if (!g_atomic_ref_count_dec (&batch->ref_count))
    return;

  g_assert (batch->timer == NULL);
  g_clear_pointer (&batch->items, g_ptr_array_unref);
  g_clear_pointer (&batch->sent_items, g_ptr_array_unref);
  g_clear_object (&batch->cancellable);
  g_clear_object (&batch->self);
  g_free (batch);
}

static void
item_clear (Item *item)
{
  g_assert (item->task == NULL);
  g_assert (item->cancel_source == NULL);
  g_clear_pointer (&item->value, g_variant_unref);
  g_clear_pointer (&item->batch, batch_unref);
}

static Item *
item_ref (Item *item)
{
  return g_atomic_rc_box_acquire (item);
}

static void
item_unref (Item *item)
{
  g_atomic_rc_box_release_full (item, (GDestroyNotify) item_clear);
}

static void
aio_aggregator_finalize (GObject *object)
{
  AioAggregator *self = AIO_AGGREGATOR (object);

  /* A pending batch holds a reference on the aggregator. */
  g_assert (self->current == NULL);

  if (self->func_destroy != NULL)
    self->func_destroy (self->func_data);
  g_clear_object (&self->clock);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (aio_aggregator_parent_class)->finalize (object);
}

static void
aio_aggregator_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AioAggregator *self = AIO_AGGREGATOR (object);

  switch (prop_id)
    {
    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;

    case PROP_LEEWAY:
      g_value_set_double (value, aio_aggregator_get_leeway (self));
      break;

    case PROP_MAX_COUNT:
      g_value_set_int (value, aio_aggregator_get_max_count (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_aggregator_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AioAggregator *self = AIO_AGGREGATOR (object);

  switch (prop_id)
    {
    case PROP_CLOCK:
      self->clock = g_value_get_object (value)
        ? g_value_dup_object (value)
        : g_object_ref (aio_clock_get_default ());
      break;

    case PROP_LEEWAY:
      aio_aggregator_set_leeway (self, g_value_get_double (value));
      break;

    case PROP_MAX_COUNT:
      aio_aggregator_set_max_count (self, g_value_get_int (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_aggregator_class_init (AioAggregatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aio_aggregator_finalize;
  object_class->get_property = aio_aggregator_get_property;
  object_class->set_property = aio_aggregator_set_property;

  /**
   * AioAggregator:clock:
   *
   * The clock that measures the leeway; the default clock if unset.
   *
   * Since: 0.1
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL,
                         AIO_TYPE_CLOCK,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioAggregator:leeway:
   *
   * How long a batch collects items after its first one, in seconds; above
   * 0. (aiomisc's `leeway_ms`, in seconds.)
   *
   * Since: 0.1
   */
  properties[PROP_LEEWAY] =
    g_param_spec_double ("leeway", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_LEEWAY,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioAggregator:max-count:
   *
   * How many items a batch holds at most: it is sent as soon as it is
   * full. 1 or more, or -1 for no limit.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_COUNT] =
    g_param_spec_int ("max-count", NULL, NULL,
                      -1, G_MAXINT, DEFAULT_MAX_COUNT,
                      (G_PARAM_READWRITE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_aggregator_init (AioAggregator *self)
{
  g_mutex_init (&self->mutex);
  self->leeway = DEFAULT_LEEWAY;
  self->max_count = DEFAULT_MAX_COUNT;
}

/**
 * aio_aggregator_new:
 * @leeway: [property@Aio.Aggregator:leeway], in seconds
 * @max_count: [property@Aio.Aggregator:max-count], -1 for no limit
 * @func: (scope notified) (closure user_data) (destroy destroy): the batch
 *   function
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Creates an aggregator with the default clock. Values out of range are
 * reported by the calls.
 *
 * Returns: (transfer full): a new aggregator
 *
 * Since: 0.1
 */
AioAggregator *
aio_aggregator_new (double             leeway,
                    int                max_count,
                    AioAggregatorFunc  func,
                    gpointer           user_data,
                    GDestroyNotify     destroy)
{
  AioAggregator *self = g_object_new (AIO_TYPE_AGGREGATOR, NULL);

  /* Not through g_object_new(): a NaN would be refused with a warning
   * there, and bad values are reported as errors by the calls instead. */
  self->leeway = leeway;
  self->max_count = max_count;
  aio_aggregator_set_func (self, func, user_data, destroy);

  return self;
}

/**
 * aio_aggregator_set_func:
 * @self: an aggregator
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the batch function
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets the batch function, for an aggregator created with g_object_new();
 * the batches that are sent afterwards use it. Calls fail with
 * %G_IO_ERROR_INVALID_ARGUMENT while there is none.
 *
 * Since: 0.1
 */
void
aio_aggregator_set_func (AioAggregator     *self,
                         AioAggregatorFunc  func,
                         gpointer           user_data,
                         GDestroyNotify     destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (AIO_IS_AGGREGATOR (self));

  g_mutex_lock (&self->mutex);
  old_destroy = self->func_destroy;
  old_data = self->func_data;
  self->func = func;
  self->func_data = user_data;
  self->func_destroy = destroy;
  g_mutex_unlock (&self->mutex);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

/**
 * aio_aggregator_get_clock:
 * @self: an aggregator
 *
 * Gets [property@Aio.Aggregator:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.1
 */
AioClock *
aio_aggregator_get_clock (AioAggregator *self)
{
  g_return_val_if_fail (AIO_IS_AGGREGATOR (self), NULL);

  return self->clock;
}

/**
 * aio_aggregator_get_leeway:
 * @self: an aggregator
 *
 * Gets [property@Aio.Aggregator:leeway].
 *
 * Returns: how long a batch collects items, in seconds
 *
 * Since: 0.1
 */
double
aio_aggregator_get_leeway (AioAggregator *self)
{
  double ret;

  g_return_val_if_fail (AIO_IS_AGGREGATOR (self), 0);

  g_mutex_lock (&self->mutex);
  ret = self->leeway;
  g_mutex_unlock (&self->mutex);

  return ret;
}

/**
 * aio_aggregator_set_leeway:
 * @self: an aggregator
 * @leeway: how long a batch collects items, in seconds, above 0
 *
 * Sets [property@Aio.Aggregator:leeway]; the batches started afterwards
 * use it.
 *
 * Since: 0.1
 */
void
aio_aggregator_set_leeway (AioAggregator *self,
                           double         leeway)
{
  gboolean changed;

  g_return_if_fail (AIO_IS_AGGREGATOR (self));

  g_mutex_lock (&self->mutex);
  changed = self->leeway != leeway;
  self->leeway = leeway;
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEEWAY]);
}

/**
 * aio_aggregator_get_max_count:
 * @self: an aggregator
 *
 * Gets [property@Aio.Aggregator:max-count].
 *
 * Returns: the most items of a batch, -1 for no limit
 *
 * Since: 0.1
 */
int
aio_aggregator_get_max_count (AioAggregator *self)
{
  int ret;

  g_return_val_if_fail (AIO_IS_AGGREGATOR (self), -1);

  g_mutex_lock (&self->mutex);
  ret = self->max_count;
  g_mutex_unlock (&self->mutex);

  return ret;
}

/**
 * aio_aggregator_set_max_count:
 * @self: an aggregator
 * @max_count: the most items of a batch, 1 or more, or -1 for no limit
 *
 * Sets [property@Aio.Aggregator:max-count].
 *
 * Since: 0.1
 */
void
aio_aggregator_set_max_count (AioAggregator *self,
                              int            max_count)
{
  gboolean changed;

  g_return_if_fail (AIO_IS_AGGREGATOR (self));

  g_mutex_lock (&self->mutex);
  changed = self->max_count != max_count;
  self->max_count = max_count;
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_COUNT]);
}

/**
 * aio_aggregator_get_count:
 * @self: an aggregator
 *
 * Tells how many items wait in the batch being collected (aiomisc's
 * `count`); cancelled calls are not counted.
 *
 * Returns: the number of waiting items
 *
 * Since: 0.1
 */
guint
aio_aggregator_get_count (AioAggregator *self)
{
  guint ret;

  g_return_val_if_fail (AIO_IS_AGGREGATOR (self), 0);

  g_mutex_lock (&self->mutex);
  ret = self->current ? self->current->n_live : 0;
  g_mutex_unlock (&self->mutex);

  return ret;
}

/* Called with the lock held. */
static gboolean
validate_locked (AioAggregator  *self,
                 GError        **error)
{
  if (!isfinite (self->leeway) || self->leeway <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid leeway %g: must be a number of seconds above 0",
                   self->leeway);
      return FALSE;
    }

  if (self->max_count < 1 && self->max_count != -1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid max-count %d: must be 1 or more, or -1 (no limit)",
                   self->max_count);
      return FALSE;
    }

  if (self->func == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "No batch function set");
      return FALSE;
    }

  return TRUE;
}

/**
 * aio_aggregator_validate:
 * @self: an aggregator
 * @error: return location for a #GError
 *
 * Checks the properties and the batch function; every call does too.
 *
 * Returns: %TRUE if the aggregator can be used, else %FALSE with an
 *   %G_IO_ERROR_INVALID_ARGUMENT error saying why
 *
 * Since: 0.1
 */
gboolean
aio_aggregator_validate (AioAggregator  *self,
                         GError        **error)
{
  gboolean ret;

  g_return_val_if_fail (AIO_IS_AGGREGATOR (self), FALSE);

  g_mutex_lock (&self->mutex);
  ret = validate_locked (self, error);
  g_mutex_unlock (&self->mutex);

  return ret;
}

/* Batches */

/* Completes @item (if nobody did) with @value or a copy of @error. */
static void
item_complete (AioAggregator *self,
               Item          *item,
               GVariant      *value,
               const GError  *error)
{
  g_autoptr(GTask) task = NULL;
  GSource *cancel_source;

  g_mutex_lock (&self->mutex);
  task = g_steal_pointer (&item->task);
  cancel_source = g_steal_pointer (&item->cancel_source);
  g_mutex_unlock (&self->mutex);

  if (cancel_source != NULL)
    {
      g_source_destroy (cancel_source);
      g_source_unref (cancel_source);
    }

  if (task == NULL)
    return;
  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_pointer (task, g_variant_ref (value), (GDestroyNotify) g_variant_unref);
}

static void
batch_drop_sent_items (Batch *batch)
{
  GPtrArray *items;

  g_mutex_lock (&batch->self->mutex);
  items = g_steal_pointer (&batch->sent_items);
  g_mutex_unlock (&batch->self->mutex);

  g_ptr_array_unref (items);
}

/* The result of the batch function as one variant per item. */
static GVariant **
batch_split_result (GPtrArray     *sent_items,
                    const GValue  *value,
                    GError       **error)
{
  GVariant *variant = G_VALUE_HOLDS_VARIANT (value) ? g_value_get_variant (value) : NULL;
  GVariant **results;
  gsize n;

  if (variant == NULL ||
      !(g_variant_is_of_type (variant, G_VARIANT_TYPE_ARRAY) ||
        g_variant_is_of_type (variant, G_VARIANT_TYPE_TUPLE)) ||
      (n = g_variant_n_children (variant)) != sent_items->len)
    {
      g_autofree char *what = NULL;

      if (variant != NULL && g_variant_is_container (variant))
        what = g_strdup_printf ("a GVariant of type '%s' with %" G_GSIZE_FORMAT " children",
                                g_variant_get_type_string (variant),
                                g_variant_n_children (variant));
      else if (variant != NULL)
        what = g_strdup_printf ("a GVariant of type '%s'", g_variant_get_type_string (variant));
      else
        what = g_strdup_printf ("a %s", G_VALUE_TYPE_NAME (value));
      g_set_error (error, AIO_ERROR, AIO_ERROR_BAD_RESULT,
                   "The batch function returned %s for %u items: expected a "
                   "GVariant array or tuple with one child per item",
                   what, sent_items->len);
      return NULL;
    }

  results = g_new0 (GVariant *, n + 1);
  for (gsize i = 0; i < n; i++)
    {
      GVariant *child = g_variant_get_child_value (variant, i);

      if (g_variant_is_of_type (child, G_VARIANT_TYPE_VARIANT))
        {
          results[i] = g_variant_get_variant (child);
          g_variant_unref (child);
        }
      else
        results[i] = child;
    }

  return results;
}

static void
batch_op_done (GObject      *source_object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Batch *batch = user_data;
  AioAggregator *self = batch->self;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  GVariant **results = NULL;

  if (_aio_task_propagate_op (G_TASK (result), &value, &error))
    results = batch_split_result (batch->sent_items, &value, &error);

  aio_statistics_add (AIO_STAT_AGGREGATOR, error ? AIO_STAT_ERRORS : AIO_STAT_SUCCESS, 1);
  if (error != NULL)
    g_debug ("aggregator: batch of %u items failed: %s", batch->sent_items->len, error->message);

  for (guint i = 0; i < batch->sent_items->len; i++)
    item_complete (self, g_ptr_array_index (batch->sent_items, i),
                   results ? results[i] : NULL, error);
  batch_drop_sent_items (batch);

  if (results != NULL)
    {
      for (guint i = 0; results[i] != NULL; i++)
        g_variant_unref (results[i]);
      g_free (results);
    }
  batch_unref (batch);
}

/* Sends @batch (taking the reference) to the batch function. */
static void
batch_run (Batch *batch)
{
  AioAggregator *self = batch->self;
  g_autoptr(GTask) op_task = NULL;
  g_autoptr(GVariant) items = NULL;
  GVariantBuilder builder;
  AioAggregatorFunc func;
  gpointer func_data;
  GSource *timer;

  g_mutex_lock (&self->mutex);
  g_assert (!batch->sent);
  batch->sent = TRUE;
  batch->sent_items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_unref);
  for (guint i = 0; i < batch->items->len; i++)
    {
      Item *item = g_ptr_array_index (batch->items, i);

      if (item->task != NULL)
        g_ptr_array_add (batch->sent_items, item_ref (item));
    }
  g_ptr_array_set_size (batch->items, 0);
  batch->n_sent = batch->sent_items->len;
  timer = g_steal_pointer (&batch->timer);
  func = self->func;
  func_data = self->func_data;
  g_mutex_unlock (&self->mutex);

  if (timer != NULL)
    {
      g_source_destroy (timer);
      g_source_unref (timer);
    }

  if (batch->n_sent == 0 || func == NULL)
    {
      /* Every caller cancelled; or the function, which the calls checked,
       * was unset since. */
      for (guint i = 0; i < batch->sent_items->len; i++)
        item_complete (self, g_ptr_array_index (batch->sent_items, i), NULL,
                       &(GError) { G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                   (char *) "No batch function set" });
      batch_drop_sent_items (batch);
      batch_unref (batch);
      return;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  for (guint i = 0; i < batch->sent_items->len; i++)
    {
      Item *item = g_ptr_array_index (batch->sent_items, i);

      g_variant_builder_add (&builder, "v", item->value);
    }
  items = g_variant_ref_sink (g_variant_builder_end (&builder));

  aio_statistics_add (AIO_STAT_AGGREGATOR, AIO_STAT_BATCHES, 1);
  aio_statistics_add (AIO_STAT_AGGREGATOR, AIO_STAT_ITEMS, batch->sent_items->len);
  g_debug ("aggregator: sending a batch of %u items", batch->sent_items->len);

  op_task = g_task_new (self, batch->cancellable, batch_op_done, batch);
  g_task_set_name (op_task, "[aiomisc-glib] aggregator batch");
  func (op_task, items, batch->cancellable, func_data);
}

static gboolean
batch_timer_cb (gpointer user_data)
{
  Batch *batch = user_data;
  AioAggregator *self = batch->self;
  Batch *run = NULL;

  g_mutex_lock (&self->mutex);
  if (self->current == batch)
    run = g_steal_pointer (&self->current);
  g_mutex_unlock (&self->mutex);

  if (run != NULL)
    batch_run (run);

  return G_SOURCE_REMOVE;
}

static gboolean
item_cancelled_cb (GCancellable *cancellable,
                   gpointer      user_data)
{
  Item *item = item_ref (user_data);
  AioAggregator *self = item->batch->self;
  Batch *batch = item->batch;
  g_autoptr(GCancellable) cancel_batch = NULL;
  g_autoptr(GTask) task = NULL;
  GSource *cancel_source;

  g_mutex_lock (&self->mutex);
  task = g_steal_pointer (&item->task);
  cancel_source = g_steal_pointer (&item->cancel_source);
  if (task != NULL && !batch->sent)
    batch->n_live--;
  else if (task != NULL && ++batch->n_cancelled == batch->n_sent)
    cancel_batch = g_object_ref (batch->cancellable);
  g_mutex_unlock (&self->mutex);

  if (cancel_source != NULL)
    {
      g_source_destroy (cancel_source);
      g_source_unref (cancel_source);
    }
  if (task != NULL)
    g_task_return_error_if_cancelled (task);
  if (cancel_batch != NULL)
    g_cancellable_cancel (cancel_batch);

  item_unref (item);
  return G_SOURCE_REMOVE;
}

/**
 * aio_aggregator_call_async:
 * @self: an aggregator
 * @item: the item of this call; a floating reference is sunk
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called with the result of
 *   this call
 * @user_data: data for @callback
 *
 * Adds @item to the batch being collected (starting one if there is none)
 * and completes once the batch function returned: aiomisc's `aggregate`.
 * A batch that reaches [property@Aio.Aggregator:max-count] items is sent
 * before this function returns; otherwise it is sent
 * [property@Aio.Aggregator:leeway] seconds after its first call.
 *
 * Call [method@Aio.Aggregator.call_finish] from @callback.
 *
 * Since: 0.1
 */
void
aio_aggregator_call_async (AioAggregator       *self,
                           GVariant            *item,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GVariant) value = NULL;
  GError *error = NULL;
  Batch *batch;
  Batch *run = NULL;
  Item *it;

  g_return_if_fail (AIO_IS_AGGREGATOR (self));
  g_return_if_fail (item != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  value = g_variant_ref_sink (item);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_aggregator_call_async);
  g_task_set_name (task, "[aiomisc-glib] aggregator call");

  if (g_task_return_error_if_cancelled (task))
    return;

  aio_statistics_add (AIO_STAT_AGGREGATOR, AIO_STAT_CALLS, 1);

  it = g_atomic_rc_box_new0 (Item);
  it->task = g_object_ref (task);
  it->value = g_steal_pointer (&value);

  g_mutex_lock (&self->mutex);
  if (!validate_locked (self, &error))
    {
      g_mutex_unlock (&self->mutex);
      g_clear_object (&it->task);
      item_unref (it);
      g_task_return_error (task, error);
      return;
    }

  if (self->current == NULL)
    {
      batch = g_new0 (Batch, 1);
      g_atomic_ref_count_init (&batch->ref_count);
      batch->self = g_object_ref (self);
      batch->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_unref);
      batch->cancellable = g_cancellable_new ();
      batch->timer = aio_clock_create_timeout_source (self->clock,
                                                      aio_clock_get_monotonic_time (self->clock)
                                                      + _aio_seconds_to_usec (self->leeway));
      g_source_set_callback (batch->timer, batch_timer_cb, batch_ref (batch),
                             (GDestroyNotify) batch_unref);
      g_source_attach (batch->timer, g_task_get_context (task));
      self->current = batch;
    }
  batch = self->current;
  it->batch = batch_ref (batch);
  g_ptr_array_add (batch->items, item_ref (it));
  batch->n_live++;
  if (self->max_count > 0 && batch->n_live >= (guint) self->max_count)
    run = g_steal_pointer (&self->current);

  /* Attached before the item can be completed (under the lock), which
   * destroys it. */
  if (cancellable != NULL)
    {
      it->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (it->cancel_source, G_SOURCE_FUNC (item_cancelled_cb),
                             item_ref (it), (GDestroyNotify) item_unref);
      g_source_attach (it->cancel_source, g_task_get_context (task));
    }
  g_mutex_unlock (&self->mutex);
  item_unref (it);

  if (run != NULL)
    batch_run (run);
}

/**
 * aio_aggregator_call_finish:
 * @self: an aggregator
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Completes [method@Aio.Aggregator.call_async].
 *
 * Returns: (transfer full): the result of this call's item, or %NULL with
 *   @error set: the error of the batch function, %G_IO_ERROR_CANCELLED,
 *   %G_IO_ERROR_INVALID_ARGUMENT or %AIO_ERROR_BAD_RESULT
 *
 * Since: 0.1
 */
GVariant *
aio_aggregator_call_finish (AioAggregator  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (AIO_IS_AGGREGATOR (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aio_aggregator_call_async, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
