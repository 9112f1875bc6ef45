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
/* aio_service_start_async() without the search for a dependency cycle. */
void        _aio_service_start_acyclic_async (AioService          *self,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean    _aio_service_has_run         (AioService      *self);
/* The entrypoint that runs the service (not a reference), or NULL. */
gpointer    _aio_service_get_owner       (AioService      *self);
void        _aio_service_set_owner       (AioService      *self,
                                          gpointer         owner);

G_END_DECLS
