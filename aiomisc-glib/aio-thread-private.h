/* aio-thread-private.h: the worker pools behind aio_run_in_thread_async()
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-thread.h"
#include "aio-channel.h"

G_BEGIN_DECLS

typedef struct _AioWorkerPool AioWorkerPool;

/* A pool of @n_threads dedicated worker threads (an exclusive GThreadPool,
 * not GTask's shared pool); all threads are started at once. @n_threads 0
 * means the default size: the number of CPUs, at least 4 and at most 32. */
AioWorkerPool *_aio_worker_pool_new          (guint           n_threads,
                                              GError        **error);
/* Stops serving new jobs (if @pool is current, the default pool becomes
 * current again), runs the jobs already queued, waits for them, then frees
 * the pool. Must not be called from one of @pool's own threads, nor while a
 * queued job waits for something only the caller can provide. */
void           _aio_worker_pool_free         (AioWorkerPool  *pool);
/* Makes @pool serve aio_run_in_thread_async() from now on; %NULL goes back
 * to the lazily created default pool. Safe to call while other threads
 * submit jobs: each job goes to exactly one pool and always completes. */
void           _aio_worker_pool_make_current (AioWorkerPool  *pool);
/* The number of threads of @pool. */
guint          _aio_worker_pool_get_n_threads (AioWorkerPool *pool);
/* The number of threads the default pool has (or will have). */
guint          _aio_worker_pool_get_default_size (void);

/* For tests: how many producers are blocked in aio_channel_push() waiting
 * for room. */
guint          _aio_channel_get_n_waiting_producers (AioChannel *self);

G_END_DECLS
