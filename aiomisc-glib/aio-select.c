/* aio-select.c: the first of several async operations wins
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-statistics-private.h"
#include "aio-task-private.h"

/*
 * Each operation has a cancellable of its own: the winner's is left alone,
 * the losers' are cancelled once the winner completed, and all are
 * cancelled when the caller's cancellable is (from a GCancellableSource, as
 * _aio_cancellable_link() does, never from inside its emission). GTask
 * defers the callbacks of tasks whose cancellable is cancelled, so nothing
 * is freed under our feet while we cancel. The state lives until every
 * operation completed, even when the winner is reported earlier (NO_CANCEL,
 * NO_WAIT).
 */

typedef struct _SelectData SelectData;

typedef struct
{
  SelectData   *data;
  guint         index;
  gboolean      done;
  GCancellable *cancellable;
} SelectOp;

struct _SelectData
{
  GTask          *task;            /* until reported */
  GCancellable   *cancellable;     /* the caller's, nullable */
  GSource        *cancel_source;   /* on the caller's cancellable */
  AioSelectFlags  flags;
  guint           n_ops;
  guint           pending;         /* operations not completed yet */
  guint           winner;          /* G_MAXUINT until one completed */
  GValue          value;
  GError         *error;
  SelectOp        ops[];
};

static void
select_data_free (SelectData *data)
{
  g_assert (data->task == NULL);
  g_assert (data->pending == 0);

  _aio_cancellable_unlink (&data->cancel_source);
  g_clear_object (&data->cancellable);
  for (guint i = 0; i < data->n_ops; i++)
    g_clear_object (&data->ops[i].cancellable);
  g_value_unset (&data->value);
  g_clear_error (&data->error);
  g_free (data);
}

/* Dispatched on the caller's context; destroyed before @data is freed. */
static gboolean
select_caller_cancelled (GCancellable *cancellable,
                         gpointer      user_data)
{
  SelectData *data = user_data;

  for (guint i = 0; i < data->n_ops; i++)
    if (!data->ops[i].done)
      g_cancellable_cancel (data->ops[i].cancellable);

  return G_SOURCE_REMOVE;
}

static void
select_report (SelectData *data)
{
  g_autoptr(GTask) task = g_steal_pointer (&data->task);
  guint *winner = g_task_get_task_data (task);

  *winner = data->winner;
  if (data->cancellable != NULL && g_cancellable_is_cancelled (data->cancellable))
    *winner = G_MAXUINT;

  if (data->error != NULL)
    g_task_return_error (task, g_steal_pointer (&data->error));
  else
    g_task_return_value (task, &data->value);
}

static void
select_op_done (GObject      *source_object,
                GAsyncResult *result,
                gpointer      user_data)
{
  SelectOp *op = user_data;
  SelectData *data = op->data;

  g_assert (data->pending > 0);
  g_assert (!op->done);
  data->pending--;
  op->done = TRUE;

  if (data->winner == G_MAXUINT)
    {
      data->winner = op->index;
      g_debug ("select: operation %u won", op->index);
      _aio_task_propagate_op (G_TASK (result), &data->value, &data->error);

      /* The losers' completions are deferred: @data outlives this. */
      if (!(data->flags & AIO_SELECT_FLAGS_NO_CANCEL))
        for (guint i = 0; i < data->n_ops; i++)
          if (!data->ops[i].done)
            g_cancellable_cancel (data->ops[i].cancellable);
    }

  if (data->task != NULL &&
      (data->pending == 0 ||
       (data->flags & (AIO_SELECT_FLAGS_NO_CANCEL | AIO_SELECT_FLAGS_NO_WAIT))))
    select_report (data);

  if (data->pending == 0)
    select_data_free (data);
}

/**
 * aio_select_async:
 * @n_operations: how many operations compete, 1 or more
 * @flags: what to do with the losers
 * @func: (scope call) (closure func_data): starts operation number `index`
 * @func_data: data for @func
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the select
 *   completed
 * @user_data: data for @callback
 *
 * Starts @n_operations async operations and reports the first one to
 * complete, successfully or not: aiomisc's `select`. @func is called
 * @n_operations times, with indices 0, 1, …, before this function returns;
 * each call starts one operation, as an [callback@Aio.TaskFunc] does.
 *
 * Once an operation completed, the others are cancelled through their
 * cancellable, and @callback is called when they all completed (so none
 * runs past it). %AIO_SELECT_FLAGS_NO_WAIT reports the winner without
 * waiting for the losers; %AIO_SELECT_FLAGS_NO_CANCEL leaves them running.
 * Either way their results are dropped. Cancelling @cancellable cancels
 * every operation still running and makes the select fail with
 * %G_IO_ERROR_CANCELLED.
 *
 * Call [func@Aio.select_finish] from @callback to learn which operation won
 * and its outcome. An @n_operations of 0 fails with
 * %G_IO_ERROR_INVALID_ARGUMENT.
 *
 * Since: 0.1
 */
void
aio_select_async (guint                n_operations,
                  AioSelectFlags       flags,
                  AioSelectFunc        func,
                  gpointer             func_data,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SelectData *data;
  guint *winner;

  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_select_async);
  g_task_set_name (task, "[aiomisc-glib] select");
  winner = g_new (guint, 1);
  *winner = G_MAXUINT;
  g_task_set_task_data (task, winner, g_free);

  if (n_operations == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Invalid number of operations %u: select needs at least one",
                               n_operations);
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  aio_statistics_add (AIO_STAT_SELECT, AIO_STAT_CALLS, 1);

  data = g_malloc0 (sizeof (SelectData) + n_operations * sizeof (SelectOp));
  data->task = g_object_ref (task);
  data->flags = flags;
  data->winner = G_MAXUINT;
  data->pending = n_operations;
  data->n_ops = n_operations;
  for (guint i = 0; i < n_operations; i++)
    {
      data->ops[i].data = data;
      data->ops[i].index = i;
      data->ops[i].cancellable = g_cancellable_new ();
    }
  if (cancellable != NULL)
    {
      data->cancellable = g_object_ref (cancellable);
      data->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_static_name (data->cancel_source, "[aiomisc-glib] select cancellation");
      g_source_set_callback (data->cancel_source, G_SOURCE_FUNC (select_caller_cancelled),
                             data, NULL);
      g_source_attach (data->cancel_source, g_task_get_context (task));
    }

  /* GTask defers the completion of a task created in this very iteration,
   * so no operation completes (and @data stays) until they all started. */
  for (guint i = 0; i < n_operations; i++)
    {
      g_autoptr(GTask) op_task = NULL;
      SelectOp *op = &data->ops[i];

      op_task = g_task_new (NULL, op->cancellable, select_op_done, op);
      g_task_set_name (op_task, "[aiomisc-glib] select operation");
      func (op_task, i, op->cancellable, func_data);
    }
}

/**
 * aio_select_finish:
 * @result: the #GAsyncResult passed to the callback
 * @winner: (out) (optional): the index of the operation that completed
 *   first, or %G_MAXUINT if none did (the select was cancelled or invalid);
 *   set on failure too
 * @value: (out caller-allocates) (optional): an uninitialized #GValue that
 *   receives the winner's value
 * @error: return location for a #GError
 *
 * Completes [func@Aio.select_async]. If the winning operation succeeded,
 * @value holds its value (a %G_TYPE_POINTER %NULL if it returned none); if
 * it failed, its error is returned (aiomisc raises it too) and @value is
 * left untouched.
 *
 * Returns: (skip): %TRUE if the winner succeeded, %FALSE with @error set
 *
 * Since: 0.1
 */
gboolean
aio_select_finish (GAsyncResult  *result,
                   guint         *winner,
                   GValue        *value,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aio_select_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (winner != NULL)
    *winner = *(guint *) g_task_get_task_data (G_TASK (result));

  return _aio_task_propagate_value (G_TASK (result), value, error);
}
