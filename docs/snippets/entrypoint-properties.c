/* SPDX-License-Identifier: MIT */
#include "services.h"

int
main (void)
{
  g_autoptr(AioEntrypoint) entrypoint = NULL;
  g_autoptr(AioService) ordinary = g_object_new (MY_TYPE_ORDINARY_SERVICE, NULL);
  g_autoptr(AioService) infinity = g_object_new (MY_TYPE_INFINITY_SERVICE, NULL);
  g_autoptr(GError) error = NULL;

  /* aiomisc's defaults, spelled out. Values set here win over the AIOMISC_*
   * environment variables, which only replace the defaults. */
  entrypoint = g_object_new (AIO_TYPE_ENTRYPOINT,
                             "pool-size", 4,
                             "log-level", AIO_LOG_LEVEL_INFO,
                             "log-format", AIO_LOG_FORMAT_AUTO,
                             "log-buffering", TRUE,
                             "log-buffer-size", 1024,
                             "log-flush-interval", 0.2,
                             "log-config", TRUE,
                             "debug", FALSE,
                             "shutdown-timeout", 60.0,
                             NULL);
  aio_entrypoint_add_service (entrypoint, ordinary);
  aio_entrypoint_add_service (entrypoint, infinity);

  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  return 0;
}
