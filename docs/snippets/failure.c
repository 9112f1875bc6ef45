/* SPDX-License-Identifier: MIT */
#include "services.h"

/* A service that cannot start. */

#define MY_TYPE_BROKEN_SERVICE (my_broken_service_get_type ())
G_DECLARE_FINAL_TYPE (MyBrokenService, my_broken_service, MY, BROKEN_SERVICE, AioService)

struct _MyBrokenService
{
  AioService parent_instance;
};

G_DEFINE_FINAL_TYPE (MyBrokenService, my_broken_service, AIO_TYPE_SERVICE)

static void
my_broken_service_start_async (AioService          *service,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                           "cannot reach the database");
}

static void
my_broken_service_class_init (MyBrokenServiceClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = my_broken_service_start_async;
}

static void
my_broken_service_init (MyBrokenService *self)
{
}

int
main (void)
{
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  g_autoptr(AioService) ordinary = g_object_new (MY_TYPE_ORDINARY_SERVICE, NULL);
  g_autoptr(AioService) broken = g_object_new (MY_TYPE_BROKEN_SERVICE, "name", "storage", NULL);
  g_autoptr(GError) error = NULL;

  aio_entrypoint_add_service (entrypoint, ordinary);
  aio_entrypoint_add_service (entrypoint, broken);

  /* snippet: run */
  if (!aio_entrypoint_run (entrypoint, &error))
    {
      /* The service keeps its error domain and code; the message names it. */
      g_printerr ("%s\n", error->message);
      return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ? 2 : 1;
    }
  /* end snippet */

  return 0;
}
