/* aio-thread-private.h: the worker pools behind aio_run_in_thread_async()
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-thread.h"

G_BEGIN_DECLS

typedef struct _AioWorkerPool AioWorkerPool;

/* A pool of @n_threads dedicated worker threads (a GThreadPool, not GTask's
 * shared pool). */
AioWorkerPool *_aio_worker_pool_new          (guint           n_threads,
                                              GError        **error);
/* Waits for the jobs already running, then frees the pool. */
void           _aio_worker_pool_free         (AioWorkerPool  *pool);
/* Makes @pool serve aio_run_in_thread_async() from now on; %NULL goes back
 * to the lazily created default pool. */
void           _aio_worker_pool_make_current (AioWorkerPool  *pool);

G_END_DECLS
