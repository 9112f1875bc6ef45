/* aio-dbus-status.c: the read-only status interface of a program, exported
 * by AioDBusService:export-status
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-dbus-status-private.h"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='" AIO_DBUS_STATUS_INTERFACE "'>"
  "    <method name='ListServices'>"
  "      <arg type='a(sss)' name='services' direction='out'/>"
  "    </method>"
  "    <method name='GetStatistics'>"
  "      <arg type='a{sv}' name='statistics' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

/* (name, type name, state nick) of every service of the current entrypoint */
static GVariant *
list_services (void)
{
  AioEntrypoint *entrypoint = aio_entrypoint_get_current ();
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sss)"));
  if (entrypoint != NULL)
    {
      g_autoptr(GPtrArray) services = aio_entrypoint_dup_services (entrypoint);
      g_autoptr(GEnumClass) states = g_type_class_ref (AIO_TYPE_SERVICE_STATE);

      for (guint i = 0; i < services->len; i++)
        {
          AioService *service = g_ptr_array_index (services, i);
          GEnumValue *state = g_enum_get_value (states, aio_service_get_state (service));

          g_variant_builder_add (&builder, "(sss)", aio_service_get_name (service),
                                 G_OBJECT_TYPE_NAME (service),
                                 state != NULL ? state->value_nick : "unknown");
        }
    }

  return g_variant_new ("(a(sss))", &builder);
}

static void
method_call_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *object_path,
                const char            *interface_name,
                const char            *method_name,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  if (g_str_equal (method_name, "ListServices"))
    g_dbus_method_invocation_return_value (invocation, list_services ());
  else if (g_str_equal (method_name, "GetStatistics"))
    {
      g_autoptr(GVariant) snapshot = aio_statistics_snapshot ();

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})", snapshot));
    }
  else
    g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                           "No method %s", method_name);
}

static const GDBusInterfaceVTable vtable = { method_call_cb, NULL, NULL, { 0 } };

guint
_aio_dbus_status_register (GDBusConnection  *connection,
                           GError          **error)
{
  static GDBusNodeInfo *info;

  if (g_once_init_enter (&info))
    g_once_init_leave (&info, g_dbus_node_info_new_for_xml (introspection_xml, NULL));

  return g_dbus_connection_register_object (connection, AIO_DBUS_STATUS_PATH,
                                            info->interfaces[0], &vtable,
                                            NULL, NULL, error);
}
