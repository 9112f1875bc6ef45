/* aio-test-services.h: a configurable service and helpers for the tests
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <aiomisc-glib.h>

G_BEGIN_DECLS

#define AIO_TEST_TYPE_SERVICE (aio_test_service_get_type ())
G_DECLARE_FINAL_TYPE (AioTestService, aio_test_service, AIO_TEST, SERVICE, AioService)

typedef enum {
  TEST_MODE_ORDINARY,      /* start completes after start_delay */
  TEST_MODE_LONG_RUNNING,  /* set_ready after start_delay, runs until cancelled */
} TestMode;

struct _AioTestService
{
  AioService  parent_instance;

  TestMode    mode;
  guint       start_delay_ms;
  guint       stop_delay_ms;
  gboolean    fail_start;        /* start completes with an error */
  int         fail_after_ready_ms; /* long-running: fail this long after ready (-1: never) */
  gboolean    never_stop;        /* stop never completes (until aio_test_release_hung) */
  gboolean    ignore_cancel;     /* ordinary: start ignores its cancellable */

  guint       start_calls;
  guint       stop_calls;
  gboolean    start_was_cancelled;
  GError     *stop_reason;       /* copy of the reason stop received */
  GTask      *run_task;          /* long-running start */
};

AioTestService *aio_test_service_new (const char *name);

/* Events "start:NAME", "ready:NAME", "started:NAME", "stop:NAME", "stopped:NAME" */
GPtrArray *aio_test_events (void);
void       aio_test_events_clear (void);
int        aio_test_event_index (const char *event);

/* Iterates the thread-default main context until *flag, failing after 30 s. */
void       aio_test_wait (const gboolean *flag);
/* The one async-result callback of the tests (as in GLib's gio/tests):
 * @user_data is a GAsyncResult ** holding NULL, which receives a reference
 * to the result. aio_test_wait_result() iterates the thread-default main
 * context until *@result is set, failing after 30 s, and returns *@result
 * (still owned by the caller's variable: declare it g_autoptr):
 *
 *   g_autoptr(GAsyncResult) result = NULL;
 *   aio_service_start_async (service, NULL, aio_test_async_result_cb, &result);
 *   ok = aio_service_start_finish (service, aio_test_wait_result (&result), &error);
 */
void          aio_test_async_result_cb (GObject       *source,
                                        GAsyncResult  *result,
                                        gpointer       user_data);
GAsyncResult *aio_test_wait_result     (GAsyncResult **result);

/* Start or stop, and wait for the result (with aio_test_wait_result()). */
gboolean   aio_test_start_service    (AioService     *service,
                                      GError        **error);
gboolean   aio_test_stop_service     (AioService     *service,
                                      const GError   *reason,
                                      GError        **error);
gboolean   aio_test_start_entrypoint (AioEntrypoint  *entrypoint,
                                      GError        **error);
gboolean   aio_test_stop_entrypoint  (AioEntrypoint  *entrypoint,
                                      GError        **error);

/* Completes stops held by never_stop services. */
void       aio_test_release_hung (void);

/* Objects that must be finalized by the end of the run (main thread only):
 * aio_test_track() keeps a weak reference to @object and returns it;
 * aio_test_assert_tracked_finalized() asserts that every tracked object is
 * gone, then forgets them. */
gpointer   aio_test_track (gpointer object);
void       aio_test_assert_tracked_finalized (void);

/* Log capture, on the library's hook (aio_log_set_capture_func(), which
 * installs the aiomisc-glib writer with aio_log_setup()).
 *
 * aio_test_log_capture_install() is called once, in main(), after
 * g_test_init(). Records of @levels are kept, with their level and MESSAGE,
 * for the functions below, from any thread. They are consumed: the
 * always-fatal mask does not apply to them (as with g_test_expect_message()),
 * and those of @quiet are written only with --verbose, the others as GLib's
 * default writer would (so INFO only with G_MESSAGES_DEBUG). Records of other
 * levels are written by the library's writer as usual, fatal as
 * g_log_set_always_fatal() says; its level filter is set to let @levels and
 * messages through, and INFO/DEBUG only if @levels has them (or
 * G_MESSAGES_DEBUG names their domain). */
void       aio_test_log_capture_install (GLogLevelFlags  levels,
                                         GLogLevelFlags  quiet);
/* While paused, records of @levels are not captured: they are written by the
 * library's writer like the others, so a warning is fatal again. Captured
 * records are kept. */
void       aio_test_log_capture_pause   (gboolean        paused);
/* Captured messages of a level in @levels containing @needle, oldest first
 * (free the array). */
GPtrArray *aio_test_log_find      (GLogLevelFlags  levels,
                                   const char     *needle);
/* The same records, as their `a{sv}` fields (see AioLogCaptureFunc; free
 * the array). */
GPtrArray *aio_test_log_find_fields (GLogLevelFlags  levels,
                                     const char     *needle);
guint      aio_test_log_count     (GLogLevelFlags  levels,
                                   const char     *needle);
/* The number of those containing every one of the NULL-terminated needles. */
guint      aio_test_log_count_all (GLogLevelFlags  levels,
                                   const char     *needle,
                                   ...) G_GNUC_NULL_TERMINATED;
/* Iterates the default main context until aio_test_log_count (@levels,
 * @needle) >= @at_least, failing after 30 s. */
void       aio_test_log_wait      (GLogLevelFlags  levels,
                                   const char     *needle,
                                   guint           at_least);
void       aio_test_log_clear     (void);

/* A scheduled callback under test (periodic, recurring): counts its calls
 * and completes each as the fields say, on the thread-default context. */
typedef struct
{
  AioClock  *clock;          /* slow calls wait on it */
  gint64     slow_us;        /* 0: the call completes at once */
  guint      fail_every;     /* every n-th call fails (0: never) */
  gboolean   ignore_cancel;  /* slow calls ignore their cancellable */
  gboolean   drop_task;      /* the function neither completes nor keeps its task */
  gboolean   stop_inside;    /* for the test's function: it stops its callback */

  guint      calls;
  guint      in_flight;
  guint      max_in_flight;
  guint      completed;
  guint      cancelled;
  gint64     started_at[64];
  GTask     *pending;        /* the slow call in progress */
  GSource   *timer;
  GSource   *cancel_source;
  gboolean   stopped;        /* stop_inside: the stop completed */
} AioTestProbe;

/* Runs one call of the callback: completes @task at once, fails it, or
 * keeps it for @slow_us of @clock (cancelled early by its cancellable). */
void       aio_test_probe_call     (AioTestProbe *probe,
                                    GTask        *task);
/* Completes the slow call in progress now (@cancelled: with CANCELLED). */
void       aio_test_probe_complete (AioTestProbe *probe,
                                    gboolean      cancelled);

/* Ends the idle threads of GLib's pools before exit (see the .c file):
 * call it at the end of main() in tests that made TLS handshakes. */
void       aio_test_stop_pool_threads (void);

G_END_DECLS
