/* aio-run.c: the aio_run() shortcut
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

/**
 * aio_run_services:
 * @main_func: (nullable) (scope call): the async main, or %NULL to run until
 *   SIGINT or SIGTERM
 * @user_data: (closure main_func): data for @main_func
 * @services: (array length=n_services) (nullable): the services to run
 * @n_services: the number of @services
 * @error: return location for a #GError
 *
 * The introspectable form of [func@Aio.run]: builds an entrypoint with the
 * default properties (and the `AIOMISC_*` environment), adds @services and
 * runs @main_func with [method@Aio.Entrypoint.run_main].
 *
 * Returns: the result of the main; %FALSE with an error as
 *   [method@Aio.Entrypoint.run_main] describes
 *
 * Since: 0.1
 */
gboolean
aio_run_services (AioMainFunc   main_func,
                  gpointer      user_data,
                  AioService  **services,
                  guint         n_services,
                  GError      **error)
{
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();

  for (guint i = 0; i < n_services; i++)
    aio_entrypoint_add_service (entrypoint, services[i]);

  return aio_entrypoint_run_main (entrypoint, main_func, user_data, error);
}

/**
 * aio_run: (skip)
 * @main_func: (nullable): the async main, or %NULL to run until SIGINT or SIGTERM
 * @user_data: data for @main_func
 * @error: return location for a #GError
 * @...: the services to run, each an #AioService, then %NULL
 *
 * aiomisc's `aiomisc.run(main, *services)`: builds an entrypoint with the
 * default properties (and the `AIOMISC_*` environment), starts the
 * services, runs the async main to completion, stops the services and
 * returns what the main returned.
 *
 * |[<!-- language="C" -->
 * static void
 * main_func (AioEntrypoint *entrypoint, GTask *task, gpointer user_data)
 * {
 *   g_message ("Hello from main");
 *   g_task_return_boolean (task, TRUE);
 * }
 *
 * int
 * main (void)
 * {
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(AioService) service = g_object_new (MY_TYPE_SERVICE, NULL);
 *
 *   if (!aio_run (main_func, NULL, &error, service, NULL))
 *     g_printerr ("%s\n", error->message);
 *   return error ? 1 : 0;
 * }
 * ]|
 *
 * Returns: the result of the main; %FALSE with an error as
 *   [method@Aio.Entrypoint.run_main] describes
 *
 * Since: 0.1
 */
gboolean
aio_run (AioMainFunc   main_func,
         gpointer      user_data,
         GError      **error,
         ...)
{
  g_autoptr(GPtrArray) services = g_ptr_array_new ();
  AioService *service;
  va_list args;

  va_start (args, error);
  while ((service = va_arg (args, AioService *)) != NULL)
    g_ptr_array_add (services, service);
  va_end (args);

  return aio_run_services (main_func, user_data,
                           (AioService **) services->pdata, services->len,
                           error);
}
