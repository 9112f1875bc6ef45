/* SPDX-License-Identifier: MIT */
#include <aiomisc-glib.h>

/* snippet: channel */
/* The producer runs on a worker thread; a push blocks while the channel is full. */
static gpointer
produce (gpointer       data,
         GCancellable  *cancellable,
         GError       **error)
{
  AioChannel *channel = data;

  for (guint i = 1; i <= 10; i++)
    if (!aio_channel_push (channel, g_strdup_printf ("row %u", i), cancellable, error))
      break;   /* closed by the consumer, or cancelled: @error is set */

  aio_channel_close (channel);   /* the end of the stream */
  return NULL;
}

/* The consumer runs on the main loop, one pop after the other. */
static void
pop_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  AioChannel *channel = AIO_CHANNEL (source);
  g_autoptr(GTask) task = user_data;
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autofree char *row = NULL;
  GError *error = NULL;

  if (aio_channel_pop_finish (channel, result, (gpointer *) &row, &error))
    {
      g_info ("got %s", row);
      /* The next pop: it owns the reference to the task now. */
      aio_channel_pop_async (channel, cancellable, pop_cb, g_steal_pointer (&task));
    }
  else if (error != NULL)
    g_task_return_error (task, error);
  else
    {
      g_info ("end of stream");
      g_task_return_boolean (task, TRUE);
    }
}

static void
channel_main (AioEntrypoint *entrypoint,
              GTask         *task,
              gpointer       user_data)
{
  /* At most 4 rows wait in the channel: threaded_iterable(max_size=4) */
  g_autoptr(AioChannel) channel = aio_channel_new_full (4, g_free);

  aio_run_in_thread_async (produce, g_object_ref (channel), g_object_unref,
                           g_task_get_cancellable (task), NULL, NULL);
  aio_channel_pop_async (channel, g_task_get_cancellable (task), pop_cb,
                         g_object_ref (task));
}
/* end snippet */

int
main (void)
{
  g_autoptr(GError) error = NULL;

  if (!aio_run (channel_main, NULL, &error, NULL))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  return 0;
}
