/* aio-service-walk-private.h: the dependency-ordered start and stop of a
 * set of services
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-entrypoint.h"
#include "aio-service.h"

G_BEGIN_DECLS

/* Called once with the outcome (transfer full, NULL on success). */
typedef void (*AioServiceWalkDone) (AioEntrypoint *self,
                                    GError        *error,
                                    gpointer       data);

/* Starts or stops @services concurrently in dependency order and calls
 * @done once all are done (or, for a start, once one failed). Services
 * already running are skipped by a start. A stop with a @timeout above 0
 * fails with AIO_ERROR_SHUTDOWN_TIMEOUT naming the services still stopping
 * once it passed on @clock. A start warns about a service still starting
 * after @warn_after seconds, once, and with a @timeout above 0 fails with
 * G_IO_ERROR_TIMED_OUT naming a service still starting after @timeout.
 * The timers are attached to @context. @services is only read before
 * anything starts or stops: it may change or go afterwards (the services
 * themselves must stay alive until @done). */
void _aio_service_walk_run (AioEntrypoint      *self,
                            GPtrArray          *services,
                            gboolean            stopping,
                            const GError       *reason,
                            GCancellable       *cancellable,
                            double              timeout,
                            double              warn_after,
                            AioClock           *clock,
                            GMainContext       *context,
                            AioServiceWalkDone  done,
                            gpointer            done_data);

G_END_DECLS
