/* SPDX-License-Identifier: MIT */
/* services.c: the two services of the tutorial, used by the other snippets */
#include "services.h"

/* snippet: infinity */
/* A long-running service: start goes on for the whole life of the service. */

struct _MyInfinityService
{
  AioService parent_instance;
  guint      ticks;
};

G_DEFINE_FINAL_TYPE (MyInfinityService, my_infinity_service, AIO_TYPE_SERVICE)

static gboolean
tick_cb (gpointer user_data)
{
  GTask *task = user_data;
  MyInfinityService *self = g_task_get_source_object (task);

  /* Stopping the service cancels the task: start completes. */
  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  g_info ("tick %u", ++self->ticks);   /* do some stuff */
  return G_SOURCE_CONTINUE;
}

static void
my_infinity_service_start_async (AioService          *service,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);
  g_autoptr(GSource) timer = g_timeout_source_new_seconds (1);
  g_autoptr(GSource) cancelled = g_cancellable_source_new (cancellable);

  /* Call tick_cb() every second, and at once when the service is stopped. */
  g_source_set_dummy_callback (cancelled);
  g_source_add_child_source (timer, cancelled);
  g_source_set_callback (timer, tick_cb, g_object_ref (task), g_object_unref);
  g_source_attach (timer, g_main_context_get_thread_default ());

  /* The service is ready: aiomisc's self.start_event.set() */
  aio_service_set_ready (service);
}

static void
my_infinity_service_class_init (MyInfinityServiceClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = my_infinity_service_start_async;
}

static void
my_infinity_service_init (MyInfinityService *self)
{
}
/* end snippet */

/* snippet: ordinary */
/* An ordinary service: start completes once the service is up, and stop
 * tears it down. This one listens on a TCP port of the loopback interface
 * and greets whoever connects. */

struct _MyOrdinaryService
{
  AioService       parent_instance;
  GSocketService  *listener;
};

G_DEFINE_FINAL_TYPE (MyOrdinaryService, my_ordinary_service, AIO_TYPE_SERVICE)

static gboolean
incoming_cb (GSocketService    *listener,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_output_stream_write_all (out, "hello\n", 6, NULL, NULL, NULL);
  return TRUE;
}

static void
my_ordinary_service_start_async (AioService          *service,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  MyOrdinaryService *self = MY_ORDINARY_SERVICE (service);
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) address = NULL;
  GError *error = NULL;

  self->listener = g_socket_service_new ();
  g_signal_connect (self->listener, "incoming", G_CALLBACK (incoming_cb), NULL);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->listener), any_port,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &address, &error))
    {
      g_clear_object (&self->listener);
      g_task_return_error (task, error);   /* the service failed to start */
      return;
    }

  g_info ("listening on port %u",
          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  g_task_return_boolean (task, TRUE);      /* the service is up */
}

static void
my_ordinary_service_stop_async (AioService          *service,
                                const GError        *reason,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  MyOrdinaryService *self = MY_ORDINARY_SERVICE (service);
  g_autoptr(GTask) task = g_task_new (service, cancellable, callback, user_data);

  /* @reason is the error that stops the program, NULL on a normal stop. */
  g_info ("closing the port (%s)", reason != NULL ? reason->message : "normal stop");
  g_socket_service_stop (self->listener);
  g_socket_listener_close (G_SOCKET_LISTENER (self->listener));
  g_clear_object (&self->listener);
  g_task_return_boolean (task, TRUE);
}

static void
my_ordinary_service_dispose (GObject *object)
{
  g_clear_object (&MY_ORDINARY_SERVICE (object)->listener);
  G_OBJECT_CLASS (my_ordinary_service_parent_class)->dispose (object);
}

static void
my_ordinary_service_class_init (MyOrdinaryServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = my_ordinary_service_dispose;
  AIO_SERVICE_CLASS (klass)->start_async = my_ordinary_service_start_async;
  AIO_SERVICE_CLASS (klass)->stop_async = my_ordinary_service_stop_async;
}

static void
my_ordinary_service_init (MyOrdinaryService *self)
{
}
/* end snippet */
