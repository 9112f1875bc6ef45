/* aio-service-private.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-service.h"

G_BEGIN_DECLS

const char *_aio_service_state_to_string (AioServiceState  state);
GPtrArray  *_aio_service_peek_dependencies (AioService    *self);
gboolean    _aio_service_in_cycle        (AioService      *self);
/* A service of a dependency cycle reachable from @services, or NULL: linear
 * in the services and dependencies. */
AioService *_aio_service_find_cycle      (GPtrArray       *services);
/* How an entrypoint's walk hears that the start or stop it asked for is
 * done: once, @error (transfer full) NULL on success, maybe before the call
 * that asked returned. */
typedef void (*AioServiceDoneFunc) (AioService *service,
                                    GError     *error,
                                    gpointer    data);
/* aio_service_start_async() without the search for a dependency cycle nor a
 * GTask; @cancellable only counts if already cancelled: the walk cancels
 * later through _aio_service_cancel_walk_start(). */
void        _aio_service_walk_start      (AioService          *self,
                                          GCancellable        *cancellable,
                                          AioServiceDoneFunc   done,
                                          gpointer             done_data);
/* Cancels the start that _aio_service_walk_start() began, if it is still
 * pending. */
void        _aio_service_cancel_walk_start (AioService        *self);
/* aio_service_stop_async() without a GTask nor a cancellable. */
void        _aio_service_walk_stop       (AioService          *self,
                                          const GError        *reason,
                                          AioServiceDoneFunc   done,
                                          gpointer             done_data);
gboolean    _aio_service_has_run         (AioService      *self);
/* The entrypoint that runs the service (not a reference), or NULL. */
gpointer    _aio_service_get_owner       (AioService      *self);
void        _aio_service_set_owner       (AioService      *self,
                                          gpointer         owner);

G_END_DECLS
