/* aio-robust-tcp-client.c: AioRobustTcpClient, a TCP client that reconnects forever
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <string.h>

#include "aiomisc-glib.h"
#include "aio-backoff-private.h"
#include "aio-tcp-client-private.h"

/**
 * AioRobustTcpClient:
 *
 * A [class@Aio.TcpClient] that keeps a connection to its server, whatever
 * happens to it (aiomisc's `RobustTCPClient`). Like its parent, it is
 * abstract: subclasses override `handle_connection_async`.
 *
 * Its start checks the properties like the one of [class@Aio.TcpClient]
 * (a bad value or TLS file fails the start) and then connects, again and
 * again, until the service is stopped:
 *
 * - a failed connection attempt (refused, unreachable, TLS handshake
 *   failed, …) is logged and retried after a pause;
 * - once connected, [property@Aio.RobustTcpClient:connected] becomes
 *   %TRUE, the service is ready ([method@Aio.Service.set_ready], at the
 *   first connection only: [method@Aio.Service.start_async] completes) and
 *   `handle_connection_async` runs with the connection;
 * - when the handler completes, the connection is over: the client closes
 *   it, [property@Aio.RobustTcpClient:connected] becomes %FALSE, a failure
 *   of the handler (the server went away, the connection was reset, …) is
 *   logged as a warning, and the client reconnects after a pause. A
 *   handler that succeeds is reconnected too: the handler decides how long
 *   a connection lasts, the client that there always is one.
 *
 * The pauses are a capped exponential backoff with full jitter: after n
 * failures in a row (the end of a connection counts as the first), the
 * pause is drawn uniformly between 0 and
 * `min (reconnect-timeout × 2ⁿ⁻¹, reconnect-max)` seconds, measured on
 * [property@Aio.TcpClient:clock]. A successful connection starts the count
 * again. Each pause is logged (at info level) with its bound.
 *
 * [property@Aio.TcpClient:connect-attempts] and
 * [property@Aio.TcpClient:connect-retry-timeout] do not apply: the client
 * never gives up. Stopping the service cancels the handler, the connection
 * attempt or the pause, whichever is in progress, and completes at once.
 *
 * Since: 0.1
 */

typedef struct
{
  double    reconnect_timeout;
  double    reconnect_max;
  gboolean  connected;
  GRand    *rand;
} AioRobustTcpClientPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (AioRobustTcpClient, aio_robust_tcp_client, AIO_TYPE_TCP_CLIENT)

enum {
  PROP_0,
  PROP_RECONNECT_TIMEOUT,
  PROP_RECONNECT_MAX,
  PROP_CONNECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The growth factor of the pauses. */
#define RECONNECT_EXPONENT 2.0
#define DEFAULT_RECONNECT_TIMEOUT 1.0
#define DEFAULT_RECONNECT_MAX 30.0

typedef struct
{
  double base;
  double max;
  guint  failures;
} Run;

static void
set_connected (AioRobustTcpClient *self,
               gboolean            connected)
{
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);

  if (priv->connected == connected)
    return;
  priv->connected = connected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static void robust_connect (GTask *task);

static void
robust_slept_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!_aio_tcp_client_sleep_finish (AIO_TCP_CLIENT (object), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  robust_connect (g_steal_pointer (&task));
}

/* Takes @task: pauses after run->failures failures, then reconnects. */
static void
robust_schedule (GTask *task)
{
  AioRobustTcpClient *self = g_task_get_source_object (task);
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);
  Run *run = g_task_get_task_data (task);
  double bound, pause;

  /* The jittered pause is drawn below the bound, as AioBackoff's jitter does. */
  bound = _aio_backoff_compute_pause (run->base, RECONNECT_EXPONENT, run->max, run->failures, NULL);
  pause = bound > 0 ? bound * g_rand_double (priv->rand) : bound;
  g_info ("Client '%s': reconnecting to %s in %.3f s (backoff bound %.3f s, failure %u)",
          aio_service_get_name (AIO_SERVICE (self)),
          _aio_tcp_client_get_target (AIO_TCP_CLIENT (self)),
          pause, bound, run->failures);
  _aio_tcp_client_sleep_async (AIO_TCP_CLIENT (self), pause, g_task_get_cancellable (task),
                               robust_slept_cb, task);
}

static void
robust_served_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AioRobustTcpClient *self = AIO_ROBUST_TCP_CLIENT (object);
  Run *run = g_task_get_task_data (task);
  const char *name = aio_service_get_name (AIO_SERVICE (self));
  const char *target = _aio_tcp_client_get_target (AIO_TCP_CLIENT (self));
  g_autoptr(GError) error = NULL;

  _aio_tcp_client_serve_finish (AIO_TCP_CLIENT (self), result, &error);
  set_connected (self, FALSE);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (error != NULL)
    g_warning ("Client '%s': the connection to %s failed: %s", name, target, error->message);
  else
    g_info ("Client '%s': the connection to %s is over", name, target);

  run->failures = 1;
  robust_schedule (g_steal_pointer (&task));
}

static void
robust_connected_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  AioRobustTcpClient *self = AIO_ROBUST_TCP_CLIENT (object);
  Run *run = g_task_get_task_data (task);
  const char *name = aio_service_get_name (AIO_SERVICE (self));
  const char *target = _aio_tcp_client_get_target (AIO_TCP_CLIENT (self));
  g_autoptr(GIOStream) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = _aio_tcp_client_connect_finish (AIO_TCP_CLIENT (self), result, &error);
  if (connection != NULL)
    {
      g_info ("Client '%s': connected to %s", name, target);
      run->failures = 0;
      set_connected (self, TRUE);
      aio_service_set_ready (AIO_SERVICE (self));
      _aio_tcp_client_serve_async (AIO_TCP_CLIENT (self), connection,
                                   g_task_get_cancellable (task),
                                   robust_served_cb, g_object_ref (task));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  g_info ("Client '%s': cannot connect to %s: %s", name, target, error->message);
  run->failures++;
  robust_schedule (g_steal_pointer (&task));
}

/* Takes @task. */
static void
robust_connect (GTask *task)
{
  _aio_tcp_client_connect_async (g_task_get_source_object (task), g_task_get_cancellable (task),
                                 robust_connected_cb, task);
}

static void
aio_robust_tcp_client_start_async (AioService          *service,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  AioRobustTcpClient *self = AIO_ROBUST_TCP_CLIENT (service);
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  const char *name = aio_service_get_name (service);
  GError *error = NULL;
  Run *run;

  g_task_set_source_tag (task, aio_robust_tcp_client_start_async);

  if (!isfinite (priv->reconnect_timeout) || !(priv->reconnect_timeout > 0))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Client '%s': invalid reconnect-timeout %g: "
                               "must be a finite number of seconds greater than 0",
                               name, priv->reconnect_timeout);
      return;
    }
  if (!isfinite (priv->reconnect_max) || !(priv->reconnect_max >= priv->reconnect_timeout))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Client '%s': invalid reconnect-max %g: must be a finite number "
                               "of seconds, at least reconnect-timeout (%g)",
                               name, priv->reconnect_max, priv->reconnect_timeout);
      return;
    }
  if (!_aio_tcp_client_prepare (AIO_TCP_CLIENT (self), FALSE, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  run = g_new0 (Run, 1);
  run->base = priv->reconnect_timeout;
  run->max = priv->reconnect_max;
  g_task_set_task_data (task, run, g_free);
  robust_connect (g_steal_pointer (&task));
}

static void
aio_robust_tcp_client_finalize (GObject *object)
{
  AioRobustTcpClient *self = AIO_ROBUST_TCP_CLIENT (object);
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);

  g_rand_free (priv->rand);

  G_OBJECT_CLASS (aio_robust_tcp_client_parent_class)->finalize (object);
}

static void
aio_robust_tcp_client_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  AioRobustTcpClient *self = AIO_ROBUST_TCP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_RECONNECT_TIMEOUT:
      g_value_set_double (value, aio_robust_tcp_client_get_reconnect_timeout (self));
      break;

    case PROP_RECONNECT_MAX:
      g_value_set_double (value, aio_robust_tcp_client_get_reconnect_max (self));
      break;

    case PROP_CONNECTED:
      g_value_set_boolean (value, aio_robust_tcp_client_get_connected (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_robust_tcp_client_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  AioRobustTcpClient *self = AIO_ROBUST_TCP_CLIENT (object);

  switch (prop_id)
    {
    case PROP_RECONNECT_TIMEOUT:
      aio_robust_tcp_client_set_reconnect_timeout (self, g_value_get_double (value));
      break;

    case PROP_RECONNECT_MAX:
      aio_robust_tcp_client_set_reconnect_max (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_robust_tcp_client_class_init (AioRobustTcpClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  AioServiceClass *service_class = AIO_SERVICE_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = aio_robust_tcp_client_finalize;
  object_class->get_property = aio_robust_tcp_client_get_property;
  object_class->set_property = aio_robust_tcp_client_set_property;

  service_class->start_async = aio_robust_tcp_client_start_async;

  /**
   * AioRobustTcpClient:reconnect-timeout:
   *
   * The bound of the first pause before reconnecting, in seconds; the
   * bound doubles with each failure in a row, up to
   * [property@Aio.RobustTcpClient:reconnect-max]. Finite, greater than 0.
   *
   * Since: 0.1
   */
  properties[PROP_RECONNECT_TIMEOUT] =
    g_param_spec_double ("reconnect-timeout", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_RECONNECT_TIMEOUT, flags);

  /**
   * AioRobustTcpClient:reconnect-max:
   *
   * The largest bound of a pause before reconnecting, in seconds; finite,
   * at least [property@Aio.RobustTcpClient:reconnect-timeout].
   *
   * Since: 0.1
   */
  properties[PROP_RECONNECT_MAX] =
    g_param_spec_double ("reconnect-max", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_RECONNECT_MAX, flags);

  /**
   * AioRobustTcpClient:connected:
   *
   * Whether the client is connected: %TRUE while a connection is handled.
   *
   * Since: 0.1
   */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_robust_tcp_client_init (AioRobustTcpClient *self)
{
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);

  priv->reconnect_timeout = DEFAULT_RECONNECT_TIMEOUT;
  priv->reconnect_max = DEFAULT_RECONNECT_MAX;
  priv->rand = g_rand_new ();
}

/**
 * aio_robust_tcp_client_get_reconnect_timeout:
 * @self: a robust TCP client
 *
 * Gets [property@Aio.RobustTcpClient:reconnect-timeout].
 *
 * Returns: the bound of the first pause, in seconds
 *
 * Since: 0.1
 */
double
aio_robust_tcp_client_get_reconnect_timeout (AioRobustTcpClient *self)
{
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_ROBUST_TCP_CLIENT (self), 0);

  return priv->reconnect_timeout;
}

/**
 * aio_robust_tcp_client_set_reconnect_timeout:
 * @self: a robust TCP client
 * @reconnect_timeout: the bound of the first pause, in seconds
 *
 * Sets [property@Aio.RobustTcpClient:reconnect-timeout]; it applies at
 * the next start.
 *
 * Since: 0.1
 */
void
aio_robust_tcp_client_set_reconnect_timeout (AioRobustTcpClient *self,
                                             double              reconnect_timeout)
{
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_ROBUST_TCP_CLIENT (self));

  if (priv->reconnect_timeout == reconnect_timeout)
    return;
  priv->reconnect_timeout = reconnect_timeout;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_TIMEOUT]);
}

/**
 * aio_robust_tcp_client_get_reconnect_max:
 * @self: a robust TCP client
 *
 * Gets [property@Aio.RobustTcpClient:reconnect-max].
 *
 * Returns: the largest bound of a pause, in seconds
 *
 * Since: 0.1
 */
double
aio_robust_tcp_client_get_reconnect_max (AioRobustTcpClient *self)
{
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_ROBUST_TCP_CLIENT (self), 0);

  return priv->reconnect_max;
}

/**
 * aio_robust_tcp_client_set_reconnect_max:
 * @self: a robust TCP client
 * @reconnect_max: the largest bound of a pause, in seconds
 *
 * Sets [property@Aio.RobustTcpClient:reconnect-max]; it applies at the
 * next start.
 *
 * Since: 0.1
 */
void
aio_robust_tcp_client_set_reconnect_max (AioRobustTcpClient *self,
                                         double              reconnect_max)
{
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);

  g_return_if_fail (AIO_IS_ROBUST_TCP_CLIENT (self));

  if (priv->reconnect_max == reconnect_max)
    return;
  priv->reconnect_max = reconnect_max;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_MAX]);
}

/**
 * aio_robust_tcp_client_get_connected:
 * @self: a robust TCP client
 *
 * Gets [property@Aio.RobustTcpClient:connected].
 *
 * Returns: whether the client is connected
 *
 * Since: 0.1
 */
gboolean
aio_robust_tcp_client_get_connected (AioRobustTcpClient *self)
{
  AioRobustTcpClientPrivate *priv = aio_robust_tcp_client_get_instance_private (self);

  g_return_val_if_fail (AIO_IS_ROBUST_TCP_CLIENT (self), FALSE);

  return priv->connected;
}
