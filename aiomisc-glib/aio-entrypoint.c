/* aio-entrypoint.c: runs a set of services
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>

#include <glib-unix.h>

#include "aiomisc-glib.h"
#include "aio-context-private.h"
#include "aio-log-private.h"
#include "aio-sd-notify-private.h"
#include "aio-service-private.h"
#include "aio-service-walk-private.h"
#include "aio-task-private.h"
#include "aio-thread-private.h"

/**
 * AioEntrypoint:
 *
 * Owns the routine of a service program: the main loop, a thread pool,
 * logging, Unix signals and an ordered, graceful shutdown (aiomisc's
 * `entrypoint`).
 *
 * Add services with [method@Aio.Entrypoint.add_service], then either call
 * [method@Aio.Entrypoint.run], which starts them, runs the main loop until
 * [method@Aio.Entrypoint.quit], SIGINT or SIGTERM, and stops them; or drive
 * the steps yourself with [method@Aio.Entrypoint.start_async],
 * [method@Aio.Entrypoint.run_forever] and [method@Aio.Entrypoint.stop_async].
 *
 * Services start concurrently, each once its dependencies run, so the
 * start takes as long as the longest chain of dependencies. If one fails to
 * start, every service already started or starting is stopped, with that
 * failure as the reason, and the error names the failing service. Stopping
 * goes in reverse dependency order, concurrently where possible, bounded by
 * [property@Aio.Entrypoint:shutdown-timeout].
 *
 * Properties default to aiomisc's values. The environment replaces those
 * defaults: `AIOMISC_POOL_SIZE`, `AIOMISC_LOG_LEVEL`, `AIOMISC_LOG_FORMAT`,
 * `AIOMISC_LOG_BUFFERING`, `AIOMISC_LOG_BUFFER_SIZE`,
 * `AIOMISC_LOG_FLUSH_INTERVAL`, `AIOMISC_LOG_CONFIG`, `AIOMISC_DEBUG` and
 * `AIOMISC_SHUTDOWN_TIMEOUT` (values are the numbers, booleans and enum
 * nicks the properties take). Values the program sets, at construction or
 * later, win over the environment. A bad value is reported with a warning
 * naming the variable, and the default is kept.
 *
 * The signals [signal@Aio.Entrypoint::pre-start],
 * [signal@Aio.Entrypoint::post-start], [signal@Aio.Entrypoint::pre-stop] and
 * [signal@Aio.Entrypoint::post-stop] run around the steps; a handler that
 * has async work to do calls [method@Aio.Entrypoint.hold] and the step waits
 * until the matching [method@Aio.Entrypoint.release].
 *
 * Since: 0.1
 */

#define POOL_SIZE_MAX 1024
#define DEFAULT_LOG_LEVEL AIO_LOG_LEVEL_INFO
#define DEFAULT_LOG_FORMAT AIO_LOG_FORMAT_AUTO
#define DEFAULT_LOG_BUFFERING TRUE
#define DEFAULT_LOG_BUFFER_SIZE AIO_LOG_DEFAULT_BUFFER_SIZE
#define DEFAULT_LOG_FLUSH_INTERVAL AIO_LOG_DEFAULT_FLUSH_INTERVAL
#define DEFAULT_LOG_CONFIG TRUE
#define DEFAULT_SHUTDOWN_TIMEOUT 60.0
#define DEFAULT_START_TIMEOUT 0.0
#define DEFAULT_START_WARNING_TIMEOUT 10.0

/* "1 service", "2 services" */
#define PLURAL_S(n) ((n) == 1 ? "" : "s")

typedef enum {
  EP_IDLE,
  EP_STARTING,
  EP_RUNNING,
  EP_STOPPING,
} EpState;

struct _AioEntrypoint
{
  GObject         parent_instance;

  guint           pool_size;
  AioLogLevel     log_level;
  AioLogFormat    log_format;
  guint           log_buffer_size;
  double          log_flush_interval;
  double          shutdown_timeout;
  double          start_timeout;
  double          start_warning_timeout;
  guint           log_buffering : 1;
  guint           log_config : 1;
  guint           debug : 1;

  EpState         state;
  GPtrArray      *services;     /* in the order they were added */
  GHashTable     *service_set;  /* the same services, for lookups */
  AioContext     *context;
  AioClock       *clock;
  AioWorkerPool  *pool;
  GMainContext   *main_context;

  /* The pending start or stop operation, and the stop waiting for a start. */
  GTask          *task;
  GTask          *stop_after_start;
  GCancellable   *start_cancellable;

  /* hold()/release() around the signal hooks */
  guint           hold_count;
  void          (*hook_next) (AioEntrypoint *self);

  GError         *failure;
  gint            quit_requested;
  GSource        *sigint_source;
  GSource        *sigterm_source;
};

G_DEFINE_FINAL_TYPE (AioEntrypoint, aio_entrypoint, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_POOL_SIZE,
  PROP_LOG_LEVEL,
  PROP_LOG_FORMAT,
  PROP_LOG_BUFFERING,
  PROP_LOG_BUFFER_SIZE,
  PROP_LOG_FLUSH_INTERVAL,
  PROP_LOG_CONFIG,
  PROP_DEBUG,
  PROP_SHUTDOWN_TIMEOUT,
  PROP_CLOCK,
  PROP_START_TIMEOUT,
  PROP_START_WARNING_TIMEOUT,
  N_PROPS
};

enum {
  PRE_START,
  POST_START,
  PRE_STOP,
  POST_STOP,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_LOCK_DEFINE_STATIC (current);
static AioEntrypoint *current;

/* Helpers */

static gboolean
check_cycles (GPtrArray  *services,
              GError    **error)
{
  AioService *service = _aio_service_find_cycle (services);

  if (service != NULL)
    {
      g_set_error (error, AIO_ERROR, AIO_ERROR_DEPENDENCY_CYCLE,
                   "Service '%s' depends on itself through its dependencies",
                   aio_service_get_name (service));
      return FALSE;
    }

  return TRUE;
}

/* A service runs in one entrypoint at a time: sharing it would let the
 * second one stop what the first one runs. Fails if one of @services
 * belongs to another entrypoint; else, with @claim, they become @self's. */
static gboolean
claim_services (AioEntrypoint  *self,
                GPtrArray      *services,
                gboolean        claim,
                GError        **error)
{
  for (guint i = 0; i < services->len; i++)
    {
      AioService *service = g_ptr_array_index (services, i);
      gpointer owner = _aio_service_get_owner (service);

      if (owner != NULL && owner != self)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       "Service '%s' is %s in another entrypoint: a service "
                       "belongs to one entrypoint at a time",
                       aio_service_get_name (service),
                       _aio_service_state_to_string (aio_service_get_state (service)));
          return FALSE;
        }
    }

  for (guint i = 0; claim && i < services->len; i++)
    _aio_service_set_owner (g_ptr_array_index (services, i), self);

  return TRUE;
}

/* The services to stop: only those @self runs, never another's. Not
 * references: the array is for a walk, which takes what it needs from it
 * before it stops anything, and @self holds the services. */
static GPtrArray *
owned_services (AioEntrypoint *self)
{
  GPtrArray *ret = g_ptr_array_sized_new (self->services->len);

  for (guint i = 0; i < self->services->len; i++)
    {
      AioService *service = g_ptr_array_index (self->services, i);

      if (_aio_service_get_owner (service) == self)
        g_ptr_array_add (ret, service);
    }

  return ret;
}

static void
release_services (AioEntrypoint *self)
{
  for (guint i = 0; i < self->services->len; i++)
    {
      AioService *service = g_ptr_array_index (self->services, i);

      if (_aio_service_get_owner (service) == self)
        _aio_service_set_owner (service, NULL);
    }
}

static void
aio_entrypoint_remove_signals (AioEntrypoint *self)
{
  GSource **sources[] = { &self->sigint_source, &self->sigterm_source };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    _aio_source_clear (sources[i]);
}

static void aio_entrypoint_install_signals (AioEntrypoint *self);

static void
aio_entrypoint_record_failure (AioEntrypoint *self,
                               const GError  *error)
{
  if (self->failure == NULL)
    self->failure = g_error_copy (error);
  aio_entrypoint_quit (self);
}

static void
service_failed_cb (AioService    *service,
                   const GError  *error,
                   AioEntrypoint *self)
{
  g_autoptr(GError) failure = g_error_copy (error);

  if (self->state != EP_STARTING && self->state != EP_RUNNING)
    return;

  g_prefix_error (&failure, "Service '%s' failed: ", aio_service_get_name (service));
  aio_entrypoint_record_failure (self, failure);
}

/* One emission hook for all entrypoints rather than a handler per service
 * (10,000 services: 10,000 connects and disconnects): a runtime failure
 * goes to the entrypoint that runs the service. */
static gboolean
service_failed_hook (GSignalInvocationHint *ihint,
                     guint                  n_param_values,
                     const GValue          *param_values,
                     gpointer               data)
{
  AioService *service = g_value_get_object (&param_values[0]);
  AioEntrypoint *owner = _aio_service_get_owner (service);

  if (owner != NULL)
    service_failed_cb (service, g_value_get_boxed (&param_values[1]), owner);

  return TRUE;
}

/* Hooks: emit a signal, then go on once every hold() is released. */

static void
run_hook (AioEntrypoint *self,
          guint          signal_id,
          void         (*next) (AioEntrypoint *self))
{
  g_assert (self->hook_next == NULL);

  self->hook_next = next;
  self->hold_count++;
  g_signal_emit (self, signals[signal_id], 0);
  aio_entrypoint_release (self);
}

/**
 * aio_entrypoint_hold:
 * @self: an entrypoint
 *
 * Called by a handler of [signal@Aio.Entrypoint::pre-start],
 * [signal@Aio.Entrypoint::post-start], [signal@Aio.Entrypoint::pre-stop]
 * or [signal@Aio.Entrypoint::post-stop] that has async work to do: the
 * entrypoint waits for the matching [method@Aio.Entrypoint.release]
 * before it goes on (aiomisc awaits its hooks).
 *
 * Since: 0.1
 */
void
aio_entrypoint_hold (AioEntrypoint *self)
{
  g_return_if_fail (AIO_IS_ENTRYPOINT (self));

  if (self->hook_next == NULL)
    {
      g_warning ("aio_entrypoint_hold() called outside of a hook signal; ignored");
      return;
    }

  self->hold_count++;
}

/**
 * aio_entrypoint_release:
 * @self: an entrypoint
 *
 * Releases a [method@Aio.Entrypoint.hold]; the step goes on once the last
 * hold is released.
 *
 * Since: 0.1
 */
void
aio_entrypoint_release (AioEntrypoint *self)
{
  void (*next) (AioEntrypoint *self);

  g_return_if_fail (AIO_IS_ENTRYPOINT (self));

  if (self->hold_count == 0)
    {
      g_warning ("aio_entrypoint_release() called without a hold; ignored");
      return;
    }

  if (--self->hold_count > 0)
    return;

  next = self->hook_next;
  self->hook_next = NULL;
  if (next != NULL)
    next (self);
}

/* GObject */

static void
aio_entrypoint_dispose (GObject *object)
{
  AioEntrypoint *self = AIO_ENTRYPOINT (object);

  if (self->context != NULL)
    _aio_context_close (self->context);
  if (self->services != NULL)
    release_services (self);
  g_clear_pointer (&self->services, g_ptr_array_unref);
  g_clear_pointer (&self->service_set, g_hash_table_unref);

  G_OBJECT_CLASS (aio_entrypoint_parent_class)->dispose (object);
}

static void
aio_entrypoint_finalize (GObject *object)
{
  AioEntrypoint *self = AIO_ENTRYPOINT (object);

  G_LOCK (current);
  if (current == self)
    current = NULL;
  G_UNLOCK (current);

  aio_entrypoint_remove_signals (self);
  if (self->pool != NULL)
    {
      _aio_worker_pool_make_current (NULL);
      g_clear_pointer (&self->pool, _aio_worker_pool_free);
    }
  g_clear_object (&self->context);
  g_clear_object (&self->clock);
  g_clear_object (&self->start_cancellable);
  g_clear_pointer (&self->main_context, g_main_context_unref);
  g_clear_error (&self->failure);

  G_OBJECT_CLASS (aio_entrypoint_parent_class)->finalize (object);
}

static void
aio_entrypoint_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  AioEntrypoint *self = AIO_ENTRYPOINT (object);

  switch (prop_id)
    {
    case PROP_POOL_SIZE: g_value_set_uint (value, self->pool_size); break;
    case PROP_LOG_LEVEL: g_value_set_enum (value, self->log_level); break;
    case PROP_LOG_FORMAT: g_value_set_enum (value, self->log_format); break;
    case PROP_LOG_BUFFERING: g_value_set_boolean (value, self->log_buffering); break;
    case PROP_LOG_BUFFER_SIZE: g_value_set_uint (value, self->log_buffer_size); break;
    case PROP_LOG_FLUSH_INTERVAL: g_value_set_double (value, self->log_flush_interval); break;
    case PROP_LOG_CONFIG: g_value_set_boolean (value, self->log_config); break;
    case PROP_DEBUG: g_value_set_boolean (value, self->debug); break;
    case PROP_SHUTDOWN_TIMEOUT: g_value_set_double (value, self->shutdown_timeout); break;
    case PROP_CLOCK: g_value_set_object (value, self->clock); break;
    case PROP_START_TIMEOUT: g_value_set_double (value, self->start_timeout); break;
    case PROP_START_WARNING_TIMEOUT: g_value_set_double (value, self->start_warning_timeout); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_entrypoint_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  AioEntrypoint *self = AIO_ENTRYPOINT (object);

  switch (prop_id)
    {
    case PROP_POOL_SIZE: self->pool_size = g_value_get_uint (value); break;
    case PROP_LOG_LEVEL: self->log_level = g_value_get_enum (value); break;
    case PROP_LOG_FORMAT: self->log_format = g_value_get_enum (value); break;
    case PROP_LOG_BUFFERING: self->log_buffering = g_value_get_boolean (value); break;
    case PROP_LOG_BUFFER_SIZE: self->log_buffer_size = g_value_get_uint (value); break;
    case PROP_LOG_FLUSH_INTERVAL: self->log_flush_interval = g_value_get_double (value); break;
    case PROP_LOG_CONFIG: self->log_config = g_value_get_boolean (value); break;
    case PROP_DEBUG: self->debug = g_value_get_boolean (value); break;
    case PROP_SHUTDOWN_TIMEOUT: self->shutdown_timeout = g_value_get_double (value); break;
    case PROP_START_TIMEOUT: self->start_timeout = g_value_get_double (value); break;
    case PROP_START_WARNING_TIMEOUT: self->start_warning_timeout = g_value_get_double (value); break;
    case PROP_CLOCK:
      aio_entrypoint_set_clock (self, g_value_get_object (value));
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }

  g_object_notify_by_pspec (object, pspec);
}

/* The valid values of the numeric properties are the ranges of their
 * GParamSpecs, the one place they are written: aio_entrypoint_validate() and
 * the AIOMISC_* variables check them, and messages describe them. Every double
 * property is a time in seconds. */

static double
value_as_double (const GValue *value)
{
  return G_VALUE_HOLDS_UINT (value) ? g_value_get_uint (value) : g_value_get_double (value);
}

static gboolean
pspec_is_numeric (GParamSpec *pspec)
{
  return G_IS_PARAM_SPEC_UINT (pspec) || G_IS_PARAM_SPEC_DOUBLE (pspec);
}

/* g_param_value_is_valid() lets NaN through (it fails every comparison). */
static gboolean
pspec_accepts (GParamSpec   *pspec,
               const GValue *value)
{
  if (G_VALUE_HOLDS_DOUBLE (value) && isnan (g_value_get_double (value)))
    return FALSE;
  return g_param_value_is_valid (pspec, value);
}

static char *
pspec_describe_range (GParamSpec *pspec)
{
  if (G_IS_PARAM_SPEC_UINT (pspec))
    return g_strdup_printf ("an integer from %u to %u",
                            G_PARAM_SPEC_UINT (pspec)->minimum,
                            G_PARAM_SPEC_UINT (pspec)->maximum);

  if (G_PARAM_SPEC_DOUBLE (pspec)->minimum == 0)
    return g_strdup ("a number of seconds, 0 or more");
  if (G_PARAM_SPEC_DOUBLE (pspec)->minimum <= G_MINDOUBLE)
    return g_strdup ("a number of seconds above 0");
  return g_strdup_printf ("a number of seconds from %g", G_PARAM_SPEC_DOUBLE (pspec)->minimum);
}

/* Environment overrides: a bad value is a warning naming the variable and
 * saying what it accepts; the default is kept. */

static void
env_override (GObject    *object,
              const char *variable,
              const char *property)
{
  const char *text = g_getenv (variable);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), property);
  g_auto(GValue) value = G_VALUE_INIT;
  g_autofree char *range = pspec_is_numeric (pspec) ? pspec_describe_range (pspec) : NULL;
  g_autoptr(GString) names = NULL;
  const char *expected = NULL;
  char *end = NULL;

  if (text == NULL)
    return;

  g_value_init (&value, pspec->value_type);

  if (G_IS_PARAM_SPEC_UINT (pspec))
    {
      guint64 n;

      errno = 0;
      n = g_ascii_strtoull (text, &end, 10);
      if (*text == '\0' || *end != '\0' || errno != 0 || n > G_MAXUINT || text[0] == '-')
        expected = range;
      else
        g_value_set_uint (&value, (guint) n);
    }
  else if (G_IS_PARAM_SPEC_DOUBLE (pspec))
    {
      double d;

      errno = 0;
      d = g_ascii_strtod (text, &end);
      if (*text == '\0' || *end != '\0' || errno != 0 || !isfinite (d))
        expected = range;
      else
        g_value_set_double (&value, d);
    }
  else if (G_IS_PARAM_SPEC_BOOLEAN (pspec))
    {
      if (g_ascii_strcasecmp (text, "1") == 0 || g_ascii_strcasecmp (text, "true") == 0 ||
          g_ascii_strcasecmp (text, "yes") == 0 || g_ascii_strcasecmp (text, "on") == 0)
        g_value_set_boolean (&value, TRUE);
      else if (g_ascii_strcasecmp (text, "0") == 0 || g_ascii_strcasecmp (text, "false") == 0 ||
               g_ascii_strcasecmp (text, "no") == 0 || g_ascii_strcasecmp (text, "off") == 0)
        g_value_set_boolean (&value, FALSE);
      else
        expected = "a boolean (1, 0, true, false, yes, no, on, off)";
    }
  else if (G_IS_PARAM_SPEC_ENUM (pspec))
    {
      GEnumClass *enum_class = G_PARAM_SPEC_ENUM (pspec)->enum_class;
      g_autofree char *lower = g_ascii_strdown (text, -1);
      GEnumValue *ev = g_enum_get_value_by_nick (enum_class, lower);

      if (ev == NULL)
        {
          names = g_string_new ("one of ");
          for (guint i = 0; i < enum_class->n_values; i++)
            g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                                    enum_class->values[i].value_nick);
          expected = names->str;
        }
      else
        g_value_set_enum (&value, ev->value);
    }
  else
    g_assert_not_reached ();

  if (expected == NULL && range != NULL && !pspec_accepts (pspec, &value))
    expected = range;

  if (expected != NULL)
    {
      g_warning ("Ignoring %s=\"%s\": expected %s; keeping the default of %s",
                 variable, text, expected, property);
      return;
    }

  g_object_set_property (object, property, &value);
}

static void
aio_entrypoint_constructed (GObject *object)
{
  static const struct {
    const char *variable;
    const char *property;
  } overrides[] = {
    { "AIOMISC_POOL_SIZE", "pool-size" },
    { "AIOMISC_LOG_LEVEL", "log-level" },
    { "AIOMISC_LOG_FORMAT", "log-format" },
    { "AIOMISC_LOG_BUFFERING", "log-buffering" },
    { "AIOMISC_LOG_BUFFER_SIZE", "log-buffer-size" },
    { "AIOMISC_LOG_FLUSH_INTERVAL", "log-flush-interval" },
    { "AIOMISC_LOG_CONFIG", "log-config" },
    { "AIOMISC_DEBUG", "debug" },
    { "AIOMISC_SHUTDOWN_TIMEOUT", "shutdown-timeout" },
  };

  G_OBJECT_CLASS (aio_entrypoint_parent_class)->constructed (object);

  for (guint i = 0; i < G_N_ELEMENTS (overrides); i++)
    env_override (object, overrides[i].variable, overrides[i].property);
}

static guint
aio_entrypoint_default_pool_size (void)
{
  return CLAMP (g_get_num_processors (), 4, 32);
}

static void
aio_entrypoint_class_init (AioEntrypointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  g_type_class_unref (g_type_class_ref (AIO_TYPE_SERVICE));   /* its signals exist */
  g_signal_add_emission_hook (g_signal_lookup ("failed", AIO_TYPE_SERVICE), 0,
                              service_failed_hook, NULL, NULL);

  object_class->constructed = aio_entrypoint_constructed;
  object_class->dispose = aio_entrypoint_dispose;
  object_class->finalize = aio_entrypoint_finalize;
  object_class->get_property = aio_entrypoint_get_property;
  object_class->set_property = aio_entrypoint_set_property;

  /**
   * AioEntrypoint:pool-size:
   *
   * The number of threads of the pool that serves
   * [func@Aio.run_in_thread_async] while the entrypoint runs, 1 to 1024.
   * Defaults to the number of CPUs, at least 4 and at most 32.
   *
   * Since: 0.1
   */
  properties[PROP_POOL_SIZE] =
    g_param_spec_uint ("pool-size", NULL, NULL, 1, POOL_SIZE_MAX,
                       aio_entrypoint_default_pool_size (), flags);

  /**
   * AioEntrypoint:log-level:
   *
   * The least severe level logged once the entrypoint configured logging.
   *
   * Since: 0.1
   */
  properties[PROP_LOG_LEVEL] =
    g_param_spec_enum ("log-level", NULL, NULL,
                       AIO_TYPE_LOG_LEVEL, DEFAULT_LOG_LEVEL, flags);

  /**
   * AioEntrypoint:log-format:
   *
   * How log records are written.
   *
   * Since: 0.1
   */
  properties[PROP_LOG_FORMAT] =
    g_param_spec_enum ("log-format", NULL, NULL,
                       AIO_TYPE_LOG_FORMAT, DEFAULT_LOG_FORMAT, flags);

  /**
   * AioEntrypoint:log-buffering:
   *
   * Whether log lines are handed to a flusher thread instead of being
   * written by the thread that logs.
   *
   * Since: 0.1
   */
  properties[PROP_LOG_BUFFERING] =
    g_param_spec_boolean ("log-buffering", NULL, NULL, DEFAULT_LOG_BUFFERING, flags);

  /**
   * AioEntrypoint:log-buffer-size:
   *
   * How many buffered records trigger a flush; at least 1.
   *
   * Since: 0.1
   */
  properties[PROP_LOG_BUFFER_SIZE] =
    g_param_spec_uint ("log-buffer-size", NULL, NULL,
                       1, G_MAXUINT, DEFAULT_LOG_BUFFER_SIZE, flags);

  /**
   * AioEntrypoint:log-flush-interval:
   *
   * The longest time, in seconds, a buffered record waits; more than 0.
   *
   * Since: 0.1
   */
  properties[PROP_LOG_FLUSH_INTERVAL] =
    g_param_spec_double ("log-flush-interval", NULL, NULL,
                         G_MINDOUBLE, G_MAXDOUBLE, DEFAULT_LOG_FLUSH_INTERVAL, flags);

  /**
   * AioEntrypoint:log-config:
   *
   * Whether [method@Aio.Entrypoint.run] installs and configures the log
   * writer. A host that owns logging sets it to %FALSE.
   *
   * Since: 0.1
   */
  properties[PROP_LOG_CONFIG] =
    g_param_spec_boolean ("log-config", NULL, NULL, DEFAULT_LOG_CONFIG, flags);

  /**
   * AioEntrypoint:debug:
   *
   * Debug mode: logs at debug level, whatever [property@Aio.Entrypoint:log-level] says.
   *
   * Since: 0.1
   */
  properties[PROP_DEBUG] =
    g_param_spec_boolean ("debug", NULL, NULL, FALSE, flags);

  /**
   * AioEntrypoint:shutdown-timeout:
   *
   * How long, in seconds, services may take to stop; 0 waits forever.
   * Services still stopping after it are named in a
   * %AIO_ERROR_SHUTDOWN_TIMEOUT error.
   *
   * Since: 0.1
   */
  properties[PROP_SHUTDOWN_TIMEOUT] =
    g_param_spec_double ("shutdown-timeout", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_SHUTDOWN_TIMEOUT, flags);

  /**
   * AioEntrypoint:start-timeout:
   *
   * How long, in seconds, a service may take to start; 0, the default,
   * waits forever. A service still starting after it fails the start with
   * %G_IO_ERROR_TIMED_OUT naming it, and what started is stopped as after
   * any failed start. Measured on [property@Aio.Entrypoint:clock] from the
   * moment the start of the service is invoked (once its dependencies run).
   *
   * Since: 0.2
   */
  properties[PROP_START_TIMEOUT] =
    g_param_spec_double ("start-timeout", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_START_TIMEOUT, flags);

  /**
   * AioEntrypoint:start-warning-timeout:
   *
   * After how many seconds a service still starting is reported, once, with
   * a warning naming it (a long-running service that never calls
   * [method@Aio.Service.set_ready] looks like this); 0 turns the warning
   * off. Defaults to 10.
   *
   * Since: 0.2
   */
  properties[PROP_START_WARNING_TIMEOUT] =
    g_param_spec_double ("start-warning-timeout", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_START_WARNING_TIMEOUT, flags);

  /**
   * AioEntrypoint:clock:
   *
   * The clock the entrypoint's own timers run on (the shutdown timeout, the
   * start timeout and warning);
   * the system clock unless set. Tests set an [class@Aio.ManualClock].
   *
   * Since: 0.2
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL, AIO_TYPE_CLOCK, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * AioEntrypoint::pre-start:
   * @self: the entrypoint
   *
   * Emitted before the services start. Call [method@Aio.Entrypoint.hold]
   * to make the start wait for async work.
   *
   * Since: 0.1
   */
  signals[PRE_START] =
    g_signal_new ("pre-start", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * AioEntrypoint::post-start:
   * @self: the entrypoint
   *
   * Emitted once every service started.
   *
   * Since: 0.1
   */
  signals[POST_START] =
    g_signal_new ("post-start", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * AioEntrypoint::pre-stop:
   * @self: the entrypoint
   *
   * Emitted before the services stop.
   *
   * Since: 0.1
   */
  signals[PRE_STOP] =
    g_signal_new ("pre-stop", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * AioEntrypoint::post-stop:
   * @self: the entrypoint
   *
   * Emitted once every service stopped.
   *
   * Since: 0.1
   */
  signals[POST_STOP] =
    g_signal_new ("post-stop", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
aio_entrypoint_init (AioEntrypoint *self)
{
  self->pool_size = aio_entrypoint_default_pool_size ();
  self->log_level = DEFAULT_LOG_LEVEL;
  self->log_format = DEFAULT_LOG_FORMAT;
  self->log_buffering = DEFAULT_LOG_BUFFERING;
  self->log_buffer_size = DEFAULT_LOG_BUFFER_SIZE;
  self->log_flush_interval = DEFAULT_LOG_FLUSH_INTERVAL;
  self->log_config = DEFAULT_LOG_CONFIG;
  self->shutdown_timeout = DEFAULT_SHUTDOWN_TIMEOUT;
  self->start_timeout = DEFAULT_START_TIMEOUT;
  self->start_warning_timeout = DEFAULT_START_WARNING_TIMEOUT;
  self->services = g_ptr_array_new_with_free_func (g_object_unref);
  self->service_set = g_hash_table_new (NULL, NULL);
  self->context = aio_context_new ();
  self->clock = g_object_ref (aio_clock_get_default ());
  self->main_context = g_main_context_ref_thread_default ();
}

/**
 * aio_entrypoint_new:
 *
 * Creates an entrypoint with the default properties, overridden by the
 * `AIOMISC_*` environment variables. Set properties with g_object_set() or
 * create it with g_object_new() to choose others.
 *
 * The entrypoint runs on the thread-default main context of the thread
 * that creates it.
 *
 * Returns: (transfer full): a new entrypoint
 *
 * Since: 0.1
 */
AioEntrypoint *
aio_entrypoint_new (void)
{
  return g_object_new (AIO_TYPE_ENTRYPOINT, NULL);
}

/**
 * aio_entrypoint_get_current:
 *
 * Gets the entrypoint that is starting, running or stopping, if any
 * (aiomisc's `entrypoint.get_current()`).
 *
 * Returns: (transfer none) (nullable): the current entrypoint
 *
 * Since: 0.1
 */
AioEntrypoint *
aio_entrypoint_get_current (void)
{
  AioEntrypoint *ret;

  G_LOCK (current);
  ret = current;
  G_UNLOCK (current);

  return ret;
}

/**
 * aio_entrypoint_get_context:
 * @self: an entrypoint
 *
 * Gets the [class@Aio.Context] its services share.
 *
 * Returns: (transfer none): the context
 *
 * Since: 0.1
 */
AioContext *
aio_entrypoint_get_context (AioEntrypoint *self)
{
  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), NULL);

  return self->context;
}

/**
 * aio_entrypoint_get_clock:
 * @self: an entrypoint
 *
 * Gets [property@Aio.Entrypoint:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.2
 */
AioClock *
aio_entrypoint_get_clock (AioEntrypoint *self)
{
  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), NULL);

  return self->clock;
}

/**
 * aio_entrypoint_set_clock:
 * @self: an entrypoint
 * @clock: (nullable): the clock, or %NULL for the system clock
 *
 * Sets [property@Aio.Entrypoint:clock]; it takes effect at the next timer
 * the entrypoint sets.
 *
 * Since: 0.2
 */
void
aio_entrypoint_set_clock (AioEntrypoint *self,
                          AioClock      *clock)
{
  g_return_if_fail (AIO_IS_ENTRYPOINT (self));
  g_return_if_fail (clock == NULL || AIO_IS_CLOCK (clock));

  if (clock == NULL)
    clock = aio_clock_get_default ();
  if (g_set_object (&self->clock, clock))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOCK]);
}

/**
 * aio_entrypoint_dup_services:
 * @self: an entrypoint
 *
 * Gets the services of the entrypoint, including the dependencies it added
 * by itself when starting.
 *
 * Returns: (transfer container) (element-type AioService): the services
 *
 * Since: 0.1
 */
GPtrArray *
aio_entrypoint_dup_services (AioEntrypoint *self)
{
  GPtrArray *ret;

  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), NULL);

  ret = g_ptr_array_new_full (self->services->len, g_object_unref);
  for (guint i = 0; i < self->services->len; i++)
    g_ptr_array_add (ret, g_object_ref (g_ptr_array_index (self->services, i)));

  return ret;
}

static void
aio_entrypoint_track (AioEntrypoint *self,
                      AioService    *service)
{
  g_ptr_array_add (self->services, g_object_ref (service));
  g_hash_table_add (self->service_set, service);
}

/* Adds whatever the services from index @from on depend on and the
 * entrypoint lacks, transitively; the added ones are appended. */
static void
aio_entrypoint_adopt_dependencies (AioEntrypoint *self,
                                   guint          from)
{
  for (guint i = from; i < self->services->len; i++)
    {
      GPtrArray *deps = _aio_service_peek_dependencies (g_ptr_array_index (self->services, i));

      for (guint j = 0; j < deps->len; j++)
        if (!g_hash_table_contains (self->service_set, g_ptr_array_index (deps, j)))
          aio_entrypoint_track (self, g_ptr_array_index (deps, j));
    }
}

static void
late_start_done (AioEntrypoint *self,
                 GError        *error,
                 gpointer       data)
{
  g_autoptr(GError) owned = error;

  if (error != NULL)
    {
      g_warning ("%s", error->message);
      aio_entrypoint_record_failure (self, error);
    }
}

/**
 * aio_entrypoint_add_service:
 * @self: an entrypoint
 * @service: the service to run
 *
 * Adds @service, and the services it depends on, to the entrypoint. Added
 * while the entrypoint runs, it starts at once; if it fails to start, the
 * entrypoint shuts down with that error.
 *
 * Since: 0.1
 */
void
aio_entrypoint_add_service (AioEntrypoint *self,
                            AioService    *service)
{
  guint first_new;

  g_return_if_fail (AIO_IS_ENTRYPOINT (self));
  g_return_if_fail (AIO_IS_SERVICE (service));

  if (g_hash_table_contains (self->service_set, service))
    return;

  first_new = self->services->len;
  aio_entrypoint_track (self, service);
  aio_entrypoint_adopt_dependencies (self, first_new);

  if (self->state == EP_RUNNING)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);

      for (guint i = first_new; i < self->services->len; i++)
        g_ptr_array_add (added, g_object_ref (g_ptr_array_index (self->services, i)));

      if (!check_cycles (added, &error) || !claim_services (self, added, TRUE, &error))
        late_start_done (self, g_steal_pointer (&error), NULL);
      else
        _aio_service_walk_run (self, added, FALSE, NULL, NULL, self->start_timeout,
                               self->start_warning_timeout, self->clock,
                               self->main_context, late_start_done, NULL);
    }
}

/**
 * aio_entrypoint_validate:
 * @self: an entrypoint
 * @error: return location for a #GError
 *
 * Checks the properties; [method@Aio.Entrypoint.start_async] does too.
 *
 * Returns: %TRUE if every property has a usable value, else %FALSE with an
 *   %G_IO_ERROR_INVALID_ARGUMENT error naming the property
 *
 * Since: 0.1
 */
gboolean
aio_entrypoint_validate (AioEntrypoint  *self,
                         GError        **error)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n_pspecs = 0;

  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), FALSE);

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (self), &n_pspecs);
  for (guint i = 0; i < n_pspecs; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      if (!pspec_is_numeric (pspecs[i]))
        continue;

      g_value_init (&value, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (self), pspecs[i]->name, &value);
      if (!pspec_accepts (pspecs[i], &value))
        {
          g_autofree char *range = pspec_describe_range (pspecs[i]);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Invalid %s %g: must be %s",
                       pspecs[i]->name, value_as_double (&value), range);
          return FALSE;
        }
    }

  return TRUE;
}

/* Start */

static void aio_entrypoint_begin_stop (AioEntrypoint *self);

static void
aio_entrypoint_complete (AioEntrypoint *self,
                         GError        *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
aio_entrypoint_set_current (AioEntrypoint *self,
                            gboolean       active)
{
  G_LOCK (current);
  if (active)
    current = self;
  else if (current == self)
    current = NULL;
  G_UNLOCK (current);
}

static void
aio_entrypoint_release_pool (AioEntrypoint *self)
{
  if (self->pool == NULL)
    return;

  _aio_worker_pool_make_current (NULL);
  g_clear_pointer (&self->pool, _aio_worker_pool_free);
}

static void
post_start_done (AioEntrypoint *self)
{
  _aio_sd_notify_entrypoint_ready (self);
  self->state = EP_RUNNING;
  g_clear_object (&self->start_cancellable);
  aio_entrypoint_complete (self, NULL);

  if (self->stop_after_start != NULL)
    aio_entrypoint_begin_stop (self);
}

static void
start_failed_stopped (AioEntrypoint *self,
                      GError        *stop_error,
                      gpointer       data)
{
  GError *error = data;

  if (stop_error != NULL)
    {
      g_warning ("While stopping after a failed start: %s", stop_error->message);
      g_error_free (stop_error);
    }

  _aio_sd_notify_entrypoint_stopped (self, error);
  release_services (self);
  self->state = EP_IDLE;
  g_clear_object (&self->start_cancellable);
  aio_entrypoint_release_pool (self);
  aio_entrypoint_set_current (self, FALSE);
  aio_entrypoint_complete (self, error);

  if (self->stop_after_start != NULL)
    {
      g_autoptr(GTask) stop = g_steal_pointer (&self->stop_after_start);
      g_task_return_boolean (stop, TRUE);
    }
}

static void
services_started (AioEntrypoint *self,
                  GError        *error,
                  gpointer       data)
{
  if (error != NULL)
    {
      g_autoptr(GPtrArray) services = owned_services (self);

      if (g_cancellable_is_cancelled (self->start_cancellable))
        g_info ("The start was cancelled: %s", error->message);
      else
        g_warning ("%s", error->message);
      /* Stop everything that started or is starting, with the failure as reason. */
      _aio_service_walk_run (self, services, TRUE, error, NULL, self->shutdown_timeout, 0,
                             self->clock, self->main_context, start_failed_stopped, error);
      return;
    }

  g_info ("%u service%s started", self->services->len, PLURAL_S (self->services->len));
  run_hook (self, POST_START, post_start_done);
}

static void
pre_start_done (AioEntrypoint *self)
{
  /* Not a copy: the walk takes what it needs from the array before it
   * starts anything (a service added from a start appends to it). */
  _aio_service_walk_run (self, self->services, FALSE, NULL, self->start_cancellable,
                         self->start_timeout, self->start_warning_timeout,
                         self->clock, self->main_context, services_started, NULL);
}

/**
 * aio_entrypoint_start_async:
 * @self: an entrypoint
 * @cancellable: (nullable): cancels the start
 * @callback: (scope async): called once every service started, or one failed
 * @user_data: (closure): data for @callback
 *
 * Starts every service, concurrently, each once its dependencies run, with
 * [signal@Aio.Entrypoint::pre-start] before and
 * [signal@Aio.Entrypoint::post-start] after. Makes a pool of
 * [property@Aio.Entrypoint:pool-size] threads serve
 * [func@Aio.run_in_thread_async] and makes @self the current entrypoint.
 *
 * If a service fails to start, every service already started or starting is
 * stopped with that failure as reason, and the operation fails with the
 * error of the service, its message prefixed with the service name.
 *
 * A service belongs to one entrypoint at a time, from its start to the end
 * of its stop: if one of the services is run by another entrypoint, the
 * start fails at once with %G_IO_ERROR_BUSY naming it, and nothing is
 * started or stopped.
 *
 * Does not touch logging: [method@Aio.Entrypoint.run] does.
 *
 * Since: 0.1
 */
void
aio_entrypoint_start_async (AioEntrypoint       *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (AIO_IS_ENTRYPOINT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_entrypoint_start_async);

  if (self->state != EP_IDLE)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "The entrypoint is already running");
      return;
    }

  if (!aio_entrypoint_validate (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Dependencies added after add_service() join now. */
  aio_entrypoint_adopt_dependencies (self, 0);

  if (!check_cycles (self->services, &error) ||
      !claim_services (self, self->services, TRUE, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->pool = _aio_worker_pool_new (self->pool_size, &error);
  if (self->pool == NULL)
    {
      release_services (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  _aio_worker_pool_make_current (self->pool);

  g_clear_error (&self->failure);
  self->state = EP_STARTING;
  self->task = g_steal_pointer (&task);
  self->start_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      g_signal_connect_object (cancellable, "cancelled",
                               G_CALLBACK (g_cancellable_cancel),
                               self->start_cancellable, G_CONNECT_SWAPPED);
      if (g_cancellable_is_cancelled (cancellable))
        g_cancellable_cancel (self->start_cancellable);
    }
  aio_entrypoint_set_current (self, TRUE);

  g_info ("Starting %u service%s", self->services->len, PLURAL_S (self->services->len));
  _aio_sd_notify_entrypoint_starting (self, self->main_context, self->services);
  run_hook (self, PRE_START, pre_start_done);
}

/**
 * aio_entrypoint_start_finish:
 * @self: an entrypoint
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.Entrypoint.start_async].
 *
 * Returns: %TRUE if every service started
 *
 * Since: 0.1
 */
gboolean
aio_entrypoint_start_finish (AioEntrypoint  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Stop */

static void
post_stop_done (AioEntrypoint *self)
{
  GError *error = g_task_get_task_data (self->task);

  _aio_sd_notify_entrypoint_stopped (self, error);
  aio_entrypoint_remove_signals (self);
  release_services (self);
  self->state = EP_IDLE;
  /* A quit asked for before or during this run is spent: the next run
   * starts afresh. */
  g_atomic_int_set (&self->quit_requested, FALSE);
  aio_entrypoint_release_pool (self);
  aio_entrypoint_set_current (self, FALSE);
  aio_entrypoint_complete (self, error ? g_error_copy (error) : NULL);
}

static void
services_stopped (AioEntrypoint *self,
                  GError        *error,
                  gpointer       data)
{
  if (error != NULL)
    {
      g_warning ("%s", error->message);
      g_task_set_task_data (self->task, error, (GDestroyNotify) g_error_free);
    }
  else
    g_info ("All services stopped");

  run_hook (self, POST_STOP, post_stop_done);
}

static void
pre_stop_done (AioEntrypoint *self)
{
  g_autoptr(GPtrArray) services = owned_services (self);

  _aio_service_walk_run (self, services, TRUE, self->failure, NULL, self->shutdown_timeout, 0,
                         self->clock, self->main_context, services_stopped, NULL);
}

static void
aio_entrypoint_begin_stop (AioEntrypoint *self)
{
  self->task = g_steal_pointer (&self->stop_after_start);
  self->state = EP_STOPPING;
  g_info ("Stopping %u service%s", self->services->len, PLURAL_S (self->services->len));
  _aio_sd_notify_entrypoint_stopping (self);
  run_hook (self, PRE_STOP, pre_stop_done);
}

/**
 * aio_entrypoint_stop_async:
 * @self: an entrypoint
 * @cancellable: (nullable): handed to the services' `stop`
 * @callback: (scope async): called once every service stopped
 * @user_data: (closure): data for @callback
 *
 * Stops every service, in reverse dependency order and concurrently where
 * possible, with [signal@Aio.Entrypoint::pre-stop] before and
 * [signal@Aio.Entrypoint::post-stop] after. The reason handed to the
 * services is the runtime failure that ended the entrypoint, if any.
 *
 * Fails with %AIO_ERROR_SHUTDOWN_TIMEOUT, naming the services
 * still stopping, once [property@Aio.Entrypoint:shutdown-timeout] has
 * passed; those services go on stopping in the background. Stopping an
 * entrypoint that is starting cancels the start first. Stopping an idle
 * entrypoint succeeds at once.
 *
 * Since: 0.1
 */
void
aio_entrypoint_stop_async (AioEntrypoint       *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (AIO_IS_ENTRYPOINT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_entrypoint_stop_async);

  switch (self->state)
    {
    case EP_IDLE:
      g_task_return_boolean (task, TRUE);
      return;

    case EP_STOPPING:
    default:
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "The entrypoint is already stopping");
      return;

    case EP_STARTING:
      if (self->stop_after_start != NULL)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                                   "The entrypoint is already stopping");
          return;
        }
      self->stop_after_start = g_steal_pointer (&task);
      g_cancellable_cancel (self->start_cancellable);
      return;

    case EP_RUNNING:
      self->stop_after_start = g_steal_pointer (&task);
      aio_entrypoint_begin_stop (self);
      return;
    }
}

/**
 * aio_entrypoint_stop_finish:
 * @self: an entrypoint
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Aio.Entrypoint.stop_async].
 *
 * Returns: %TRUE if every service stopped cleanly in time
 *
 * Since: 0.1
 */
gboolean
aio_entrypoint_stop_finish (AioEntrypoint  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Running */

static void aio_entrypoint_quit_application (AioEntrypoint *self);

/**
 * aio_entrypoint_quit:
 * @self: an entrypoint
 *
 * Makes [method@Aio.Entrypoint.run] or [method@Aio.Entrypoint.run_forever]
 * return, as SIGINT or SIGTERM does. May be called from any thread, also
 * before the loop runs.
 *
 * While [method@Aio.Entrypoint.run] (or [method@Aio.Entrypoint.run_main])
 * is starting the services, a quit cancels the start, as a signal does: the
 * services whose start was invoked are stopped and the run fails with
 * %G_IO_ERROR_CANCELLED. A quit asked for before the run lets the start
 * complete, and the run then stops at once.
 *
 * Since: 0.1
 */
void
aio_entrypoint_quit (AioEntrypoint *self)
{
  g_return_if_fail (AIO_IS_ENTRYPOINT (self));

  g_atomic_int_set (&self->quit_requested, TRUE);
  g_main_context_wakeup (self->main_context);
  aio_entrypoint_quit_application (self);
}

static void
unix_signal_received (AioEntrypoint *self,
                      const char    *name)
{
  /* First: a start may be running after a quit asked for before it. */
  if (self->state == EP_STARTING && self->start_cancellable != NULL &&
      !g_cancellable_is_cancelled (self->start_cancellable))
    {
      /* A start may never end (a client waiting for its server): cancel
       * it; what did start is stopped, and the run fails as cancelled. */
      g_info ("Received %s while starting; cancelling the start", name);
      aio_entrypoint_quit (self);
      g_cancellable_cancel (self->start_cancellable);
    }
  else if (self->state == EP_STOPPING || g_atomic_int_get (&self->quit_requested))
    g_info ("Received %s while shutting down; already shutting down", name);
  else
    {
      g_info ("Received %s; shutting down gracefully", name);
      aio_entrypoint_quit (self);
    }
}

static gboolean
sigint_cb (gpointer data)
{
  unix_signal_received (data, "SIGINT");
  return G_SOURCE_CONTINUE;
}

static gboolean
sigterm_cb (gpointer data)
{
  unix_signal_received (data, "SIGTERM");
  return G_SOURCE_CONTINUE;
}

static GSource *
aio_entrypoint_watch_signal (AioEntrypoint *self,
                             int            signum,
                             GSourceFunc    func)
{
  GSource *source = g_unix_signal_source_new (signum);

  g_source_set_callback (source, func, self, NULL);
  g_source_set_static_name (source, "[aiomisc-glib] unix signal");
  g_source_attach (source, self->main_context);

  return source;
}

static void
aio_entrypoint_install_signals (AioEntrypoint *self)
{
  if (self->sigint_source != NULL)
    return;

  self->sigint_source = aio_entrypoint_watch_signal (self, SIGINT, sigint_cb);
  self->sigterm_source = aio_entrypoint_watch_signal (self, SIGTERM, sigterm_cb);
}

/**
 * aio_entrypoint_run_forever:
 * @self: a started entrypoint
 * @error: return location for a #GError
 *
 * Iterates the main context of the entrypoint until
 * [method@Aio.Entrypoint.quit], SIGINT, SIGTERM or a runtime failure of a
 * service (aiomisc's `loop.run_forever()`). It does not stop the services:
 * call [method@Aio.Entrypoint.stop_async] next. SIGINT and SIGTERM are
 * handled from now until the stop completes; a signal during the stop is
 * ignored rather than killing the process.
 *
 * Returns: %FALSE with the error of the service if a service failed while
 *   running, or %AIO_ERROR_NOT_RUNNING if not started
 *
 * Since: 0.1
 */
gboolean
aio_entrypoint_run_forever (AioEntrypoint  *self,
                            GError        **error)
{
  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), FALSE);

  if (self->state != EP_RUNNING)
    {
      g_set_error (error, AIO_ERROR, AIO_ERROR_NOT_RUNNING,
                   "The entrypoint is not running: start it first");
      return FALSE;
    }

  aio_entrypoint_install_signals (self);

  g_main_context_push_thread_default (self->main_context);
  while (!g_atomic_int_get (&self->quit_requested))
    g_main_context_iteration (self->main_context, TRUE);
  g_main_context_pop_thread_default (self->main_context);

  g_atomic_int_set (&self->quit_requested, FALSE);

  if (self->failure != NULL)
    {
      g_propagate_error (error, g_error_copy (self->failure));
      return FALSE;
    }

  return TRUE;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} SyncResult;

static void
sync_start_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SyncResult *sync = user_data;

  sync->ok = aio_entrypoint_start_finish (AIO_ENTRYPOINT (object), result, &sync->error);
  sync->done = TRUE;
}

static void
sync_stop_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyncResult *sync = user_data;

  sync->ok = aio_entrypoint_stop_finish (AIO_ENTRYPOINT (object), result, &sync->error);
  sync->done = TRUE;
}

static gboolean
aio_entrypoint_run_sync (AioEntrypoint  *self,
                         gboolean        stop,
                         GError        **error)
{
  SyncResult sync = { 0 };
  /* A quit asked for before the run lets the start complete. */
  gboolean quit_before = g_atomic_int_get (&self->quit_requested);

  g_main_context_push_thread_default (self->main_context);
  if (stop)
    aio_entrypoint_stop_async (self, NULL, sync_stop_cb, &sync);
  else
    aio_entrypoint_start_async (self, NULL, sync_start_cb, &sync);
  while (!sync.done)
    {
      g_main_context_iteration (self->main_context, TRUE);

      /* A quit during the start cancels it, as a signal does. */
      if (!stop && !quit_before && !sync.done &&
          g_atomic_int_get (&self->quit_requested) &&
          self->start_cancellable != NULL &&
          !g_cancellable_is_cancelled (self->start_cancellable))
        {
          g_info ("Quit while starting; cancelling the start");
          g_cancellable_cancel (self->start_cancellable);
        }
    }
  g_main_context_pop_thread_default (self->main_context);

  if (!sync.ok)
    g_propagate_error (error, sync.error);

  return sync.ok;
}

/**
 * aio_entrypoint_start:
 * @self: an entrypoint
 * @error: return location for a #GError
 *
 * Starts every service as [method@Aio.Entrypoint.start_async] does, and
 * returns once they are up, iterating the main context of the entrypoint
 * meanwhile: the first step of aiomisc's `with entrypoint(...) as loop:`,
 * before [method@Aio.Entrypoint.run_forever] and
 * [method@Aio.Entrypoint.stop].
 *
 * SIGINT and SIGTERM are handled from now until the stop completes. A
 * signal or [method@Aio.Entrypoint.quit] during the start cancels it (a
 * start may never end, e.g. a client waiting for its server): every service
 * whose start was invoked is stopped, unless its start failed with an error
 * other than cancellation, and the start fails with %G_IO_ERROR_CANCELLED.
 * A quit asked for before the start lets it complete, and the next
 * [method@Aio.Entrypoint.run_forever] returns at once.
 *
 * Does not touch logging: [method@Aio.Entrypoint.run] does.
 *
 * Returns: %TRUE if every service started; %FALSE with the error of the
 *   service that failed to start (prefixed with its name),
 *   %G_IO_ERROR_CANCELLED, or an error of
 *   [method@Aio.Entrypoint.start_async]. A failed start is over: what did
 *   start was stopped, and there is nothing to stop
 *
 * Since: 0.2
 */
gboolean
aio_entrypoint_start (AioEntrypoint  *self,
                      GError        **error)
{
  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), FALSE);

  /* Before the signal watches: those of a running entrypoint stay. */
  if (self->state != EP_IDLE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "The entrypoint is already running");
      return FALSE;
    }

  aio_entrypoint_install_signals (self);
  if (!aio_entrypoint_run_sync (self, FALSE, error))
    {
      aio_entrypoint_remove_signals (self);
      g_atomic_int_set (&self->quit_requested, FALSE);
      return FALSE;
    }

  return TRUE;
}

/**
 * aio_entrypoint_stop:
 * @self: an entrypoint
 * @error: return location for a #GError
 *
 * Stops every service as [method@Aio.Entrypoint.stop_async] does, and
 * returns once they are stopped (or the shutdown timeout passed), iterating
 * the main context of the entrypoint meanwhile: the last step of aiomisc's
 * `with entrypoint(...)`. A signal during the stop is ignored rather than
 * killing the process; SIGINT and SIGTERM are no longer handled after it.
 *
 * Returns: %TRUE if every service stopped cleanly in time; %FALSE with
 *   %AIO_ERROR_SHUTDOWN_TIMEOUT naming the services that did not stop in
 *   time, or the error of a service that failed to stop
 *
 * Since: 0.2
 */
gboolean
aio_entrypoint_stop (AioEntrypoint  *self,
                     GError        **error)
{
  gboolean ok;

  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), FALSE);

  ok = aio_entrypoint_run_sync (self, TRUE, error);
  /* The signal watches went with the stop; a quit asked for meanwhile is spent. */
  g_atomic_int_set (&self->quit_requested, FALSE);

  return ok;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} MainResult;

static void
main_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  MainResult *main_result = user_data;

  main_result->ok = g_task_propagate_boolean (G_TASK (result), &main_result->error);
  main_result->done = TRUE;
  aio_entrypoint_quit (AIO_ENTRYPOINT (object));
}

static void
main_result_free (MainResult *main_result)
{
  g_clear_error (&main_result->error);
  g_free (main_result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MainResult, main_result_free)

/* Installs and configures the log writer, unless log-config is off: for
 * aio_entrypoint_run_main() and the GApplication attachment. */
static void
aio_entrypoint_setup_logging (AioEntrypoint *self)
{
  if (!self->log_config)
    return;

  aio_log_setup ();
  aio_log_configure (self->debug ? AIO_LOG_LEVEL_DEBUG : self->log_level,
                     self->log_format,
                     self->log_buffering,
                     self->log_buffer_size,
                     self->log_flush_interval);
}

/**
 * aio_entrypoint_run_main:
 * @self: an entrypoint
 * @main_func: (nullable) (scope call): the main function, or %NULL to run
 *   until [method@Aio.Entrypoint.quit], SIGINT or SIGTERM
 * @user_data: (closure main_func): data for @main_func
 * @error: return location for a #GError
 *
 * Runs the program around an async main (aiomisc's
 * `aiomisc.run(main, *services)`): installs and configures logging (unless
 * [property@Aio.Entrypoint:log-config] is %FALSE), starts every service,
 * calls @main_func with a #GTask and iterates the main context until the
 * main completes the task, then stops every service within
 * [property@Aio.Entrypoint:shutdown-timeout] and flushes the log.
 *
 * The main completes the task with g_task_return_boolean() or
 * g_task_return_error(); it holds a reference to the task while it works.
 * SIGINT, SIGTERM, [method@Aio.Entrypoint.quit] or a runtime failure of a
 * service end the run early: the cancellable of the task is cancelled and
 * the run fails with %G_IO_ERROR_CANCELLED (or the failure of the service).
 *
 * Returns: the boolean the main returned; %FALSE with the error of the main,
 *   of the service that failed to start or failed while running, or
 *   %AIO_ERROR_SHUTDOWN_TIMEOUT naming the services that did not
 *   stop in time
 *
 * Since: 0.1
 */
gboolean
aio_entrypoint_run_main (AioEntrypoint  *self,
                         AioMainFunc     main_func,
                         gpointer        user_data,
                         GError        **error)
{
  g_autoptr(GError) run_error = NULL;
  g_autoptr(GError) stop_error = NULL;
  g_autoptr(MainResult) main_result = NULL;
  g_autoptr(GCancellable) main_cancellable = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (AIO_IS_ENTRYPOINT (self), FALSE);

  /* Before logging is touched: a refused run changes nothing. */
  if (!aio_entrypoint_validate (self, error) ||
      !claim_services (self, self->services, FALSE, error))
    return FALSE;

  aio_entrypoint_setup_logging (self);

  /* A signal during the start cancels it (what started is stopped). */
  if (!aio_entrypoint_start (self, error))
    {
      aio_log_flush ();
      return FALSE;
    }

  if (main_func != NULL)
    {
      g_autoptr(GTask) task = NULL;

      main_result = g_new0 (MainResult, 1);
      main_cancellable = g_cancellable_new ();
      task = g_task_new (self, main_cancellable, main_done_cb, main_result);
      g_task_set_source_tag (task, aio_entrypoint_run_main);
      g_main_context_push_thread_default (self->main_context);
      main_func (self, task, user_data);
      g_main_context_pop_thread_default (self->main_context);
    }

  if (!g_atomic_int_get (&self->quit_requested))
    aio_entrypoint_run_forever (self, &run_error);
  else if (self->failure != NULL)
    run_error = g_error_copy (self->failure);
  g_atomic_int_set (&self->quit_requested, FALSE);

  if (main_result != NULL && !main_result->done)
    {
      /* Interrupted: cancel the main and wait for it to give up. */
      g_cancellable_cancel (main_cancellable);
      if (run_error == NULL)
        run_error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 "The main function was interrupted by a signal or a quit");
      g_main_context_push_thread_default (self->main_context);
      while (!main_result->done)
        g_main_context_iteration (self->main_context, TRUE);
      g_main_context_pop_thread_default (self->main_context);
    }
  else if (main_result != NULL && run_error == NULL)
    {
      ok = main_result->ok;
      run_error = g_steal_pointer (&main_result->error);
    }

  aio_entrypoint_stop (self, &stop_error);
  aio_log_flush ();

  if (run_error != NULL)
    {
      if (stop_error != NULL)
        g_warning ("%s", stop_error->message);
      g_propagate_error (error, g_steal_pointer (&run_error));
      return FALSE;
    }
  if (stop_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&stop_error));
      return FALSE;
    }

  return ok;
}

/**
 * aio_entrypoint_run:
 * @self: an entrypoint
 * @error: return location for a #GError
 *
 * Runs the program: installs and configures logging (unless
 * [property@Aio.Entrypoint:log-config] is %FALSE), starts every service,
 * iterates the main loop until [method@Aio.Entrypoint.quit], SIGINT or
 * SIGTERM, then stops every service within
 * [property@Aio.Entrypoint:shutdown-timeout] and flushes the log. This is
 * aiomisc's `with entrypoint(...) as loop: loop.run_forever()`.
 *
 * A second signal during the shutdown does not start another one. A
 * signal (or a quit) while services are still starting cancels the start (a
 * start may never end, e.g. a client waiting for its server): every service
 * whose start was invoked is stopped, unless its start failed with an error
 * other than cancellation, and the run fails with %G_IO_ERROR_CANCELLED.
 *
 * Returns: %TRUE after a clean run; %FALSE with the error of the service
 *   that failed to start or failed while running, or with
 *   %AIO_ERROR_SHUTDOWN_TIMEOUT naming the services that did not
 *   stop in time
 *
 * Since: 0.1
 */
gboolean
aio_entrypoint_run (AioEntrypoint  *self,
                    GError        **error)
{
  return aio_entrypoint_run_main (self, NULL, NULL, error);
}

/* Attached to a GApplication
 *
 * The attachment is data of the application (it lives as long as the
 * application does) and holds the entrypoint. The entrypoint points back to
 * it with qdata, for aio_entrypoint_quit(). */

#define ATTACHMENT_KEY "aio-entrypoint-attachment"

typedef struct
{
  AioEntrypoint *self;
  GApplication  *application;    /* not owned: we are its data */
  GSource       *signal_sources[2];
  struct sigaction saved_actions[2];
  gboolean       shutting_down;
  gboolean       shut_down;
  int            exit_status;
} Attachment;

static const int attached_signums[] = { SIGINT, SIGTERM };
static const char *const attached_signal_names[] = { "SIGINT", "SIGTERM" };

static void
attachment_remove_signals (Attachment *att)
{
  for (guint i = 0; i < G_N_ELEMENTS (att->signal_sources); i++)
    if (att->signal_sources[i] != NULL)
      {
        struct sigaction now;

        g_source_destroy (att->signal_sources[i]);
        g_clear_pointer (&att->signal_sources[i], g_source_unref);
        /* GLib resets the signal to SIG_DFL once nothing watches it: give
         * the handler we found back (PyGObject's, Python's, the
         * program's), so that the signal does not kill the process after
         * g_application_run() returned. */
        if (sigaction (attached_signums[i], NULL, &now) == 0 && now.sa_handler == SIG_DFL)
          sigaction (attached_signums[i], &att->saved_actions[i], NULL);
      }
}

static void
attachment_free (gpointer data)
{
  Attachment *att = data;

  attachment_remove_signals (att);
  g_object_set_data (G_OBJECT (att->self), ATTACHMENT_KEY, NULL);
  g_clear_object (&att->self);
  g_free (att);
}

static gboolean
attached_quit_cb (gpointer data)
{
  Attachment *att = g_object_get_data (G_OBJECT (data), ATTACHMENT_KEY);

  if (att != NULL && !att->shutting_down)
    g_application_quit (att->application);

  return G_SOURCE_REMOVE;
}

/* Called by aio_entrypoint_quit(), from any thread. */
static void
aio_entrypoint_quit_application (AioEntrypoint *self)
{
  if (g_object_get_data (G_OBJECT (self), ATTACHMENT_KEY) == NULL)
    return;

  /* Not in the calling thread even when the context is free: GApplication
   * is not thread-safe. */
  _aio_context_run (self->main_context, attached_quit_cb, g_object_ref (self), g_object_unref);
}

static gboolean
attached_signal_cb (gpointer data)
{
  Attachment *att = data;
  GSource *source = g_main_current_source ();
  const char *name = "a signal";

  for (guint i = 0; i < G_N_ELEMENTS (att->signal_sources); i++)
    if (source == att->signal_sources[i])
      name = attached_signal_names[i];

  if (att->shutting_down)
    g_info ("Received %s while shutting down; already shutting down", name);
  else
    {
      g_info ("Received %s; quitting the application gracefully", name);
      g_application_quit (att->application);
    }

  return G_SOURCE_CONTINUE;
}

static void
attached_started_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GApplication) application = user_data;
  Attachment *att = g_object_get_data (G_OBJECT (application), ATTACHMENT_KEY);
  g_autoptr(GError) error = NULL;

  /* The entrypoint logged the failure, naming the service. A start
   * cancelled by the shutdown is no failure. */
  if (!aio_entrypoint_start_finish (AIO_ENTRYPOINT (object), result, &error) &&
      att != NULL && !att->shutting_down)
    {
      att->exit_status = 1;
      g_application_quit (application);
    }

  g_application_release (application);
}

static void
attached_startup_cb (GApplication *application,
                     Attachment   *att)
{
  AioEntrypoint *self = att->self;

  /* A new run of the application. */
  att->shutting_down = att->shut_down = FALSE;
  att->exit_status = 0;

  aio_entrypoint_setup_logging (self);

  for (guint i = 0; i < G_N_ELEMENTS (attached_signums); i++)
    {
      sigaction (attached_signums[i], NULL, &att->saved_actions[i]);
      att->signal_sources[i] = g_unix_signal_source_new (attached_signums[i]);
      g_source_set_callback (att->signal_sources[i], attached_signal_cb, att, NULL);
      g_source_set_static_name (att->signal_sources[i], "[aiomisc-glib] application signal");
      g_source_attach (att->signal_sources[i], self->main_context);
    }

  /* Held until every service is up: a GApplication with nothing else
   * holding it would otherwise return from g_application_run() at once. */
  g_application_hold (application);
  aio_entrypoint_start_async (self, NULL, attached_started_cb, g_object_ref (application));
}

static void
attached_shutdown_cb (GApplication *application,
                      Attachment   *att)
{
  AioEntrypoint *self = att->self;
  g_autoptr(GError) error = NULL;

  /* GApplication::shutdown is synchronous: iterate the main context until
   * every service stopped (bounded by shutdown-timeout); a stop may use the
   * loop. Signals stay handled meanwhile, so a second one does no harm. */
  att->shutting_down = TRUE;
  if (!aio_entrypoint_run_sync (self, TRUE, &error))
    att->exit_status = g_error_matches (error, AIO_ERROR,
                                        AIO_ERROR_SHUTDOWN_TIMEOUT) ? 70 : 1;
  else if (self->failure != NULL && att->exit_status == 0)
    att->exit_status = 1;
  if (att->exit_status != 0)
    g_warning ("The application stops after a failure; exiting with status %d",
               att->exit_status);

  attachment_remove_signals (att);
  g_atomic_int_set (&self->quit_requested, FALSE);
  aio_log_flush ();
  att->shut_down = TRUE;
}

static void
attached_registered_cb (GApplication *application,
                        GParamSpec   *pspec,
                        Attachment   *att)
{
  GDBusConnection *connection;

  /* g_application_run() unregisters right after `shutdown` (and the
   * application's own handlers); it would return 0 whatever happened, as the
   * loop ran. After a failure, end the process with the status instead,
   * once the settings and the bus are flushed. */
  if (!att->shut_down || att->exit_status == 0 || g_application_get_is_registered (application))
    return;

  g_settings_sync ();
  connection = g_application_get_dbus_connection (application);
  if (connection != NULL)
    g_dbus_connection_flush_sync (connection, NULL, NULL);
  aio_log_flush ();
  exit (att->exit_status);
}

/**
 * aio_entrypoint_attach_application:
 * @self: an entrypoint
 * @application: the application whose main loop the entrypoint rides on
 *
 * Runs the services of @self inside @application, any #GApplication
 * (#GtkApplication, #AdwApplication, ...), instead of owning the main loop
 * with [method@Aio.Entrypoint.run]. Call it before g_application_run(), and
 * keep `return g_application_run (application, argc, argv);` as the last
 * line of `main`.
 *
 * - At #GApplication::startup, in the primary instance only, logging is set
 *   up as [method@Aio.Entrypoint.run] does and every service starts. The
 *   application is held until they are up; then
 *   [signal@Aio.Entrypoint::post-start] fires. A remote instance (one that
 *   forwards its activation to the primary) starts nothing.
 * - SIGINT and SIGTERM call g_application_quit(); so do
 *   [method@Aio.Entrypoint.quit] and a runtime failure of a service.
 * - At #GApplication::shutdown, before the application's own shutdown runs
 *   and before g_application_run() returns, every service is stopped
 *   gracefully within [property@Aio.Entrypoint:shutdown-timeout]; the main
 *   context keeps running meanwhile, so a `stop` may do async work.
 * - A service that fails to start or fails while running is logged with its
 *   name and quits the application. As GApplication makes
 *   g_application_run() return 0 whenever its loop ran, the process then
 *   exits with status 1 (70 if services did not stop within the shutdown
 *   timeout) once the application has shut down, right where
 *   g_application_run() would have returned, after syncing #GSettings and
 *   flushing the bus and the log.
 *
 * The application should hold itself while it has work (a window does, or
 * g_application_hold() in `activate` for a service without windows): once
 * the services are up, the entrypoint does not keep it alive.
 *
 * The entrypoint must belong to the default main context (the one
 * g_application_run() iterates). It stays alive as long as @application.
 *
 * Since: 0.2
 */
void
aio_entrypoint_attach_application (AioEntrypoint *self,
                                   GApplication  *application)
{
  Attachment *att;

  g_return_if_fail (AIO_IS_ENTRYPOINT (self));
  g_return_if_fail (G_IS_APPLICATION (application));

  if (g_object_get_data (G_OBJECT (self), ATTACHMENT_KEY) != NULL ||
      g_object_get_data (G_OBJECT (application), ATTACHMENT_KEY) != NULL)
    {
      g_critical ("aio_entrypoint_attach_application(): the entrypoint or the "
                  "application is already attached");
      return;
    }
  if (self->main_context != g_main_context_default ())
    {
      g_critical ("aio_entrypoint_attach_application(): the entrypoint was created "
                  "with another thread-default main context than the default one "
                  "g_application_run() iterates");
      return;
    }
  if (g_application_get_is_registered (application))
    {
      g_critical ("aio_entrypoint_attach_application(): the application is already "
                  "registered; attach before g_application_run()");
      return;
    }

  att = g_new0 (Attachment, 1);
  att->self = g_object_ref (self);
  att->application = application;
  g_object_set_data_full (G_OBJECT (application), ATTACHMENT_KEY, att, attachment_free);
  g_object_set_data (G_OBJECT (self), ATTACHMENT_KEY, att);

  g_signal_connect (application, "startup", G_CALLBACK (attached_startup_cb), att);
  g_signal_connect (application, "shutdown", G_CALLBACK (attached_shutdown_cb), att);
  g_signal_connect (application, "notify::is-registered",
                    G_CALLBACK (attached_registered_cb), att);
}
