/* SPDX-License-Identifier: MIT */
#include "services.h"

static void
migrated_cb (gpointer user_data)
{
  AioEntrypoint *entrypoint = user_data;

  g_info ("pre-start: the database schema is up to date");
  aio_entrypoint_release (entrypoint);   /* the start goes on */
}

static void
pre_start_cb (AioEntrypoint *entrypoint,
              gpointer       user_data)
{
  g_info ("pre-start: migrating the database schema");
  aio_entrypoint_hold (entrypoint);      /* the start waits for the release */
  g_timeout_add_once (100, migrated_cb, entrypoint);
}

static void
post_start_cb (AioEntrypoint *entrypoint,
               gpointer       user_data)
{
  g_info ("post-start: every service runs");
}

static void
pre_stop_cb (AioEntrypoint *entrypoint,
             gpointer       user_data)
{
  g_info ("pre-stop: the services are about to stop");
}

static void
post_stop_cb (AioEntrypoint *entrypoint,
              gpointer       user_data)
{
  g_info ("post-stop: every service stopped");
}

int
main (void)
{
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  g_autoptr(AioService) infinity = g_object_new (MY_TYPE_INFINITY_SERVICE, NULL);
  g_autoptr(GError) error = NULL;

  aio_entrypoint_add_service (entrypoint, infinity);
  g_signal_connect (entrypoint, "pre-start", G_CALLBACK (pre_start_cb), NULL);
  g_signal_connect (entrypoint, "post-start", G_CALLBACK (post_start_cb), NULL);
  g_signal_connect (entrypoint, "pre-stop", G_CALLBACK (pre_stop_cb), NULL);
  g_signal_connect (entrypoint, "post-stop", G_CALLBACK (post_stop_cb), NULL);

  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  return 0;
}
