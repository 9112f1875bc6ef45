/* demo.c: the seed tutorial in C — an InfinityService and an OrdinaryService
 * under an entrypoint until Ctrl-C (SIGINT) or SIGTERM.
 *
 * SPDX-License-Identifier: MIT
 */
#include <aiomisc-glib.h>

/* A long-running service: start runs for the service's whole life. */

#define DEMO_TYPE_INFINITY_SERVICE (demo_infinity_service_get_type ())
G_DECLARE_FINAL_TYPE (DemoInfinityService, demo_infinity_service, DEMO, INFINITY_SERVICE, AioService)

struct _DemoInfinityService
{
  AioService  parent_instance;
  guint       interval_ms;
  guint       ticks;
  guint       timer_id;
};

G_DEFINE_FINAL_TYPE (DemoInfinityService, demo_infinity_service, AIO_TYPE_SERVICE)

static gboolean
tick_cb (gpointer data)
{
  DemoInfinityService *self = data;

  g_message ("%s: tick %u", aio_service_get_name (AIO_SERVICE (self)), ++self->ticks);
  return G_SOURCE_CONTINUE;
}

static void
cancelled_cb (GCancellable *cancellable,
              GTask        *task)
{
  DemoInfinityService *self = g_task_get_source_object (task);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_message ("%s: cancelled after %u ticks", aio_service_get_name (AIO_SERVICE (self)), self->ticks);
  g_task_return_error_if_cancelled (task);
}

static void
demo_infinity_service_start_async (AioService          *service,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  DemoInfinityService *self = DEMO_INFINITY_SERVICE (service);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  self->timer_id = g_timeout_add (self->interval_ms, tick_cb, self);
  aio_service_set_ready (service);   /* aiomisc's start_event.set() */
  g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), task, g_object_unref);
}

static void
demo_infinity_service_class_init (DemoInfinityServiceClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = demo_infinity_service_start_async;
}

static void
demo_infinity_service_init (DemoInfinityService *self)
{
  self->interval_ms = 1000;
}

/* An ordinary service: start completes once it is up, stop tears it down. */

#define DEMO_TYPE_ORDINARY_SERVICE (demo_ordinary_service_get_type ())
G_DECLARE_FINAL_TYPE (DemoOrdinaryService, demo_ordinary_service, DEMO, ORDINARY_SERVICE, AioService)

struct _DemoOrdinaryService
{
  AioService parent_instance;
};

G_DEFINE_FINAL_TYPE (DemoOrdinaryService, demo_ordinary_service, AIO_TYPE_SERVICE)

static void
demo_ordinary_service_start_async (AioService          *service,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  g_message ("%s: started", aio_service_get_name (service));
  g_task_return_boolean (task, TRUE);
}

static void
demo_ordinary_service_stop_async (AioService          *service,
                                  const GError        *reason,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  g_message ("%s: stopped (%s)", aio_service_get_name (service),
             reason ? reason->message : "normal shutdown");
  g_task_return_boolean (task, TRUE);
}

static void
demo_ordinary_service_class_init (DemoOrdinaryServiceClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = demo_ordinary_service_start_async;
  AIO_SERVICE_CLASS (klass)->stop_async = demo_ordinary_service_stop_async;
}

static void
demo_ordinary_service_init (DemoOrdinaryService *self)
{
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AioEntrypoint) entrypoint = NULL;
  g_autoptr(AioService) infinity = NULL;
  g_autoptr(AioService) ordinary = NULL;
  g_autoptr(GError) error = NULL;

  infinity = g_object_new (DEMO_TYPE_INFINITY_SERVICE, "name", "infinity", NULL);
  ordinary = g_object_new (DEMO_TYPE_ORDINARY_SERVICE, "name", "ordinary", NULL);
  if (argc > 1)
    DEMO_INFINITY_SERVICE (infinity)->interval_ms = (guint) g_ascii_strtoull (argv[1], NULL, 10);

  entrypoint = g_object_new (AIO_TYPE_ENTRYPOINT, "log-level", AIO_LOG_LEVEL_INFO, NULL);
  aio_entrypoint_add_service (entrypoint, infinity);
  aio_entrypoint_add_service (entrypoint, ordinary);

  g_message ("Running; press Ctrl-C to stop");
  if (!aio_entrypoint_run (entrypoint, &error))
    {
      g_printerr ("demo: %s\n", error->message);
      return g_error_matches (error, AIO_ERROR, AIO_ERROR_SHUTDOWN_TIMEOUT) ? 70 : 1;
    }

  g_message ("Bye");
  return 0;
}
