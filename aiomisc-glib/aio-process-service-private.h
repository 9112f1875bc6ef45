/* aio-process-service-private.h: one run of the child, shared with
 * AioRespawningProcessService
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-process-service.h"

G_BEGIN_DECLS

/* Spawns the child as the properties say, with a clean signal mask and
 * default signal dispositions; sets the pid property and forwards the
 * child's output to the log. The error names the service. */
GSubprocess *_aio_process_service_spawn       (AioProcessService    *self,
                                               GError              **error);
/* Waits for @child to exit. Once @cancellable is cancelled, sends the
 * stop-signal, then SIGKILL (with a warning) after stop-timeout. Records
 * exit-status and term-signal and sets pid back to 0. Never fails. */
void         _aio_process_service_wait_async  (AioProcessService    *self,
                                               GSubprocess          *child,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
void         _aio_process_service_wait_finish (AioProcessService    *self,
                                               GAsyncResult         *result);
/* How the last child ended, e.g. "child 123 exited with status 3". */
char        *_aio_process_service_describe_exit (AioProcessService  *self);

G_END_DECLS
