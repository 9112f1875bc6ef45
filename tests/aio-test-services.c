/* aio-test-services.c
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <string.h>

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

/* Iterates the thread-default main context until *@flag or, when @flag is
 * NULL, *@pointer is set, failing after 30 s. */
static void
wait_until (const gboolean   *flag,
            gpointer const   *pointer)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *deadline = g_timeout_source_new_seconds (30);

  g_source_set_callback (deadline, deadline_cb, NULL, NULL);
  g_source_attach (deadline, context);
  while (flag != NULL ? !*flag : *pointer == NULL)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
}

void
aio_test_wait (const gboolean *flag)
{
  wait_until (flag, NULL);
}

void
aio_test_async_result_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  GAsyncResult **result_out = user_data;

  g_assert_null (*result_out);
  *result_out = g_object_ref (result);
}

GAsyncResult *
aio_test_wait_result (GAsyncResult **result)
{
  wait_until (NULL, (gpointer const *) result);
  return *result;
}

gboolean
aio_test_start_service (AioService  *service,
                        GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  aio_service_start_async (service, NULL, aio_test_async_result_cb, &result);
  return aio_service_start_finish (service, aio_test_wait_result (&result), error);
}

gboolean
aio_test_stop_service (AioService    *service,
                       const GError  *reason,
                       GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  aio_service_stop_async (service, reason, NULL, aio_test_async_result_cb, &result);
  return aio_service_stop_finish (service, aio_test_wait_result (&result), error);
}

gboolean
aio_test_start_entrypoint (AioEntrypoint  *entrypoint,
                           GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  aio_entrypoint_start_async (entrypoint, NULL, aio_test_async_result_cb, &result);
  return aio_entrypoint_start_finish (entrypoint, aio_test_wait_result (&result), error);
}

gboolean
aio_test_stop_entrypoint (AioEntrypoint  *entrypoint,
                          GError        **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  aio_entrypoint_stop_async (entrypoint, NULL, aio_test_async_result_cb, &result);
  return aio_entrypoint_stop_finish (entrypoint, aio_test_wait_result (&result), error);
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

/* Tracked objects */

static GPtrArray *tracked;   /* (element-type GWeakRef) */

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

gpointer
aio_test_track (gpointer object)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  if (tracked == NULL)
    tracked = g_ptr_array_new_with_free_func (weak_ref_free);
  g_weak_ref_init (ref, object);
  g_ptr_array_add (tracked, ref);
  return object;
}

void
aio_test_assert_tracked_finalized (void)
{
  if (tracked == NULL)
    return;
  for (guint i = 0; i < tracked->len; i++)
    {
      g_autoptr(GObject) object = g_weak_ref_get (g_ptr_array_index (tracked, i));

      g_assert_null (object);
    }
  g_clear_pointer (&tracked, g_ptr_array_unref);
}

/* Log capture */

typedef struct
{
  GLogLevelFlags  level;
  char           *message;
  GVariant       *fields;
} CapturedRecord;

static GMutex captured_lock;
static GPtrArray *captured;            /* (element-type CapturedRecord), guarded by captured_lock */
static GLogLevelFlags capture_levels;  /* set before any thread logs */
static GLogLevelFlags capture_quiet;
static gint capture_paused;            /* atomic */

static void
captured_record_free (gpointer data)
{
  CapturedRecord *record = data;

  g_free (record->message);
  g_variant_unref (record->fields);
  g_free (record);
}

/* A field of the record as a string (fields logged with an explicit length
 * come as "ay"), NULL if it has none. */
static char *
dup_field (GVariant   *fields,
           const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (fields, key, NULL);

  if (value == NULL)
    return NULL;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize len = 0;
      const char *data = g_variant_get_fixed_array (value, &len, 1);

      return g_strndup (data != NULL ? data : "", len);
    }
  return NULL;
}

/* Runs on the thread that logged, with no lock of the writer held. */
static gboolean
capture_func (GLogLevelFlags  log_level,
              GVariant       *fields,
              gpointer        user_data)
{
  GLogLevelFlags level = log_level & G_LOG_LEVEL_MASK;
  g_autofree char *domain = NULL;
  CapturedRecord *record;

  if (!(level & capture_levels) || (log_level & G_LOG_FLAG_FATAL) ||
      g_atomic_int_get (&capture_paused))
    return FALSE;

  record = g_new0 (CapturedRecord, 1);
  record->level = level;
  record->fields = g_variant_ref (fields);
  record->message = dup_field (fields, "MESSAGE");
  if (record->message == NULL)
    record->message = g_strdup ("");
  domain = dup_field (fields, "GLIB_DOMAIN");

  /* Written as GLib's default writer would, but never fatal: the record is
   * expected. Before it is stored, which aio_test_log_clear() may free. */
  if ((!(level & capture_quiet) || g_test_verbose ()) &&
      !g_log_writer_default_would_drop (level, domain))
    {
      const GLogField out[] = {
        { "MESSAGE", record->message, -1 },
        { "GLIB_DOMAIN", domain, -1 },
      };

      g_log_writer_standard_streams (level, out, domain != NULL ? 2 : 1, NULL);
    }

  g_mutex_lock (&captured_lock);
  g_ptr_array_add (captured, record);
  g_mutex_unlock (&captured_lock);

  return TRUE;
}

void
aio_test_log_capture_install (GLogLevelFlags levels,
                              GLogLevelFlags quiet)
{
  AioLogLevel filter = AIO_LOG_LEVEL_MESSAGE;

  g_assert_null (captured);   /* once per process */
  if (levels & G_LOG_LEVEL_DEBUG)
    filter = AIO_LOG_LEVEL_DEBUG;
  else if (levels & G_LOG_LEVEL_INFO)
    filter = AIO_LOG_LEVEL_INFO;

  captured = g_ptr_array_new_with_free_func (captured_record_free);
  capture_levels = levels & G_LOG_LEVEL_MASK;
  capture_quiet = quiet & G_LOG_LEVEL_MASK;
  aio_log_set_capture_func (capture_func, NULL, NULL);
  /* Records below the filter never reach the capture function. */
  aio_log_configure (filter, AIO_LOG_FORMAT_AUTO, FALSE, 0, 0.2);
}

void
aio_test_log_capture_pause (gboolean paused)
{
  g_assert_nonnull (captured);   /* aio_test_log_capture_install() ran */
  g_atomic_int_set (&capture_paused, paused != FALSE);
}

/* The number of captured records of @levels containing every one of the
 * NULL-terminated @needles; their messages (or, with @fields, their fields)
 * are added to @found if not NULL. */
static guint
log_match_full (GLogLevelFlags      levels,
                const char * const *needles,
                gboolean            fields,
                GPtrArray          *found)
{
  guint n = 0;

  g_assert_nonnull (captured);   /* aio_test_log_capture_install() ran */
  g_mutex_lock (&captured_lock);
  for (guint i = 0; i < captured->len; i++)
    {
      CapturedRecord *record = g_ptr_array_index (captured, i);
      gboolean all = (record->level & levels) != 0;

      for (guint j = 0; all && needles[j] != NULL; j++)
        all = strstr (record->message, needles[j]) != NULL;
      if (!all)
        continue;
      n++;
      if (found != NULL)
        g_ptr_array_add (found, fields ? (gpointer) g_variant_ref (record->fields)
                                       : (gpointer) g_strdup (record->message));
    }
  g_mutex_unlock (&captured_lock);

  return n;
}

static guint
log_match (GLogLevelFlags      levels,
           const char * const *needles,
           GPtrArray          *found)
{
  return log_match_full (levels, needles, FALSE, found);
}

GPtrArray *
aio_test_log_find_fields (GLogLevelFlags  levels,
                          const char     *needle)
{
  const char *needles[] = { needle, NULL };
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

  log_match_full (levels, needles, TRUE, found);
  return found;
}

GPtrArray *
aio_test_log_find (GLogLevelFlags  levels,
                   const char     *needle)
{
  const char *needles[] = { needle, NULL };
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);

  log_match (levels, needles, found);
  return found;
}

guint
aio_test_log_count (GLogLevelFlags  levels,
                    const char     *needle)
{
  const char *needles[] = { needle, NULL };

  return log_match (levels, needles, NULL);
}

guint
aio_test_log_count_all (GLogLevelFlags  levels,
                        const char     *needle,
                        ...)
{
  g_autoptr(GPtrArray) needles = g_ptr_array_new ();
  va_list args;

  va_start (args, needle);
  for (const char *word = needle; word != NULL; word = va_arg (args, const char *))
    g_ptr_array_add (needles, (gpointer) word);
  va_end (args);
  g_ptr_array_add (needles, NULL);

  return log_match (levels, (const char * const *) needles->pdata, NULL);
}

void
aio_test_log_wait (GLogLevelFlags  levels,
                   const char     *needle,
                   guint           at_least)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  GSource *tick = g_timeout_source_new (50); /* records may come from other threads */
  guint n;

  g_source_set_dummy_callback (tick);
  g_source_attach (tick, NULL);
  while ((n = aio_test_log_count (levels, needle)) < at_least)
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("\"%s\" not logged %u times within 30 s (%u)", needle, at_least, n);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
}

void
aio_test_log_clear (void)
{
  g_assert_nonnull (captured);
  g_mutex_lock (&captured_lock);
  g_ptr_array_set_size (captured, 0);
  g_mutex_unlock (&captured_lock);
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

/* The probe of scheduled callbacks */


void
aio_test_probe_complete (AioTestProbe *probe,
                         gboolean      cancelled)
{
  g_autoptr(GTask) task = g_steal_pointer (&probe->pending);

  if (probe->timer != NULL)
    {
      g_source_destroy (probe->timer);
      g_clear_pointer (&probe->timer, g_source_unref);
    }
  if (probe->cancel_source != NULL)
    {
      g_source_destroy (probe->cancel_source);
      g_clear_pointer (&probe->cancel_source, g_source_unref);
    }

  probe->in_flight--;
  if (cancelled)
    {
      probe->cancelled++;
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
    }
  else
    {
      probe->completed++;
      g_task_return_boolean (task, TRUE);
    }
}

static gboolean
probe_timer_cb (gpointer data)
{
  AioTestProbe *probe = data;

  g_clear_pointer (&probe->timer, g_source_unref);
  aio_test_probe_complete (probe, FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
probe_cancelled_cb (GCancellable *cancellable,
                    gpointer      data)
{
  AioTestProbe *probe = data;

  g_clear_pointer (&probe->cancel_source, g_source_unref);
  if (!probe->ignore_cancel)
    aio_test_probe_complete (probe, TRUE);
  return G_SOURCE_REMOVE;
}

void
aio_test_probe_call (AioTestProbe *probe,
                     GTask        *task)
{
  if (probe->calls < G_N_ELEMENTS (probe->started_at))
    probe->started_at[probe->calls] = aio_clock_get_monotonic_time (probe->clock);
  probe->calls++;
  probe->in_flight++;
  probe->max_in_flight = MAX (probe->max_in_flight, probe->in_flight);

  if (probe->drop_task)
    {
      probe->in_flight--;
      return;
    }

  if (probe->fail_every != 0 && probe->calls % probe->fail_every == 0)
    {
      probe->in_flight--;
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "call %u went wrong", probe->calls);
      return;
    }

  if (probe->slow_us == 0)
    {
      probe->in_flight--;
      probe->completed++;
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_assert_null (probe->pending);
  probe->pending = g_object_ref (task);
  probe->timer = aio_clock_create_timeout_source (probe->clock,
                                                  aio_clock_get_monotonic_time (probe->clock) + probe->slow_us);
  g_source_set_callback (probe->timer, probe_timer_cb, probe, NULL);
  g_source_attach (probe->timer, NULL);
  probe->cancel_source = g_cancellable_source_new (g_task_get_cancellable (task));
  g_source_set_callback (probe->cancel_source, G_SOURCE_FUNC (probe_cancelled_cb), probe, NULL);
  g_source_attach (probe->cancel_source, NULL);
}
