/* test-dbus-service.c: AioDBusService and AioDBusNameWatcher on a private
 * session bus (GTestDBus) and peer-to-peer
 *
 * SPDX-License-Identifier: MIT
 */
#include <glib/gstdio.h>

#include "aio-test-services.h"
#include "aio-test-dbus.h"

#define TEST_NAME "org.aiomisc.TestService"
#define TEST_PATH "/org/aiomisc/Test"

typedef struct
{
  GTestDBus *bus;
  GDBusConnection *client;   /* a connection of its own, not the singleton */
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  f->client = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (f->bus),
                                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                      NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_clear_object (&f->client);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
}

static gboolean
handle_echo_cb (AioTestDBusEcho       *echo,
                GDBusMethodInvocation *invocation,
                const char            *text,
                gpointer               data)
{
  aio_test_dbus_echo_complete_echo (echo, invocation, text);
  return TRUE;
}

static AioTestDBusEcho *
new_echo (void)
{
  AioTestDBusEcho *echo = aio_test_dbus_echo_skeleton_new ();

  g_signal_connect (echo, "handle-echo", G_CALLBACK (handle_echo_cb), NULL);
  return echo;
}

/* Async calls, driven to completion on the main context */

static GVariant *
call (GDBusConnection *connection,
      const char      *dest,
      const char      *path,
      const char      *interface,
      const char      *method,
      GVariant        *args,
      GError         **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_dbus_connection_call (connection, dest, path, interface, method, args, NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000, NULL,
                          aio_test_async_result_cb, &result);
  return g_dbus_connection_call_finish (connection, aio_test_wait_result (&result), error);
}

static char *
call_echo (GDBusConnection *connection,
           const char      *dest,
           const char      *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (connection, dest, TEST_PATH, "org.aiomisc.Test.Echo", "Echo",
                                    g_variant_new ("(s)", text), &error);
  char *echoed = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(s)", &echoed);
  return echoed;
}

static char *
name_owner (GDBusConnection *connection,
            const char      *name)
{
  g_autoptr(GVariant) reply = call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                    "org.freedesktop.DBus", "GetNameOwner",
                                    g_variant_new ("(s)", name), NULL);
  char *owner = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(s)", &owner);
  return owner;
}

static void
stop_service (AioService *service)
{
  g_autoptr(GError) error = NULL;

  aio_test_stop_service (service, NULL, &error);
  g_assert_no_error (error);
}

static void
entrypoint_op (AioEntrypoint *ep, gboolean start)
{
  g_autoptr(GError) error = NULL;

  if (start)
    aio_test_start_entrypoint (ep, &error);
  else
    aio_test_stop_entrypoint (ep, &error);
  g_assert_no_error (error);
}

/* Owns its name, answers a method call, shows the status; at stop the
 * objects and the name go. */
static void
test_owns_name (Fixture *f, gconstpointer data)
{
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
  g_autoptr(AioDBusService) service = aio_dbus_service_new (G_BUS_TYPE_SESSION, TEST_NAME);
  g_autoptr(AioTestDBusEcho) echo = new_echo ();
  g_autoptr(GVariant) services = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *echoed = NULL;
  g_autofree char *owner = NULL;
  const char *name, *type, *state;
  GVariantIter *iter;
  gboolean found = FALSE;

  aio_service_set_name (AIO_SERVICE (service), "bus");
  g_object_set (service, "export-status", TRUE, NULL);
  aio_dbus_service_add_skeleton (service, G_DBUS_INTERFACE_SKELETON (echo), TEST_PATH);
  aio_entrypoint_add_service (ep, AIO_SERVICE (service));
  entrypoint_op (ep, TRUE);

  owner = name_owner (f->client, TEST_NAME);
  g_assert_nonnull (owner);
  g_assert_cmpstr (owner, ==, g_dbus_connection_get_unique_name (aio_dbus_service_get_connection (service)));
  echoed = call_echo (f->client, TEST_NAME, "hello");
  g_assert_cmpstr (echoed, ==, "hello");

  /* The status interface, as gdbus/busctl would read it. */
  aio_statistics_add ("dbus-test", "calls", 3);
  services = call (f->client, TEST_NAME, "/org/aiomisc/Status", "org.aiomisc.Status1",
                   "ListServices", NULL, &error);
  g_assert_no_error (error);
  g_variant_get (services, "(a(sss))", &iter);
  while (g_variant_iter_next (iter, "(&s&s&s)", &name, &type, &state))
    if (g_str_equal (name, "bus"))
      {
        g_assert_cmpstr (type, ==, "AioDBusService");
        g_assert_cmpstr (state, ==, "running");
        found = TRUE;
      }
  g_variant_iter_free (iter);
  g_assert_true (found);

  stats = call (f->client, TEST_NAME, "/org/aiomisc/Status", "org.aiomisc.Status1",
                "GetStatistics", NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) dict = g_variant_get_child_value (stats, 0);
    g_autoptr(GVariant) group = g_variant_lookup_value (dict, "dbus-test", G_VARIANT_TYPE_VARDICT);
    double calls = 0;

    g_assert_nonnull (group);
    g_assert_true (g_variant_lookup (group, "calls", "d", &calls));
    g_assert_cmpfloat (calls, >=, 3);
  }

  /* Read-only: nothing else is there, and no control interface. */
  g_clear_pointer (&services, g_variant_unref);
  services = call (f->client, TEST_NAME, "/org/aiomisc/Status", "org.aiomisc.Status1",
                   "StopService", g_variant_new ("(s)", "bus"), &error);
  g_assert_null (services);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD);
  g_clear_error (&error);
  services = call (f->client, TEST_NAME, "/org/aiomisc/Status", "org.aiomisc.Control1",
                   "StopService", g_variant_new ("(s)", "bus"), &error);
  g_assert_null (services);
  g_assert_true (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
                 g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE));
  g_clear_error (&error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_RUNNING);

  entrypoint_op (ep, FALSE);
  g_clear_pointer (&owner, g_free);
  owner = name_owner (f->client, TEST_NAME);
  g_assert_null (owner);
  g_assert_null (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (echo)));
  g_assert_null (aio_dbus_service_get_connection (service));
}

/* With status-control, services stop and start by name over D-Bus. */
static void
control_call (Fixture *f, const char *method, const char *name, GError **error)
{
  g_autoptr(GVariant) reply = call (f->client, TEST_NAME, "/org/aiomisc/Status",
                                    "org.aiomisc.Control1", method,
                                    g_variant_new ("(s)", name), error);
}

static void
test_status_control (Fixture *f, gconstpointer data)
{
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
  g_autoptr(AioDBusService) service = g_object_new (AIO_TYPE_DBUS_SERVICE,
                                                    "bus-name", TEST_NAME,
                                                    "export-status", TRUE,
                                                    "status-control", TRUE,
                                                    NULL);
  g_autoptr(AioTestService) worker = aio_test_service_new ("worker");
  g_autoptr(GError) error = NULL;

  worker->stop_delay_ms = 20;   /* the reply waits for the stop */
  aio_entrypoint_add_service (ep, AIO_SERVICE (service));
  aio_entrypoint_add_service (ep, AIO_SERVICE (worker));
  entrypoint_op (ep, TRUE);

  control_call (f, "StopService", "worker", &error);
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (worker)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_cmpuint (worker->stop_calls, ==, 1);

  control_call (f, "StartService", "worker", &error);
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (worker)), ==, AIO_SERVICE_STATE_RUNNING);
  g_assert_cmpuint (worker->start_calls, ==, 2);

  control_call (f, "StopService", "nobody", &error);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_assert_nonnull (strstr (error->message, "\"nobody\""));
  g_clear_error (&error);

  /* Starting a running service: its error comes back. */
  control_call (f, "StartService", "worker", &error);
  g_assert_nonnull (error);
  g_clear_error (&error);

  entrypoint_op (ep, FALSE);
}

/* Another connection takes the name with REPLACE: the service fails and
 * the entrypoint stops the program with that error. */

typedef struct
{
  GDBusConnection *thief;
  guint            owner_id;
  AioTestService  *other;
} Replace;

static void
steal_name_cb (AioEntrypoint *ep, Replace *replace)
{
  replace->owner_id = g_bus_own_name_on_connection (replace->thief, TEST_NAME,
                                                    G_BUS_NAME_OWNER_FLAGS_REPLACE,
                                                    NULL, NULL, NULL, NULL);
}

static void
test_replaced (Fixture *f, gconstpointer data)
{
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
  g_autoptr(AioDBusService) service = g_object_new (AIO_TYPE_DBUS_SERVICE,
                                                    "name", "bus",
                                                    "bus-name", TEST_NAME,
                                                    "name-flags", G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT,
                                                    NULL);
  g_autoptr(AioTestService) other = aio_test_service_new ("other");
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;
  Replace replace = { f->client, 0, other };

  other->mode = TEST_MODE_LONG_RUNNING;
  aio_entrypoint_add_service (ep, AIO_SERVICE (service));
  aio_entrypoint_add_service (ep, AIO_SERVICE (other));
  g_signal_connect (ep, "post-start", G_CALLBACK (steal_name_cb), &replace);

  aio_test_log_clear ();
  g_assert_false (aio_entrypoint_run (ep, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, "Service 'bus' failed"));
  g_assert_nonnull (strstr (error->message, TEST_NAME));
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "Lost the bus name"), >=, 1);
  /* The entrypoint stopped everything, with the failure as the reason. */
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (other)), ==, AIO_SERVICE_STATE_STOPPED);
  g_assert_error (other->stop_reason, G_IO_ERROR, G_IO_ERROR_EXISTS);

  owner = name_owner (f->client, TEST_NAME);
  g_assert_cmpstr (owner, ==, g_dbus_connection_get_unique_name (f->client));
  g_bus_unown_name (replace.owner_id);
}

static void
acquired_cb (GDBusConnection *connection, const char *name, gpointer data)
{
  *(gboolean *) data = TRUE;
}

static void
test_name_taken (Fixture *f, gconstpointer data)
{
  g_autoptr(AioDBusService) service = aio_dbus_service_new (G_BUS_TYPE_SESSION, TEST_NAME);
  g_autoptr(AioTestDBusEcho) echo = new_echo ();
  g_autoptr(GError) error = NULL;
  gboolean acquired = FALSE;
  guint owner_id;

  owner_id = g_bus_own_name_on_connection (f->client, TEST_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                           acquired_cb, NULL, &acquired, NULL);
  aio_test_wait (&acquired);
  aio_dbus_service_add_skeleton (service, G_DBUS_INTERFACE_SKELETON (echo), TEST_PATH);

  g_assert_false (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, TEST_NAME));
  /* What it exported is gone again. */
  g_assert_null (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (echo)));
  g_bus_unown_name (owner_id);
}

static void
test_bad_name (Fixture *f, gconstpointer data)
{
  g_autoptr(AioDBusService) service = aio_dbus_service_new (G_BUS_TYPE_SESSION, "not a name");
  g_autoptr(AioDBusService) peer = g_object_new (AIO_TYPE_DBUS_SERVICE,
                                                 "address", "nonsense:", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "\"not a name\""));
  g_clear_error (&error);

  g_assert_false (aio_test_start_service (AIO_SERVICE (peer), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "\"nonsense:\""));
}

/* The exported objects on a given connection (such as an application's),
 * owning the name there. */
static void
test_given_connection (Fixture *f, gconstpointer data)
{
  g_autoptr(GDBusConnection) own = NULL;
  g_autoptr(AioDBusService) service = NULL;
  g_autoptr(AioTestDBusEcho) echo = new_echo ();
  g_autoptr(GError) error = NULL;
  g_autofree char *echoed = NULL;
  g_autofree char *owner = NULL;

  own = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (f->bus),
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  g_assert_no_error (error);
  service = g_object_new (AIO_TYPE_DBUS_SERVICE, "connection", own, "bus-name", TEST_NAME, NULL);
  aio_dbus_service_add_skeleton (service, G_DBUS_INTERFACE_SKELETON (echo), TEST_PATH);
  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_no_error (error);
  g_assert_true (aio_dbus_service_get_connection (service) == own);

  /* The name is owned on the given connection. */
  echoed = call_echo (f->client, TEST_NAME, "given");
  g_assert_cmpstr (echoed, ==, "given");
  owner = name_owner (f->client, TEST_NAME);
  g_assert_cmpstr (owner, ==, g_dbus_connection_get_unique_name (own));

  stop_service (AIO_SERVICE (service));
  g_clear_pointer (&owner, g_free);
  owner = name_owner (f->client, TEST_NAME);
  g_assert_null (owner);
  g_assert_false (g_dbus_interface_skeleton_has_connection (G_DBUS_INTERFACE_SKELETON (echo), own));
  g_dbus_connection_close_sync (own, NULL, NULL);
}

/* Peer-to-peer: every client connection gets the objects. */

static void
connected_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  GDBusConnection **connection = data;
  g_autoptr(GError) error = NULL;

  *connection = g_dbus_connection_new_for_address_finish (result, &error);
  g_assert_no_error (error);
}

static void
test_peer (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("aio-dbus-XXXXXX", NULL);
  g_autofree char *address = g_strdup_printf ("unix:dir=%s", dir);
  g_autoptr(AioDBusService) service = g_object_new (AIO_TYPE_DBUS_SERVICE,
                                                    "address", address, NULL);
  g_autoptr(AioTestDBusEcho) echo = new_echo ();
  g_autoptr(GError) error = NULL;
  g_autofree char *echoed = NULL;
  GDBusConnection *peers[2] = { NULL, NULL };

  aio_dbus_service_add_skeleton (service, G_DBUS_INTERFACE_SKELETON (echo), TEST_PATH);
  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
  g_assert_no_error (error);
  g_assert_nonnull (aio_dbus_service_get_client_address (service));
  g_assert_null (aio_dbus_service_get_connection (service));

  for (guint i = 0; i < G_N_ELEMENTS (peers); i++)
    {
      g_dbus_connection_new_for_address (aio_dbus_service_get_client_address (service),
                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                         NULL, NULL, connected_cb, &peers[i]);
      while (peers[i] == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_clear_pointer (&echoed, g_free);
      echoed = call_echo (peers[i], NULL, i == 0 ? "peer one" : "peer two");
      g_assert_cmpstr (echoed, ==, i == 0 ? "peer one" : "peer two");
    }

  /* A peer that goes away is forgotten: its objects are unexported. */
  {
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    GList *connections = g_dbus_interface_skeleton_get_connections (G_DBUS_INTERFACE_SKELETON (echo));

    g_assert_cmpuint (g_list_length (connections), ==, 2);
    g_list_free_full (connections, g_object_unref);
    g_dbus_connection_close_sync (peers[0], NULL, NULL);

    while ((connections = g_dbus_interface_skeleton_get_connections (G_DBUS_INTERFACE_SKELETON (echo)))
           != NULL && connections->next != NULL)
      {
        g_list_free_full (connections, g_object_unref);
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, TRUE);
      }
    g_list_free_full (connections, g_object_unref);
  }
  g_clear_pointer (&echoed, g_free);
  echoed = call_echo (peers[1], NULL, "still here");
  g_assert_cmpstr (echoed, ==, "still here");

  stop_service (AIO_SERVICE (service));
  g_assert_null (aio_dbus_service_get_client_address (service));
  g_assert_null (g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (echo)));
  for (guint i = 0; i < G_N_ELEMENTS (peers); i++)
    {
      g_dbus_connection_close_sync (peers[i], NULL, NULL);
      g_object_unref (peers[i]);
    }
  g_rmdir (dir);
}

/* The watcher waits for the name, then follows it as it goes and comes
 * back with another owner. */

typedef struct
{
  guint appeared;
  guint vanished;
} Seen;

static void
appeared_cb (AioDBusNameWatcher *watcher, GDBusConnection *connection,
             const char *owner, Seen *seen)
{
  g_assert_cmpstr (owner, ==, aio_dbus_name_watcher_get_name_owner (watcher));
  seen->appeared++;
}

static void
vanished_cb (AioDBusNameWatcher *watcher, Seen *seen)
{
  g_assert_null (aio_dbus_name_watcher_get_name_owner (watcher));
  seen->vanished++;
}

static void
wait_count (const guint *counter, guint at_least)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (*counter < at_least)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
test_watcher (Fixture *f, gconstpointer data)
{
  g_autoptr(AioDBusNameWatcher) watcher = aio_dbus_name_watcher_new (G_BUS_TYPE_SESSION, TEST_NAME);
  g_autoptr(AioDBusService) first = aio_dbus_service_new (G_BUS_TYPE_SESSION, TEST_NAME);
  g_autoptr(GError) error = NULL;
  Seen seen = { 0 };
  g_autoptr(GAsyncResult) started = NULL;
  guint owner_id;

  g_signal_connect (watcher, "appeared", G_CALLBACK (appeared_cb), &seen);
  g_signal_connect (watcher, "vanished", G_CALLBACK (vanished_cb), &seen);

  /* Nobody owns the name: the start waits. */
  aio_service_start_async (AIO_SERVICE (watcher), NULL, aio_test_async_result_cb, &started);
  g_assert_null (name_owner (f->client, TEST_NAME));
  g_assert_null (started);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (watcher)), ==, AIO_SERVICE_STATE_STARTING);

  /* A service appears: the watcher is up. */
  g_assert_true (aio_test_start_service (AIO_SERVICE (first), &error));
  g_assert_no_error (error);
  g_assert_true (aio_service_start_finish (AIO_SERVICE (watcher), aio_test_wait_result (&started),
                                           &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.appeared, ==, 1);
  g_assert_cmpstr (aio_dbus_name_watcher_get_name_owner (watcher), ==,
                   g_dbus_connection_get_unique_name (aio_dbus_service_get_connection (first)));

  /* It goes away, and comes back with another owner. */
  stop_service (AIO_SERVICE (first));
  wait_count (&seen.vanished, 1);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (watcher)), ==, AIO_SERVICE_STATE_RUNNING);

  owner_id = g_bus_own_name_on_connection (f->client, TEST_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                           NULL, NULL, NULL, NULL);
  wait_count (&seen.appeared, 2);
  g_assert_cmpstr (aio_dbus_name_watcher_get_name_owner (watcher), ==,
                   g_dbus_connection_get_unique_name (f->client));

  g_bus_unown_name (owner_id);
  wait_count (&seen.vanished, 2);

  stop_service (AIO_SERVICE (watcher));
  g_assert_null (aio_dbus_name_watcher_get_name_owner (watcher));
  g_assert_null (aio_dbus_name_watcher_get_connection (watcher));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  aio_test_log_capture_install (G_LOG_LEVEL_WARNING, G_LOG_LEVEL_WARNING);

#define ADD(path, func) \
  g_test_add ("/Aio/DBusService/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("owns-name", test_owns_name);
  ADD ("status-control", test_status_control);
  ADD ("replaced", test_replaced);
  ADD ("name-taken", test_name_taken);
  ADD ("bad-name", test_bad_name);
  ADD ("given-connection", test_given_connection);
  ADD ("peer", test_peer);
  ADD ("watcher", test_watcher);
#undef ADD

  return g_test_run ();
}
