/* aio-sd-notify-private.h: the entrypoint's hooks into the systemd
 * notification protocol
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-sd-notify.h"
#include "aio-entrypoint.h"

G_BEGIN_DECLS

/* Called by the entrypoint at the steps of its life; each does nothing
 * unless NOTIFY_SOCKET is set. The state lives on @entrypoint (qdata).
 *
 * starting: STATUS= while @services start, one line per service up;
 *   EXTEND_TIMEOUT_USEC=<start-timeout> every half of it until ready, if
 *   the entrypoint has a start-timeout; the WATCHDOG=1 pings from @context
 *   every WATCHDOG_USEC / 2.
 * ready: READY=1.
 * stopping: STOPPING=1.
 * stopped: STATUS= with @error, if any; the pings stop. */
void _aio_sd_notify_entrypoint_starting (AioEntrypoint *entrypoint,
                                         GMainContext  *context,
                                         GPtrArray     *services);
void _aio_sd_notify_entrypoint_ready    (AioEntrypoint *entrypoint);
void _aio_sd_notify_entrypoint_stopping (AioEntrypoint *entrypoint);
void _aio_sd_notify_entrypoint_stopped  (AioEntrypoint *entrypoint,
                                         const GError  *error);

G_END_DECLS
