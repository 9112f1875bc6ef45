/* SPDX-License-Identifier: MIT */
#include "services.h"

int
main (void)
{
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  g_autoptr(AioService) ordinary = g_object_new (MY_TYPE_ORDINARY_SERVICE, NULL);
  g_autoptr(AioService) infinity = g_object_new (MY_TYPE_INFINITY_SERVICE, NULL);
  g_autoptr(GError) error = NULL;

  aio_entrypoint_add_service (entrypoint, ordinary);
  aio_entrypoint_add_service (entrypoint, infinity);

  /* Start both, run until Ctrl-C (SIGINT) or SIGTERM, stop both. */
  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  return 0;
}
