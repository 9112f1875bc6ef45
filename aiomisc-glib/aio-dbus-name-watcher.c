/* aio-dbus-name-watcher.c: AioDBusNameWatcher, follows a D-Bus name
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-service-run-private.h"

/**
 * AioDBusNameWatcher:
 *
 * The client side of an [class@Aio.DBusService]: a service that waits for
 * a name to appear on a bus and follows it as it vanishes and comes back,
 * as [class@Aio.RobustTcpClient] follows a server.
 *
 * Its start completes once [property@Aio.DBusNameWatcher:bus-name] has an
 * owner (so services that depend on it start only then). From then on,
 * [property@Aio.DBusNameWatcher:name-owner] follows the owner: it becomes
 * %NULL when the name vanishes, with [signal@Aio.DBusNameWatcher::vanished],
 * and the new unique name when it comes back, with
 * [signal@Aio.DBusNameWatcher::appeared]. Neither is a failure: the watcher
 * never gives up until stopped. Losing the connection to the bus is one.
 *
 * The bus is [property@Aio.DBusNameWatcher:bus-type], or the given
 * [property@Aio.DBusNameWatcher:connection]. The watcher never starts the
 * name's service through D-Bus activation.
 *
 * Since: 0.2
 */

struct _AioDBusNameWatcher
{
  AioService       parent_instance;

  GBusType         bus_type;
  char            *bus_name;
  GDBusConnection *connection;   /* given */

  /* While running */
  AioServiceRun    run;
  GDBusConnection *bus;
  guint            watch_id;
  char            *name_owner;
  gboolean         ready;
};

G_DEFINE_FINAL_TYPE (AioDBusNameWatcher, aio_dbus_name_watcher, AIO_TYPE_SERVICE)

enum {
  PROP_0,
  PROP_BUS_TYPE,
  PROP_BUS_NAME,
  PROP_CONNECTION,
  PROP_NAME_OWNER,
  N_PROPS
};

enum {
  APPEARED,
  VANISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_name_owner (AioDBusNameWatcher *self,
                const char         *name_owner)
{
  if (g_strcmp0 (self->name_owner, name_owner) == 0)
    return;

  g_free (self->name_owner);
  self->name_owner = g_strdup (name_owner);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME_OWNER]);
}

static void
finish_run (AioDBusNameWatcher *self,
            GError             *error)
{
  GTask *task = _aio_service_run_end (&self->run);

  if (self->watch_id != 0)
    {
      g_bus_unwatch_name (self->watch_id);
      self->watch_id = 0;
    }
  if (self->bus != NULL)
    g_signal_handlers_disconnect_by_data (self->bus, self);
  g_clear_object (&self->bus);
  set_name_owner (self, NULL);
  self->ready = FALSE;
  _aio_service_run_return (task, error);
}

static void
name_appeared_cb (GDBusConnection *connection,
                  const char      *name,
                  const char      *name_owner,
                  gpointer         user_data)
{
  AioDBusNameWatcher *self = user_data;

  g_info ("Service '%s': %s appeared (%s)",
          aio_service_get_name (AIO_SERVICE (self)), name, name_owner);
  set_name_owner (self, name_owner);
  g_signal_emit (self, signals[APPEARED], 0, connection, name_owner);
  if (!self->ready)
    {
      self->ready = TRUE;
      aio_service_set_ready (AIO_SERVICE (self));
    }
}

static void
name_vanished_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  AioDBusNameWatcher *self = user_data;
  gboolean had_owner = self->name_owner != NULL;

  if (connection == NULL)
    {
      finish_run (self, g_error_new (G_IO_ERROR, G_IO_ERROR_CLOSED,
                                     "The connection to the bus closed while watching %s",
                                     name));
      return;
    }

  set_name_owner (self, NULL);
  if (had_owner)
    {
      g_info ("Service '%s': %s vanished; waiting for it to come back",
              aio_service_get_name (AIO_SERVICE (self)), name);
      g_signal_emit (self, signals[VANISHED], 0);
    }
  else
    g_info ("Service '%s': waiting for %s to appear",
            aio_service_get_name (AIO_SERVICE (self)), name);
}

static void
watch (AioDBusNameWatcher *self,
       GDBusConnection    *connection)
{
  self->bus = g_object_ref (connection);
  self->watch_id = g_bus_watch_name_on_connection (connection, self->bus_name,
                                                   G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   name_appeared_cb, name_vanished_cb,
                                                   self, NULL);
}

static void
bus_got_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(AioDBusNameWatcher) self = user_data;
  g_autoptr(GDBusConnection) connection = NULL;
  GError *error = NULL;

  connection = g_bus_get_finish (result, &error);
  if (self->run.task == NULL)
    g_clear_error (&error);
  else if (connection == NULL)
    finish_run (self, error);
  else
    watch (self, connection);
}

static gboolean
run_cancelled_cb (GCancellable *cancellable,
                  gpointer      user_data)
{
  finish_run (AIO_DBUS_NAME_WATCHER (user_data), NULL);
  return G_SOURCE_REMOVE;
}

static void
aio_dbus_name_watcher_start_async (AioService          *service,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  AioDBusNameWatcher *self = AIO_DBUS_NAME_WATCHER (service);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, aio_dbus_name_watcher_start_async);

  if (self->bus_name == NULL || !g_dbus_is_name (self->bus_name))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Invalid bus-name \"%s\": not a D-Bus name",
                               self->bus_name ? self->bus_name : "(null)");
      return;
    }
  if (self->connection == NULL && self->bus_type != G_BUS_TYPE_SESSION &&
      self->bus_type != G_BUS_TYPE_SYSTEM && self->bus_type != G_BUS_TYPE_STARTER)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Invalid bus-type %d: set a bus type or a connection",
                               self->bus_type);
      return;
    }

  _aio_service_run_begin (&self->run, g_steal_pointer (&task), run_cancelled_cb, self,
                          "[aiomisc-glib] dbus name watcher stop");

  if (self->connection != NULL)
    watch (self, self->connection);
  else
    g_bus_get (self->bus_type, cancellable, bus_got_cb, g_object_ref (self));
}

static gboolean
aio_dbus_name_watcher_start_finish (AioService    *service,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
aio_dbus_name_watcher_dispose (GObject *object)
{
  finish_run (AIO_DBUS_NAME_WATCHER (object), NULL);

  G_OBJECT_CLASS (aio_dbus_name_watcher_parent_class)->dispose (object);
}

static void
aio_dbus_name_watcher_finalize (GObject *object)
{
  AioDBusNameWatcher *self = AIO_DBUS_NAME_WATCHER (object);

  g_clear_pointer (&self->bus_name, g_free);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (aio_dbus_name_watcher_parent_class)->finalize (object);
}

static void
aio_dbus_name_watcher_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  AioDBusNameWatcher *self = AIO_DBUS_NAME_WATCHER (object);

  switch (prop_id)
    {
    case PROP_BUS_TYPE: g_value_set_enum (value, self->bus_type); break;
    case PROP_BUS_NAME: g_value_set_string (value, self->bus_name); break;
    case PROP_CONNECTION: g_value_set_object (value, self->connection); break;
    case PROP_NAME_OWNER: g_value_set_string (value, self->name_owner); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_dbus_name_watcher_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  AioDBusNameWatcher *self = AIO_DBUS_NAME_WATCHER (object);

  switch (prop_id)
    {
    case PROP_BUS_TYPE: self->bus_type = g_value_get_enum (value); break;
    case PROP_BUS_NAME: g_free (self->bus_name); self->bus_name = g_value_dup_string (value); break;
    case PROP_CONNECTION: g_set_object (&self->connection, g_value_get_object (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  g_object_notify_by_pspec (object, pspec);
}

static void
aio_dbus_name_watcher_class_init (AioDBusNameWatcherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = aio_dbus_name_watcher_dispose;
  object_class->finalize = aio_dbus_name_watcher_finalize;
  object_class->get_property = aio_dbus_name_watcher_get_property;
  object_class->set_property = aio_dbus_name_watcher_set_property;

  service_class->start_async = aio_dbus_name_watcher_start_async;
  service_class->start_finish = aio_dbus_name_watcher_start_finish;

  /**
   * AioDBusNameWatcher:bus-type:
   *
   * The bus to watch on, unless [property@Aio.DBusNameWatcher:connection]
   * is set.
   *
   * Since: 0.2
   */
  properties[PROP_BUS_TYPE] =
    g_param_spec_enum ("bus-type", NULL, NULL, G_TYPE_BUS_TYPE, G_BUS_TYPE_SESSION, flags);

  /**
   * AioDBusNameWatcher:bus-name:
   *
   * The name to follow.
   *
   * Since: 0.2
   */
  properties[PROP_BUS_NAME] =
    g_param_spec_string ("bus-name", NULL, NULL, NULL, flags);

  /**
   * AioDBusNameWatcher:connection:
   *
   * A connection to watch on instead of connecting to a bus.
   *
   * Since: 0.2
   */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION, flags);

  /**
   * AioDBusNameWatcher:name-owner:
   *
   * The unique name owning [property@Aio.DBusNameWatcher:bus-name] now,
   * or %NULL while it has no owner.
   *
   * Since: 0.2
   */
  properties[PROP_NAME_OWNER] =
    g_param_spec_string ("name-owner", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AioDBusNameWatcher::appeared:
   * @self: the watcher
   * @connection: the connection the name is on
   * @name_owner: the unique name of the new owner
   *
   * Emitted when the name gets an owner: at the first appearance and
   * whenever it comes back.
   *
   * Since: 0.2
   */
  signals[APPEARED] =
    g_signal_new ("appeared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_DBUS_CONNECTION, G_TYPE_STRING);

  /**
   * AioDBusNameWatcher::vanished:
   * @self: the watcher
   *
   * Emitted when the name loses its owner; the watcher waits for it to
   * come back.
   *
   * Since: 0.2
   */
  signals[VANISHED] =
    g_signal_new ("vanished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
aio_dbus_name_watcher_init (AioDBusNameWatcher *self)
{
  self->bus_type = G_BUS_TYPE_SESSION;
}

/**
 * aio_dbus_name_watcher_new:
 * @bus_type: the bus to watch on
 * @bus_name: the name to follow
 *
 * Creates a watcher of @bus_name on the bus @bus_type.
 *
 * Returns: (transfer full): a new watcher
 *
 * Since: 0.2
 */
AioDBusNameWatcher *
aio_dbus_name_watcher_new (GBusType    bus_type,
                           const char *bus_name)
{
  return g_object_new (AIO_TYPE_DBUS_NAME_WATCHER, "bus-type", bus_type, "bus-name", bus_name, NULL);
}

/**
 * aio_dbus_name_watcher_get_bus_name:
 * @self: a watcher
 *
 * Gets [property@Aio.DBusNameWatcher:bus-name].
 *
 * Returns: (nullable): the watched name
 *
 * Since: 0.2
 */
const char *
aio_dbus_name_watcher_get_bus_name (AioDBusNameWatcher *self)
{
  g_return_val_if_fail (AIO_IS_DBUS_NAME_WATCHER (self), NULL);

  return self->bus_name;
}

/**
 * aio_dbus_name_watcher_get_name_owner:
 * @self: a watcher
 *
 * Gets [property@Aio.DBusNameWatcher:name-owner].
 *
 * Returns: (nullable): the unique name of the owner, or %NULL
 *
 * Since: 0.2
 */
const char *
aio_dbus_name_watcher_get_name_owner (AioDBusNameWatcher *self)
{
  g_return_val_if_fail (AIO_IS_DBUS_NAME_WATCHER (self), NULL);

  return self->name_owner;
}

/**
 * aio_dbus_name_watcher_get_connection:
 * @self: a watcher
 *
 * Gets the connection the name is watched on: the given
 * [property@Aio.DBusNameWatcher:connection], or the bus connection while
 * the watcher runs.
 *
 * Returns: (nullable) (transfer none): the connection
 *
 * Since: 0.2
 */
GDBusConnection *
aio_dbus_name_watcher_get_connection (AioDBusNameWatcher *self)
{
  g_return_val_if_fail (AIO_IS_DBUS_NAME_WATCHER (self), NULL);

  return self->connection != NULL ? self->connection : self->bus;
}
