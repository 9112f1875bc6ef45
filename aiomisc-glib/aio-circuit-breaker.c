/* aio-circuit-breaker.c: failing fast while a dependency is down
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-statistics-private.h"
#include "aio-task-private.h"

/**
 * AioCircuitBreaker:
 *
 * A circuit breaker, after aiomisc's `CircuitBreaker`: it watches the
 * outcome of the calls to a service and, when too many fail, refuses calls
 * for a while instead of letting them pile up on a service that is down.
 *
 * The model is aiomisc's. Outcomes are counted in 10 buckets of
 * [property@Aio.CircuitBreaker:response-time] / 10 seconds each; a bucket is
 * "failing" when its share of failed calls reaches
 * [property@Aio.CircuitBreaker:error-ratio]. The breaker has three states
 * ([enum@Aio.CircuitBreakerState]):
 *
 * - %AIO_CIRCUIT_BREAKER_STATE_PASSING: calls go through. Once the window
 *   is full and every bucket in it is failing, the breaker breaks.
 * - %AIO_CIRCUIT_BREAKER_STATE_BROKEN: calls fail at once with
 *   %AIO_ERROR_CIRCUIT_BROKEN, whose message carries that of the
 *   last failure, for [property@Aio.CircuitBreaker:broken-time] seconds.
 * - %AIO_CIRCUIT_BREAKER_STATE_RECOVERING: a call goes through with a
 *   probability of 2^(t / recovery-time) − 1, t being the time since the
 *   recovery began, so that the load on the service rises gradually; the
 *   others fail at once. Once the share of failing buckets reaches half the
 *   error ratio, the breaker breaks again; after
 *   [property@Aio.CircuitBreaker:recovery-time] seconds it passes, and
 *   stays passing for at least [property@Aio.CircuitBreaker:passing-time].
 *
 * As in aiomisc, the state is re-evaluated when a call asks to pass: it
 * does not change while no call is made. [property@Aio.CircuitBreaker:state]
 * is notified, in the thread of that call, when it changes.
 *
 * A call is guarded in one of three ways: [method@Aio.CircuitBreaker.call]
 * for a synchronous function, [method@Aio.CircuitBreaker.call_async] for an
 * async operation ([callback@Aio.TaskFunc]), or by hand with
 * [method@Aio.CircuitBreaker.allow] before the call and
 * [method@Aio.CircuitBreaker.record] after it.
 *
 * Every error counts as a failure by default (unlike aiomisc's `cutout()`
 * without exception types, which never trips), except %G_IO_ERROR_CANCELLED,
 * which is not counted at all. [method@Aio.CircuitBreaker.add_counted_error]
 * restricts the count to some errors, and
 * [method@Aio.CircuitBreaker.set_filter_func] decides error by error; an
 * error that does not count is a call that worked.
 *
 * Time is read on [property@Aio.CircuitBreaker:clock] and the recovery draws
 * from a random generator that [method@Aio.CircuitBreaker.set_seed] seeds,
 * so tests drive a breaker with an [class@Aio.ManualClock] and a fixed
 * seed. A breaker is thread-safe.
 *
 * Each call adds to the process-wide statistics ([func@Aio.statistics_get])
 * of group `"circuit_breaker"`: `calls`, `passing`, `broken`, `recovering`,
 * `recovering_ok`, `recovering_failed`, `errors`.
 *
 * The ranges of the properties are in their specifications, so
 * g_object_set() refuses a value out of range with a warning. The C setters
 * take any value: [method@Aio.CircuitBreaker.validate] and every call
 * report a bad one as %G_IO_ERROR_INVALID_ARGUMENT, naming the value.
 *
 * Since: 0.1
 */

#define BUCKET_COUNT 10
/* PASSING breaks when this share of the buckets is failing. */
#define PASSING_BROKEN_THRESHOLD 1.0
/* RECOVERING breaks again when this share of the error ratio is. */
#define RECOVER_BROKEN_THRESHOLD 0.5

typedef struct
{
  gint64 id;
  guint  failed;
  guint  total;
} Bucket;

typedef struct
{
  GQuark domain;
  int    code;
} CountedError;

struct _AioCircuitBreaker
{
  GObject                      parent_instance;

  GMutex                       mutex;
  AioClock                    *clock;
  double                       error_ratio;
  double                       response_time;
  double                       broken_time;
  double                       recovery_time;
  double                       passing_time;

  AioCircuitBreakerState       state;
  Bucket                       buckets[BUCKET_COUNT];   /* oldest first */
  guint                        n_buckets;
  gint64                       stuck_until;
  gint64                       recovery_at;
  char                        *last_message;
  GRand                       *rand;

  GArray                      *counted_errors;          /* CountedError */
  AioCircuitBreakerFilterFunc  filter_func;
  gpointer                     filter_data;
  GDestroyNotify               filter_destroy;
};

G_DEFINE_FINAL_TYPE (AioCircuitBreaker, aio_circuit_breaker, G_TYPE_OBJECT)

#define DEFAULT_ERROR_RATIO 0.5
#define DEFAULT_RESPONSE_TIME 10.0

enum {
  PROP_0,
  PROP_CLOCK,
  PROP_ERROR_RATIO,
  PROP_RESPONSE_TIME,
  PROP_BROKEN_TIME,
  PROP_RECOVERY_TIME,
  PROP_PASSING_TIME,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aio_circuit_breaker_finalize (GObject *object)
{
  AioCircuitBreaker *self = AIO_CIRCUIT_BREAKER (object);

  if (self->filter_destroy != NULL)
    self->filter_destroy (self->filter_data);
  g_clear_object (&self->clock);
  g_clear_pointer (&self->last_message, g_free);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->counted_errors, g_array_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (aio_circuit_breaker_parent_class)->finalize (object);
}

static void
aio_circuit_breaker_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  AioCircuitBreaker *self = AIO_CIRCUIT_BREAKER (object);

  switch (prop_id)
    {
    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;

    case PROP_ERROR_RATIO:
      g_value_set_double (value, aio_circuit_breaker_get_error_ratio (self));
      break;

    case PROP_RESPONSE_TIME:
      g_value_set_double (value, aio_circuit_breaker_get_response_time (self));
      break;

    case PROP_BROKEN_TIME:
      g_value_set_double (value, aio_circuit_breaker_get_broken_time (self));
      break;

    case PROP_RECOVERY_TIME:
      g_value_set_double (value, aio_circuit_breaker_get_recovery_time (self));
      break;

    case PROP_PASSING_TIME:
      g_value_set_double (value, aio_circuit_breaker_get_passing_time (self));
      break;

    case PROP_STATE:
      g_value_set_enum (value, aio_circuit_breaker_get_state (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_circuit_breaker_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  AioCircuitBreaker *self = AIO_CIRCUIT_BREAKER (object);

  switch (prop_id)
    {
    case PROP_CLOCK:
      self->clock = g_value_get_object (value)
        ? g_value_dup_object (value)
        : g_object_ref (aio_clock_get_default ());
      break;

    case PROP_ERROR_RATIO:
      aio_circuit_breaker_set_error_ratio (self, g_value_get_double (value));
      break;

    case PROP_RESPONSE_TIME:
      aio_circuit_breaker_set_response_time (self, g_value_get_double (value));
      break;

    case PROP_BROKEN_TIME:
      aio_circuit_breaker_set_broken_time (self, g_value_get_double (value));
      break;

    case PROP_RECOVERY_TIME:
      aio_circuit_breaker_set_recovery_time (self, g_value_get_double (value));
      break;

    case PROP_PASSING_TIME:
      aio_circuit_breaker_set_passing_time (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_circuit_breaker_class_init (AioCircuitBreakerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aio_circuit_breaker_finalize;
  object_class->get_property = aio_circuit_breaker_get_property;
  object_class->set_property = aio_circuit_breaker_set_property;

  /**
   * AioCircuitBreaker:clock:
   *
   * The clock the breaker reads the time on; the default clock if unset.
   *
   * Since: 0.1
   */
  properties[PROP_CLOCK] =
    g_param_spec_object ("clock", NULL, NULL,
                         AIO_TYPE_CLOCK,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioCircuitBreaker:error-ratio:
   *
   * The share of failed calls, above 0 and up to 1, from which a bucket of
   * the statistics is failing.
   *
   * Since: 0.1
   */
  properties[PROP_ERROR_RATIO] =
    g_param_spec_double ("error-ratio", NULL, NULL,
                         0, 1, DEFAULT_ERROR_RATIO,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioCircuitBreaker:response-time:
   *
   * The length of the statistics window, in seconds, above 0: ten buckets
   * of a tenth of it each.
   *
   * Since: 0.1
   */
  properties[PROP_RESPONSE_TIME] =
    g_param_spec_double ("response-time", NULL, NULL,
                         0, G_MAXDOUBLE, DEFAULT_RESPONSE_TIME,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioCircuitBreaker:broken-time:
   *
   * How long the breaker stays broken, in seconds; 0 for
   * [property@Aio.CircuitBreaker:response-time].
   *
   * Since: 0.1
   */
  properties[PROP_BROKEN_TIME] =
    g_param_spec_double ("broken-time", NULL, NULL,
                         0, G_MAXDOUBLE, 0,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioCircuitBreaker:recovery-time:
   *
   * How long the recovery lasts, in seconds, if it goes well; 0 for
   * [property@Aio.CircuitBreaker:response-time].
   *
   * Since: 0.1
   */
  properties[PROP_RECOVERY_TIME] =
    g_param_spec_double ("recovery-time", NULL, NULL,
                         0, G_MAXDOUBLE, 0,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioCircuitBreaker:passing-time:
   *
   * How long the breaker passes at least after a recovery, in seconds; 0
   * for [property@Aio.CircuitBreaker:response-time].
   *
   * Since: 0.1
   */
  properties[PROP_PASSING_TIME] =
    g_param_spec_double ("passing-time", NULL, NULL,
                         0, G_MAXDOUBLE, 0,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioCircuitBreaker:state:
   *
   * The state of the breaker. It changes when a call asks to pass, and is
   * notified in the thread of that call.
   *
   * Since: 0.1
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       AIO_TYPE_CIRCUIT_BREAKER_STATE,
                       AIO_CIRCUIT_BREAKER_STATE_PASSING,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_circuit_breaker_init (AioCircuitBreaker *self)
{
  g_mutex_init (&self->mutex);
  self->error_ratio = DEFAULT_ERROR_RATIO;
  self->response_time = DEFAULT_RESPONSE_TIME;
  self->state = AIO_CIRCUIT_BREAKER_STATE_PASSING;
  self->rand = g_rand_new ();
  self->counted_errors = g_array_new (FALSE, FALSE, sizeof (CountedError));
}

/**
 * aio_circuit_breaker_new:
 * @error_ratio: [property@Aio.CircuitBreaker:error-ratio]
 * @response_time: [property@Aio.CircuitBreaker:response-time], in seconds
 *
 * Creates a circuit breaker with the two arguments aiomisc requires; the
 * other properties default to @response_time and the default clock.
 * Values out of range are reported by the calls.
 *
 * Returns: (transfer full): a new circuit breaker
 *
 * Since: 0.1
 */
AioCircuitBreaker *
aio_circuit_breaker_new (double error_ratio,
                         double response_time)
{
  AioCircuitBreaker *self = g_object_new (AIO_TYPE_CIRCUIT_BREAKER, NULL);

  /* Not through g_object_new(): a NaN would be refused with a warning
   * there, and bad values are reported as errors by the calls instead. */
  self->error_ratio = error_ratio;
  self->response_time = response_time;

  return self;
}

/**
 * aio_circuit_breaker_get_clock:
 * @self: a circuit breaker
 *
 * Gets [property@Aio.CircuitBreaker:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.1
 */
AioClock *
aio_circuit_breaker_get_clock (AioCircuitBreaker *self)
{
  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), NULL);

  return self->clock;
}

/**
 * aio_circuit_breaker_get_error_ratio:
 * @self: a circuit breaker
 *
 * Gets [property@Aio.CircuitBreaker:error-ratio].
 *
 * Returns: the error ratio
 *
 * Since: 0.1
 */
double
aio_circuit_breaker_get_error_ratio (AioCircuitBreaker *self)
{
  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->error_ratio);
}

/**
 * aio_circuit_breaker_set_error_ratio:
 * @self: a circuit breaker
 * @error_ratio: the share of failed calls, above 0 and up to 1, from which
 *   a bucket is failing
 *
 * Sets [property@Aio.CircuitBreaker:error-ratio].
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_set_error_ratio (AioCircuitBreaker *self,
                                     double             error_ratio)
{
  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->error_ratio, error_ratio,
                          properties[PROP_ERROR_RATIO]);
}

/**
 * aio_circuit_breaker_get_response_time:
 * @self: a circuit breaker
 *
 * Gets [property@Aio.CircuitBreaker:response-time].
 *
 * Returns: the length of the statistics window, in seconds
 *
 * Since: 0.1
 */
double
aio_circuit_breaker_get_response_time (AioCircuitBreaker *self)
{
  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->response_time);
}

/**
 * aio_circuit_breaker_set_response_time:
 * @self: a circuit breaker
 * @response_time: the length of the statistics window, in seconds
 *
 * Sets [property@Aio.CircuitBreaker:response-time].
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_set_response_time (AioCircuitBreaker *self,
                                       double             response_time)
{
  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->response_time, response_time,
                          properties[PROP_RESPONSE_TIME]);
}

/**
 * aio_circuit_breaker_get_broken_time:
 * @self: a circuit breaker
 *
 * Gets [property@Aio.CircuitBreaker:broken-time].
 *
 * Returns: how long the breaker stays broken, in seconds; 0 for the
 *   response time
 *
 * Since: 0.1
 */
double
aio_circuit_breaker_get_broken_time (AioCircuitBreaker *self)
{
  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->broken_time);
}

/**
 * aio_circuit_breaker_set_broken_time:
 * @self: a circuit breaker
 * @broken_time: how long the breaker stays broken, in seconds; 0 for the
 *   response time
 *
 * Sets [property@Aio.CircuitBreaker:broken-time].
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_set_broken_time (AioCircuitBreaker *self,
                                     double             broken_time)
{
  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->broken_time, broken_time,
                          properties[PROP_BROKEN_TIME]);
}

/**
 * aio_circuit_breaker_get_recovery_time:
 * @self: a circuit breaker
 *
 * Gets [property@Aio.CircuitBreaker:recovery-time].
 *
 * Returns: how long a recovery lasts, in seconds; 0 for the response time
 *
 * Since: 0.1
 */
double
aio_circuit_breaker_get_recovery_time (AioCircuitBreaker *self)
{
  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->recovery_time);
}

/**
 * aio_circuit_breaker_set_recovery_time:
 * @self: a circuit breaker
 * @recovery_time: how long a recovery lasts, in seconds; 0 for the
 *   response time
 *
 * Sets [property@Aio.CircuitBreaker:recovery-time].
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_set_recovery_time (AioCircuitBreaker *self,
                                       double             recovery_time)
{
  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->recovery_time, recovery_time,
                          properties[PROP_RECOVERY_TIME]);
}

/**
 * aio_circuit_breaker_get_passing_time:
 * @self: a circuit breaker
 *
 * Gets [property@Aio.CircuitBreaker:passing-time].
 *
 * Returns: how long the breaker passes at least after a recovery, in
 *   seconds; 0 for the response time
 *
 * Since: 0.1
 */
double
aio_circuit_breaker_get_passing_time (AioCircuitBreaker *self)
{
  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->passing_time);
}

/**
 * aio_circuit_breaker_set_passing_time:
 * @self: a circuit breaker
 * @passing_time: how long the breaker passes at least after a recovery, in
 *   seconds; 0 for the response time
 *
 * Sets [property@Aio.CircuitBreaker:passing-time].
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_set_passing_time (AioCircuitBreaker *self,
                                      double             passing_time)
{
  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->passing_time, passing_time,
                          properties[PROP_PASSING_TIME]);
}

/**
 * aio_circuit_breaker_get_state:
 * @self: a circuit breaker
 *
 * Gets [property@Aio.CircuitBreaker:state], as the last call left it.
 *
 * Returns: the state
 *
 * Since: 0.1
 */
AioCircuitBreakerState
aio_circuit_breaker_get_state (AioCircuitBreaker *self)
{
  AioCircuitBreakerState ret;

  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), AIO_CIRCUIT_BREAKER_STATE_PASSING);

  g_mutex_lock (&self->mutex);
  ret = self->state;
  g_mutex_unlock (&self->mutex);

  return ret;
}

/**
 * aio_circuit_breaker_get_state_delay:
 * @self: a circuit breaker
 *
 * Tells how long the state is held at least: the rest of the broken time
 * while broken, of the passing time after a recovery.
 *
 * Returns: seconds until the state may change, 0 if it may now
 *
 * Since: 0.1
 */
double
aio_circuit_breaker_get_state_delay (AioCircuitBreaker *self)
{
  gint64 now;
  gint64 delay;

  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), 0);

  now = aio_clock_get_monotonic_time (self->clock);
  g_mutex_lock (&self->mutex);
  delay = self->stuck_until - now;
  g_mutex_unlock (&self->mutex);

  return delay > 0 ? (double) delay / G_USEC_PER_SEC : 0;
}

/**
 * aio_circuit_breaker_set_filter_func:
 * @self: a circuit breaker
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the predicate, or %NULL to count every error
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets the function that decides whether an error counts as a failure
 * (aiomisc's `exception_inspector`). It is called, in the thread that
 * records the outcome, for the errors that
 * [method@Aio.CircuitBreaker.add_counted_error] lets through.
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_set_filter_func (AioCircuitBreaker           *self,
                                     AioCircuitBreakerFilterFunc  func,
                                     gpointer                     user_data,
                                     GDestroyNotify               destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));

  g_mutex_lock (&self->mutex);
  old_destroy = self->filter_destroy;
  old_data = self->filter_data;
  self->filter_func = func;
  self->filter_data = user_data;
  self->filter_destroy = destroy;
  g_mutex_unlock (&self->mutex);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

/**
 * aio_circuit_breaker_add_counted_error:
 * @self: a circuit breaker
 * @domain: an error domain
 * @code: an error code of @domain, or -1 for all of them
 *
 * Adds to the errors that count as failures (aiomisc's `exceptions`).
 * Until this is called every error counts; afterwards only those added do.
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_add_counted_error (AioCircuitBreaker *self,
                                       GQuark             domain,
                                       int                code)
{
  CountedError entry = { domain, code };

  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));
  g_return_if_fail (domain != 0);

  g_mutex_lock (&self->mutex);
  g_array_append_val (self->counted_errors, entry);
  g_mutex_unlock (&self->mutex);
}

/**
 * aio_circuit_breaker_set_seed:
 * @self: a circuit breaker
 * @seed: a seed
 *
 * Seeds the random generator that lets calls through while recovering,
 * for reproducible tests. By default it is seeded from the system.
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_set_seed (AioCircuitBreaker *self,
                              guint32            seed)
{
  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));

  g_mutex_lock (&self->mutex);
  g_rand_set_seed (self->rand, seed);
  g_mutex_unlock (&self->mutex);
}

static gboolean
check_time (const char  *name,
            double       value,
            gboolean     zero_allowed,
            GError     **error)
{
  if (isfinite (value) && (value > 0 || (zero_allowed && value == 0)))
    return TRUE;

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Invalid %s %g: must be a number of seconds, %s",
               name, value, zero_allowed ? "0 (the response time) or more" : "above 0");
  return FALSE;
}

/* Called with the lock held. */
static gboolean
validate_locked (AioCircuitBreaker  *self,
                 GError            **error)
{
  if (!(self->error_ratio > 0 && self->error_ratio <= 1))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid error-ratio %g: must be above 0 and at most 1",
                   self->error_ratio);
      return FALSE;
    }

  return (check_time ("response-time", self->response_time, FALSE, error) &&
          check_time ("broken-time", self->broken_time, TRUE, error) &&
          check_time ("recovery-time", self->recovery_time, TRUE, error) &&
          check_time ("passing-time", self->passing_time, TRUE, error));
}

/**
 * aio_circuit_breaker_validate:
 * @self: a circuit breaker
 * @error: return location for a #GError
 *
 * Checks the properties; every call does too.
 *
 * Returns: %TRUE if every property has a usable value, else %FALSE with an
 *   %G_IO_ERROR_INVALID_ARGUMENT error naming the property
 *   and value
 *
 * Since: 0.1
 */
gboolean
aio_circuit_breaker_validate (AioCircuitBreaker  *self,
                              GError            **error)
{
  gboolean ret;

  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), FALSE);

  g_mutex_lock (&self->mutex);
  ret = validate_locked (self, error);
  g_mutex_unlock (&self->mutex);

  return ret;
}

/* The statistics. All called with the lock held. */

static gint64
usec_or_response_time (AioCircuitBreaker *self,
                       double             seconds)
{
  return _aio_seconds_to_usec (seconds > 0 ? seconds : self->response_time);
}

static gint64
bucket_id (AioCircuitBreaker *self,
           gint64             now)
{
  gint64 width = MAX (_aio_seconds_to_usec (self->response_time) / BUCKET_COUNT, 1);

  /* Floor division: the manual clock may start at 0, the system one is
   * positive, but be correct either way. */
  return now >= 0 ? now / width : -((-now + width - 1) / width);
}

/* aiomisc's counter(): the bucket of now, appended if new. */
static Bucket *
current_bucket (AioCircuitBreaker *self,
                gint64             now)
{
  gint64 id = bucket_id (self, now);

  if (self->n_buckets == 0 || self->buckets[self->n_buckets - 1].id != id)
    {
      if (self->n_buckets == BUCKET_COUNT)
        {
          memmove (&self->buckets[0], &self->buckets[1], (BUCKET_COUNT - 1) * sizeof (Bucket));
          self->n_buckets--;
        }
      self->buckets[self->n_buckets++] = (Bucket) { .id = id };
    }

  return &self->buckets[self->n_buckets - 1];
}

/* The share of the buckets of the window that are failing. */
static double
failing_ratio (AioCircuitBreaker *self,
               gint64             now)
{
  gint64 not_before = bucket_id (self, now) - BUCKET_COUNT;
  guint n = 0;
  guint failing = 0;

  for (guint i = self->n_buckets; i-- > 0;)
    {
      const Bucket *bucket = &self->buckets[i];

      if (bucket->id < not_before)
        break;

      n++;
      if (bucket->total > 0 && (double) bucket->failed / bucket->total >= self->error_ratio)
        failing++;
    }

  return n > 0 ? (double) failing / n : 0;
}

static void
set_broken (AioCircuitBreaker *self,
            gint64             now)
{
  self->state = AIO_CIRCUIT_BREAKER_STATE_BROKEN;
  self->stuck_until = now + usec_or_response_time (self, self->broken_time);
  self->n_buckets = 0;
}

/* aiomisc's _compute_state(). */
static void
compute_state (AioCircuitBreaker *self,
               gint64             now)
{
  double ratio;

  if (now < self->stuck_until)
    return;

  switch (self->state)
    {
    case AIO_CIRCUIT_BREAKER_STATE_BROKEN:
      self->state = AIO_CIRCUIT_BREAKER_STATE_RECOVERING;
      self->recovery_at = now;
      return;

    case AIO_CIRCUIT_BREAKER_STATE_PASSING:
      if (self->n_buckets < BUCKET_COUNT)
        return;
      if (failing_ratio (self, now) >= PASSING_BROKEN_THRESHOLD)
        set_broken (self, now);
      return;

    case AIO_CIRCUIT_BREAKER_STATE_RECOVERING:
      ratio = failing_ratio (self, now);
      if (ratio >= RECOVER_BROKEN_THRESHOLD * self->error_ratio)
        set_broken (self, now);
      else if (now - self->recovery_at >= usec_or_response_time (self, self->recovery_time))
        {
          self->state = AIO_CIRCUIT_BREAKER_STATE_PASSING;
          self->stuck_until = now + usec_or_response_time (self, self->passing_time);
        }
      return;

    default:
      g_assert_not_reached ();
    }
}

static const char *
state_to_string (AioCircuitBreakerState state)
{
  switch (state)
    {
    case AIO_CIRCUIT_BREAKER_STATE_PASSING: return "passing";
    case AIO_CIRCUIT_BREAKER_STATE_BROKEN: return "broken";
    case AIO_CIRCUIT_BREAKER_STATE_RECOVERING: return "recovering";
    default: return "invalid";
    }
}

/**
 * aio_circuit_breaker_allow:
 * @self: a circuit breaker
 * @error: return location for a #GError
 *
 * Asks whether a call may be made now, and re-evaluates the state. A call
 * that is let through must report its outcome with
 * [method@Aio.CircuitBreaker.record].
 *
 * [method@Aio.CircuitBreaker.call] and
 * [method@Aio.CircuitBreaker.call_async] do both; this pair is for calls
 * that fit neither.
 *
 * Returns: %TRUE if the call may be made; %FALSE with
 *   %AIO_ERROR_CIRCUIT_BROKEN (whose message carries the one of the
 *   last failure) if the breaker refuses it, or with
 *   %G_IO_ERROR_INVALID_ARGUMENT if a property is out of
 *   range
 *
 * Since: 0.1
 */
gboolean
aio_circuit_breaker_allow (AioCircuitBreaker  *self,
                           GError            **error)
{
  AioCircuitBreakerState old_state;
  AioCircuitBreakerState state;
  gboolean allowed = FALSE;
  gint64 now;

  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  now = aio_clock_get_monotonic_time (self->clock);

  g_mutex_lock (&self->mutex);

  if (!validate_locked (self, error))
    {
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }

  old_state = self->state;
  current_bucket (self, now);
  compute_state (self, now);
  state = self->state;

  switch (state)
    {
    case AIO_CIRCUIT_BREAKER_STATE_PASSING:
      aio_statistics_add (AIO_STAT_CIRCUIT_BREAKER, AIO_STAT_PASSING, 1);
      allowed = TRUE;
      break;

    case AIO_CIRCUIT_BREAKER_STATE_BROKEN:
      aio_statistics_add (AIO_STAT_CIRCUIT_BREAKER, AIO_STAT_BROKEN, 1);
      break;

    case AIO_CIRCUIT_BREAKER_STATE_RECOVERING:
      {
        double elapsed = (double) (now - self->recovery_at)
                         / usec_or_response_time (self, self->recovery_time);

        aio_statistics_add (AIO_STAT_CIRCUIT_BREAKER, AIO_STAT_RECOVERING, 1);
        allowed = g_rand_double (self->rand) + 1 < exp2 (CLAMP (elapsed, 0, 1));
        aio_statistics_add (AIO_STAT_CIRCUIT_BREAKER,
                            allowed ? AIO_STAT_RECOVERING_OK : AIO_STAT_RECOVERING_FAILED, 1);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  if (!allowed)
    {
      if (self->last_message != NULL)
        g_set_error (error, AIO_ERROR, AIO_ERROR_CIRCUIT_BROKEN,
                     "Circuit breaker is %s; last error: %s",
                     state_to_string (state), self->last_message);
      else
        g_set_error (error, AIO_ERROR, AIO_ERROR_CIRCUIT_BROKEN,
                     "Circuit breaker is %s", state_to_string (state));
    }

  g_mutex_unlock (&self->mutex);

  aio_statistics_add (AIO_STAT_CIRCUIT_BREAKER, AIO_STAT_CALLS, 1);
  if (state != old_state)
    {
      g_debug ("circuit breaker %p: %s -> %s", self,
               state_to_string (old_state), state_to_string (state));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }

  return allowed;
}

static gboolean
aio_circuit_breaker_counts (AioCircuitBreaker *self,
                            const GError      *error)
{
  AioCircuitBreakerFilterFunc func;
  gpointer data;
  gboolean counted;

  g_mutex_lock (&self->mutex);
  counted = self->counted_errors->len == 0;
  for (guint i = 0; !counted && i < self->counted_errors->len; i++)
    {
      const CountedError *entry = &g_array_index (self->counted_errors, CountedError, i);

      counted = entry->domain == error->domain && (entry->code == -1 || entry->code == error->code);
    }
  func = self->filter_func;
  data = self->filter_data;
  g_mutex_unlock (&self->mutex);

  /* User code runs unlocked: it may use the breaker. */
  if (counted && func != NULL)
    counted = func (error, data);

  return counted;
}

/**
 * aio_circuit_breaker_record:
 * @self: a circuit breaker
 * @error: (nullable): the error the call failed with, or %NULL if it
 *   succeeded
 *
 * Records the outcome of a call that [method@Aio.CircuitBreaker.allow] let
 * through. %G_IO_ERROR_CANCELLED is not recorded at all, nor is anything
 * while the breaker is broken; an error that does not count
 * ([method@Aio.CircuitBreaker.add_counted_error],
 * [method@Aio.CircuitBreaker.set_filter_func]) is recorded as a success.
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_record (AioCircuitBreaker *self,
                            const GError      *error)
{
  gboolean failed;
  gint64 now;

  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));

  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  failed = error != NULL && aio_circuit_breaker_counts (self, error);
  now = aio_clock_get_monotonic_time (self->clock);

  g_mutex_lock (&self->mutex);
  /* A call let through before the breaker broke: its statistics are gone. */
  if (self->state != AIO_CIRCUIT_BREAKER_STATE_BROKEN)
    {
      Bucket *bucket = current_bucket (self, now);

      bucket->total++;
      if (failed)
        {
          bucket->failed++;
          g_free (self->last_message);
          self->last_message = g_strdup (error->message);
        }
    }
  g_mutex_unlock (&self->mutex);

  if (failed)
    aio_statistics_add (AIO_STAT_CIRCUIT_BREAKER, AIO_STAT_ERRORS, 1);
}

/**
 * aio_circuit_breaker_call:
 * @self: a circuit breaker
 * @func: (scope call) (closure user_data): the call to guard
 * @user_data: data for @func
 * @value: (out caller-allocates) (optional): an uninitialized #GValue that
 *   receives what @func returned
 * @error: return location for a #GError
 *
 * Calls @func if the breaker lets the call through, and records its
 * outcome: aiomisc's `CircuitBreaker.call`.
 *
 * Returns: (skip): %TRUE if @func was called and succeeded (@value then
 *   holds its result, a %G_TYPE_POINTER %NULL if it stored none); %FALSE
 *   with @func's error, or with %AIO_ERROR_CIRCUIT_BROKEN if the
 *   call was refused
 *
 * Since: 0.1
 */
gboolean
aio_circuit_breaker_call (AioCircuitBreaker      *self,
                          AioCircuitBreakerFunc   func,
                          gpointer                user_data,
                          GValue                 *value,
                          GError                **error)
{
  g_auto(GValue) result = G_VALUE_INIT;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!aio_circuit_breaker_allow (self, error))
    return FALSE;

  func (user_data, &result, &local_error);
  aio_circuit_breaker_record (self, local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (!G_IS_VALUE (&result))
    {
      g_value_init (&result, G_TYPE_POINTER);
      g_value_set_pointer (&result, NULL);
    }
  if (value != NULL)
    {
      *value = result;
      result = (GValue) G_VALUE_INIT;
    }

  return TRUE;
}

static void
circuit_breaker_op_done (GObject      *source_object,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  _aio_task_propagate_op (G_TASK (result), &value, &error);
  aio_circuit_breaker_record (g_task_get_source_object (task), error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_value (task, &value);
}

/**
 * aio_circuit_breaker_call_async:
 * @self: a circuit breaker
 * @func: (scope call) (closure func_data): the operation to guard
 * @func_data: data for @func
 * @cancellable: (nullable): a #GCancellable, handed to @func
 * @callback: (scope async) (closure user_data): called when the call
 *   completed or was refused
 * @user_data: data for @callback
 *
 * Starts the async operation @func (see [callback@Aio.TaskFunc]) if the
 * breaker lets the call through, and records its outcome when it
 * completes: aiomisc's `CircuitBreaker.call_async`. @func, if let through,
 * is called before this function returns. A cancelled operation is not
 * counted.
 *
 * Call [method@Aio.CircuitBreaker.call_finish] from @callback.
 *
 * Since: 0.1
 */
void
aio_circuit_breaker_call_async (AioCircuitBreaker   *self,
                                AioTaskFunc          func,
                                gpointer             func_data,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) op_task = NULL;
  GError *error = NULL;

  g_return_if_fail (AIO_IS_CIRCUIT_BREAKER (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_circuit_breaker_call_async);
  g_task_set_name (task, "[aiomisc-glib] circuit breaker call");

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!aio_circuit_breaker_allow (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  op_task = g_task_new (self, cancellable, circuit_breaker_op_done, g_object_ref (task));
  g_task_set_name (op_task, "[aiomisc-glib] circuit breaker operation");
  func (op_task, cancellable, func_data);
}

/**
 * aio_circuit_breaker_call_finish:
 * @self: a circuit breaker
 * @result: the #GAsyncResult passed to the callback
 * @value: (out caller-allocates) (optional): an uninitialized #GValue that
 *   receives the operation's value
 * @error: return location for a #GError
 *
 * Completes [method@Aio.CircuitBreaker.call_async].
 *
 * Returns: (skip): %TRUE if the operation ran and succeeded (@value then
 *   holds its value, a %G_TYPE_POINTER %NULL if it returned none); %FALSE
 *   with its error, or with %AIO_ERROR_CIRCUIT_BROKEN if the call
 *   was refused
 *
 * Since: 0.1
 */
gboolean
aio_circuit_breaker_call_finish (AioCircuitBreaker  *self,
                                 GAsyncResult       *result,
                                 GValue             *value,
                                 GError            **error)
{
  g_return_val_if_fail (AIO_IS_CIRCUIT_BREAKER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aio_circuit_breaker_call_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _aio_task_propagate_value (G_TASK (result), value, error);
}
