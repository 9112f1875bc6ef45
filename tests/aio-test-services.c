/* aio-test-services.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-services.h"

G_DEFINE_FINAL_TYPE (AioTestService, aio_test_service, AIO_TYPE_SERVICE)

static GPtrArray *events;
static GPtrArray *hung;

GPtrArray *
aio_test_events (void)
{
  if (events == NULL)
    events = g_ptr_array_new_with_free_func (g_free);
  return events;
}

void
aio_test_events_clear (void)
{
  g_ptr_array_set_size (aio_test_events (), 0);
}

int
aio_test_event_index (const char *event)
{
  GPtrArray *ev = aio_test_events ();

  for (guint i = 0; i < ev->len; i++)
    if (g_str_equal (g_ptr_array_index (ev, i), event))
      return (int) i;
  return -1;
}

static void
record (AioTestService *self,
        const char     *what)
{
  g_ptr_array_add (aio_test_events (),
                   g_strdup_printf ("%s:%s", what, aio_service_get_name (AIO_SERVICE (self))));
}

static gboolean
deadline_cb (gpointer data)
{
  g_error ("aio_test_wait: condition not reached within 30 s");
  return G_SOURCE_REMOVE;
}

void
aio_test_wait (const gboolean *flag)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *deadline = g_timeout_source_new_seconds (30);

  g_source_set_callback (deadline, deadline_cb, NULL, NULL);
  g_source_attach (deadline, context);
  while (!*flag)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
}

void
aio_test_release_hung (void)
{
  if (hung == NULL)
    return;
  for (guint i = 0; i < hung->len; i++)
    g_task_return_boolean (g_ptr_array_index (hung, i), TRUE);
  g_clear_pointer (&hung, g_ptr_array_unref);
}

/* start */

typedef struct
{
  GTask   *task;
  GSource *timer;
  gulong   cancel_id;
} OrdinaryStart;

static void
ordinary_start_free (gpointer data)
{
  OrdinaryStart *os = data;

  g_clear_object (&os->task);
  g_free (os);
}

static void
ordinary_start_cancelled (GCancellable *cancellable,
                          gpointer      data)
{
  OrdinaryStart *os = data;
  AioTestService *self = g_task_get_source_object (os->task);

  /* Runs in the thread that cancelled: the main thread in these tests. */
  self->start_was_cancelled = TRUE;
  g_signal_handler_disconnect (cancellable, os->cancel_id);
  os->cancel_id = 0;
  g_task_return_error_if_cancelled (os->task);
  g_source_destroy (os->timer);
}

static gboolean
ordinary_start_done (gpointer data)
{
  OrdinaryStart *os = data;
  AioTestService *self = g_task_get_source_object (os->task);

  if (os->cancel_id != 0)
    {
      g_signal_handler_disconnect (g_task_get_cancellable (os->task), os->cancel_id);
      os->cancel_id = 0;
    }

  if (self->fail_start)
    g_task_return_new_error (os->task, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                             "test failure in %s", aio_service_get_name (AIO_SERVICE (self)));
  else
    {
      record (self, "started");
      g_task_return_boolean (os->task, TRUE);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
fail_after_ready_cb (gpointer data)
{
  AioTestService *self = data;
  g_autoptr(GTask) task = g_steal_pointer (&self->run_task);

  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                             "runtime failure in %s", aio_service_get_name (AIO_SERVICE (self)));
  return G_SOURCE_REMOVE;
}

static void
run_cancelled_cb (GCancellable   *cancellable,
                  AioTestService *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->run_task);

  if (task != NULL)
    {
      self->start_was_cancelled = TRUE;
      record (self, "cancelled");
      g_task_return_error_if_cancelled (task);
    }
}

static gboolean
long_running_ready (gpointer data)
{
  AioTestService *self = data;
  GCancellable *cancellable = g_task_get_cancellable (self->run_task);

  if (self->fail_start)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->run_task);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
                               "test failure in %s", aio_service_get_name (AIO_SERVICE (self)));
      return G_SOURCE_REMOVE;
    }

  record (self, "ready");
  aio_service_set_ready (AIO_SERVICE (self));
  if (self->fail_after_ready_ms >= 0)
    g_timeout_add_full (G_PRIORITY_DEFAULT, self->fail_after_ready_ms,
                        fail_after_ready_cb, g_object_ref (self), g_object_unref);
  /* Runs on this thread: the callback fires synchronously if already cancelled. */
  g_cancellable_connect (cancellable, G_CALLBACK (run_cancelled_cb), self, NULL);
  return G_SOURCE_REMOVE;
}

static void
aio_test_service_start_async (AioService          *service,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AioTestService *self = AIO_TEST_SERVICE (service);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  self->start_calls++;
  record (self, "start");

  if (self->mode == TEST_MODE_ORDINARY)
    {
      OrdinaryStart *os = g_new0 (OrdinaryStart, 1);

      os->task = task;
      os->timer = g_timeout_source_new (self->start_delay_ms);
      g_source_set_callback (os->timer, ordinary_start_done, os, ordinary_start_free);
      g_source_attach (os->timer, g_main_context_get_thread_default ());
      g_source_unref (os->timer);
      if (!self->ignore_cancel)
        os->cancel_id = g_signal_connect (cancellable, "cancelled",
                                          G_CALLBACK (ordinary_start_cancelled), os);
    }
  else
    {
      self->run_task = task;
      g_timeout_add_full (G_PRIORITY_DEFAULT, self->start_delay_ms,
                          long_running_ready, g_object_ref (self), g_object_unref);
    }
}

/* stop */

static gboolean
stop_done (gpointer data)
{
  GTask *task = data;
  AioTestService *self = g_task_get_source_object (task);

  record (self, "stopped");
  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
aio_test_service_stop_async (AioService          *service,
                             const GError        *reason,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  AioTestService *self = AIO_TEST_SERVICE (service);
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  self->stop_calls++;
  record (self, "stop");
  g_clear_error (&self->stop_reason);
  if (reason != NULL)
    self->stop_reason = g_error_copy (reason);

  if (self->never_stop)
    {
      if (hung == NULL)
        hung = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (hung, task);
      return;
    }

  g_timeout_add_full (G_PRIORITY_DEFAULT, self->stop_delay_ms,
                      stop_done, task, g_object_unref);
}

static void
aio_test_service_finalize (GObject *object)
{
  AioTestService *self = AIO_TEST_SERVICE (object);

  g_clear_error (&self->stop_reason);
  g_clear_object (&self->run_task);

  G_OBJECT_CLASS (aio_test_service_parent_class)->finalize (object);
}

static void
aio_test_service_class_init (AioTestServiceClass *klass)
{
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = aio_test_service_finalize;
  service_class->start_async = aio_test_service_start_async;
  service_class->stop_async = aio_test_service_stop_async;
}

static void
aio_test_service_init (AioTestService *self)
{
  self->fail_after_ready_ms = -1;
}

AioTestService *
aio_test_service_new (const char *name)
{
  return g_object_new (AIO_TEST_TYPE_SERVICE, "name", name, NULL);
}

/* Ends the idle threads of GLib's pools (GTask's, where glib-networking
 * runs TLS handshakes) before the program exits. LeakSanitizer (GCC 12)
 * crashes when it scans a thread that used the thread-local storage of
 * the dlopen()ed TLS module; threads that have exited are not scanned. The
 * threads end on their own shortly after being told to: this teardown
 * waits for that, polling the task list, at most 10 s. */
void
aio_test_stop_pool_threads (void)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_thread_pool_set_max_unused_threads (0);
  g_thread_pool_stop_unused_threads ();
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
      guint n = 0;

      while (tasks != NULL && g_dir_read_name (tasks) != NULL)
        n++;
      if (n <= 2) /* this thread and GLib's thread-pool spawner */
        break;
      g_usleep (1000);
    }
}
