/* sleep-and-exit.c: an entrypoint without services only sets up the routine
 * (main loop, thread pool, logging, signals) and runs an async main that
 * sleeps for a second and exits. The aiomisc original:
 *
 *     async def sleep_and_exit():
 *         logging.info("Started")
 *         await asyncio.sleep(1)
 *         logging.info("Exiting")
 *
 *     with aiomisc.entrypoint(log_level="info") as loop:
 *         loop.run_until_complete(sleep_and_exit())
 *
 * Run it with an interval in milliseconds to sleep for another time:
 * `sleep-and-exit 200`. Ctrl-C cuts the sleep short.
 *
 * SPDX-License-Identifier: MIT
 */
#include <aiomisc-glib.h>

static gboolean
wake_up_cb (gpointer user_data)
{
  GTask *task = user_data;

  /* Called when the time is up, or at once when the main is cancelled. */
  if (!g_task_return_error_if_cancelled (task))
    {
      g_info ("Exiting");
      g_task_return_boolean (task, TRUE);
    }

  return G_SOURCE_REMOVE;
}

/* The async main: aio_entrypoint_run_main() calls it once the services (none
 * here) run and iterates the main loop until it completes @task. */
static void
sleep_and_exit (AioEntrypoint *entrypoint,
                GTask         *task,
                gpointer       user_data)
{
  guint sleep_ms = GPOINTER_TO_UINT (user_data);
  g_autoptr(GSource) timeout = g_timeout_source_new (sleep_ms);
  g_autoptr(GSource) cancelled = g_cancellable_source_new (g_task_get_cancellable (task));

  g_info ("Started");

  /* asyncio.sleep(): a timeout that a cancellation (SIGINT, SIGTERM) wakes
   * up early. The child source makes the timeout dispatch when the
   * cancellable is cancelled; it needs a callback of its own, a dummy one. */
  g_source_set_dummy_callback (cancelled);
  g_source_add_child_source (timeout, cancelled);
  g_source_set_callback (timeout, wake_up_cb, g_object_ref (task), g_object_unref);
  g_source_attach (timeout, g_main_context_get_thread_default ());
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AioEntrypoint) entrypoint = NULL;
  g_autoptr(GError) error = NULL;
  guint sleep_ms = 1000;

  if (argc > 1)
    sleep_ms = (guint) g_ascii_strtoull (argv[1], NULL, 10);

  entrypoint = g_object_new (AIO_TYPE_ENTRYPOINT, "log-level", AIO_LOG_LEVEL_INFO, NULL);

  if (!aio_entrypoint_run_main (entrypoint, sleep_and_exit, GUINT_TO_POINTER (sleep_ms), &error))
    {
      g_printerr ("sleep-and-exit: %s\n", error->message);
      return 1;
    }

  return 0;
}
