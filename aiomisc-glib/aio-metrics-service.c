/* aio-metrics-service.c: AioMetricsService, Prometheus metrics and health checks over HTTP
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/resource.h>
#include <unistd.h>

#include "aiomisc-glib.h"

/**
 * AioMetricsService:
 *
 * An [class@Aio.HttpService] that serves, for the services of an
 * entrypoint ([property@Aio.MetricsService:entrypoint], else the current
 * one):
 *
 * - `GET /metrics`: the Prometheus text exposition format 0.0.4: every
 *   counter of the statistics registry as `aio_<group>_<name>`, the
 *   process metrics `process_resident_memory_bytes`,
 *   `process_cpu_seconds_total` and `process_open_fds`, and one gauge
 *   `aio_service_state{name="…"}` per service (the value of its
 *   [enum@Aio.ServiceState]);
 * - `GET /healthz`: 200 `ok` when every service is running, else 503 with
 *   one line `NAME STATE` per service that is not;
 * - `GET /readyz`: the same check, for readiness probes (a long-running
 *   service counts once it called [method@Aio.Service.set_ready]).
 *
 * It is opt-in: add it to the entrypoint like any service. The same
 * endpoints can be added to an HTTP service of the program instead with
 * [func@Aio.MetricsService.mount].
 *
 * Since: 0.2
 */

struct _AioMetricsService
{
  AioHttpService  parent_instance;

  AioEntrypoint  *entrypoint;   /* weak */
};

G_DEFINE_FINAL_TYPE (AioMetricsService, aio_metrics_service, AIO_TYPE_HTTP_SERVICE)

enum {
  PROP_0,
  PROP_ENTRYPOINT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* [a-zA-Z0-9_] only, as metric names want. */
static void
append_name (GString    *out,
             const char *name)
{
  for (const char *p = name; *p != '\0'; p++)
    g_string_append_c (out, g_ascii_isalnum (*p) ? *p : '_');
}

static void
append_label_value (GString    *out,
                    const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == '"')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static void
append_sample (GString    *out,
               const char *name,
               const char *type,
               const char *help,
               double      value)
{
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n%s %s\n", name, help, name, type,
                          name, g_ascii_dtostr (number, sizeof number, value));
}

static void
append_process (GString *out)
{
  struct rusage usage;
  g_autofree char *statm = NULL;
  g_autoptr(GDir) fds = NULL;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    {
      g_auto(GStrv) fields = g_strsplit (statm, " ", 3);

      if (fields[0] != NULL && fields[1] != NULL)
        append_sample (out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                       g_ascii_strtod (fields[1], NULL) * (double) sysconf (_SC_PAGESIZE));
    }
  if (getrusage (RUSAGE_SELF, &usage) == 0)
    append_sample (out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
                   (double) usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
                   (double) usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6);
  fds = g_dir_open ("/proc/self/fd", 0, NULL);
  if (fds != NULL)
    {
      guint n = 0;

      while (g_dir_read_name (fds) != NULL)
        n++;
      /* Less the descriptor of the listing itself */
      append_sample (out, "process_open_fds", "gauge", "Number of open file descriptors.",
                     n > 0 ? n - 1 : 0);
    }
}

static void
append_statistics (GString *out)
{
  g_autoptr(GVariant) snapshot = aio_statistics_snapshot ();
  GVariantIter groups;
  const char *group;
  GVariant *counters;

  g_variant_iter_init (&groups, snapshot);
  while (g_variant_iter_next (&groups, "{&sv}", &group, &counters))
    {
      GVariantIter iter;
      const char *name;
      GVariant *value;

      g_variant_iter_init (&iter, counters);
      while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
        {
          g_autoptr(GString) metric = g_string_new ("aio_");
          char number[G_ASCII_DTOSTR_BUF_SIZE];

          append_name (metric, group);
          g_string_append_c (metric, '_');
          append_name (metric, name);
          g_string_append_printf (out, "# TYPE %s untyped\n%s %s\n", metric->str, metric->str,
                                  g_ascii_dtostr (number, sizeof number, g_variant_get_double (value)));
          g_variant_unref (value);
        }
      g_variant_unref (counters);
    }
}

static GPtrArray *
services_of (AioEntrypoint *entrypoint)
{
  if (entrypoint == NULL)
    entrypoint = aio_entrypoint_get_current ();
  if (entrypoint == NULL)
    return g_ptr_array_new ();
  return aio_entrypoint_dup_services (entrypoint);
}

static const char *
state_nick (AioServiceState state)
{
  GEnumClass *klass = g_type_class_ref (AIO_TYPE_SERVICE_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  g_type_class_unref (klass);  /* static type: the class stays */
  return value != NULL ? value->value_nick : "unknown";
}

/**
 * aio_metrics_render:
 * @entrypoint: (nullable): whose services to report (%NULL: the current
 *   entrypoint, if any)
 *
 * Renders what `GET /metrics` of [class@Aio.MetricsService] answers.
 *
 * Returns: (transfer full): the metrics in the Prometheus text format 0.0.4
 *
 * Since: 0.2
 */
char *
aio_metrics_render (AioEntrypoint *entrypoint)
{
  g_autoptr(GPtrArray) services = services_of (entrypoint);
  GString *out = g_string_new (NULL);

  append_statistics (out);
  append_process (out);
  g_string_append (out, "# HELP aio_service_state State of each service: 0 new, 1 starting, "
                        "2 running, 3 stopping, 4 stopped, 5 failed.\n"
                        "# TYPE aio_service_state gauge\n");
  for (guint i = 0; i < services->len; i++)
    {
      AioService *service = services->pdata[i];

      g_string_append (out, "aio_service_state{name=\"");
      append_label_value (out, aio_service_get_name (service));
      g_string_append_printf (out, "\"} %d\n", (int) aio_service_get_state (service));
    }
  return g_string_free (out, FALSE);
}

static void
metrics_handler (AioHttpService    *service,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  char *text = aio_metrics_render (user_data);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; charset=utf-8",
                                    SOUP_MEMORY_TAKE, text, strlen (text));
}

static void
health_handler (AioHttpService    *service,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  g_autoptr(GPtrArray) services = services_of (user_data);
  g_autoptr(GString) failing = g_string_new (NULL);
  char *body;
  gsize len;

  for (guint i = 0; i < services->len; i++)
    {
      AioService *s = services->pdata[i];

      if (aio_service_get_state (s) != AIO_SERVICE_STATE_RUNNING)
        g_string_append_printf (failing, "%s %s\n", aio_service_get_name (s),
                                state_nick (aio_service_get_state (s)));
    }
  soup_server_message_set_status (msg, failing->len == 0 ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE,
                                  NULL);
  if (failing->len == 0)
    g_string_append (failing, "ok\n");
  len = failing->len;
  body = g_string_free (g_steal_pointer (&failing), FALSE);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_TAKE, body, len);
}

/**
 * aio_metrics_service_mount:
 * @service: an HTTP service
 * @entrypoint: (nullable): whose services to report (%NULL: the current
 *   entrypoint at each request)
 *
 * Adds the `/metrics`, `/healthz` and `/readyz` handlers of
 * [class@Aio.MetricsService] to @service.
 *
 * Since: 0.2
 */
void
aio_metrics_service_mount (AioHttpService *service,
                           AioEntrypoint  *entrypoint)
{
  g_return_if_fail (AIO_IS_HTTP_SERVICE (service));
  g_return_if_fail (entrypoint == NULL || AIO_IS_ENTRYPOINT (entrypoint));

  aio_http_service_add_handler (service, "/metrics", metrics_handler,
                                entrypoint ? g_object_ref (entrypoint) : NULL,
                                entrypoint ? g_object_unref : NULL);
  aio_http_service_add_handler (service, "/healthz", health_handler,
                                entrypoint ? g_object_ref (entrypoint) : NULL,
                                entrypoint ? g_object_unref : NULL);
  aio_http_service_add_handler (service, "/readyz", health_handler,
                                entrypoint ? g_object_ref (entrypoint) : NULL,
                                entrypoint ? g_object_unref : NULL);
}

/* The service's own handlers look the entrypoint up at each request. */
static void
own_metrics_handler (AioHttpService    *service,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  metrics_handler (service, msg, path, query, AIO_METRICS_SERVICE (service)->entrypoint);
}

static void
own_health_handler (AioHttpService    *service,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  health_handler (service, msg, path, query, AIO_METRICS_SERVICE (service)->entrypoint);
}

static void
aio_metrics_service_dispose (GObject *object)
{
  AioMetricsService *self = AIO_METRICS_SERVICE (object);

  g_clear_weak_pointer (&self->entrypoint);
  G_OBJECT_CLASS (aio_metrics_service_parent_class)->dispose (object);
}

static void
aio_metrics_service_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_ENTRYPOINT:
      g_value_set_object (value, AIO_METRICS_SERVICE (object)->entrypoint);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_metrics_service_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_ENTRYPOINT:
      aio_metrics_service_set_entrypoint (AIO_METRICS_SERVICE (object), g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_metrics_service_class_init (AioMetricsServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = aio_metrics_service_dispose;
  object_class->get_property = aio_metrics_service_get_property;
  object_class->set_property = aio_metrics_service_set_property;

  /**
   * AioMetricsService:entrypoint:
   *
   * The entrypoint whose services are reported (not kept alive by the
   * service); %NULL: the current entrypoint at each request.
   *
   * Since: 0.2
   */
  properties[PROP_ENTRYPOINT] =
    g_param_spec_object ("entrypoint", NULL, NULL, AIO_TYPE_ENTRYPOINT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_metrics_service_init (AioMetricsService *self)
{
  AioHttpService *http = AIO_HTTP_SERVICE (self);

  aio_http_service_add_handler (http, "/metrics", own_metrics_handler, NULL, NULL);
  aio_http_service_add_handler (http, "/healthz", own_health_handler, NULL, NULL);
  aio_http_service_add_handler (http, "/readyz", own_health_handler, NULL, NULL);
}

/**
 * aio_metrics_service_new:
 * @address: (nullable): the address to listen on (%NULL: 127.0.0.1)
 * @port: the port, 0 for one the system picks
 *
 * Creates a metrics service.
 *
 * Returns: (transfer full): a new #AioMetricsService
 *
 * Since: 0.2
 */
AioMetricsService *
aio_metrics_service_new (const char *address,
                         guint       port)
{
  AioMetricsService *self = g_object_new (AIO_TYPE_METRICS_SERVICE, "port", port, NULL);

  if (address != NULL)
    aio_socket_server_set_address (AIO_SOCKET_SERVER (self), address);
  return self;
}

/**
 * aio_metrics_service_get_entrypoint:
 * @self: a metrics service
 *
 * Gets the entrypoint.
 *
 * Returns: (transfer none) (nullable): the value of
 *   [property@Aio.MetricsService:entrypoint]
 *
 * Since: 0.2
 */
AioEntrypoint *
aio_metrics_service_get_entrypoint (AioMetricsService *self)
{
  g_return_val_if_fail (AIO_IS_METRICS_SERVICE (self), NULL);
  return self->entrypoint;
}

/**
 * aio_metrics_service_set_entrypoint:
 * @self: a metrics service
 * @entrypoint: (nullable): the entrypoint to report
 *
 * Sets [property@Aio.MetricsService:entrypoint].
 *
 * Since: 0.2
 */
void
aio_metrics_service_set_entrypoint (AioMetricsService *self,
                                    AioEntrypoint     *entrypoint)
{
  g_return_if_fail (AIO_IS_METRICS_SERVICE (self));
  g_return_if_fail (entrypoint == NULL || AIO_IS_ENTRYPOINT (entrypoint));

  if (g_set_weak_pointer (&self->entrypoint, entrypoint))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENTRYPOINT]);
}
