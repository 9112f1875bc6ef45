/* aio-service-run-private.h: the run of a service whose start lasts until
 * the service stops (AioDBusService, AioDBusNameWatcher)
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-task-private.h"

G_BEGIN_DECLS

/* The task of the start, completed when the run ends, and the source that
 * ends the run when the cancellable of the start is cancelled (the stop). */
typedef struct
{
  GTask   *task;
  GSource *cancel_source;
} AioServiceRun;

/* Takes @task; @cancelled(@data) runs once its cancellable is cancelled. */
static inline void
_aio_service_run_begin (AioServiceRun           *run,
                        GTask                   *task,
                        GCancellableSourceFunc   cancelled,
                        gpointer                 data,
                        const char              *name)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  run->task = task;
  if (cancellable == NULL)
    return;

  run->cancel_source = g_cancellable_source_new (cancellable);
  g_source_set_callback (run->cancel_source, G_SOURCE_FUNC (cancelled), data, NULL);
  g_source_set_static_name (run->cancel_source, name);
  g_source_attach (run->cancel_source, g_main_context_get_thread_default ());
}

/* Ends the run: its task (NULL if it ended already), for _return(). */
static inline GTask *
_aio_service_run_end (AioServiceRun *run)
{
  _aio_source_clear (&run->cancel_source);
  return g_steal_pointer (&run->task);
}

/* Completes @task (taken) with @error, or cancelled; without @task, drops @error. */
static inline void
_aio_service_run_return (GTask  *task,
                         GError *error)
{
  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }

  if (error == NULL)
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Stopped");
  g_task_return_error (task, error);
  g_object_unref (task);
}

G_END_DECLS
