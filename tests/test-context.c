/* test-context.c: AioContext — values shared between services
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-services.h"

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GValue    value;
  GError   *error;
} Got;

static void
got_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Got *got = user_data;

  got->ok = aio_context_get_finish (AIO_CONTEXT (object), result, &got->value, &got->error);
  got->done = TRUE;
}

static void
set_string (AioContext *context, const char *key, const char *text)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, text);
  aio_context_set (context, key, &value);
}

static void
test_set_then_get (void)
{
  g_autoptr(AioContext) context = aio_context_new ();
  g_auto(GValue) peek = G_VALUE_INIT;
  Got got = { 0 };

  g_assert_false (aio_context_lookup (context, "dsn", NULL));
  set_string (context, "dsn", "postgres://localhost");
  g_assert_true (aio_context_lookup (context, "dsn", &peek));
  g_assert_cmpstr (g_value_get_string (&peek), ==, "postgres://localhost");

  aio_context_get_async (context, "dsn", NULL, got_cb, &got);
  aio_test_wait (&got.done);
  g_assert_true (got.ok);
  g_assert_cmpstr (g_value_get_string (&got.value), ==, "postgres://localhost");
  g_value_unset (&got.value);
}

static void
test_get_waits (void)
{
  g_autoptr(AioContext) context = aio_context_new ();
  Got a = { 0 }, b = { 0 };

  aio_context_get_async (context, "port", NULL, got_cb, &a);
  aio_context_get_async (context, "port", NULL, got_cb, &b);
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (a.done || b.done);

  {
    g_auto(GValue) value = G_VALUE_INIT;
    g_value_init (&value, G_TYPE_UINT);
    g_value_set_uint (&value, 8080);
    aio_context_set (context, "port", &value);
  }
  aio_test_wait (&a.done);
  aio_test_wait (&b.done);
  g_assert_cmpuint (g_value_get_uint (&a.value), ==, 8080);
  g_assert_cmpuint (g_value_get_uint (&b.value), ==, 8080);
  g_value_unset (&a.value);
  g_value_unset (&b.value);
}

static gpointer
setter_thread (gpointer data)
{
  set_string (data, "from-thread", "hello");
  return NULL;
}

static void
test_set_from_thread (void)
{
  g_autoptr(AioContext) context = aio_context_new ();
  GThread *thread;
  Got got = { 0 };

  aio_context_get_async (context, "from-thread", NULL, got_cb, &got);
  thread = g_thread_new ("setter", setter_thread, context);
  aio_test_wait (&got.done);
  g_thread_join (thread);
  g_assert_cmpstr (g_value_get_string (&got.value), ==, "hello");
  g_value_unset (&got.value);
}

static void
test_cancel (void)
{
  g_autoptr(AioContext) context = aio_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Got got = { 0 }, later = { 0 };

  aio_context_get_async (context, "never", cancellable, got_cb, &got);
  g_cancellable_cancel (cancellable);
  aio_test_wait (&got.done);
  g_assert_false (got.ok);
  g_assert_error (got.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&got.error);

  /* A set after the cancellation does not touch the cancelled waiter. */
  aio_context_get_async (context, "never", NULL, got_cb, &later);
  set_string (context, "never", "now");
  aio_test_wait (&later.done);
  g_assert_cmpstr (g_value_get_string (&later.value), ==, "now");
  g_value_unset (&later.value);
}

/* Two services: the producer sets a key in its start, the consumer waits for it. */

#define TEST_TYPE_CONSUMER (test_consumer_get_type ())
G_DECLARE_FINAL_TYPE (TestConsumer, test_consumer, TEST, CONSUMER, AioService)
struct _TestConsumer { AioService parent; char *got; };
G_DEFINE_FINAL_TYPE (TestConsumer, test_consumer, AIO_TYPE_SERVICE)

static void
consumer_got_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TestConsumer *self = g_task_get_source_object (task);
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  if (!aio_context_get_finish (AIO_CONTEXT (object), result, &value, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  self->got = g_value_dup_string (&value);
  g_task_return_boolean (task, TRUE);
}

static void
consumer_start_async (AioService *service, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (service, cancellable, callback, user_data);
  AioEntrypoint *ep = aio_entrypoint_get_current ();

  aio_context_get_async (aio_entrypoint_get_context (ep), "greeting",
                         cancellable, consumer_got_cb, task);
}

static void
test_consumer_finalize (GObject *object)
{
  g_free (TEST_CONSUMER (object)->got);
  G_OBJECT_CLASS (test_consumer_parent_class)->finalize (object);
}

static void
test_consumer_class_init (TestConsumerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_consumer_finalize;
  AIO_SERVICE_CLASS (klass)->start_async = consumer_start_async;
}

static void
test_consumer_init (TestConsumer *self)
{
}

static void
on_started (AioService *service, GParamSpec *pspec, gpointer data)
{
  if (aio_service_get_state (service) == AIO_SERVICE_STATE_RUNNING)
    set_string (aio_entrypoint_get_context (aio_entrypoint_get_current ()),
                "greeting", "hi from producer");
}

static void
test_between_services (void)
{
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
  g_autoptr(AioTestService) producer = aio_test_service_new ("producer");
  g_autoptr(TestConsumer) consumer = g_object_new (TEST_TYPE_CONSUMER, NULL);
  g_autoptr(GError) error = NULL;

  producer->start_delay_ms = 20;
  g_signal_connect (producer, "notify::state", G_CALLBACK (on_started), NULL);
  aio_entrypoint_add_service (ep, AIO_SERVICE (consumer));
  aio_entrypoint_add_service (ep, AIO_SERVICE (producer));
  g_assert_true (aio_test_start_entrypoint (ep, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (consumer->got, ==, "hi from producer");
  g_assert_true (aio_test_stop_entrypoint (ep, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Context/set-then-get", test_set_then_get);
  g_test_add_func ("/Aio/Context/get-waits", test_get_waits);
  g_test_add_func ("/Aio/Context/set-from-thread", test_set_from_thread);
  g_test_add_func ("/Aio/Context/cancel", test_cancel);
  g_test_add_func ("/Aio/Context/between-services", test_between_services);

  return g_test_run ();
}
