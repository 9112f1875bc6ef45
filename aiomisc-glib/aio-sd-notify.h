/* aio-sd-notify.h: the systemd notification protocol, without libsystemd
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"

G_BEGIN_DECLS

AIO_AVAILABLE_IN_0_2
gboolean aio_sd_notify            (const char  *state,
                                   GError     **error);
AIO_AVAILABLE_IN_0_2
gboolean aio_sd_notify_status     (const char  *status,
                                   GError     **error);
AIO_AVAILABLE_IN_0_2
gboolean aio_sd_notify_is_enabled (void);
AIO_AVAILABLE_IN_0_2
guint64  aio_sd_watchdog_usec     (void);

G_END_DECLS
