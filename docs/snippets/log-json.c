/* SPDX-License-Identifier: MIT */
#define G_LOG_DOMAIN "shop"
#include <aiomisc-glib.h>

static void
log_main (AioEntrypoint *entrypoint,
          GTask         *task,
          gpointer       user_data)
{
  /* The usual GLib macros */
  g_info ("Opening the shop");
  g_debug ("Not written: the level is info");

  /* A structured record: JSON and the journal keep every field. */
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_INFO,
                    "ORDER_ID", "42",
                    "CUSTOMER", "ada",
                    "MESSAGE", "Order %s paid", "42");

  g_task_return_boolean (task, TRUE);
}

int
main (void)
{
  g_autoptr(AioEntrypoint) entrypoint = NULL;
  g_autoptr(GError) error = NULL;

  entrypoint = g_object_new (AIO_TYPE_ENTRYPOINT,
                             "log-level", AIO_LOG_LEVEL_INFO,
                             "log-format", AIO_LOG_FORMAT_JSON,
                             NULL);
  if (!aio_entrypoint_run_main (entrypoint, log_main, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  return 0;
}
