/* SPDX-License-Identifier: MIT */
#include <aiomisc-glib.h>

/* A service that takes a moment to connect to something. */

#define MY_TYPE_CONNECTION (my_connection_get_type ())
G_DECLARE_FINAL_TYPE (MyConnection, my_connection, MY, CONNECTION, AioService)

struct _MyConnection
{
  AioService parent_instance;
};

G_DEFINE_FINAL_TYPE (MyConnection, my_connection, AIO_TYPE_SERVICE)

static void
connected_cb (gpointer user_data)
{
  g_autoptr(GTask) task = user_data;

  g_info ("%s: connected", aio_service_get_name (g_task_get_source_object (task)));
  g_task_return_boolean (task, TRUE);
}

static void
my_connection_start_async (AioService          *service,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (service, cancellable, callback, user_data);

  g_info ("%s: connecting", aio_service_get_name (service));
  g_timeout_add_once (100, connected_cb, task);
}

static void
my_connection_stop_async (AioService          *service,
                          const GError        *reason,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  g_info ("%s: disconnected", aio_service_get_name (service));
  g_task_return_boolean (task, TRUE);
}

static void
my_connection_class_init (MyConnectionClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = my_connection_start_async;
  AIO_SERVICE_CLASS (klass)->stop_async = my_connection_stop_async;
}

static void
my_connection_init (MyConnection *self)
{
}

int
main (void)
{
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  g_autoptr(AioService) database = g_object_new (MY_TYPE_CONNECTION, "name", "database", NULL);
  g_autoptr(AioService) cache = g_object_new (MY_TYPE_CONNECTION, "name", "cache", NULL);
  g_autoptr(AioService) api = g_object_new (MY_TYPE_CONNECTION, "name", "api", NULL);
  g_autoptr(GError) error = NULL;

  /* snippet: graph */
  /* The cache warms up from the database; the API needs both. */
  aio_service_add_dependency (cache, database);
  aio_service_add_dependency (api, database);
  aio_service_add_dependency (api, cache);

  /* Adding the API adds what it depends on. */
  aio_entrypoint_add_service (entrypoint, api);
  /* end snippet */

  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  return 0;
}
