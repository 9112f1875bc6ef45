/* aio-dbus-service.c: AioDBusService, exports objects on D-Bus
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-dbus-status-private.h"
#include "aio-service-run-private.h"

/**
 * AioDBusService:
 *
 * A service that exports objects on D-Bus, in one of three places:
 *
 * - on the session or system bus ([property@Aio.DBusService:bus-type]),
 *   owning the well-known name [property@Aio.DBusService:bus-name] if set;
 * - on a given [property@Aio.DBusService:connection], for example the one
 *   of a #GApplication (g_application_get_dbus_connection()), owning
 *   [property@Aio.DBusService:bus-name] on it if set;
 * - peer-to-peer, on a #GDBusServer listening on
 *   [property@Aio.DBusService:address] (such as `unix:tmpdir=/tmp`): the
 *   objects are exported on the connection of every client, and
 *   [property@Aio.DBusService:client-address] tells clients where to go.
 *
 * The objects are the #GDBusInterfaceSkeletons added with
 * [method@Aio.DBusService.add_skeleton], or whatever a subclass exports in
 * its `export_objects` virtual method. They are exported once the connection is up
 * and before the name is requested, and unexported at stop.
 *
 * The start completes once the objects are exported and the name is owned;
 * a name owned by another connection fails the start with
 * %G_IO_ERROR_EXISTS. Losing the name later (another connection replaced
 * us, with %G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT in
 * [property@Aio.DBusService:name-flags]) or losing the connection is a
 * runtime failure of the service: a running [class@Aio.Entrypoint] shuts
 * the program down.
 *
 * With [property@Aio.DBusService:export-status], the object
 * `/org/aiomisc/Status` offers the read-only interface
 * `org.aiomisc.Status1`: `ListServices() → a(sss)` gives the name, type and
 * state of every service of the current entrypoint, `GetStatistics() →
 * a{sv}` the [func@Aio.statistics_snapshot]. With
 * [property@Aio.DBusService:status-control] too, `org.aiomisc.Control1`
 * there stops and starts services by name:
 *
 * ```sh
 * gdbus call --session --dest org.example.App --object-path /org/aiomisc/Status \
 *   --method org.aiomisc.Status1.ListServices
 * gdbus call --session --dest org.example.App --object-path /org/aiomisc/Status \
 *   --method org.aiomisc.Control1.StopService ticker
 * ```
 *
 * Since: 0.2
 */

typedef struct
{
  GDBusInterfaceSkeleton *skeleton;
  char                   *object_path;
} Skeleton;

typedef struct
{
  GBusType            bus_type;
  char               *bus_name;
  GBusNameOwnerFlags  name_flags;
  GDBusConnection    *connection;     /* the given one */
  char               *address;
  gboolean            export_status;
  gboolean            status_control;
  GArray             *skeletons;      /* Skeleton */

  /* While running */
  AioServiceRun       run;
  GDBusConnection    *bus;            /* the connection the objects are on (bus modes) */
  GDBusServer        *server;
  char               *client_address;
  GHashTable         *exported;       /* GDBusConnection* -> GArray of status registrations, or NULL */
  guint               owner_id;
  gboolean            ready;
} AioDBusServicePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (AioDBusService, aio_dbus_service, AIO_TYPE_SERVICE)

enum {
  PROP_0,
  PROP_BUS_TYPE,
  PROP_BUS_NAME,
  PROP_NAME_FLAGS,
  PROP_CONNECTION,
  PROP_ADDRESS,
  PROP_CLIENT_ADDRESS,
  PROP_EXPORT_STATUS,
  PROP_STATUS_CONTROL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
skeleton_clear (gpointer data)
{
  Skeleton *skeleton = data;

  g_clear_object (&skeleton->skeleton);
  g_clear_pointer (&skeleton->object_path, g_free);
}

/* Export and unexport on one connection */

static void
exported_free (gpointer data)
{
  if (data != NULL)
    g_array_unref (data);
}

static void
unexport_from (AioDBusService  *self,
               GDBusConnection *connection)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);
  GArray *status = g_hash_table_lookup (priv->exported, connection);

  g_signal_handlers_disconnect_by_data (connection, self);
  if (status != NULL)
    _aio_dbus_status_unregister (connection, status);
  AIO_DBUS_SERVICE_GET_CLASS (self)->unexport_objects (self, connection);
  g_hash_table_remove (priv->exported, connection);
}

static gboolean
export_on (AioDBusService   *self,
           GDBusConnection  *connection,
           GError          **error)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);
  GArray *status = NULL;

  if (!AIO_DBUS_SERVICE_GET_CLASS (self)->export_objects (self, connection, error))
    return FALSE;

  if (priv->export_status)
    {
      status = _aio_dbus_status_register (connection, priv->status_control, error);
      if (status == NULL)
        {
          AIO_DBUS_SERVICE_GET_CLASS (self)->unexport_objects (self, connection);
          return FALSE;
        }
    }

  g_hash_table_insert (priv->exported, g_object_ref (connection), status);
  return TRUE;
}

static gboolean
aio_dbus_service_real_export (AioDBusService   *self,
                              GDBusConnection  *connection,
                              GError          **error)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);

  for (guint i = 0; i < priv->skeletons->len; i++)
    {
      Skeleton *skeleton = &g_array_index (priv->skeletons, Skeleton, i);

      if (!g_dbus_interface_skeleton_export (skeleton->skeleton, connection,
                                             skeleton->object_path, error))
        {
          g_prefix_error (error, "Could not export %s at %s: ",
                          G_OBJECT_TYPE_NAME (skeleton->skeleton), skeleton->object_path);
          while (i-- > 0)
            g_dbus_interface_skeleton_unexport_from_connection (
              g_array_index (priv->skeletons, Skeleton, i).skeleton, connection);
          return FALSE;
        }
    }

  return TRUE;
}

static void
aio_dbus_service_real_unexport (AioDBusService  *self,
                                GDBusConnection *connection)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);

  for (guint i = 0; i < priv->skeletons->len; i++)
    {
      GDBusInterfaceSkeleton *skeleton = g_array_index (priv->skeletons, Skeleton, i).skeleton;

      if (g_dbus_interface_skeleton_has_connection (skeleton, connection))
        g_dbus_interface_skeleton_unexport_from_connection (skeleton, connection);
    }
}

/* The run: a long-running start that ends at stop or on a failure */

static void
teardown (AioDBusService *self)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);
  g_autoptr(GList) connections = NULL;

  if (priv->owner_id != 0)
    {
      g_bus_unown_name (priv->owner_id);
      priv->owner_id = 0;
    }
  if (priv->server != NULL)
    {
      g_signal_handlers_disconnect_by_data (priv->server, self);
      g_dbus_server_stop (priv->server);
      g_clear_object (&priv->server);
    }

  connections = g_hash_table_get_keys (priv->exported);
  for (GList *l = connections; l != NULL; l = l->next)
    unexport_from (self, l->data);

  if (priv->bus != NULL)
    g_signal_handlers_disconnect_by_data (priv->bus, self);
  g_clear_object (&priv->bus);
  if (priv->client_address != NULL)
    {
      g_clear_pointer (&priv->client_address, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ADDRESS]);
    }
  priv->ready = FALSE;
}

/* Ends the run: with @error, or cancelled if NULL (the stop). */
static void
finish_run (AioDBusService *self,
            GError         *error)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);
  GTask *task = _aio_service_run_end (&priv->run);

  teardown (self);
  _aio_service_run_return (task, error);
}

static void
make_ready (AioDBusService *self)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);

  if (priv->ready)
    return;
  priv->ready = TRUE;
  aio_service_set_ready (AIO_SERVICE (self));
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  g_debug ("Service '%s' owns the bus name %s",
           aio_service_get_name (AIO_SERVICE (user_data)), name);
  make_ready (AIO_DBUS_SERVICE (user_data));
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  AioDBusService *self = AIO_DBUS_SERVICE (user_data);
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);

  if (connection == NULL)
    finish_run (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                   "The connection closed before the bus name %s was owned",
                                   name));
  else if (priv->ready)
    finish_run (self, g_error_new (G_IO_ERROR, G_IO_ERROR_EXISTS,
                                   "Lost the bus name %s to another connection", name));
  else
    finish_run (self, g_error_new (G_IO_ERROR, G_IO_ERROR_EXISTS,
                                   "Could not own the bus name %s: another connection owns it",
                                   name));
}

static void
bus_closed_cb (GDBusConnection *connection,
               gboolean         remote_peer_vanished,
               GError          *error,
               gpointer         user_data)
{
  finish_run (AIO_DBUS_SERVICE (user_data),
              g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED, "The connection to the bus closed%s%s",
                           error ? ": " : "", error ? error->message : ""));
}

static void
use_connection (AioDBusService  *self,
                GDBusConnection *connection)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);
  GError *error = NULL;

  priv->bus = g_object_ref (connection);
  if (!export_on (self, connection, &error))
    {
      finish_run (self, error);
      return;
    }
  g_signal_connect (connection, "closed", G_CALLBACK (bus_closed_cb), self);

  if (priv->bus_name != NULL)
    priv->owner_id = g_bus_own_name_on_connection (connection, priv->bus_name, priv->name_flags,
                                                   name_acquired_cb, name_lost_cb, self, NULL);
  else
    make_ready (self);
}

static void
bus_got_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AioDBusService) self = user_data;
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);
  g_autoptr(GDBusConnection) connection = NULL;
  GError *error = NULL;

  connection = g_bus_get_finish (result, &error);
  if (priv->run.task == NULL)
    {
      g_clear_error (&error);
      return;  /* stopped meanwhile */
    }
  if (connection == NULL)
    {
      finish_run (self, error);
      return;
    }
  use_connection (self, connection);
}

static void
peer_closed_cb (GDBusConnection *connection,
                gboolean         remote_peer_vanished,
                GError          *error,
                gpointer         user_data)
{
  unexport_from (AIO_DBUS_SERVICE (user_data), connection);
}

static gboolean
new_connection_cb (GDBusServer     *server,
                   GDBusConnection *connection,
                   gpointer         user_data)
{
  AioDBusService *self = AIO_DBUS_SERVICE (user_data);
  g_autoptr(GError) error = NULL;

  if (!export_on (self, connection, &error))
    {
      g_warning ("Service '%s' refused a peer: %s",
                 aio_service_get_name (AIO_SERVICE (self)), error->message);
      return FALSE;
    }
  g_signal_connect (connection, "closed", G_CALLBACK (peer_closed_cb), self);

  return TRUE;
}

static gboolean
run_cancelled_cb (GCancellable *cancellable,
                  gpointer      user_data)
{
  finish_run (AIO_DBUS_SERVICE (user_data), NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
validate (AioDBusService  *self,
          GError         **error)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);

  if (priv->bus_name != NULL && (!g_dbus_is_name (priv->bus_name) ||
                                 g_dbus_is_unique_name (priv->bus_name)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid bus-name \"%s\": not a well-known D-Bus name", priv->bus_name);
      return FALSE;
    }
  if (priv->address != NULL)
    {
      g_autoptr(GError) local = NULL;

      if (priv->connection != NULL || priv->bus_name != NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Invalid address \"%s\": a peer-to-peer server takes neither a "
                       "connection nor a bus-name", priv->address);
          return FALSE;
        }
      if (!g_dbus_is_supported_address (priv->address, &local))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Invalid address \"%s\": %s", priv->address, local->message);
          return FALSE;
        }
    }
  if (priv->connection == NULL && priv->address == NULL &&
      priv->bus_type != G_BUS_TYPE_SESSION && priv->bus_type != G_BUS_TYPE_SYSTEM &&
      priv->bus_type != G_BUS_TYPE_STARTER)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid bus-type %d: set a bus type, a connection or an address",
                   priv->bus_type);
      return FALSE;
    }

  return TRUE;
}

static void
aio_dbus_service_start_async (AioService          *service,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  AioDBusService *self = AIO_DBUS_SERVICE (service);
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GError *error = NULL;

  g_task_set_source_tag (task, aio_dbus_service_start_async);

  if (!validate (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  _aio_service_run_begin (&priv->run, g_steal_pointer (&task), run_cancelled_cb, self,
                          "[aiomisc-glib] dbus service stop");

  if (priv->address != NULL)
    {
      g_autofree char *guid = g_dbus_generate_guid ();

      priv->server = g_dbus_server_new_sync (priv->address,
                                             G_DBUS_SERVER_FLAGS_AUTHENTICATION_REQUIRE_SAME_USER,
                                             guid, NULL, cancellable, &error);
      if (priv->server == NULL)
        {
          g_prefix_error (&error, "Could not listen on %s: ", priv->address);
          finish_run (self, error);
          return;
        }
      g_signal_connect (priv->server, "new-connection", G_CALLBACK (new_connection_cb), self);
      g_dbus_server_start (priv->server);
      priv->client_address = g_strdup (g_dbus_server_get_client_address (priv->server));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ADDRESS]);
      make_ready (self);
    }
  else if (priv->connection != NULL)
    use_connection (self, priv->connection);
  else
    g_bus_get (priv->bus_type, cancellable, bus_got_cb, g_object_ref (self));
}

static gboolean
aio_dbus_service_start_finish (AioService    *service,
                               GAsyncResult  *result,
                               GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* GObject */

static void
aio_dbus_service_dispose (GObject *object)
{
  AioDBusService *self = AIO_DBUS_SERVICE (object);

  finish_run (self, NULL);

  G_OBJECT_CLASS (aio_dbus_service_parent_class)->dispose (object);
}

static void
aio_dbus_service_finalize (GObject *object)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (AIO_DBUS_SERVICE (object));

  g_clear_pointer (&priv->bus_name, g_free);
  g_clear_object (&priv->connection);
  g_clear_pointer (&priv->address, g_free);
  g_clear_pointer (&priv->skeletons, g_array_unref);
  g_clear_pointer (&priv->exported, g_hash_table_unref);

  G_OBJECT_CLASS (aio_dbus_service_parent_class)->finalize (object);
}

static void
aio_dbus_service_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  AioDBusService *self = AIO_DBUS_SERVICE (object);
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_BUS_TYPE: g_value_set_enum (value, priv->bus_type); break;
    case PROP_BUS_NAME: g_value_set_string (value, priv->bus_name); break;
    case PROP_NAME_FLAGS: g_value_set_flags (value, priv->name_flags); break;
    case PROP_CONNECTION: g_value_set_object (value, priv->connection); break;
    case PROP_ADDRESS: g_value_set_string (value, priv->address); break;
    case PROP_CLIENT_ADDRESS: g_value_set_string (value, priv->client_address); break;
    case PROP_EXPORT_STATUS: g_value_set_boolean (value, priv->export_status); break;
    case PROP_STATUS_CONTROL: g_value_set_boolean (value, priv->status_control); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_dbus_service_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  AioDBusService *self = AIO_DBUS_SERVICE (object);
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_BUS_TYPE: priv->bus_type = g_value_get_enum (value); break;
    case PROP_BUS_NAME: g_free (priv->bus_name); priv->bus_name = g_value_dup_string (value); break;
    case PROP_NAME_FLAGS: priv->name_flags = g_value_get_flags (value); break;
    case PROP_CONNECTION: g_set_object (&priv->connection, g_value_get_object (value)); break;
    case PROP_ADDRESS: g_free (priv->address); priv->address = g_value_dup_string (value); break;
    case PROP_EXPORT_STATUS: priv->export_status = g_value_get_boolean (value); break;
    case PROP_STATUS_CONTROL: priv->status_control = g_value_get_boolean (value); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  g_object_notify_by_pspec (object, pspec);
}

static void
aio_dbus_service_class_init (AioDBusServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = aio_dbus_service_dispose;
  object_class->finalize = aio_dbus_service_finalize;
  object_class->get_property = aio_dbus_service_get_property;
  object_class->set_property = aio_dbus_service_set_property;

  service_class->start_async = aio_dbus_service_start_async;
  service_class->start_finish = aio_dbus_service_start_finish;

  klass->export_objects = aio_dbus_service_real_export;
  klass->unexport_objects = aio_dbus_service_real_unexport;

  /**
   * AioDBusService:bus-type:
   *
   * The bus to connect to, unless [property@Aio.DBusService:connection]
   * or [property@Aio.DBusService:address] is set.
   *
   * Since: 0.2
   */
  properties[PROP_BUS_TYPE] =
    g_param_spec_enum ("bus-type", NULL, NULL, G_TYPE_BUS_TYPE, G_BUS_TYPE_SESSION, flags);

  /**
   * AioDBusService:bus-name:
   *
   * The well-known name to own once the objects are exported, or %NULL to
   * own none.
   *
   * Since: 0.2
   */
  properties[PROP_BUS_NAME] =
    g_param_spec_string ("bus-name", NULL, NULL, NULL, flags);

  /**
   * AioDBusService:name-flags:
   *
   * How [property@Aio.DBusService:bus-name] is owned: with
   * %G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT, another connection may take
   * it with %G_BUS_NAME_OWNER_FLAGS_REPLACE, which fails the service.
   *
   * Since: 0.2
   */
  properties[PROP_NAME_FLAGS] =
    g_param_spec_flags ("name-flags", NULL, NULL, G_TYPE_BUS_NAME_OWNER_FLAGS,
                        G_BUS_NAME_OWNER_FLAGS_NONE, flags);

  /**
   * AioDBusService:connection:
   *
   * A connection to export the objects on instead of connecting to a bus,
   * for example the one of a #GApplication.
   *
   * Since: 0.2
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION, flags);

  /**
   * AioDBusService:address:
   *
   * A D-Bus address to listen on as a peer-to-peer #GDBusServer (such as
   * `unix:tmpdir=/tmp` or `unix:path=/run/app.sock`), or %NULL to use a bus.
   * Only peers of the same user are accepted.
   *
   * Since: 0.2
   */
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL, NULL, flags);

  /**
   * AioDBusService:client-address:
   *
   * Where clients of the peer-to-peer server connect, with
   * g_dbus_connection_new_for_address(), while the service runs.
   *
   * Since: 0.2
   */
  properties[PROP_CLIENT_ADDRESS] =
    g_param_spec_string ("client-address", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * AioDBusService:export-status:
   *
   * Whether to export the read-only `org.aiomisc.Status1` interface at
   * `/org/aiomisc/Status` too: the services of the current entrypoint with
   * their states, and the statistics.
   *
   * Since: 0.2
   */
  properties[PROP_EXPORT_STATUS] =
    g_param_spec_boolean ("export-status", NULL, NULL, FALSE, flags);

  /**
   * AioDBusService:status-control:
   *
   * With [property@Aio.DBusService:export-status], whether to export the
   * `org.aiomisc.Control1` interface next to the status too:
   * `StopService(s name)` and `StartService(s name)` stop and start one
   * service of the current entrypoint, and reply once it is done. Off by
   * default: the status is read-only. Only for buses where every peer may
   * do so (a user's session bus, a peer-to-peer server).
   *
   * Since: 0.2
   */
  properties[PROP_STATUS_CONTROL] =
    g_param_spec_boolean ("status-control", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_dbus_service_init (AioDBusService *self)
{
  AioDBusServicePrivate *priv = aio_dbus_service_get_instance_private (self);

  priv->bus_type = G_BUS_TYPE_SESSION;
  priv->skeletons = g_array_new (FALSE, TRUE, sizeof (Skeleton));
  g_array_set_clear_func (priv->skeletons, skeleton_clear);
  priv->exported = g_hash_table_new_full (NULL, NULL, g_object_unref, exported_free);
}

/**
 * aio_dbus_service_new:
 * @bus_type: the bus to connect to
 * @bus_name: (nullable): the well-known name to own, or %NULL
 *
 * Creates a service that exports its skeletons on the bus @bus_type and
 * owns @bus_name. Use g_object_new() for the other ways.
 *
 * Returns: (transfer full): a new service
 *
 * Since: 0.2
 */
AioDBusService *
aio_dbus_service_new (GBusType    bus_type,
                      const char *bus_name)
{
  return g_object_new (AIO_TYPE_DBUS_SERVICE, "bus-type", bus_type, "bus-name", bus_name, NULL);
}

/**
 * aio_dbus_service_add_skeleton:
 * @self: a D-Bus service
 * @skeleton: an interface skeleton, such as one gdbus-codegen generated
 * @object_path: where to export it
 *
 * Adds an interface to export at @object_path whenever the service runs.
 * Added while the service runs, it is exported at the next start.
 *
 * Since: 0.2
 */
void
aio_dbus_service_add_skeleton (AioDBusService         *self,
                               GDBusInterfaceSkeleton *skeleton,
                               const char             *object_path)
{
  AioDBusServicePrivate *priv;
  Skeleton entry;

  g_return_if_fail (AIO_IS_DBUS_SERVICE (self));
  g_return_if_fail (G_IS_DBUS_INTERFACE_SKELETON (skeleton));
  g_return_if_fail (object_path != NULL && g_variant_is_object_path (object_path));

  priv = aio_dbus_service_get_instance_private (self);
  entry.skeleton = g_object_ref (skeleton);
  entry.object_path = g_strdup (object_path);
  g_array_append_val (priv->skeletons, entry);
}

/**
 * aio_dbus_service_get_bus_type:
 * @self: a D-Bus service
 *
 * Gets [property@Aio.DBusService:bus-type].
 *
 * Returns: the bus type
 *
 * Since: 0.2
 */
GBusType
aio_dbus_service_get_bus_type (AioDBusService *self)
{
  AioDBusServicePrivate *priv;

  g_return_val_if_fail (AIO_IS_DBUS_SERVICE (self), G_BUS_TYPE_NONE);

  priv = aio_dbus_service_get_instance_private (self);
  return priv->bus_type;
}

/**
 * aio_dbus_service_get_bus_name:
 * @self: a D-Bus service
 *
 * Gets [property@Aio.DBusService:bus-name].
 *
 * Returns: (nullable): the well-known name
 *
 * Since: 0.2
 */
const char *
aio_dbus_service_get_bus_name (AioDBusService *self)
{
  AioDBusServicePrivate *priv;

  g_return_val_if_fail (AIO_IS_DBUS_SERVICE (self), NULL);

  priv = aio_dbus_service_get_instance_private (self);
  return priv->bus_name;
}

/**
 * aio_dbus_service_get_connection:
 * @self: a D-Bus service
 *
 * Gets the connection the objects are exported on: the given
 * [property@Aio.DBusService:connection], or the bus connection while the
 * service runs; %NULL for a peer-to-peer server.
 *
 * Returns: (nullable) (transfer none): the connection
 *
 * Since: 0.2
 */
GDBusConnection *
aio_dbus_service_get_connection (AioDBusService *self)
{
  AioDBusServicePrivate *priv;

  g_return_val_if_fail (AIO_IS_DBUS_SERVICE (self), NULL);

  priv = aio_dbus_service_get_instance_private (self);
  return priv->connection != NULL ? priv->connection : priv->bus;
}

/**
 * aio_dbus_service_get_address:
 * @self: a D-Bus service
 *
 * Gets [property@Aio.DBusService:address].
 *
 * Returns: (nullable): the listen address
 *
 * Since: 0.2
 */
const char *
aio_dbus_service_get_address (AioDBusService *self)
{
  AioDBusServicePrivate *priv;

  g_return_val_if_fail (AIO_IS_DBUS_SERVICE (self), NULL);

  priv = aio_dbus_service_get_instance_private (self);
  return priv->address;
}

/**
 * aio_dbus_service_get_client_address:
 * @self: a D-Bus service
 *
 * Gets [property@Aio.DBusService:client-address].
 *
 * Returns: (nullable): the address for clients, while a peer-to-peer
 *   server runs
 *
 * Since: 0.2
 */
const char *
aio_dbus_service_get_client_address (AioDBusService *self)
{
  AioDBusServicePrivate *priv;

  g_return_val_if_fail (AIO_IS_DBUS_SERVICE (self), NULL);

  priv = aio_dbus_service_get_instance_private (self);
  return priv->client_address;
}

/**
 * aio_dbus_service_get_export_status:
 * @self: a D-Bus service
 *
 * Gets [property@Aio.DBusService:export-status].
 *
 * Returns: whether the status interface is exported
 *
 * Since: 0.2
 */
gboolean
aio_dbus_service_get_export_status (AioDBusService *self)
{
  AioDBusServicePrivate *priv;

  g_return_val_if_fail (AIO_IS_DBUS_SERVICE (self), FALSE);

  priv = aio_dbus_service_get_instance_private (self);
  return priv->export_status;
}
