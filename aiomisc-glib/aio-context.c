/* aio-context.c: values shared between services
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-context-private.h"

/**
 * AioContext:
 *
 * A table of values shared between the services of an entrypoint
 * (aiomisc's `Context`): one service sets a key, others wait for it.
 *
 * [method@Aio.Context.get_async] completes as soon as the key is set, at
 * once if it already is. [method@Aio.Context.set] may be called from any
 * thread; waiters complete on their own thread-default main context.
 *
 * Since: 0.1
 */

struct _AioContext
{
  GObject     parent_instance;

  GMutex      mutex;
  GHashTable *values;   /* char* -> GValue* */
  GHashTable *waiters;  /* char* -> GPtrArray<Waiter*> */
};

typedef struct
{
  GTask   *task;
  GSource *cancel_source;
} Waiter;

G_DEFINE_FINAL_TYPE (AioContext, aio_context, G_TYPE_OBJECT)

static void
value_free (gpointer data)
{
  GValue *value = data;

  g_value_unset (value);
  g_free (value);
}

static GValue *
value_dup (const GValue *value)
{
  GValue *copy = g_new0 (GValue, 1);

  g_value_init (copy, G_VALUE_TYPE (value));
  g_value_copy (value, copy);

  return copy;
}

static void
waiter_free (gpointer data)
{
  Waiter *waiter = data;

  if (waiter->cancel_source != NULL)
    {
      g_source_destroy (waiter->cancel_source);
      g_source_unref (waiter->cancel_source);
    }
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static void
aio_context_finalize (GObject *object)
{
  AioContext *self = AIO_CONTEXT (object);

  g_clear_pointer (&self->values, g_hash_table_unref);
  g_clear_pointer (&self->waiters, g_hash_table_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (aio_context_parent_class)->finalize (object);
}

static void
aio_context_class_init (AioContextClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = aio_context_finalize;
}

static void
aio_context_init (AioContext *self)
{
  g_mutex_init (&self->mutex);
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, value_free);
  self->waiters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
}

/**
 * aio_context_new:
 *
 * Creates an empty context. An [class@Aio.Entrypoint] has one already:
 * see [method@Aio.Entrypoint.get_context].
 *
 * Returns: (transfer full): a new context
 *
 * Since: 0.1
 */
AioContext *
aio_context_new (void)
{
  return g_object_new (AIO_TYPE_CONTEXT, NULL);
}

/**
 * aio_context_set:
 * @self: a context
 * @key: the key
 * @value: the value, copied
 *
 * Sets @key to a copy of @value and completes every
 * [method@Aio.Context.get_async] waiting for @key. Thread-safe.
 *
 * Since: 0.1
 */
void
aio_context_set (AioContext   *self,
                 const char   *key,
                 const GValue *value)
{
  g_autoptr(GPtrArray) waiters = NULL;
  gpointer stolen_key = NULL;

  g_return_if_fail (AIO_IS_CONTEXT (self));
  g_return_if_fail (key != NULL);
  g_return_if_fail (G_IS_VALUE (value));

  g_mutex_lock (&self->mutex);
  g_hash_table_replace (self->values, g_strdup (key), value_dup (value));
  if (g_hash_table_steal_extended (self->waiters, key, &stolen_key, (gpointer *) &waiters))
    g_free (stolen_key);
  g_mutex_unlock (&self->mutex);

  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (waiters, i);

      if (waiter->cancel_source != NULL)
        g_source_destroy (waiter->cancel_source);
      g_task_return_value (waiter->task, (GValue *) value);
    }
}

/**
 * aio_context_lookup:
 * @self: a context
 * @key: the key
 * @value: (out caller-allocates) (optional): where to copy the value
 *
 * Looks @key up without waiting.
 *
 * Returns: %TRUE if @key is set
 *
 * Since: 0.1
 */
gboolean
aio_context_lookup (AioContext *self,
                    const char *key,
                    GValue     *value)
{
  GValue *found;

  g_return_val_if_fail (AIO_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  g_mutex_lock (&self->mutex);
  found = g_hash_table_lookup (self->values, key);
  if (found != NULL && value != NULL)
    {
      g_value_init (value, G_VALUE_TYPE (found));
      g_value_copy (found, value);
    }
  g_mutex_unlock (&self->mutex);

  return found != NULL;
}

static gboolean
aio_context_waiter_cancelled_cb (GCancellable *cancellable,
                                 gpointer      user_data)
{
  GTask *task = user_data;
  AioContext *self = g_task_get_source_object (task);
  const char *key = g_task_get_task_data (task);
  GPtrArray *waiters;
  Waiter *found = NULL;

  g_mutex_lock (&self->mutex);
  waiters = g_hash_table_lookup (self->waiters, key);
  for (guint i = 0; waiters != NULL && i < waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (waiters, i);

      if (waiter->task == task)
        {
          found = g_ptr_array_steal_index (waiters, i);
          break;
        }
    }
  g_mutex_unlock (&self->mutex);

  if (found != NULL)
    {
      g_task_return_error_if_cancelled (found->task);
      waiter_free (found);
    }

  return G_SOURCE_REMOVE;
}

/**
 * aio_context_get_async:
 * @self: a context
 * @key: the key
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once @key is set
 * @user_data: (closure): data for @callback
 *
 * Waits until @key is set, then completes with its value (aiomisc's
 * `await context[key]`).
 *
 * Since: 0.1
 */
void
aio_context_get_async (AioContext          *self,
                       const char          *key,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GValue *found;
  Waiter *waiter;
  GPtrArray *waiters;

  g_return_if_fail (AIO_IS_CONTEXT (self));
  g_return_if_fail (key != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_context_get_async);
  g_task_set_task_data (task, g_strdup (key), g_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  g_mutex_lock (&self->mutex);
  found = g_hash_table_lookup (self->values, key);
  if (found != NULL)
    {
      g_auto(GValue) copy = G_VALUE_INIT;

      g_value_init (&copy, G_VALUE_TYPE (found));
      g_value_copy (found, &copy);
      g_mutex_unlock (&self->mutex);
      g_task_return_value (task, &copy);
      return;
    }

  waiter = g_new0 (Waiter, 1);
  waiter->task = g_object_ref (task);
  if (cancellable != NULL)
    {
      waiter->cancel_source = g_cancellable_source_new (cancellable);
      g_task_attach_source (task, waiter->cancel_source,
                            G_SOURCE_FUNC (aio_context_waiter_cancelled_cb));
    }

  waiters = g_hash_table_lookup (self->waiters, key);
  if (waiters == NULL)
    {
      waiters = g_ptr_array_new_with_free_func (waiter_free);
      g_hash_table_insert (self->waiters, g_strdup (key), waiters);
    }
  g_ptr_array_add (waiters, waiter);
  g_mutex_unlock (&self->mutex);
}

/**
 * aio_context_get_finish:
 * @self: a context
 * @result: the result passed to the callback
 * @value: (out caller-allocates): where to copy the value
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.Context.get_async].
 *
 * Returns: (skip): %TRUE if @value was set, %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
aio_context_get_finish (AioContext    *self,
                        GAsyncResult  *result,
                        GValue        *value,
                        GError       **error)
{
  g_return_val_if_fail (AIO_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_value (G_TASK (result), value, error);
}

void
_aio_context_close (AioContext *self)
{
  g_autoptr(GHashTable) waiters = NULL;
  GHashTableIter iter;
  GPtrArray *list;

  g_mutex_lock (&self->mutex);
  waiters = g_steal_pointer (&self->waiters);
  self->waiters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  g_mutex_unlock (&self->mutex);

  g_hash_table_iter_init (&iter, waiters);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &list))
    for (guint i = 0; i < list->len; i++)
      {
        Waiter *waiter = g_ptr_array_index (list, i);

        g_task_return_new_error (waiter->task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                                 "Context closed before key '%s' was set",
                                 (const char *) g_task_get_task_data (waiter->task));
      }
}
