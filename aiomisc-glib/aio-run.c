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
 * returns what the main returned. To choose the entrypoint's properties, use
 * [func@Aio.run_with_entrypoint].
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
static gboolean
aio_run_valist (AioEntrypoint  *entrypoint,
                AioMainFunc     main_func,
                gpointer        user_data,
                GError        **error,
                va_list         services)
{
  AioService *service;

  while ((service = va_arg (services, AioService *)) != NULL)
    aio_entrypoint_add_service (entrypoint, service);

  return aio_entrypoint_run_main (entrypoint, main_func, user_data, error);
}

gboolean
aio_run (AioMainFunc   main_func,
         gpointer      user_data,
         GError      **error,
         ...)
{
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  gboolean ret;
  va_list args;

  va_start (args, error);
  ret = aio_run_valist (entrypoint, main_func, user_data, error, args);
  va_end (args);

  return ret;
}

/**
 * aio_run_with_entrypoint: (skip)
 * @entrypoint: the entrypoint to run, with its properties set
 * @main_func: (nullable): the async main, or %NULL to run until SIGINT or SIGTERM
 * @user_data: data for @main_func
 * @error: return location for a #GError
 * @...: the services to run, each an #AioService, then %NULL
 *
 * [func@Aio.run] with the entrypoint's settings (aiomisc's
 * `aiomisc.run(main(), *services, log_level="debug", pool_size=8)`):
 * create @entrypoint with g_object_new() and the properties you want, then
 * hand it here with the main and the services. The services are added to
 * @entrypoint, which runs the main with [method@Aio.Entrypoint.run_main].
 *
 * |[<!-- language="C" -->
 * g_autoptr(AioEntrypoint) entrypoint =
 *   g_object_new (AIO_TYPE_ENTRYPOINT,
 *                 "log-level", AIO_LOG_LEVEL_DEBUG,
 *                 "pool-size", 8,
 *                 NULL);
 *
 * if (!aio_run_with_entrypoint (entrypoint, main_func, NULL, &error,
 *                               service, NULL))
 *   g_printerr ("%s\n", error->message);
 * ]|
 *
 * Bindings use [method@Aio.Entrypoint.add_service] and
 * [method@Aio.Entrypoint.run_main], which this is a shortcut for.
 *
 * Returns: the result of the main; %FALSE with an error as
 *   [method@Aio.Entrypoint.run_main] describes
 *
 * Since: 0.2
 */
gboolean
aio_run_with_entrypoint (AioEntrypoint  *entrypoint,
                         AioMainFunc     main_func,
                         gpointer        user_data,
                         GError        **error,
                         ...)
{
  gboolean ret;
  va_list args;

  g_return_val_if_fail (AIO_IS_ENTRYPOINT (entrypoint), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  va_start (args, error);
  ret = aio_run_valist (entrypoint, main_func, user_data, error, args);
  va_end (args);

  return ret;
}
