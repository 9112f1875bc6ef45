/* aio-dbus-status-private.h: the read-only status interface of a program
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AIO_DBUS_STATUS_PATH      "/org/aiomisc/Status"
#define AIO_DBUS_STATUS_INTERFACE "org.aiomisc.Status1"

/* Registers the org.aiomisc.Status1 object on @connection; returns the
 * registration id for g_dbus_connection_unregister_object(), or 0 with
 * @error set. */
guint _aio_dbus_status_register (GDBusConnection  *connection,
                                 GError          **error);

G_END_DECLS
