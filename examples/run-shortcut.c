/* run-shortcut.c: aio_run(), the shortcut for aiomisc's
 *
 *     aiomisc.run(sleep_and_exit(), OrdinaryService(), InfinityService())
 *
 * It builds an entrypoint with the default properties (the AIOMISC_*
 * environment variables still apply, e.g. AIOMISC_LOG_LEVEL=debug), starts
 * the services, runs the async main to completion, stops the services and
 * returns what the main returned.
 *
 * Usage: run-shortcut [SLEEP_MS [TICK_MS]] (defaults: 1000 and 200)
 *
 * SPDX-License-Identifier: MIT
 */
#include <aiomisc-glib.h>

/* A long-running service: start goes on until the service is stopped. */

#define EXAMPLE_TYPE_INFINITY_SERVICE (example_infinity_service_get_type ())
G_DECLARE_FINAL_TYPE (ExampleInfinityService, example_infinity_service, EXAMPLE, INFINITY_SERVICE, AioService)

struct _ExampleInfinityService
{
  AioService  parent_instance;
  guint       interval_ms;
  guint       ticks;
};

G_DEFINE_FINAL_TYPE (ExampleInfinityService, example_infinity_service, AIO_TYPE_SERVICE)

static gboolean
tick_cb (gpointer user_data)
{
  GTask *task = user_data;
  ExampleInfinityService *self = g_task_get_source_object (task);

  if (g_task_return_error_if_cancelled (task))   /* stopped: start completes */
    {
      g_info ("%s: stopped after %u ticks", aio_service_get_name (AIO_SERVICE (self)), self->ticks);
      return G_SOURCE_REMOVE;
    }

  g_info ("%s: tick %u", aio_service_get_name (AIO_SERVICE (self)), ++self->ticks);
  return G_SOURCE_CONTINUE;
}

static void
example_infinity_service_start_async (AioService          *service,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  ExampleInfinityService *self = EXAMPLE_INFINITY_SERVICE (service);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GSource) timeout = g_timeout_source_new (self->interval_ms);
  g_autoptr(GSource) cancelled = g_cancellable_source_new (cancellable);

  /* Tick every interval; the cancellation on stop dispatches at once. */
  g_source_set_dummy_callback (cancelled);
  g_source_add_child_source (timeout, cancelled);
  g_source_set_callback (timeout, tick_cb, g_object_ref (task), g_object_unref);
  g_source_attach (timeout, g_main_context_get_thread_default ());

  aio_service_set_ready (service);   /* aiomisc's self.start_event.set() */
}

static void
example_infinity_service_class_init (ExampleInfinityServiceClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = example_infinity_service_start_async;
}

static void
example_infinity_service_init (ExampleInfinityService *self)
{
  self->interval_ms = 200;
}

/* An ordinary service: start and stop both complete at once. */

#define EXAMPLE_TYPE_ORDINARY_SERVICE (example_ordinary_service_get_type ())
G_DECLARE_FINAL_TYPE (ExampleOrdinaryService, example_ordinary_service, EXAMPLE, ORDINARY_SERVICE, AioService)

struct _ExampleOrdinaryService
{
  AioService parent_instance;
};

G_DEFINE_FINAL_TYPE (ExampleOrdinaryService, example_ordinary_service, AIO_TYPE_SERVICE)

static void
example_ordinary_service_start_async (AioService          *service,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  g_info ("%s: started", aio_service_get_name (service));
  g_task_return_boolean (task, TRUE);
}

static void
example_ordinary_service_stop_async (AioService          *service,
                                     const GError        *reason,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  g_info ("%s: stopped", aio_service_get_name (service));
  g_task_return_boolean (task, TRUE);
}

static void
example_ordinary_service_class_init (ExampleOrdinaryServiceClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = example_ordinary_service_start_async;
  AIO_SERVICE_CLASS (klass)->stop_async = example_ordinary_service_stop_async;
}

static void
example_ordinary_service_init (ExampleOrdinaryService *self)
{
}

/* The async main: sleeps, then completes its task; the services stop then. */

static gboolean
wake_up_cb (gpointer user_data)
{
  GTask *task = user_data;

  if (!g_task_return_error_if_cancelled (task))
    {
      g_info ("main: exiting");
      g_task_return_boolean (task, TRUE);
    }

  return G_SOURCE_REMOVE;
}

static void
sleep_and_exit (AioEntrypoint *entrypoint,
                GTask         *task,
                gpointer       user_data)
{
  g_autoptr(GSource) timeout = g_timeout_source_new (GPOINTER_TO_UINT (user_data));
  g_autoptr(GSource) cancelled = g_cancellable_source_new (g_task_get_cancellable (task));

  g_info ("main: started, the services run");
  g_source_set_dummy_callback (cancelled);
  g_source_add_child_source (timeout, cancelled);
  g_source_set_callback (timeout, wake_up_cb, g_object_ref (task), g_object_unref);
  g_source_attach (timeout, g_main_context_get_thread_default ());
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AioService) ordinary = NULL;
  g_autoptr(AioService) infinity = NULL;
  g_autoptr(GError) error = NULL;
  guint sleep_ms = 1000;

  if (argc > 1)
    sleep_ms = (guint) g_ascii_strtoull (argv[1], NULL, 10);

  ordinary = g_object_new (EXAMPLE_TYPE_ORDINARY_SERVICE, "name", "ordinary", NULL);
  infinity = g_object_new (EXAMPLE_TYPE_INFINITY_SERVICE, "name", "infinity", NULL);
  if (argc > 2)
    EXAMPLE_INFINITY_SERVICE (infinity)->interval_ms = (guint) g_ascii_strtoull (argv[2], NULL, 10);

  /* The main, its data, the error, then the services and a NULL. */
  if (!aio_run (sleep_and_exit, GUINT_TO_POINTER (sleep_ms), &error,
                ordinary, infinity, NULL))
    {
      g_printerr ("run-shortcut: %s\n", error->message);
      return 1;
    }

  return 0;
}
