/* SPDX-License-Identifier: MIT */
#include "services.h"

static gboolean
wake_up_cb (gpointer user_data)
{
  GTask *task = user_data;

  if (!g_task_return_error_if_cancelled (task))
    {
      g_info ("Exiting");
      g_task_return_boolean (task, TRUE);
    }

  return G_SOURCE_REMOVE;
}

static void
sleep_and_exit (AioEntrypoint *entrypoint,
                GTask         *task,
                gpointer       user_data)
{
  g_autoptr(GSource) timer = g_timeout_source_new_seconds (2);
  g_autoptr(GSource) cancelled = g_cancellable_source_new (g_task_get_cancellable (task));

  g_info ("Started");
  g_source_set_dummy_callback (cancelled);
  g_source_add_child_source (timer, cancelled);
  g_source_set_callback (timer, wake_up_cb, g_object_ref (task), g_object_unref);
  g_source_attach (timer, g_main_context_get_thread_default ());
}

int
main (void)
{
  g_autoptr(AioService) ordinary = g_object_new (MY_TYPE_ORDINARY_SERVICE, NULL);
  g_autoptr(AioService) infinity = g_object_new (MY_TYPE_INFINITY_SERVICE, NULL);
  g_autoptr(GError) error = NULL;

  /* snippet: run */
  /* The entrypoint's properties: aiomisc's keywords. */
  g_autoptr(AioEntrypoint) entrypoint = g_object_new (AIO_TYPE_ENTRYPOINT,
                                                      "log-level", AIO_LOG_LEVEL_INFO,
                                                      NULL);

  if (!aio_run_with_entrypoint (entrypoint,
                                sleep_and_exit,      /* the main */
                                NULL,                /* its user_data */
                                &error,
                                ordinary, infinity,  /* the services */
                                NULL))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  /* end snippet */

  return 0;
}
