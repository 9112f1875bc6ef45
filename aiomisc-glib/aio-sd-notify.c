/* aio-sd-notify.c: the systemd notification protocol, without libsystemd
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include "aiomisc-glib.h"
#include "aio-sd-notify-private.h"
#include "aio-task-private.h"

/* The protocol (sd_notify(3)): one datagram of newline-separated
 * VARIABLE=value assignments to the AF_UNIX socket named by $NOTIFY_SOCKET,
 * an absolute path or, after '@', an abstract name. The socket is opened
 * once and kept for the value of $NOTIFY_SOCKET it was opened for. */

#define SEND_TIMEOUT_S 5

G_LOCK_DEFINE_STATIC (notify);
static char *notify_value;              /* the $NOTIFY_SOCKET of notify_socket */
static GSocket *notify_socket;
static GSocketAddress *notify_address;

static GSocketAddress *
parse_notify_socket (const char  *value,
                     GError     **error)
{
  /* sizeof (sockaddr_un.sun_path), the NUL of a path included */
  const gsize max_len = 108;

  if (value[0] == '/' && strlen (value) < max_len)
    return g_unix_socket_address_new (value);

  if (value[0] == '@' && value[1] != '\0' && strlen (value) <= max_len)
    return g_unix_socket_address_new_with_type (value + 1, -1,
                                                G_UNIX_SOCKET_ADDRESS_ABSTRACT);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Invalid NOTIFY_SOCKET '%s': expected an absolute path or an abstract "
               "'@' name of at most %" G_GSIZE_FORMAT " bytes",
               value, max_len - 1);
  return NULL;
}

/* With the lock held: makes notify_socket and notify_address those of @value. */
static gboolean
notify_open_locked (const char  *value,
                    GError     **error)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocket) socket = NULL;

  if (notify_socket != NULL && g_strcmp0 (notify_value, value) == 0)
    return TRUE;

  address = parse_notify_socket (value, error);
  if (address == NULL)
    return FALSE;

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    {
      g_prefix_error (error, "Cannot open a socket for NOTIFY_SOCKET '%s': ", value);
      return FALSE;
    }
  /* A manager that does not read must not hang the program for ever. */
  g_socket_set_timeout (socket, SEND_TIMEOUT_S);

  g_set_object (&notify_socket, socket);
  g_set_object (&notify_address, address);
  g_free (notify_value);
  notify_value = g_strdup (value);

  return TRUE;
}

/**
 * aio_sd_notify:
 * @state: newline-separated assignments, e.g. `"READY=1"` or
 *   `"STATUS=Loading the cache\nEXTEND_TIMEOUT_USEC=5000000"`
 * @error: return location for a #GError
 *
 * Sends @state to the service manager, as `sd_notify (0, state)` of
 * libsystemd does: one datagram to the socket `$NOTIFY_SOCKET` names (an
 * absolute path, or an abstract socket after `@`). Without
 * `$NOTIFY_SOCKET` it does nothing and succeeds, so a program calls it
 * the same way under systemd and elsewhere.
 *
 * [class@Aio.Entrypoint] already sends `READY=1`, `STOPPING=1`, `STATUS=`
 * lines and the `WATCHDOG=1` pings; a program uses this function for
 * anything else (see [func@Aio.sd_notify_status] for its own status).
 * Thread-safe.
 *
 * Returns: %TRUE if @state was sent or `$NOTIFY_SOCKET` is unset; %FALSE
 *   with %G_IO_ERROR_INVALID_ARGUMENT for an empty @state or a
 *   `$NOTIFY_SOCKET` that is no socket address, or with the error of the
 *   socket
 *
 * Since: 0.2
 */
gboolean
aio_sd_notify (const char  *state,
               GError     **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  const char *value;
  gssize sent;

  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (state[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Invalid sd_notify state '': expected VARIABLE=value lines");
      return FALSE;
    }

  value = g_getenv ("NOTIFY_SOCKET");
  if (value == NULL || value[0] == '\0')
    return TRUE;

  G_LOCK (notify);
  if (notify_open_locked (value, error))
    {
      socket = g_object_ref (notify_socket);
      address = g_object_ref (notify_address);
    }
  G_UNLOCK (notify);

  if (socket == NULL)
    return FALSE;

  sent = g_socket_send_to (socket, address, state, strlen (state), NULL, error);
  if (sent < 0)
    {
      g_prefix_error (error, "Cannot notify NOTIFY_SOCKET '%s': ", value);
      return FALSE;
    }

  return TRUE;
}

/**
 * aio_sd_notify_status:
 * @status: a one-line description of what the program is doing
 * @error: return location for a #GError
 *
 * Sends `STATUS=@status` to the service manager (shown by
 * `systemctl status`), with newlines in @status replaced by spaces. Does
 * nothing without `$NOTIFY_SOCKET`; see [func@Aio.sd_notify].
 *
 * Returns: %TRUE if sent or `$NOTIFY_SOCKET` is unset, %FALSE with the
 *   error of [func@Aio.sd_notify]
 *
 * Since: 0.2
 */
gboolean
aio_sd_notify_status (const char  *status,
                      GError     **error)
{
  g_autofree char *state = NULL;

  g_return_val_if_fail (status != NULL, FALSE);

  state = g_strconcat ("STATUS=", status, NULL);
  g_strdelimit (state, "\n", ' ');

  return aio_sd_notify (state, error);
}

/**
 * aio_sd_notify_is_enabled:
 *
 * Tells whether the program runs under a service manager that listens for
 * notifications: whether `$NOTIFY_SOCKET` is set.
 *
 * Returns: %TRUE if `$NOTIFY_SOCKET` is set and not empty
 *
 * Since: 0.2
 */
gboolean
aio_sd_notify_is_enabled (void)
{
  const char *value = g_getenv ("NOTIFY_SOCKET");

  return value != NULL && value[0] != '\0';
}

/**
 * aio_sd_watchdog_usec:
 *
 * Reads the watchdog the service manager set for this process (as
 * `sd_watchdog_enabled()` does): `$WATCHDOG_USEC`, if `$NOTIFY_SOCKET` is
 * set and `$WATCHDOG_PID` is unset or names this process.
 * [class@Aio.Entrypoint] pings every half of it from its main loop.
 *
 * Returns: the watchdog timeout in microseconds, or 0 without a watchdog
 *   for this process (or with a malformed variable)
 *
 * Since: 0.2
 */
guint64
aio_sd_watchdog_usec (void)
{
  const char *usec_value = g_getenv ("WATCHDOG_USEC");
  const char *pid_value = g_getenv ("WATCHDOG_PID");
  guint64 usec = 0, pid = 0;

  if (!aio_sd_notify_is_enabled () || usec_value == NULL)
    return 0;
  if (!g_ascii_string_to_unsigned (usec_value, 10, 1, G_MAXUINT64, &usec, NULL))
    return 0;
  if (pid_value != NULL &&
      (!g_ascii_string_to_unsigned (pid_value, 10, 1, G_MAXINT, &pid, NULL) ||
       pid != (guint64) getpid ()))
    return 0;

  return usec;
}

/* The entrypoint's notifications */

typedef struct
{
  GMainContext *context;
  GPtrArray    *services;     /* AioService*, owned */
  GArray       *handlers;     /* gulong, one per service */
  GHashTable   *running;      /* the services that run: counted without a scan */
  GSource      *watchdog;
  GSource      *extend;       /* while starting, with a start-timeout */
  char         *extend_state;
  gboolean      warned;
  gboolean      starting;
} Notifier;

static GQuark
notifier_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("aio-sd-notifier");
  return quark;
}

static void
notifier_stop_extending (Notifier *notifier)
{
  _aio_source_clear (&notifier->extend);
  g_clear_pointer (&notifier->extend_state, g_free);
}

static void
notifier_free (gpointer data)
{
  Notifier *notifier = data;

  for (guint i = 0; i < notifier->services->len; i++)
    g_clear_signal_handler (&g_array_index (notifier->handlers, gulong, i),
                            g_ptr_array_index (notifier->services, i));
  notifier_stop_extending (notifier);
  _aio_source_clear (&notifier->watchdog);
  g_ptr_array_unref (notifier->services);
  g_array_unref (notifier->handlers);
  g_hash_table_unref (notifier->running);
  g_main_context_unref (notifier->context);
  g_free (notifier);
}

/* Sends @state; the first failure is a warning, later ones debug messages
 * (a watchdog ping fails again and again). */
static void
notifier_send (Notifier   *notifier,
               const char *state)
{
  g_autoptr(GError) error = NULL;

  if (aio_sd_notify (state, &error))
    return;

  if (!notifier->warned)
    g_warning ("sd_notify: %s", error->message);
  else
    g_debug ("sd_notify: %s", error->message);
  notifier->warned = TRUE;
}

/* Sends @lines (may be NULL) and a STATUS= line, newlines taken out of it. */
static void
notifier_send_status (Notifier   *notifier,
                      const char *lines,
                      const char *format,
                      ...) G_GNUC_PRINTF (3, 4);

static void
notifier_send_status (Notifier   *notifier,
                      const char *lines,
                      const char *format,
                      ...)
{
  g_autofree char *status = NULL;
  g_autofree char *state = NULL;
  va_list args;

  va_start (args, format);
  status = g_strdup_vprintf (format, args);
  va_end (args);

  g_strdelimit (status, "\n", ' ');
  state = g_strconcat (lines ? lines : "", lines ? "\n" : "", "STATUS=", status, NULL);
  notifier_send (notifier, state);
}

static gboolean
notifier_watchdog_cb (gpointer data)
{
  notifier_send (data, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

static gboolean
notifier_extend_cb (gpointer data)
{
  Notifier *notifier = data;

  notifier_send (notifier, notifier->extend_state);
  return G_SOURCE_CONTINUE;
}

/* A timer of @notifier's context every @interval_ms. */
static GSource *
notifier_add_timer (Notifier    *notifier,
                    guint        interval_ms,
                    GSourceFunc  func,
                    const char  *name)
{
  GSource *source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, func, notifier, NULL);
  g_source_set_static_name (source, name);
  g_source_attach (source, notifier->context);

  return source;
}

static void
notifier_service_state_cb (AioService *service,
                           GParamSpec *pspec,
                           Notifier   *notifier)
{
  AioServiceState state = aio_service_get_state (service);

  /* Kept up to date on every change: a count by scanning the services on
   * each start would be quadratic (10,000 services: 10^8 reads). */
  if (state == AIO_SERVICE_STATE_RUNNING)
    g_hash_table_add (notifier->running, service);
  else
    g_hash_table_remove (notifier->running, service);

  switch (state)
    {
    case AIO_SERVICE_STATE_RUNNING:
      if (!notifier->starting)
        return;
      notifier_send_status (notifier, NULL, "Starting: %u of %u services running ('%s' is up)",
                            g_hash_table_size (notifier->running), notifier->services->len,
                            aio_service_get_name (service));
      break;

    case AIO_SERVICE_STATE_FAILED:
      notifier_send_status (notifier, NULL, "Service '%s' failed", aio_service_get_name (service));
      break;

    case AIO_SERVICE_STATE_NEW:
    case AIO_SERVICE_STATE_STARTING:
    case AIO_SERVICE_STATE_STOPPING:
    case AIO_SERVICE_STATE_STOPPED:
    default:
      break;
    }
}

static Notifier *
notifier_get (AioEntrypoint *entrypoint)
{
  return g_object_get_qdata (G_OBJECT (entrypoint), notifier_quark ());
}

/* The start-timeout of the entrypoint in seconds, 0 if it has none. */
static double
entrypoint_start_timeout (AioEntrypoint *entrypoint)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (entrypoint),
                                                    "start-timeout");
  double timeout = 0;

  if (pspec == NULL || pspec->value_type != G_TYPE_DOUBLE)
    return 0;
  g_object_get (entrypoint, "start-timeout", &timeout, NULL);

  return isfinite (timeout) && timeout > 0 ? timeout : 0;
}

void
_aio_sd_notify_entrypoint_starting (AioEntrypoint *entrypoint,
                                    GMainContext  *context,
                                    GPtrArray     *services)
{
  Notifier *notifier;
  guint64 watchdog_usec;
  double start_timeout;

  if (!aio_sd_notify_is_enabled ())
    return;

  notifier = g_new0 (Notifier, 1);
  notifier->context = g_main_context_ref (context);
  notifier->services = g_ptr_array_new_full (services->len, g_object_unref);
  notifier->handlers = g_array_sized_new (FALSE, TRUE, sizeof (gulong), services->len);
  notifier->running = g_hash_table_new (NULL, NULL);
  notifier->starting = TRUE;
  for (guint i = 0; i < services->len; i++)
    {
      AioService *service = g_ptr_array_index (services, i);
      gulong id = g_signal_connect (service, "notify::state",
                                    G_CALLBACK (notifier_service_state_cb), notifier);

      g_ptr_array_add (notifier->services, g_object_ref (service));
      g_array_append_val (notifier->handlers, id);
      if (aio_service_get_state (service) == AIO_SERVICE_STATE_RUNNING)
        g_hash_table_add (notifier->running, service);
    }
  g_object_set_qdata_full (G_OBJECT (entrypoint), notifier_quark (), notifier, notifier_free);

  notifier_send_status (notifier, NULL, "Starting %u services", services->len);

  /* The manager's TimeoutStartSec= must not end a start that our own
   * start-timeout bounds (per service, so a chain of dependencies may take
   * longer): while the start runs, the loop extends the manager's timeout
   * by the start-timeout every half of it. A stuck loop stops extending. */
  start_timeout = entrypoint_start_timeout (entrypoint);
  if (start_timeout > 0)
    {
      gint64 usec = _aio_seconds_to_usec (start_timeout);

      notifier->extend_state = g_strdup_printf ("EXTEND_TIMEOUT_USEC=%" G_GINT64_FORMAT, usec);
      notifier_send (notifier, notifier->extend_state);
      notifier->extend = notifier_add_timer (notifier,
                                             (guint) CLAMP (usec / 2 / 1000, 1, G_MAXUINT),
                                             notifier_extend_cb,
                                             "[aiomisc-glib] sd_notify start extension");
    }

  /* Pinged from the loop: a loop that is stuck stops the pings, and the
   * manager restarts the program. */
  watchdog_usec = aio_sd_watchdog_usec ();
  if (watchdog_usec > 0)
    {
      guint interval_ms = (guint) CLAMP (watchdog_usec / 2 / 1000, 1, G_MAXUINT);

      g_debug ("sd_notify: pinging the watchdog every %u ms", interval_ms);
      notifier->watchdog = notifier_add_timer (notifier, interval_ms, notifier_watchdog_cb,
                                               "[aiomisc-glib] sd_notify watchdog");
    }
}

void
_aio_sd_notify_entrypoint_ready (AioEntrypoint *entrypoint)
{
  Notifier *notifier = notifier_get (entrypoint);

  if (notifier == NULL)
    return;

  notifier->starting = FALSE;
  notifier_stop_extending (notifier);
  notifier_send_status (notifier, "READY=1", "Running %u services", notifier->services->len);
}

void
_aio_sd_notify_entrypoint_stopping (AioEntrypoint *entrypoint)
{
  Notifier *notifier = notifier_get (entrypoint);

  if (notifier == NULL)
    return;

  notifier->starting = FALSE;
  notifier_stop_extending (notifier);
  notifier_send_status (notifier, "STOPPING=1", "Stopping %u services", notifier->services->len);
}

void
_aio_sd_notify_entrypoint_stopped (AioEntrypoint *entrypoint,
                                   const GError  *error)
{
  Notifier *notifier = notifier_get (entrypoint);

  if (notifier == NULL)
    return;

  if (error != NULL)
    notifier_send_status (notifier, NULL, "Failed: %s", error->message);
  g_object_set_qdata (G_OBJECT (entrypoint), notifier_quark (), NULL);
}
