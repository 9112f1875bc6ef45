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
/* Completes stops held by never_stop services. */
void       aio_test_release_hung (void);

/* Ends the idle threads of GLib's pools before exit (see the .c file):
 * call it at the end of main() in tests that made TLS handshakes. */
void       aio_test_stop_pool_threads (void);

G_END_DECLS
