/* test-entrypoint.c: AioEntrypoint — concurrency, failure, order, timeout, hooks
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "aio-test-services.h"

static AioEntrypoint *
new_entrypoint (void)
{
  /* Tests drive logging themselves: the entrypoint must not install a writer. */
  return g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
}

static gboolean
under_valgrind (void)
{
  const char *preload = g_getenv ("LD_PRELOAD");

  return preload != NULL && strstr (preload, "vgpreload") != NULL;
}

static void
test_concurrent_start (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) a = aio_test_service_new ("a");
  g_autoptr(AioTestService) b = aio_test_service_new ("b");
  g_autoptr(GError) error = NULL;
  gint64 begin, elapsed;

  a->start_delay_ms = b->start_delay_ms = 200;
  aio_entrypoint_add_service (ep, AIO_SERVICE (a));
  aio_entrypoint_add_service (ep, AIO_SERVICE (b));
  aio_test_events_clear ();

  begin = g_get_monotonic_time ();
  g_assert_true (aio_test_start_entrypoint (ep, &error));
  g_assert_no_error (error);
  elapsed = g_get_monotonic_time () - begin;

  /* Both starts began before either finished: they overlapped. */
  g_assert_cmpint (aio_test_event_index ("start:b"), <, aio_test_event_index ("started:a"));
  g_assert_cmpint (aio_test_event_index ("start:a"), <, aio_test_event_index ("started:b"));
  g_assert_cmpint (elapsed, >=, 200 * 1000);
  if (!under_valgrind ())
    g_assert_cmpint (elapsed, <, 390 * 1000);   /* sequential would be 400 ms */
  g_test_message ("two 200 ms starts took %.1f ms", elapsed / 1000.);

  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (a)), ==, AIO_SERVICE_STATE_RUNNING);
  g_assert_true (aio_entrypoint_get_current () == ep);
  g_assert_true (aio_test_stop_entrypoint (ep, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (b)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_null (aio_entrypoint_get_current ());
}

static void
test_failing_start_stops_healthy (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) fast = aio_test_service_new ("fast");
  g_autoptr(AioTestService) forever = aio_test_service_new ("forever");
  g_autoptr(AioTestService) slow = aio_test_service_new ("slow");
  g_autoptr(AioTestService) broken = aio_test_service_new ("broken");
  g_autoptr(GError) error = NULL;

  forever->mode = TEST_MODE_LONG_RUNNING;
  slow->start_delay_ms = 10000;      /* still starting when broken fails */
  broken->start_delay_ms = 30;
  broken->fail_start = TRUE;
  aio_entrypoint_add_service (ep, AIO_SERVICE (fast));
  aio_entrypoint_add_service (ep, AIO_SERVICE (forever));
  aio_entrypoint_add_service (ep, AIO_SERVICE (slow));
  aio_entrypoint_add_service (ep, AIO_SERVICE (broken));

  g_assert_false (aio_test_start_entrypoint (ep, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (error->message, "'broken'"));

  /* The started ones were stopped with the failure as reason. */
  g_assert_cmpuint (fast->stop_calls, ==, 1);
  g_assert_error (fast->stop_reason, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpuint (forever->stop_calls, ==, 1);
  g_assert_true (forever->start_was_cancelled);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (fast)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (forever)), ==, AIO_SERVICE_STATE_STOPPED);
  /* The one still starting was cancelled: its stop runs too (the lifecycle
   * rule), unlike the stop of the one that failed. */
  g_assert_true (slow->start_was_cancelled);
  g_assert_cmpuint (slow->stop_calls, ==, 1);
  g_assert_cmpuint (broken->stop_calls, ==, 0);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (slow)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (broken)), ==, AIO_SERVICE_STATE_FAILED);
  g_assert_null (aio_entrypoint_get_current ());
}

static void
test_long_running_cancelled_on_stop (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) forever = aio_test_service_new ("forever");
  g_autoptr(GError) error = NULL;

  forever->mode = TEST_MODE_LONG_RUNNING;
  forever->start_delay_ms = 20;
  aio_entrypoint_add_service (ep, AIO_SERVICE (forever));
  g_assert_true (aio_test_start_entrypoint (ep, &error));
  g_assert_nonnull (forever->run_task);
  g_assert_true (aio_test_stop_entrypoint (ep, &error));
  g_assert_no_error (error);
  g_assert_true (forever->start_was_cancelled);
  g_assert_null (forever->run_task);
  g_assert_null (forever->stop_reason);
}

static void
test_dependency_order (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) db = aio_test_service_new ("db");
  g_autoptr(AioTestService) cache = aio_test_service_new ("cache");
  g_autoptr(AioTestService) web = aio_test_service_new ("web");
  g_autoptr(AioTestService) other = aio_test_service_new ("other");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) services = NULL;

  db->start_delay_ms = 30;
  cache->start_delay_ms = 10;
  web->stop_delay_ms = 30;
  other->start_delay_ms = 5;
  aio_service_add_dependency (AIO_SERVICE (cache), AIO_SERVICE (db));
  aio_service_add_dependency (AIO_SERVICE (web), AIO_SERVICE (cache));
  aio_service_add_dependency (AIO_SERVICE (web), AIO_SERVICE (db));
  /* Only web and other are added: their dependencies join by themselves. */
  aio_entrypoint_add_service (ep, AIO_SERVICE (web));
  aio_entrypoint_add_service (ep, AIO_SERVICE (other));
  services = aio_entrypoint_dup_services (ep);
  g_assert_cmpuint (services->len, ==, 4);

  aio_test_events_clear ();
  g_assert_true (aio_test_start_entrypoint (ep, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_test_event_index ("started:db"), <, aio_test_event_index ("start:cache"));
  g_assert_cmpint (aio_test_event_index ("started:cache"), <, aio_test_event_index ("start:web"));
  /* Independent services do not wait. */
  g_assert_cmpint (aio_test_event_index ("start:other"), <, aio_test_event_index ("started:db"));

  aio_test_events_clear ();
  g_assert_true (aio_test_stop_entrypoint (ep, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_test_event_index ("stopped:web"), <, aio_test_event_index ("stop:cache"));
  g_assert_cmpint (aio_test_event_index ("stopped:cache"), <, aio_test_event_index ("stop:db"));
  g_assert_cmpint (aio_test_event_index ("stop:other"), <, aio_test_event_index ("stopped:web"));
}

static void
test_dependency_failure (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) db = aio_test_service_new ("db");
  g_autoptr(AioTestService) web = aio_test_service_new ("web");
  g_autoptr(GError) error = NULL;

  db->fail_start = TRUE;
  aio_service_add_dependency (AIO_SERVICE (web), AIO_SERVICE (db));
  aio_entrypoint_add_service (ep, AIO_SERVICE (web));
  g_assert_false (aio_test_start_entrypoint (ep, &error));
  g_assert_nonnull (strstr (error->message, "'db'"));
  g_assert_cmpuint (web->start_calls, ==, 0);
}

static void
test_dependency_cycle (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) a = aio_test_service_new ("a");
  g_autoptr(AioTestService) b = aio_test_service_new ("b");
  g_autoptr(GError) error = NULL;

  aio_service_add_dependency (AIO_SERVICE (a), AIO_SERVICE (b));
  aio_service_add_dependency (AIO_SERVICE (b), AIO_SERVICE (a));
  aio_entrypoint_add_service (ep, AIO_SERVICE (a));
  g_assert_false (aio_test_start_entrypoint (ep, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_DEPENDENCY_CYCLE);
  g_assert_cmpuint (a->start_calls + b->start_calls, ==, 0);
  g_object_run_dispose (G_OBJECT (a));
}

static void
test_shutdown_timeout (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) stuck = aio_test_service_new ("stuck");
  g_autoptr(AioTestService) fine = aio_test_service_new ("fine");
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;

  /* The timer runs on the entrypoint's clock: it fires when the clock
   * moves, not after a wall-clock wait. */
  stuck->never_stop = TRUE;
  g_object_set (ep, "shutdown-timeout", 0.2, "clock", clock, NULL);
  g_assert_true (aio_entrypoint_get_clock (ep) == clock);
  aio_entrypoint_add_service (ep, AIO_SERVICE (stuck));
  aio_entrypoint_add_service (ep, AIO_SERVICE (fine));
  g_assert_true (aio_test_start_entrypoint (ep, &error));
  aio_entrypoint_stop_async (ep, NULL, aio_test_async_result_cb, &stopped);
  while (aio_service_get_state (AIO_SERVICE (fine)) != AIO_SERVICE_STATE_STOPPED)
    g_main_context_iteration (NULL, TRUE);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 199999);
  g_main_context_iteration (NULL, FALSE);
  g_assert_null (stopped);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 1);
  g_assert_false (aio_entrypoint_stop_finish (ep, aio_test_wait_result (&stopped), &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_SHUTDOWN_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "'stuck'"));
  g_assert_null (strstr (error->message, "'fine'"));
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (fine)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (stuck)), ==, AIO_SERVICE_STATE_STOPPING);

  /* The straggler finishes later without harm. */
  aio_test_release_hung ();
  while (aio_service_get_state (AIO_SERVICE (stuck)) != AIO_SERVICE_STATE_STOPPED)
    g_main_context_iteration (NULL, TRUE);
}

/* After a shutdown timeout the straggler is still stopping when the
 * entrypoint starts again: that start fails (the service is busy), and the
 * stop that follows waits for the straggler along with the stop that timed
 * out: two waits on one stop, both told when it ends. */
static void
test_restart_while_straggler_stops (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) stuck = aio_test_service_new ("stuck");
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  stuck->never_stop = TRUE;
  g_object_set (ep, "shutdown-timeout", 0.2, "clock", clock, NULL);
  aio_entrypoint_add_service (ep, AIO_SERVICE (stuck));
  g_assert_true (aio_test_start_entrypoint (ep, &error));
  aio_entrypoint_stop_async (ep, NULL, aio_test_async_result_cb, &stopped);
  while (stuck->stop_calls == 0)
    g_main_context_iteration (NULL, TRUE);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 200000);
  g_assert_false (aio_entrypoint_stop_finish (ep, aio_test_wait_result (&stopped), &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_SHUTDOWN_TIMEOUT);
  g_clear_error (&error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (stuck)), ==, AIO_SERVICE_STATE_STOPPING);

  aio_entrypoint_start_async (ep, NULL, aio_test_async_result_cb, &started);
  /* The failed start's stop waits for the straggler. */
  for (guint i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_null (started);
  aio_test_release_hung ();
  g_assert_false (aio_entrypoint_start_finish (ep, aio_test_wait_result (&started), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_cmpuint (stuck->stop_calls, ==, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (stuck)), ==, AIO_SERVICE_STATE_STOPPED);
}

/* Starts that complete from within the call that began them (a service
 * ready at once), in a dependency chain, and stops with AioService's
 * default stop, which needs no main-loop round trip: the order holds, and
 * the entrypoint's start and stop still complete from the main loop. */

#define TEST_TYPE_INSTANT_SERVICE (test_instant_service_get_type ())
G_DECLARE_FINAL_TYPE (TestInstantService, test_instant_service, TEST, INSTANT_SERVICE, AioService)

struct _TestInstantService
{
  AioService  parent_instance;
  GTask      *run;
  GPtrArray  *log;   /* char*, "start NAME"/"stopped NAME", not owned */
  gboolean    ready_from_thread;  /* set_ready() from a thread of its own */
  GThread    *start_thread;       /* where start_async ran */
};

G_DEFINE_FINAL_TYPE (TestInstantService, test_instant_service, AIO_TYPE_SERVICE)

static void
instant_cancelled_cb (GCancellable       *cancellable,
                      TestInstantService *self)
{
  g_autoptr(GTask) run = g_steal_pointer (&self->run);

  if (run != NULL)
    g_task_return_error_if_cancelled (run);
}

static void
test_instant_service_start_async (AioService          *service,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  TestInstantService *self = TEST_INSTANT_SERVICE (service);

  g_ptr_array_add (self->log, g_strdup_printf ("start %s", aio_service_get_name (service)));
  self->start_thread = g_thread_self ();
  self->run = g_task_new (self, cancellable, callback, user_data);
  if (self->ready_from_thread)
    g_thread_unref (g_thread_new ("ready", (GThreadFunc) aio_service_set_ready, service));
  else
    aio_service_set_ready (service);
  g_cancellable_connect (cancellable, G_CALLBACK (instant_cancelled_cb), self, NULL);
}

static void
test_instant_service_class_init (TestInstantServiceClass *klass)
{
  AIO_SERVICE_CLASS (klass)->start_async = test_instant_service_start_async;
}

static void
test_instant_service_init (TestInstantService *self)
{
}

static void
instant_state_cb (AioService *service,
                  GParamSpec *pspec,
                  GPtrArray  *log)
{
  if (aio_service_get_state (service) == AIO_SERVICE_STATE_STOPPED)
    g_ptr_array_add (log, g_strdup_printf ("stopped %s", aio_service_get_name (service)));
}

static void
hook_cb (AioEntrypoint *ep,
         gboolean      *emitted)
{
  *emitted = TRUE;
}

static void
test_instant_chain (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) services = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;
  const char *const expected[] = {
    "start a", "start b", "start c", "stopped c", "stopped b", "stopped a",
  };
  gboolean post_start = FALSE, post_stop = FALSE;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("%c", 'a' + i);
      TestInstantService *service = g_object_new (TEST_TYPE_INSTANT_SERVICE, "name", name, NULL);

      service->log = log;
      g_signal_connect (service, "notify::state", G_CALLBACK (instant_state_cb), log);
      if (i > 0)
        aio_service_add_dependency (AIO_SERVICE (service), g_ptr_array_index (services, i - 1));
      g_ptr_array_add (services, service);
    }
  /* Added last first: the order comes from the dependencies. */
  for (guint i = 3; i > 0; i--)
    aio_entrypoint_add_service (ep, g_ptr_array_index (services, i - 1));
  g_signal_connect (ep, "post-start", G_CALLBACK (hook_cb), &post_start);
  g_signal_connect (ep, "post-stop", G_CALLBACK (hook_cb), &post_stop);

  aio_entrypoint_start_async (ep, NULL, aio_test_async_result_cb, &started);
  g_assert_false (post_start);
  g_assert_true (aio_entrypoint_start_finish (ep, aio_test_wait_result (&started), &error));
  g_assert_no_error (error);
  g_assert_true (post_start);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (aio_service_get_state (g_ptr_array_index (services, i)), ==,
                     AIO_SERVICE_STATE_RUNNING);

  aio_entrypoint_stop_async (ep, NULL, aio_test_async_result_cb, &stopped);
  g_assert_false (post_stop);
  g_assert_true (aio_entrypoint_stop_finish (ep, aio_test_wait_result (&stopped), &error));
  g_assert_no_error (error);
  g_assert_true (post_stop);

  g_assert_cmpuint (log->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (log, i), ==, expected[i]);
}

/* A service ready from a thread of its own, while the default context is
 * not iterated (nobody owns it): its dependent's start and the post-start
 * hook still run in the thread of the entrypoint's context, not in that
 * thread (which could acquire the free context). */
static void
hook_thread_cb (AioEntrypoint  *ep,
                GThread       **thread)
{
  *thread = g_thread_self ();
}

static void
test_ready_from_thread (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TestInstantService) a = g_object_new (TEST_TYPE_INSTANT_SERVICE, "name", "a", NULL);
  g_autoptr(TestInstantService) b = g_object_new (TEST_TYPE_INSTANT_SERVICE, "name", "b", NULL);
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;
  GThread *hook_thread = NULL;

  a->log = b->log = log;
  a->ready_from_thread = TRUE;
  aio_service_add_dependency (AIO_SERVICE (b), AIO_SERVICE (a));
  aio_entrypoint_add_service (ep, AIO_SERVICE (a));
  aio_entrypoint_add_service (ep, AIO_SERVICE (b));
  g_signal_connect (ep, "post-start", G_CALLBACK (hook_thread_cb), &hook_thread);

  aio_entrypoint_start_async (ep, NULL, aio_test_async_result_cb, &started);
  /* The thread calls set_ready() while this one does not iterate. */
  while (log->len < 1)
    g_thread_yield ();
  g_usleep (G_USEC_PER_SEC / 10);
  g_assert_true (aio_entrypoint_start_finish (ep, aio_test_wait_result (&started), &error));
  g_assert_no_error (error);
  g_assert_true (b->start_thread == g_thread_self ());
  g_assert_true (hook_thread == g_thread_self ());

  aio_entrypoint_stop_async (ep, NULL, aio_test_async_result_cb, &stopped);
  g_assert_true (aio_entrypoint_stop_finish (ep, aio_test_wait_result (&stopped), &error));
  g_assert_no_error (error);
}

/* The valid values are the ranges of the GParamSpecs: g_object_set() refuses
 * anything else (with GObject's warning), so an entrypoint always validates.
 * The AIOMISC_* variables are checked against the same ranges (below). */
static void
test_bad_properties (void)
{
  static const struct {
    const char *property;
    double      value;
  } cases[] = {
    { "pool-size", 0 },
    { "pool-size", 5000 },
    { "log-buffer-size", 0 },
    { "log-flush-interval", 0 },
    { "log-flush-interval", -1 },
    { "log-flush-interval", NAN },
    { "shutdown-timeout", -1 },
    { "shutdown-timeout", NAN },
    { "start-timeout", -1 },
    { "start-warning-timeout", -1 },
  };
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (ep), cases[i].property);
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, pspec->value_type);
      if (pspec->value_type == G_TYPE_UINT)
        g_value_set_uint (&value, (guint) cases[i].value);
      else
        g_value_set_double (&value, cases[i].value);
      g_assert_false (g_param_value_is_valid (pspec, &value));
    }

  g_assert_true (aio_entrypoint_validate (ep, &error));
  g_assert_no_error (error);
}

static void
test_defaults (void)
{
  g_autoptr(AioEntrypoint) ep = NULL;
  guint pool_size, buffer_size;
  double flush_interval, shutdown_timeout;
  gboolean buffering, log_config, debug;
  AioLogLevel level;
  AioLogFormat format;

  if (g_test_subprocess ())
    {
      ep = aio_entrypoint_new ();
      g_object_get (ep, "pool-size", &pool_size, "log-level", &level, "log-format", &format,
                    "log-buffering", &buffering, "log-buffer-size", &buffer_size,
                    "log-flush-interval", &flush_interval, "log-config", &log_config,
                    "debug", &debug, "shutdown-timeout", &shutdown_timeout, NULL);
      g_assert_cmpuint (pool_size, ==, CLAMP (g_get_num_processors (), 4, 32));
      g_assert_cmpint (level, ==, AIO_LOG_LEVEL_INFO);
      g_assert_cmpint (format, ==, AIO_LOG_FORMAT_AUTO);
      g_assert_true (buffering);
      g_assert_cmpuint (buffer_size, ==, 1024);
      g_assert_cmpfloat (flush_interval, ==, 0.2);
      g_assert_true (log_config);
      g_assert_false (debug);
      g_assert_cmpfloat (shutdown_timeout, ==, 60.0);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_environment (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(AioEntrypoint) ep = NULL;
      guint pool_size, buffer_size;
      double shutdown_timeout, flush_interval;
      AioLogLevel level;
      AioLogFormat format;
      gboolean buffering;

      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_setenv ("AIOMISC_POOL_SIZE", "7", TRUE);
      g_setenv ("AIOMISC_LOG_LEVEL", "DEBUG", TRUE);
      g_setenv ("AIOMISC_LOG_FORMAT", "json", TRUE);
      g_setenv ("AIOMISC_SHUTDOWN_TIMEOUT", "2.5", TRUE);
      g_setenv ("AIOMISC_LOG_BUFFERING", "no", TRUE);
      ep = aio_entrypoint_new ();
      g_object_get (ep, "pool-size", &pool_size, "log-level", &level, "log-format", &format,
                    "shutdown-timeout", &shutdown_timeout, "log-buffering", &buffering, NULL);
      g_assert_cmpuint (pool_size, ==, 7);
      g_assert_cmpint (level, ==, AIO_LOG_LEVEL_DEBUG);
      g_assert_cmpint (format, ==, AIO_LOG_FORMAT_JSON);
      g_assert_cmpfloat (shutdown_timeout, ==, 2.5);
      g_assert_false (buffering);
      g_clear_object (&ep);

      /* Bad values: a warning naming the variable; the defaults stay. */
      g_setenv ("AIOMISC_POOL_SIZE", "lots", TRUE);
      g_setenv ("AIOMISC_LOG_LEVEL", "loud", TRUE);
      g_setenv ("AIOMISC_SHUTDOWN_TIMEOUT", "soon", TRUE);
      g_setenv ("AIOMISC_LOG_BUFFERING", "maybe", TRUE);
      g_setenv ("AIOMISC_LOG_BUFFER_SIZE", "0", TRUE);   /* out of range */
      ep = aio_entrypoint_new ();
      g_object_get (ep, "pool-size", &pool_size, "log-level", &level,
                    "shutdown-timeout", &shutdown_timeout, "log-buffering", &buffering,
                    "log-buffer-size", &buffer_size, NULL);
      g_assert_cmpuint (pool_size, ==, CLAMP (g_get_num_processors (), 4, 32));
      g_assert_cmpuint (buffer_size, ==, 1024);
      g_assert_cmpint (level, ==, AIO_LOG_LEVEL_INFO);
      g_assert_cmpfloat (shutdown_timeout, ==, 60.0);
      g_assert_true (buffering);
      g_clear_object (&ep);

      /* Out of range: the same warning, with the range; the entrypoint
       * stays usable with its defaults. */
      g_setenv ("AIOMISC_POOL_SIZE", "0", TRUE);
      g_setenv ("AIOMISC_LOG_FLUSH_INTERVAL", "-5", TRUE);
      g_setenv ("AIOMISC_LOG_BUFFER_SIZE", "0", TRUE);
      g_setenv ("AIOMISC_SHUTDOWN_TIMEOUT", "-1", TRUE);
      g_setenv ("AIOMISC_LOG_FORMAT", "fancy", TRUE);
      ep = aio_entrypoint_new ();
      g_object_get (ep, "pool-size", &pool_size, "log-flush-interval", &flush_interval,
                    "log-buffer-size", &buffer_size, "shutdown-timeout", &shutdown_timeout,
                    "log-format", &format, NULL);
      g_assert_cmpuint (pool_size, ==, CLAMP (g_get_num_processors (), 4, 32));
      g_assert_cmpfloat (flush_interval, ==, 0.2);
      g_assert_cmpuint (buffer_size, ==, 1024);
      g_assert_cmpfloat (shutdown_timeout, ==, 60.0);
      g_assert_cmpint (format, ==, AIO_LOG_FORMAT_AUTO);
      g_assert_true (aio_entrypoint_validate (ep, NULL));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*AIOMISC_POOL_SIZE=\"lots\"*");
  g_test_trap_assert_stderr ("*AIOMISC_LOG_LEVEL=\"loud\"*");
  g_test_trap_assert_stderr ("*AIOMISC_SHUTDOWN_TIMEOUT=\"soon\"*");
  g_test_trap_assert_stderr ("*AIOMISC_LOG_BUFFERING=\"maybe\"*");
  g_test_trap_assert_stderr ("*AIOMISC_LOG_LEVEL=\"loud\": expected one of *debug*info*");
  g_test_trap_assert_stderr ("*AIOMISC_POOL_SIZE=\"0\": expected an integer from 1 to 1024*");
  g_test_trap_assert_stderr ("*AIOMISC_LOG_FLUSH_INTERVAL=\"-5\": expected a number of seconds above 0*");
  g_test_trap_assert_stderr ("*AIOMISC_LOG_BUFFER_SIZE=\"0\"*");
  g_test_trap_assert_stderr ("*AIOMISC_SHUTDOWN_TIMEOUT=\"-1\": expected a number of seconds, 0 or more*");
  g_test_trap_assert_stderr ("*AIOMISC_LOG_FORMAT=\"fancy\": expected one of *json*");
}

typedef struct
{
  AioEntrypoint *ep;
  GPtrArray     *order;
} HookData;

static gboolean
release_later (gpointer data)
{
  HookData *hd = data;

  g_ptr_array_add (hd->order, (gpointer) "pre-start released");
  aio_entrypoint_release (hd->ep);
  return G_SOURCE_REMOVE;
}

static void
on_pre_start (AioEntrypoint *ep, HookData *hd)
{
  g_ptr_array_add (hd->order, (gpointer) "pre-start");
  aio_entrypoint_hold (ep);
  g_timeout_add (30, release_later, hd);
}

static void
on_post_start (AioEntrypoint *ep, HookData *hd)
{
  g_ptr_array_add (hd->order, (gpointer) "post-start");
}

static void
on_pre_stop (AioEntrypoint *ep, HookData *hd)
{
  g_ptr_array_add (hd->order, (gpointer) "pre-stop");
}

static void
on_post_stop (AioEntrypoint *ep, HookData *hd)
{
  g_ptr_array_add (hd->order, (gpointer) "post-stop");
}

static void
on_state (AioService *service, GParamSpec *pspec, HookData *hd)
{
  if (aio_service_get_state (service) == AIO_SERVICE_STATE_STARTING)
    g_ptr_array_add (hd->order, (gpointer) "service starting");
  else if (aio_service_get_state (service) == AIO_SERVICE_STATE_STOPPED)
    g_ptr_array_add (hd->order, (gpointer) "service stopped");
}

static void
test_hooks (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) service = aio_test_service_new ("hooked");
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  HookData hd = { ep, order };
  const char *expected[] = {
    "pre-start", "pre-start released", "service starting", "post-start",
    "pre-stop", "service stopped", "post-stop",
  };

  g_signal_connect (ep, "pre-start", G_CALLBACK (on_pre_start), &hd);
  g_signal_connect (ep, "post-start", G_CALLBACK (on_post_start), &hd);
  g_signal_connect (ep, "pre-stop", G_CALLBACK (on_pre_stop), &hd);
  g_signal_connect (ep, "post-stop", G_CALLBACK (on_post_stop), &hd);
  g_signal_connect (service, "notify::state", G_CALLBACK (on_state), &hd);
  aio_entrypoint_add_service (ep, AIO_SERVICE (service));

  g_assert_true (aio_test_start_entrypoint (ep, &error));
  g_assert_true (aio_test_stop_entrypoint (ep, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (order->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (order, i), ==, expected[i]);
}

static void
test_add_while_running (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) first = aio_test_service_new ("first");
  g_autoptr(AioTestService) late = aio_test_service_new ("late");
  g_autoptr(GError) error = NULL;

  aio_entrypoint_add_service (ep, AIO_SERVICE (first));
  g_assert_true (aio_test_start_entrypoint (ep, &error));
  aio_entrypoint_add_service (ep, AIO_SERVICE (late));
  while (aio_service_get_state (AIO_SERVICE (late)) != AIO_SERVICE_STATE_RUNNING)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (aio_test_stop_entrypoint (ep, &error));
  g_assert_cmpuint (late->stop_calls, ==, 1);
}

static void
test_stop_while_starting (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) slow = aio_test_service_new ("slow");
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;
  g_autoptr(GError) error = NULL;

  slow->start_delay_ms = 10000;
  aio_entrypoint_add_service (ep, AIO_SERVICE (slow));
  aio_entrypoint_start_async (ep, NULL, aio_test_async_result_cb, &started);
  aio_entrypoint_stop_async (ep, NULL, aio_test_async_result_cb, &stopped);
  aio_test_wait_result (&stopped);
  g_assert_nonnull (started);
  g_assert_false (aio_entrypoint_start_finish (ep, started, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (aio_entrypoint_stop_finish (ep, stopped, &error));
  g_assert_no_error (error);
  g_assert_true (slow->start_was_cancelled);
}

/* The caller's cancellable of aio_entrypoint_start_async() reaches the
 * starts in flight: each is cancelled, fails the entrypoint's start with
 * G_IO_ERROR_CANCELLED, and is stopped (the lifecycle rule); the service
 * that had started is stopped too. */

typedef struct
{
  GCancellable *cancellable;
  AioTestService *fast;
} CancelLater;

static gboolean
cancel_once_fast_started (gpointer data)
{
  CancelLater *later = data;

  if (aio_service_get_state (AIO_SERVICE (later->fast)) != AIO_SERVICE_STATE_RUNNING)
    return G_SOURCE_CONTINUE;
  g_cancellable_cancel (later->cancellable);
  return G_SOURCE_REMOVE;
}

static gpointer
cancel_from_thread (gpointer data)
{
  CancelLater *later = data;

  /* No timing: the starts take 10 s, so they are in flight whenever this runs. */
  g_cancellable_cancel (later->cancellable);
  return NULL;
}

static void
check_start_cancelled (gboolean from_thread)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) fast = aio_test_service_new ("fast");
  g_autoptr(AioTestService) slow = aio_test_service_new ("slow");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GThread) thread = NULL;
  g_autoptr(GError) error = NULL;
  CancelLater later = { cancellable, fast };

  fast->start_delay_ms = 1;
  slow->start_delay_ms = 10000;
  aio_entrypoint_add_service (ep, AIO_SERVICE (fast));
  aio_entrypoint_add_service (ep, AIO_SERVICE (slow));
  aio_entrypoint_start_async (ep, cancellable, aio_test_async_result_cb, &started);
  if (from_thread)
    thread = g_thread_new ("cancel", cancel_from_thread, &later);
  else
    g_timeout_add (1, cancel_once_fast_started, &later);
  aio_test_wait_result (&started);

  g_assert_false (aio_entrypoint_start_finish (ep, started, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (slow->start_was_cancelled);
  g_assert_cmpuint (slow->stop_calls, ==, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (slow)), ==, AIO_SERVICE_STATE_STOPPED);
  if (!from_thread)
    {
      g_assert_false (fast->start_was_cancelled);
      g_assert_cmpuint (fast->stop_calls, ==, 1);
    }
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (fast)), ==, AIO_SERVICE_STATE_STOPPED);
}

static void
test_start_cancelled_by_caller (void)
{
  check_start_cancelled (FALSE);
}

static void
test_start_cancelled_from_thread (void)
{
  check_start_cancelled (TRUE);
}

/* A cancellable cancelled before the start: every start sees it cancelled
 * (here one that ignores it and succeeds, which GTask turns into
 * G_IO_ERROR_CANCELLED), and is stopped. */
static void
test_start_already_cancelled (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) deaf = aio_test_service_new ("deaf");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  deaf->start_delay_ms = 1;
  deaf->ignore_cancel = TRUE;
  aio_entrypoint_add_service (ep, AIO_SERVICE (deaf));
  g_cancellable_cancel (cancellable);
  aio_entrypoint_start_async (ep, cancellable, aio_test_async_result_cb, &started);
  aio_test_wait_result (&started);

  g_assert_false (aio_entrypoint_start_finish (ep, started, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (deaf->start_calls, ==, 1);
  g_assert_cmpuint (deaf->stop_calls, ==, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (deaf)), ==, AIO_SERVICE_STATE_STOPPED);
}

/* The lifecycle rule (stop runs for every service whose start was invoked,
 * unless it failed with an error other than cancellation) when the start of
 * an entrypoint is cut short. "deaf" takes 200 ms to start and ignores its
 * cancellable, so its start succeeds after it was cancelled and GTask turns
 * that into G_IO_ERROR_CANCELLED. */

static void
test_rule_sibling_failure (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) deaf = aio_test_service_new ("deaf");
  g_autoptr(AioTestService) broken = aio_test_service_new ("broken");
  g_autoptr(GError) error = NULL;

  aio_test_events_clear ();
  deaf->start_delay_ms = 200;
  deaf->ignore_cancel = TRUE;
  broken->start_delay_ms = 50;
  broken->fail_start = TRUE;
  aio_entrypoint_add_service (ep, AIO_SERVICE (deaf));
  aio_entrypoint_add_service (ep, AIO_SERVICE (broken));

  g_assert_false (aio_test_start_entrypoint (ep, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_nonnull (strstr (error->message, "'broken'"));
  /* deaf's start completed (and set things up) before its stop ran. */
  g_assert_cmpint (aio_test_event_index ("started:deaf"), >=, 0);
  g_assert_cmpint (aio_test_event_index ("started:deaf"), <, aio_test_event_index ("stop:deaf"));
  g_assert_cmpuint (deaf->stop_calls, ==, 1);
  g_assert_error (deaf->stop_reason, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (deaf)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpuint (broken->stop_calls, ==, 0);
  aio_test_events_clear ();
}

static void
quit_when_running_cb (AioService *service, GParamSpec *pspec, AioEntrypoint *ep)
{
  if (aio_service_get_state (service) == AIO_SERVICE_STATE_RUNNING)
    aio_entrypoint_quit (ep);
}

static void
check_rule_quit_during_start (gboolean steps)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) deaf = aio_test_service_new ("deaf");
  g_autoptr(AioTestService) fast = aio_test_service_new ("fast");
  g_autoptr(AioTestService) never = aio_test_service_new ("never");
  g_autoptr(GError) error = NULL;

  /* fast is up while deaf and never still start: quit then cancels the
   * start, as a signal does; never's start honours that, deaf's does not. */
  aio_test_events_clear ();
  deaf->start_delay_ms = 200;
  deaf->ignore_cancel = TRUE;
  never->start_delay_ms = 3600 * 1000;
  aio_entrypoint_add_service (ep, AIO_SERVICE (deaf));
  aio_entrypoint_add_service (ep, AIO_SERVICE (fast));
  aio_entrypoint_add_service (ep, AIO_SERVICE (never));
  g_signal_connect (fast, "notify::state", G_CALLBACK (quit_when_running_cb), ep);

  if (steps)
    g_assert_false (aio_entrypoint_start (ep, &error));
  else
    g_assert_false (aio_entrypoint_run (ep, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (fast->stop_calls, ==, 1);
  g_assert_cmpuint (deaf->stop_calls, ==, 1);
  g_assert_true (never->start_was_cancelled);
  g_assert_cmpuint (never->stop_calls, ==, 1);
  g_assert_cmpint (aio_test_event_index ("started:deaf"), <, aio_test_event_index ("stop:deaf"));
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (deaf)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (never)), ==, AIO_SERVICE_STATE_STOPPED);
  g_signal_handlers_disconnect_by_data (fast, ep);
  g_assert_null (aio_entrypoint_get_current ());

  if (steps)
    {
      /* The failed start spent the quit: the entrypoint starts again, and
       * runs until the next quit. */
      g_clear_error (&error);
      deaf->start_delay_ms = never->start_delay_ms = 0;
      g_assert_true (aio_entrypoint_start (ep, &error));
      g_assert_no_error (error);
      g_assert_true (aio_entrypoint_get_current () == ep);
      aio_entrypoint_quit (ep);
      g_assert_true (aio_entrypoint_run_forever (ep, &error));
      g_assert_true (aio_entrypoint_stop (ep, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (never->stop_calls, ==, 2);
      g_assert_cmpint (aio_service_get_state (AIO_SERVICE (never)), ==, AIO_SERVICE_STATE_STOPPED);
    }
  aio_test_events_clear ();
}

static void
test_rule_quit_during_start (void)
{
  check_rule_quit_during_start (FALSE);
}

/* aio_entrypoint_start() and aio_entrypoint_stop(), the steps of run(). */
static void
test_steps_quit_during_start (void)
{
  check_rule_quit_during_start (TRUE);
}

static void
test_steps (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) forever = aio_test_service_new ("forever");
  g_autoptr(AioTestService) ordinary = aio_test_service_new ("ordinary");
  g_autoptr(GError) error = NULL;

  /* Stopping an idle entrypoint succeeds at once. */
  g_assert_true (aio_entrypoint_stop (ep, &error));
  g_assert_no_error (error);

  forever->mode = TEST_MODE_LONG_RUNNING;
  ordinary->start_delay_ms = 20;
  aio_entrypoint_add_service (ep, AIO_SERVICE (forever));
  aio_entrypoint_add_service (ep, AIO_SERVICE (ordinary));
  /* A quit asked for before the start lets it complete... */
  aio_entrypoint_quit (ep);
  g_assert_true (aio_entrypoint_start (ep, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (forever)), ==, AIO_SERVICE_STATE_RUNNING);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (ordinary)), ==, AIO_SERVICE_STATE_RUNNING);
  g_assert_true (aio_entrypoint_get_current () == ep);
  /* A second start fails at once and leaves the first one alone. */
  g_assert_false (aio_entrypoint_start (ep, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_false (forever->start_was_cancelled);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (forever)), ==, AIO_SERVICE_STATE_RUNNING);
  /* ...and run_forever() then returns at once. */
  g_assert_true (aio_entrypoint_run_forever (ep, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (forever->stop_calls, ==, 0);

  g_assert_true (aio_entrypoint_stop (ep, &error));
  g_assert_no_error (error);
  g_assert_true (forever->start_was_cancelled);
  g_assert_cmpuint (forever->stop_calls, ==, 1);
  g_assert_cmpuint (ordinary->stop_calls, ==, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (ordinary)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_null (aio_entrypoint_get_current ());
}

static void
test_service_in_two_entrypoints (void)
{
  g_autoptr(AioEntrypoint) first = new_entrypoint ();
  g_autoptr(AioEntrypoint) second = new_entrypoint ();
  g_autoptr(AioTestService) shared = aio_test_service_new ("shared");
  g_autoptr(AioTestService) other = aio_test_service_new ("other");
  g_autoptr(GError) error = NULL;

  aio_entrypoint_add_service (first, AIO_SERVICE (shared));
  g_assert_true (aio_test_start_entrypoint (first, &error));

  /* A running service is not silently shared: the second start fails at
   * once, and neither starts nor stops anything. */
  aio_entrypoint_add_service (second, AIO_SERVICE (other));
  aio_entrypoint_add_service (second, AIO_SERVICE (shared));
  g_assert_false (aio_test_start_entrypoint (second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "'shared'"));
  g_assert_nonnull (strstr (error->message, "another entrypoint"));
  g_clear_error (&error);
  g_assert_false (aio_entrypoint_run (second, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  g_assert_true (aio_test_stop_entrypoint (second, &error));
  g_assert_cmpuint (other->start_calls, ==, 0);
  g_assert_cmpuint (shared->start_calls, ==, 1);
  g_assert_cmpuint (shared->stop_calls, ==, 0);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (shared)), ==, AIO_SERVICE_STATE_RUNNING);

  /* Added to a running entrypoint, it is refused too, and that
   * entrypoint's stop leaves it alone. */
  {
    g_autoptr(AioEntrypoint) third = new_entrypoint ();

    aio_entrypoint_add_service (third, AIO_SERVICE (other));
    g_assert_true (aio_test_start_entrypoint (third, &error));
    aio_entrypoint_add_service (third, AIO_SERVICE (shared));
    g_assert_true (aio_test_stop_entrypoint (third, &error));
    g_assert_cmpuint (other->stop_calls, ==, 1);
    g_assert_cmpuint (shared->stop_calls, ==, 0);
    g_assert_cmpint (aio_service_get_state (AIO_SERVICE (shared)), ==, AIO_SERVICE_STATE_RUNNING);
  }

  /* Once the first entrypoint stopped it, another may run it. */
  g_assert_true (aio_test_stop_entrypoint (first, &error));
  g_assert_cmpuint (shared->stop_calls, ==, 1);
  g_assert_true (aio_test_start_entrypoint (second, &error));
  g_assert_true (aio_test_stop_entrypoint (second, &error));
  g_assert_cmpuint (shared->stop_calls, ==, 2);
}

/* The start watchdog, on a manual clock: a warning naming a slow start,
 * and the optional start timeout. */
static void
test_start_warning (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(AioEntrypoint) ep = new_entrypoint ();
      g_autoptr(AioTestService) sleepy = aio_test_service_new ("sleepy");
      g_autoptr(AioClock) clock = aio_manual_clock_new (0);
      g_autoptr(GAsyncResult) started = NULL;
      g_autoptr(GError) error = NULL;

      sleepy->start_delay_ms = 3600 * 1000;
      g_object_set (ep, "clock", clock, "start-warning-timeout", 5.0, NULL);
      aio_entrypoint_add_service (ep, AIO_SERVICE (sleepy));
      aio_entrypoint_start_async (ep, NULL, aio_test_async_result_cb, &started);
      while (sleepy->start_calls == 0)
        g_main_context_iteration (NULL, TRUE);
      aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 4 * G_USEC_PER_SEC);
      while (g_main_context_iteration (NULL, FALSE));
      g_printerr ("[4 s]\n");
      aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), G_USEC_PER_SEC);
      while (g_main_context_iteration (NULL, FALSE));
      g_printerr ("[5 s]\n");
      aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 60 * G_USEC_PER_SEC);
      while (g_main_context_iteration (NULL, FALSE));
      g_printerr ("[65 s]\n");
      g_assert_null (started);
      g_assert_true (aio_test_stop_entrypoint (ep, &error));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* Once, at 5 s, naming the service. */
  g_test_trap_assert_stderr ("*[4 s]*Service 'sleepy' is still starting after 5 s; did it "
                             "forget to call aio_service_set_ready()?*[5 s]*[65 s]*");
  g_test_trap_assert_stderr_unmatched ("*still starting*still starting*");
}

static void
test_start_timeout (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) slow = aio_test_service_new ("slow");
  g_autoptr(AioTestService) fast = aio_test_service_new ("fast");
  g_autoptr(AioClock) clock = aio_manual_clock_new (0);
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;

  slow->start_delay_ms = 3600 * 1000;
  g_object_set (ep, "clock", clock, "start-timeout", 2.0, "start-warning-timeout", 0.0, NULL);
  aio_entrypoint_add_service (ep, AIO_SERVICE (slow));
  aio_entrypoint_add_service (ep, AIO_SERVICE (fast));
  aio_entrypoint_start_async (ep, NULL, aio_test_async_result_cb, &started);
  while (aio_service_get_state (AIO_SERVICE (fast)) != AIO_SERVICE_STATE_RUNNING)
    g_main_context_iteration (NULL, TRUE);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 2 * G_USEC_PER_SEC - 1);
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_null (started);
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), 1);
  g_assert_false (aio_entrypoint_start_finish (ep, aio_test_wait_result (&started), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (error->message, "'slow'"));
  g_assert_nonnull (strstr (error->message, "start timeout of 2 s"));
  /* What started is stopped; the timed-out start was cancelled and, by
   * the lifecycle rule, stopped too. */
  g_assert_cmpuint (fast->stop_calls, ==, 1);
  g_assert_true (slow->start_was_cancelled);
  g_assert_cmpuint (slow->stop_calls, ==, 1);
  g_assert_null (aio_entrypoint_get_current ());
}

static gpointer
quit_from_thread (gpointer data)
{
  aio_entrypoint_quit (data);
  return NULL;
}

static void
spawn_quitter (AioEntrypoint *ep, gpointer data)
{
  g_thread_unref (g_thread_new ("quitter", quit_from_thread, ep));
}

static void
test_run_quit_from_thread (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) forever = aio_test_service_new ("forever");
  g_autoptr(GError) error = NULL;

  forever->mode = TEST_MODE_LONG_RUNNING;
  aio_entrypoint_add_service (ep, AIO_SERVICE (forever));
  /* Once running: a quit during the start would cancel it. */
  g_signal_connect (ep, "post-start", G_CALLBACK (spawn_quitter), NULL);
  g_assert_true (aio_entrypoint_run (ep, &error));
  g_assert_no_error (error);
  g_assert_true (forever->start_was_cancelled);
  g_assert_cmpuint (forever->stop_calls, ==, 1);
}

static void
test_run_runtime_failure (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) flaky = aio_test_service_new ("flaky");
  g_autoptr(AioTestService) steady = aio_test_service_new ("steady");
  g_autoptr(GError) error = NULL;

  flaky->mode = TEST_MODE_LONG_RUNNING;
  flaky->fail_after_ready_ms = 20;
  aio_entrypoint_add_service (ep, AIO_SERVICE (flaky));
  aio_entrypoint_add_service (ep, AIO_SERVICE (steady));
  g_assert_false (aio_entrypoint_run (ep, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_nonnull (strstr (error->message, "'flaky'"));
  g_assert_cmpuint (steady->stop_calls, ==, 1);
  g_assert_error (steady->stop_reason, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (flaky)), ==, AIO_SERVICE_STATE_STOPPED);
}

static gboolean
finish_main (gpointer data)
{
  g_autoptr(GTask) task = data;

  g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
main_ok (AioEntrypoint *ep, GTask *task, gpointer user_data)
{
  AioTestService *service = user_data;

  /* Services are up when the main runs. */
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_RUNNING);
  g_assert_true (aio_entrypoint_get_current () == ep);
  g_timeout_add (20, finish_main, g_object_ref (task));
}

static void
main_fails (AioEntrypoint *ep, GTask *task, gpointer user_data)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "main said no");
}

static void
test_run_main (void)
{
  g_autoptr(AioEntrypoint) ep = new_entrypoint ();
  g_autoptr(AioTestService) service = aio_test_service_new ("svc");
  g_autoptr(GError) error = NULL;

  aio_entrypoint_add_service (ep, AIO_SERVICE (service));
  g_assert_true (aio_entrypoint_run_main (ep, main_ok, service, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (service->stop_calls, ==, 1);

  g_assert_false (aio_entrypoint_run_main (ep, main_fails, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpuint (service->stop_calls, ==, 2);
}

static void
main_on_entrypoint (AioEntrypoint *entrypoint, GTask *task, gpointer user_data)
{
  guint pool_size;

  g_assert_true (entrypoint == user_data);
  g_assert_true (aio_entrypoint_get_current () == entrypoint);
  g_object_get (entrypoint, "pool-size", &pool_size, NULL);
  g_assert_cmpuint (pool_size, ==, 5);
  g_task_return_boolean (task, TRUE);
}

static void
test_aio_run (void)
{
  g_autoptr(AioTestService) a = aio_test_service_new ("a");
  g_autoptr(AioTestService) b = aio_test_service_new ("b");
  g_autoptr(GError) error = NULL;

  if (g_test_subprocess ())
    {
      /* aio_run installs the log writer: a process of its own. */
      g_assert_true (aio_run (main_ok, a, &error, a, b, NULL));
      g_assert_no_error (error);
      g_assert_cmpuint (a->stop_calls, ==, 1);
      g_assert_cmpuint (b->stop_calls, ==, 1);
      g_assert_false (aio_run (main_fails, NULL, &error, NULL));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_clear_error (&error);

      /* With the entrypoint's settings: they are used, and the services
       * are added to it. */
      {
        g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT,
                                                    "log-level", AIO_LOG_LEVEL_DEBUG,
                                                    "pool-size", 5,
                                                    NULL);
        g_autoptr(GPtrArray) services = NULL;

        g_assert_true (aio_run_with_entrypoint (ep, main_on_entrypoint, ep, &error, a, b, NULL));
        g_assert_no_error (error);
        g_assert_cmpuint (a->stop_calls, ==, 2);
        g_assert_cmpuint (b->stop_calls, ==, 2);
        services = aio_entrypoint_dup_services (ep);
        g_assert_cmpuint (services->len, ==, 2);
      }
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Failures are logged as warnings: keep only criticals fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_unsetenv ("AIOMISC_LOG_FORMAT");

  g_test_add_func ("/Aio/Entrypoint/ready-from-thread", test_ready_from_thread);
  g_test_add_func ("/Aio/Entrypoint/concurrent-start", test_concurrent_start);
  g_test_add_func ("/Aio/Entrypoint/failing-start-stops-healthy", test_failing_start_stops_healthy);
  g_test_add_func ("/Aio/Entrypoint/long-running-cancelled-on-stop", test_long_running_cancelled_on_stop);
  g_test_add_func ("/Aio/Entrypoint/dependency-order", test_dependency_order);
  g_test_add_func ("/Aio/Entrypoint/dependency-failure", test_dependency_failure);
  g_test_add_func ("/Aio/Entrypoint/dependency-cycle", test_dependency_cycle);
  g_test_add_func ("/Aio/Entrypoint/shutdown-timeout", test_shutdown_timeout);
  g_test_add_func ("/Aio/Entrypoint/restart-while-straggler-stops",
                   test_restart_while_straggler_stops);
  g_test_add_func ("/Aio/Entrypoint/instant-chain", test_instant_chain);
  g_test_add_func ("/Aio/Entrypoint/bad-properties", test_bad_properties);
  g_test_add_func ("/Aio/Entrypoint/defaults", test_defaults);
  g_test_add_func ("/Aio/Entrypoint/environment", test_environment);
  g_test_add_func ("/Aio/Entrypoint/hooks", test_hooks);
  g_test_add_func ("/Aio/Entrypoint/add-while-running", test_add_while_running);
  g_test_add_func ("/Aio/Entrypoint/stop-while-starting", test_stop_while_starting);
  g_test_add_func ("/Aio/Entrypoint/start-cancelled-by-caller", test_start_cancelled_by_caller);
  g_test_add_func ("/Aio/Entrypoint/start-cancelled-from-thread", test_start_cancelled_from_thread);
  g_test_add_func ("/Aio/Entrypoint/start-already-cancelled", test_start_already_cancelled);
  g_test_add_func ("/Aio/Entrypoint/run-quit-from-thread", test_run_quit_from_thread);
  g_test_add_func ("/Aio/Entrypoint/lifecycle-rule/sibling-failure", test_rule_sibling_failure);
  g_test_add_func ("/Aio/Entrypoint/service-in-two-entrypoints", test_service_in_two_entrypoints);
  g_test_add_func ("/Aio/Entrypoint/start-warning", test_start_warning);
  g_test_add_func ("/Aio/Entrypoint/start-timeout", test_start_timeout);
  g_test_add_func ("/Aio/Entrypoint/lifecycle-rule/quit-during-start", test_rule_quit_during_start);
  g_test_add_func ("/Aio/Entrypoint/steps", test_steps);
  g_test_add_func ("/Aio/Entrypoint/steps/quit-during-start", test_steps_quit_during_start);
  g_test_add_func ("/Aio/Entrypoint/run-runtime-failure", test_run_runtime_failure);
  g_test_add_func ("/Aio/Entrypoint/run-main", test_run_main);
  g_test_add_func ("/Aio/Entrypoint/aio-run", test_aio_run);

  return g_test_run ();
}
