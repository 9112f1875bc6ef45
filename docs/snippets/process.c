/* SPDX-License-Identifier: MIT */
#include <aiomisc-glib.h>

/* snippet: status */
static void
post_start_cb (AioEntrypoint *entrypoint,
               gpointer       user_data)
{
  g_autoptr(GError) error = NULL;

  /* Shown by `systemctl status`; does nothing outside systemd. */
  if (!aio_sd_notify_status ("supervising one worker", &error))
    g_message ("sd_notify: %s", error->message);
}
/* end snippet */

int
main (void)
{
  /* snippet: supervise */
  const char *argv[] = { "sh", "-c", "echo worker $$ is up; sleep 0.3; exit 1", NULL };
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  g_autoptr(AioRespawningProcessService) worker = aio_respawning_process_service_new (argv);
  g_autoptr(GError) error = NULL;

  aio_service_set_name (AIO_SERVICE (worker), "worker");
  /* Five exits within a minute: a crash loop, the program fails. */
  aio_respawning_process_service_set_restart_limit (worker, 5);
  aio_respawning_process_service_set_restart_interval (worker, 60);
  aio_entrypoint_add_service (entrypoint, AIO_SERVICE (worker));
  /* end snippet */
  g_signal_connect (entrypoint, "post-start", G_CALLBACK (post_start_cb), NULL);

  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  return 0;
}
