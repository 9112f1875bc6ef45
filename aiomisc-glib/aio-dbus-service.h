/* aio-dbus-service.h: AioDBusService, exports objects on D-Bus
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

#define AIO_TYPE_DBUS_SERVICE (aio_dbus_service_get_type ())
AIO_AVAILABLE_IN_0_2
G_DECLARE_DERIVABLE_TYPE (AioDBusService, aio_dbus_service, AIO, DBUS_SERVICE, AioService)

/**
 * AioDBusServiceClass:
 * @parent_class: the parent class
 * @export_objects: exports the objects of the service on @connection, once
 *   it is up (for a peer-to-peer server: on every connection of a client). The
 *   default exports the skeletons added with
 *   [method@Aio.DBusService.add_skeleton]; an override that keeps them
 *   chains up.
 * @unexport_objects: undoes @export_objects on @connection, at stop or when
 *   a client goes away. The default unexports the skeletons.
 *
 * The virtual methods of [class@Aio.DBusService].
 *
 * Since: 0.2
 */
struct _AioDBusServiceClass
{
  AioServiceClass parent_class;

  gboolean (*export_objects)   (AioDBusService   *self,
                                GDBusConnection  *connection,
                                GError          **error);
  void     (*unexport_objects) (AioDBusService   *self,
                                GDBusConnection  *connection);

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_0_2
AioDBusService  *aio_dbus_service_new                (GBusType                bus_type,
                                                      const char             *bus_name) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_0_2
void             aio_dbus_service_add_skeleton       (AioDBusService         *self,
                                                      GDBusInterfaceSkeleton *skeleton,
                                                      const char             *object_path);
AIO_AVAILABLE_IN_0_2
GBusType         aio_dbus_service_get_bus_type       (AioDBusService         *self);
AIO_AVAILABLE_IN_0_2
const char      *aio_dbus_service_get_bus_name       (AioDBusService         *self);
AIO_AVAILABLE_IN_0_2
GDBusConnection *aio_dbus_service_get_connection     (AioDBusService         *self);
AIO_AVAILABLE_IN_0_2
const char      *aio_dbus_service_get_address        (AioDBusService         *self);
AIO_AVAILABLE_IN_0_2
const char      *aio_dbus_service_get_client_address (AioDBusService         *self);
AIO_AVAILABLE_IN_0_2
gboolean         aio_dbus_service_get_export_status  (AioDBusService         *self);

G_END_DECLS
