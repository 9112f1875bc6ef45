/* aio-dbus-name-watcher.h: AioDBusNameWatcher, follows a D-Bus name
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-service.h"

G_BEGIN_DECLS

#define AIO_TYPE_DBUS_NAME_WATCHER (aio_dbus_name_watcher_get_type ())
AIO_AVAILABLE_IN_0_2
G_DECLARE_FINAL_TYPE (AioDBusNameWatcher, aio_dbus_name_watcher, AIO, DBUS_NAME_WATCHER, AioService)

AIO_AVAILABLE_IN_0_2
AioDBusNameWatcher *aio_dbus_name_watcher_new            (GBusType            bus_type,
                                                          const char         *bus_name) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_0_2
const char         *aio_dbus_name_watcher_get_bus_name   (AioDBusNameWatcher *self);
AIO_AVAILABLE_IN_0_2
const char         *aio_dbus_name_watcher_get_name_owner (AioDBusNameWatcher *self);
AIO_AVAILABLE_IN_0_2
GDBusConnection    *aio_dbus_name_watcher_get_connection (AioDBusNameWatcher *self);

G_END_DECLS
