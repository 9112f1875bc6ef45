/* aio-thread.c: PLACEHOLDER until the real pool lands */
#include "aiomisc-glib.h"
#include "aio-thread-private.h"

struct _AioWorkerPool { int dummy; };

AioWorkerPool *
_aio_worker_pool_new (guint n_threads, GError **error)
{
  return g_new0 (AioWorkerPool, 1);
}

void
_aio_worker_pool_free (AioWorkerPool *pool)
{
  g_free (pool);
}

void
_aio_worker_pool_make_current (AioWorkerPool *pool)
{
}

void
aio_run_in_thread_async (AioThreadFunc func, gpointer data, GDestroyNotify destroy,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
}

gpointer
aio_run_in_thread_finish (GAsyncResult *result, GError **error)
{
  return NULL;
}
