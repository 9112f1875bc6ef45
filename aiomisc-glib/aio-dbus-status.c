/* aio-dbus-status.c: the status interface of a program, exported by
 * AioDBusService:export-status (read-only), and its control interface,
 * exported by AioDBusService:status-control
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
  "  <interface name='" AIO_DBUS_CONTROL_INTERFACE "'>"
  "    <method name='StopService'>"
  "      <arg type='s' name='name' direction='in'/>"
  "    </method>"
  "    <method name='StartService'>"
  "      <arg type='s' name='name' direction='in'/>"
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

static const GDBusInterfaceVTable status_vtable = { method_call_cb, NULL, NULL, { 0 } };

/* Control: stop or start one service of the current entrypoint by name */

static AioService *
find_service (const char *name)
{
  AioEntrypoint *entrypoint = aio_entrypoint_get_current ();
  g_autoptr(GPtrArray) services = NULL;

  if (entrypoint == NULL)
    return NULL;

  services = aio_entrypoint_dup_services (entrypoint);
  for (guint i = 0; i < services->len; i++)
    if (g_strcmp0 (aio_service_get_name (g_ptr_array_index (services, i)), name) == 0)
      return g_object_ref (g_ptr_array_index (services, i));

  return NULL;
}

static void
control_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GDBusMethodInvocation *invocation = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (g_str_equal (g_dbus_method_invocation_get_method_name (invocation), "StopService"))
    ok = aio_service_stop_finish (AIO_SERVICE (object), result, &error);
  else
    ok = aio_service_start_finish (AIO_SERVICE (object), result, &error);

  if (ok)
    g_dbus_method_invocation_return_value (invocation, NULL);
  else
    g_dbus_method_invocation_return_gerror (invocation, error);
}

static void
control_call_cb (GDBusConnection       *connection,
                 const char            *sender,
                 const char            *object_path,
                 const char            *interface_name,
                 const char            *method_name,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation,
                 gpointer               user_data)
{
  g_autoptr(AioService) service = NULL;
  const char *name;

  g_variant_get (parameters, "(&s)", &name);
  service = find_service (name);
  if (service == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                                             "No service named \"%s\"", name);
      return;
    }

  g_info ("%s of service '%s' asked over D-Bus by %s", method_name, name, sender ? sender : "a peer");
  if (g_str_equal (method_name, "StopService"))
    aio_service_stop_async (service, NULL, NULL, control_done_cb, invocation);
  else
    aio_service_start_async (service, NULL, control_done_cb, invocation);
}

static const GDBusInterfaceVTable control_vtable = { control_call_cb, NULL, NULL, { 0 } };

GArray *
_aio_dbus_status_register (GDBusConnection  *connection,
                           gboolean          control,
                           GError          **error)
{
  static GDBusNodeInfo *info;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  guint id;

  if (g_once_init_enter (&info))
    g_once_init_leave (&info, g_dbus_node_info_new_for_xml (introspection_xml, NULL));

  id = g_dbus_connection_register_object (connection, AIO_DBUS_STATUS_PATH, info->interfaces[0],
                                          &status_vtable, NULL, NULL, error);
  if (id == 0)
    return NULL;
  g_array_append_val (ids, id);

  if (control)
    {
      id = g_dbus_connection_register_object (connection, AIO_DBUS_STATUS_PATH, info->interfaces[1],
                                              &control_vtable, NULL, NULL, error);
      if (id == 0)
        {
          _aio_dbus_status_unregister (connection, ids);
          return NULL;
        }
      g_array_append_val (ids, id);
    }

  return g_steal_pointer (&ids);
}

void
_aio_dbus_status_unregister (GDBusConnection *connection,
                             GArray          *registrations)
{
  for (guint i = 0; i < registrations->len; i++)
    g_dbus_connection_unregister_object (connection, g_array_index (registrations, guint, i));
  g_array_set_size (registrations, 0);
}
