/* SPDX-License-Identifier: MIT */
#include "services.h"

/* A program without windows holds itself; a GtkApplication's window does. */
static void
activate_cb (GApplication *app,
             gpointer      data)
{
  g_application_hold (app);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GApplication) app = g_application_new ("org.example.Shop",
                                                   G_APPLICATION_NON_UNIQUE);
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  g_autoptr(AioService) ordinary = g_object_new (MY_TYPE_ORDINARY_SERVICE, NULL);
  g_autoptr(AioService) infinity = g_object_new (MY_TYPE_INFINITY_SERVICE, NULL);

  aio_entrypoint_add_service (entrypoint, ordinary);
  aio_entrypoint_add_service (entrypoint, infinity);
  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);

  /* The services start at startup, and stop before g_application_run()
   * returns: at quit, on SIGINT or SIGTERM. */
  aio_entrypoint_attach_application (entrypoint, app);

  return g_application_run (app, argc, argv);
}
