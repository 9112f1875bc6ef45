/* aio-backoff.h: retrying an async operation with pauses and limits
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-clock.h"
#include "aio-timeout.h"

G_BEGIN_DECLS

/**
 * AioBackoffGiveupFunc:
 * @error: the error of the attempt that just failed
 * @user_data: (closure): the data passed with the function
 *
 * Decides, after a failed attempt that would be retried, whether to give up
 * at once (aiomisc's `giveup`).
 *
 * Returns: %TRUE to stop retrying and report @error, %FALSE to go on
 *
 * Since: 0.1
 */
typedef gboolean (*AioBackoffGiveupFunc) (const GError *error,
                                          gpointer      user_data);

#define AIO_TYPE_BACKOFF (aio_backoff_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioBackoff, aio_backoff, AIO, BACKOFF, GObject)

AIO_AVAILABLE_IN_ALL
AioBackoff *aio_backoff_new                 (double                attempt_timeout,
                                             double                deadline,
                                             double                pause,
                                             int                   max_tries) G_GNUC_WARN_UNUSED_RESULT;

AIO_AVAILABLE_IN_ALL
AioClock   *aio_backoff_get_clock           (AioBackoff           *self);
AIO_AVAILABLE_IN_ALL
double      aio_backoff_get_attempt_timeout (AioBackoff           *self);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_set_attempt_timeout (AioBackoff           *self,
                                             double                attempt_timeout);
AIO_AVAILABLE_IN_ALL
double      aio_backoff_get_deadline        (AioBackoff           *self);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_set_deadline        (AioBackoff           *self,
                                             double                deadline);
AIO_AVAILABLE_IN_ALL
double      aio_backoff_get_pause           (AioBackoff           *self);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_set_pause           (AioBackoff           *self,
                                             double                pause);
AIO_AVAILABLE_IN_ALL
int         aio_backoff_get_max_tries       (AioBackoff           *self);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_set_max_tries       (AioBackoff           *self,
                                             int                   max_tries);
AIO_AVAILABLE_IN_ALL
double      aio_backoff_get_exponent        (AioBackoff           *self);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_set_exponent        (AioBackoff           *self,
                                             double                exponent);
AIO_AVAILABLE_IN_ALL
double      aio_backoff_get_max_pause       (AioBackoff           *self);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_set_max_pause       (AioBackoff           *self,
                                             double                max_pause);
AIO_AVAILABLE_IN_ALL
gboolean    aio_backoff_get_jitter          (AioBackoff           *self);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_set_jitter          (AioBackoff           *self,
                                             gboolean              jitter);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_set_giveup_func     (AioBackoff           *self,
                                             AioBackoffGiveupFunc  func,
                                             gpointer              user_data,
                                             GDestroyNotify        destroy);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_add_retry_error     (AioBackoff           *self,
                                             GQuark                domain,
                                             int                   code);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_clear_retry_errors  (AioBackoff           *self);
AIO_AVAILABLE_IN_ALL
gboolean    aio_backoff_is_retried          (AioBackoff           *self,
                                             const GError         *error);
AIO_AVAILABLE_IN_ALL
void        aio_backoff_set_seed            (AioBackoff           *self,
                                             guint32               seed);
AIO_AVAILABLE_IN_ALL
gboolean    aio_backoff_validate            (AioBackoff           *self,
                                             GError              **error);

AIO_AVAILABLE_IN_ALL
void        aio_backoff_run_async           (AioBackoff           *self,
                                             AioTaskFunc           func,
                                             gpointer              func_data,
                                             GDestroyNotify        func_data_destroy,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean    aio_backoff_run_finish          (AioBackoff           *self,
                                             GAsyncResult         *result,
                                             GValue               *value,
                                             GError              **error);

AIO_AVAILABLE_IN_ALL
void        aio_retry_async                 (int                   max_tries,
                                             double                pause,
                                             AioTaskFunc           func,
                                             gpointer              func_data,
                                             GDestroyNotify        func_data_destroy,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
AIO_AVAILABLE_IN_ALL
gboolean    aio_retry_finish                (GAsyncResult         *result,
                                             GValue               *value,
                                             GError              **error);

G_END_DECLS
