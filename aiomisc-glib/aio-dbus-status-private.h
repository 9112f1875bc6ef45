/* aio-dbus-status-private.h: the read-only status interface of a program
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define AIO_DBUS_STATUS_PATH       "/org/aiomisc/Status"
#define AIO_DBUS_STATUS_INTERFACE  "org.aiomisc.Status1"
#define AIO_DBUS_CONTROL_INTERFACE "org.aiomisc.Control1"

/* Registers org.aiomisc.Status1 at AIO_DBUS_STATUS_PATH on @connection, and
 * org.aiomisc.Control1 next to it if @control; returns the registration ids
 * for _aio_dbus_status_unregister(), or NULL with @error set. */
GArray *_aio_dbus_status_register   (GDBusConnection  *connection,
                                     gboolean          control,
                                     GError          **error);
void    _aio_dbus_status_unregister (GDBusConnection  *connection,
                                     GArray           *registrations);

G_END_DECLS
