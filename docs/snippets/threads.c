/* SPDX-License-Identifier: MIT */
#include <aiomisc-glib.h>

/* snippet: threads */
/* Runs on a thread of the entrypoint's pool: it may block. */
static gpointer
checksum_in_thread (gpointer       data,
                    GCancellable  *cancellable,
                    GError       **error)
{
  GBytes *bytes = data;

  g_info ("hashing %zu bytes on a worker thread", g_bytes_get_size (bytes));
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

/* Runs on the thread of the main loop, once the function returned. */
static void
checksum_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autofree char *digest = NULL;
  GError *error = NULL;

  digest = aio_run_in_thread_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_info ("sha256: %s", digest);
  g_task_return_boolean (task, TRUE);
}

static void
hash_main (AioEntrypoint *entrypoint,
           GTask         *task,
           gpointer       user_data)
{
  gsize size = 16 * 1024 * 1024;
  GBytes *data = g_bytes_new_take (g_malloc0 (size), size);

  /* aiomisc's await loop.run_in_executor(None, checksum, data) */
  aio_run_in_thread_async (checksum_in_thread, data, (GDestroyNotify) g_bytes_unref,
                           g_task_get_cancellable (task),
                           checksum_done_cb, g_object_ref (task));
}
/* end snippet */

int
main (void)
{
  g_autoptr(GError) error = NULL;

  if (!aio_run (hash_main, NULL, &error, NULL))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  return 0;
}
