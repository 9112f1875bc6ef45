/* aio-backoff.c: retrying an async operation with pauses and limits
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-statistics-private.h"
#include "aio-task-private.h"
#include "aio-backoff-private.h"

/**
 * AioBackoff:
 *
 * A retry policy for async operations, after aiomisc's `asyncbackoff`.
 *
 * [method@Aio.Backoff.run_async] runs an operation (an
 * [callback@Aio.TaskFunc]) until it succeeds, within these limits:
 *
 * - [property@Aio.Backoff:attempt-timeout]: how long one attempt may take;
 *   an attempt that runs out of time fails with %G_IO_ERROR_TIMED_OUT and
 *   is always retried.
 * - [property@Aio.Backoff:deadline]: how long all the attempts together may
 *   take. When it passes, the current attempt is cancelled (or the pause cut
 *   short) and the caller gets the error of the last attempt that failed,
 *   not a generic timeout; %G_IO_ERROR_TIMED_OUT only if no attempt failed
 *   yet.
 * - [property@Aio.Backoff:max-tries]: how many attempts at most; the error
 *   of the last one is reported.
 * - [property@Aio.Backoff:pause] between attempts, optionally growing by
 *   [property@Aio.Backoff:exponent] up to [property@Aio.Backoff:max-pause],
 *   with "full jitter" ([property@Aio.Backoff:jitter]): each pause is drawn
 *   uniformly between 0 and its computed length.
 *
 * Which errors are retried: all of them by default, or only those added with
 * [method@Aio.Backoff.add_retry_error] (plus %G_IO_ERROR_TIMED_OUT, always,
 * as aiomisc always retries `asyncio.TimeoutError`). Any other error, and
 * %G_IO_ERROR_CANCELLED, is reported at once. A giveup function
 * ([method@Aio.Backoff.set_giveup_func]) can stop the retries after any
 * failed attempt.
 *
 * Time is read and waited for on [property@Aio.Backoff:clock], so tests
 * drive a backoff with an [class@Aio.ManualClock].
 *
 * The ranges of the properties are in their specifications, so
 * g_object_set() refuses a value out of range with a warning. The C setters
 * take any value: [method@Aio.Backoff.validate] and every run report a bad
 * one (a negative pause, a max-tries of 0, …) as
 * %G_IO_ERROR_INVALID_ARGUMENT, naming the value.
 *
 * Each run adds to the process-wide statistics ([func@Aio.statistics_get])
 * of group `"backoff"`: `attempts` (attempts started), `done` (attempts
 * completed), `errors` (attempts failed, cancellations aside), `cancels`
 * (attempts cut short by a cancellation or the deadline) and `sum_time`
 * (seconds spent in attempts).
 *
 * The properties may be changed while runs are in progress: each run uses
 * the values it found when it started. A backoff is thread-safe.
 *
 * Since: 0.1
 */

struct _AioBackoff
{
  GObject               parent_instance;

  GMutex                mutex;
  AioClock             *clock;
  double                attempt_timeout;
  double                deadline;
  double                pause;
  int                   max_tries;
  double                exponent;
  double                max_pause;
  gboolean              jitter;
  GRand                *rand;
  GArray               *retry_errors;   /* RetryError */
  AioBackoffGiveupFunc  giveup_func;
  gpointer              giveup_data;
  GDestroyNotify        giveup_destroy;
};

typedef struct
{
  GQuark domain;
  int    code;
} RetryError;

G_DEFINE_FINAL_TYPE (AioBackoff, aio_backoff, G_TYPE_OBJECT)

#define DEFAULT_MAX_TRIES (-1)
#define DEFAULT_EXPONENT 1.0

enum {
  PROP_0,
  PROP_CLOCK,
  PROP_ATTEMPT_TIMEOUT,
  PROP_DEADLINE,
  PROP_PAUSE,
  PROP_MAX_TRIES,
  PROP_EXPONENT,
  PROP_MAX_PAUSE,
  PROP_JITTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
aio_backoff_finalize (GObject *object)
{
  AioBackoff *self = AIO_BACKOFF (object);

  if (self->giveup_destroy != NULL)
    self->giveup_destroy (self->giveup_data);
  g_clear_object (&self->clock);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->retry_errors, g_array_unref);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (aio_backoff_parent_class)->finalize (object);
}

static void
aio_backoff_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  AioBackoff *self = AIO_BACKOFF (object);

  switch (prop_id)
    {
    case PROP_CLOCK:
      g_value_set_object (value, self->clock);
      break;

    case PROP_ATTEMPT_TIMEOUT:
      g_value_set_double (value, aio_backoff_get_attempt_timeout (self));
      break;

    case PROP_DEADLINE:
      g_value_set_double (value, aio_backoff_get_deadline (self));
      break;

    case PROP_PAUSE:
      g_value_set_double (value, aio_backoff_get_pause (self));
      break;

    case PROP_MAX_TRIES:
      g_value_set_int (value, aio_backoff_get_max_tries (self));
      break;

    case PROP_EXPONENT:
      g_value_set_double (value, aio_backoff_get_exponent (self));
      break;

    case PROP_MAX_PAUSE:
      g_value_set_double (value, aio_backoff_get_max_pause (self));
      break;

    case PROP_JITTER:
      g_value_set_boolean (value, aio_backoff_get_jitter (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_backoff_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  AioBackoff *self = AIO_BACKOFF (object);

  switch (prop_id)
    {
    case PROP_CLOCK:
      self->clock = g_value_get_object (value)
        ? g_value_dup_object (value)
        : g_object_ref (aio_clock_get_default ());
      break;

    case PROP_ATTEMPT_TIMEOUT:
      aio_backoff_set_attempt_timeout (self, g_value_get_double (value));
      break;

    case PROP_DEADLINE:
      aio_backoff_set_deadline (self, g_value_get_double (value));
      break;

    case PROP_PAUSE:
      aio_backoff_set_pause (self, g_value_get_double (value));
      break;

    case PROP_MAX_TRIES:
      aio_backoff_set_max_tries (self, g_value_get_int (value));
      break;

    case PROP_EXPONENT:
      aio_backoff_set_exponent (self, g_value_get_double (value));
      break;

    case PROP_MAX_PAUSE:
      aio_backoff_set_max_pause (self, g_value_get_double (value));
      break;

    case PROP_JITTER:
      aio_backoff_set_jitter (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
aio_backoff_class_init (AioBackoffClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = aio_backoff_finalize;
  object_class->get_property = aio_backoff_get_property;
  object_class->set_property = aio_backoff_set_property;

  /**
   * AioBackoff:clock:
   *
   * The clock that measures timeouts, the deadline and pauses; the
   * default clock if unset.
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
   * AioBackoff:attempt-timeout:
   *
   * How long one attempt may take, in seconds; 0 for no limit. An attempt
   * that runs out of time is cancelled, fails with %G_IO_ERROR_TIMED_OUT
   * and is retried. Must not be negative.
   *
   * Since: 0.1
   */
  properties[PROP_ATTEMPT_TIMEOUT] =
    g_param_spec_double ("attempt-timeout", NULL, NULL,
                         0, INFINITY, 0,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioBackoff:deadline:
   *
   * How long all the attempts and pauses together may take, in seconds; 0
   * for no limit. When it passes, the run fails with the error of the last
   * failed attempt. Must not be negative.
   *
   * Since: 0.1
   */
  properties[PROP_DEADLINE] =
    g_param_spec_double ("deadline", NULL, NULL,
                         0, INFINITY, 0,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioBackoff:pause:
   *
   * The pause after the first failed attempt, in seconds (the later ones
   * grow with [property@Aio.Backoff:exponent]). Must be finite, 0 or more.
   *
   * Since: 0.1
   */
  properties[PROP_PAUSE] =
    g_param_spec_double ("pause", NULL, NULL,
                         0, G_MAXDOUBLE, 0,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioBackoff:max-tries:
   *
   * How many attempts at most: 1 or more, or -1 for no limit.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_TRIES] =
    g_param_spec_int ("max-tries", NULL, NULL,
                      -1, G_MAXINT, DEFAULT_MAX_TRIES,
                      (G_PARAM_READWRITE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  /**
   * AioBackoff:exponent:
   *
   * How the pause grows: the pause after attempt n is
   * `pause × exponentⁿ⁻¹`. 1 (the default) keeps it constant, 2 doubles it
   * each time. Must be finite, 1 or more.
   *
   * Since: 0.1
   */
  properties[PROP_EXPONENT] =
    g_param_spec_double ("exponent", NULL, NULL,
                         1, G_MAXDOUBLE, DEFAULT_EXPONENT,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioBackoff:max-pause:
   *
   * The longest pause, in seconds, whatever the exponent says; 0 for no
   * cap. Must not be negative.
   *
   * Since: 0.1
   */
  properties[PROP_MAX_PAUSE] =
    g_param_spec_double ("max-pause", NULL, NULL,
                         0, INFINITY, 0,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * AioBackoff:jitter:
   *
   * Whether to use "full jitter": each pause is drawn uniformly between 0
   * and its computed length, so that clients failing together do not retry
   * together.
   *
   * Since: 0.1
   */
  properties[PROP_JITTER] =
    g_param_spec_boolean ("jitter", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
aio_backoff_init (AioBackoff *self)
{
  g_mutex_init (&self->mutex);
  self->max_tries = DEFAULT_MAX_TRIES;
  self->exponent = DEFAULT_EXPONENT;
  self->rand = g_rand_new ();
  self->retry_errors = g_array_new (FALSE, FALSE, sizeof (RetryError));
}

/**
 * aio_backoff_new:
 * @attempt_timeout: [property@Aio.Backoff:attempt-timeout], 0 for none
 * @deadline: [property@Aio.Backoff:deadline], 0 for none
 * @pause: [property@Aio.Backoff:pause]
 * @max_tries: [property@Aio.Backoff:max-tries], -1 for no limit
 *
 * Creates a backoff with the arguments of aiomisc's `asyncbackoff`; the
 * other properties have their defaults (constant pause, no jitter, the
 * default clock, every error retried). Values out of range are reported
 * by the runs.
 *
 * Returns: (transfer full): a new backoff
 *
 * Since: 0.1
 */
AioBackoff *
aio_backoff_new (double attempt_timeout,
                 double deadline,
                 double pause,
                 int    max_tries)
{
  AioBackoff *self = g_object_new (AIO_TYPE_BACKOFF, NULL);

  /* Not through g_object_new(): a NaN would be refused with a warning
   * there, and bad values are reported as errors by the runs instead. */
  self->attempt_timeout = attempt_timeout;
  self->deadline = deadline;
  self->pause = pause;
  self->max_tries = max_tries;

  return self;
}

/**
 * aio_backoff_get_clock:
 * @self: a backoff
 *
 * Gets [property@Aio.Backoff:clock].
 *
 * Returns: (transfer none): the clock
 *
 * Since: 0.1
 */
AioClock *
aio_backoff_get_clock (AioBackoff *self)
{
  g_return_val_if_fail (AIO_IS_BACKOFF (self), NULL);

  return self->clock;
}

/**
 * aio_backoff_get_attempt_timeout:
 * @self: a backoff
 *
 * Gets [property@Aio.Backoff:attempt-timeout].
 *
 * Returns: the time limit of one attempt, in seconds; 0 for none
 *
 * Since: 0.1
 */
double
aio_backoff_get_attempt_timeout (AioBackoff *self)
{
  g_return_val_if_fail (AIO_IS_BACKOFF (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->attempt_timeout);
}

/**
 * aio_backoff_set_attempt_timeout:
 * @self: a backoff
 * @attempt_timeout: the time limit of one attempt, in seconds; 0 for none
 *
 * Sets [property@Aio.Backoff:attempt-timeout].
 *
 * Since: 0.1
 */
void
aio_backoff_set_attempt_timeout (AioBackoff *self,
                                 double      attempt_timeout)
{
  g_return_if_fail (AIO_IS_BACKOFF (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->attempt_timeout, attempt_timeout,
                          properties[PROP_ATTEMPT_TIMEOUT]);
}

/**
 * aio_backoff_get_deadline:
 * @self: a backoff
 *
 * Gets [property@Aio.Backoff:deadline].
 *
 * Returns: the time limit of a run, in seconds; 0 for none
 *
 * Since: 0.1
 */
double
aio_backoff_get_deadline (AioBackoff *self)
{
  g_return_val_if_fail (AIO_IS_BACKOFF (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->deadline);
}

/**
 * aio_backoff_set_deadline:
 * @self: a backoff
 * @deadline: the time limit of a run, in seconds; 0 for none
 *
 * Sets [property@Aio.Backoff:deadline].
 *
 * Since: 0.1
 */
void
aio_backoff_set_deadline (AioBackoff *self,
                          double      deadline)
{
  g_return_if_fail (AIO_IS_BACKOFF (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->deadline, deadline,
                          properties[PROP_DEADLINE]);
}

/**
 * aio_backoff_get_pause:
 * @self: a backoff
 *
 * Gets [property@Aio.Backoff:pause].
 *
 * Returns: the first pause, in seconds
 *
 * Since: 0.1
 */
double
aio_backoff_get_pause (AioBackoff *self)
{
  g_return_val_if_fail (AIO_IS_BACKOFF (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->pause);
}

/**
 * aio_backoff_set_pause:
 * @self: a backoff
 * @pause: the first pause, in seconds
 *
 * Sets [property@Aio.Backoff:pause].
 *
 * Since: 0.1
 */
void
aio_backoff_set_pause (AioBackoff *self,
                       double      pause)
{
  g_return_if_fail (AIO_IS_BACKOFF (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->pause, pause,
                          properties[PROP_PAUSE]);
}

/**
 * aio_backoff_get_exponent:
 * @self: a backoff
 *
 * Gets [property@Aio.Backoff:exponent].
 *
 * Returns: the growth factor of the pauses
 *
 * Since: 0.1
 */
double
aio_backoff_get_exponent (AioBackoff *self)
{
  g_return_val_if_fail (AIO_IS_BACKOFF (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->exponent);
}

/**
 * aio_backoff_set_exponent:
 * @self: a backoff
 * @exponent: the growth factor of the pauses, 1 or more
 *
 * Sets [property@Aio.Backoff:exponent].
 *
 * Since: 0.1
 */
void
aio_backoff_set_exponent (AioBackoff *self,
                          double      exponent)
{
  g_return_if_fail (AIO_IS_BACKOFF (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->exponent, exponent,
                          properties[PROP_EXPONENT]);
}

/**
 * aio_backoff_get_max_pause:
 * @self: a backoff
 *
 * Gets [property@Aio.Backoff:max-pause].
 *
 * Returns: the longest pause, in seconds; 0 for no cap
 *
 * Since: 0.1
 */
double
aio_backoff_get_max_pause (AioBackoff *self)
{
  g_return_val_if_fail (AIO_IS_BACKOFF (self), 0);

  return _aio_locked_get_double (&self->mutex, &self->max_pause);
}

/**
 * aio_backoff_set_max_pause:
 * @self: a backoff
 * @max_pause: the longest pause, in seconds; 0 for no cap
 *
 * Sets [property@Aio.Backoff:max-pause].
 *
 * Since: 0.1
 */
void
aio_backoff_set_max_pause (AioBackoff *self,
                           double      max_pause)
{
  g_return_if_fail (AIO_IS_BACKOFF (self));

  _aio_locked_set_double (G_OBJECT (self), &self->mutex, &self->max_pause, max_pause,
                          properties[PROP_MAX_PAUSE]);
}

/**
 * aio_backoff_get_max_tries:
 * @self: a backoff
 *
 * Gets [property@Aio.Backoff:max-tries].
 *
 * Returns: the most attempts of a run, -1 for no limit
 *
 * Since: 0.1
 */
int
aio_backoff_get_max_tries (AioBackoff *self)
{
  int ret;

  g_return_val_if_fail (AIO_IS_BACKOFF (self), -1);

  g_mutex_lock (&self->mutex);
  ret = self->max_tries;
  g_mutex_unlock (&self->mutex);

  return ret;
}

/**
 * aio_backoff_set_max_tries:
 * @self: a backoff
 * @max_tries: the most attempts of a run, 1 or more, or -1 for no limit
 *
 * Sets [property@Aio.Backoff:max-tries].
 *
 * Since: 0.1
 */
void
aio_backoff_set_max_tries (AioBackoff *self,
                           int         max_tries)
{
  gboolean changed;

  g_return_if_fail (AIO_IS_BACKOFF (self));

  g_mutex_lock (&self->mutex);
  changed = self->max_tries != max_tries;
  self->max_tries = max_tries;
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_TRIES]);
}

/**
 * aio_backoff_get_jitter:
 * @self: a backoff
 *
 * Gets [property@Aio.Backoff:jitter].
 *
 * Returns: whether pauses are drawn at random
 *
 * Since: 0.1
 */
gboolean
aio_backoff_get_jitter (AioBackoff *self)
{
  gboolean ret;

  g_return_val_if_fail (AIO_IS_BACKOFF (self), FALSE);

  g_mutex_lock (&self->mutex);
  ret = self->jitter;
  g_mutex_unlock (&self->mutex);

  return ret;
}

/**
 * aio_backoff_set_jitter:
 * @self: a backoff
 * @jitter: whether to draw each pause between 0 and its computed length
 *
 * Sets [property@Aio.Backoff:jitter].
 *
 * Since: 0.1
 */
void
aio_backoff_set_jitter (AioBackoff *self,
                        gboolean    jitter)
{
  gboolean changed;

  g_return_if_fail (AIO_IS_BACKOFF (self));

  jitter = !!jitter;
  g_mutex_lock (&self->mutex);
  changed = self->jitter != jitter;
  self->jitter = jitter;
  g_mutex_unlock (&self->mutex);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JITTER]);
}

/**
 * aio_backoff_set_giveup_func:
 * @self: a backoff
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the predicate, or %NULL to never give up early
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets the function that decides, after each failed attempt that would be
 * retried, whether to stop at once and report its error (aiomisc's
 * `giveup`). It runs on the thread-default main context of the run.
 *
 * Since: 0.1
 */
void
aio_backoff_set_giveup_func (AioBackoff           *self,
                             AioBackoffGiveupFunc  func,
                             gpointer              user_data,
                             GDestroyNotify        destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (AIO_IS_BACKOFF (self));

  g_mutex_lock (&self->mutex);
  old_destroy = self->giveup_destroy;
  old_data = self->giveup_data;
  self->giveup_func = func;
  self->giveup_data = user_data;
  self->giveup_destroy = destroy;
  g_mutex_unlock (&self->mutex);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

/**
 * aio_backoff_add_retry_error:
 * @self: a backoff
 * @domain: an error domain
 * @code: an error code of @domain, or -1 for all of them
 *
 * Adds to the errors that are retried (aiomisc's `exceptions`). Until this
 * is called every error is retried; afterwards only those added are (and
 * %G_IO_ERROR_TIMED_OUT, always); any other error fails the run at once.
 *
 * Since: 0.1
 */
void
aio_backoff_add_retry_error (AioBackoff *self,
                             GQuark      domain,
                             int         code)
{
  RetryError entry = { domain, code };

  g_return_if_fail (AIO_IS_BACKOFF (self));
  g_return_if_fail (domain != 0);

  g_mutex_lock (&self->mutex);
  g_array_append_val (self->retry_errors, entry);
  g_mutex_unlock (&self->mutex);
}

/**
 * aio_backoff_clear_retry_errors:
 * @self: a backoff
 *
 * Forgets the errors added with [method@Aio.Backoff.add_retry_error]:
 * every error is retried again.
 *
 * Since: 0.1
 */
void
aio_backoff_clear_retry_errors (AioBackoff *self)
{
  g_return_if_fail (AIO_IS_BACKOFF (self));

  g_mutex_lock (&self->mutex);
  g_array_set_size (self->retry_errors, 0);
  g_mutex_unlock (&self->mutex);
}

/**
 * aio_backoff_is_retried:
 * @self: a backoff
 * @error: an error an attempt failed with
 *
 * Tells whether an attempt that failed with @error is retried, as far as
 * the error filter goes ([method@Aio.Backoff.add_retry_error]); the
 * max-tries, the deadline and the giveup function may still stop the run.
 *
 * Returns: %TRUE if @error is retried
 *
 * Since: 0.1
 */
gboolean
aio_backoff_is_retried (AioBackoff   *self,
                        const GError *error)
{
  gboolean ret;

  g_return_val_if_fail (AIO_IS_BACKOFF (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return TRUE;

  g_mutex_lock (&self->mutex);
  ret = self->retry_errors->len == 0;
  for (guint i = 0; !ret && i < self->retry_errors->len; i++)
    {
      const RetryError *entry = &g_array_index (self->retry_errors, RetryError, i);

      ret = entry->domain == error->domain && (entry->code == -1 || entry->code == error->code);
    }
  g_mutex_unlock (&self->mutex);

  return ret;
}

/**
 * aio_backoff_set_seed:
 * @self: a backoff
 * @seed: a seed
 *
 * Seeds the random generator of the jitter, for reproducible pauses (in
 * tests). By default it is seeded from the system.
 *
 * Since: 0.1
 */
void
aio_backoff_set_seed (AioBackoff *self,
                      guint32     seed)
{
  g_return_if_fail (AIO_IS_BACKOFF (self));

  g_mutex_lock (&self->mutex);
  g_rand_set_seed (self->rand, seed);
  g_mutex_unlock (&self->mutex);
}

typedef struct
{
  double   attempt_timeout;
  double   deadline;
  double   pause;
  int      max_tries;
  double   exponent;
  double   max_pause;
  gboolean jitter;
} Config;

static void
aio_backoff_get_config (AioBackoff *self,
                        Config     *config)
{
  g_mutex_lock (&self->mutex);
  config->attempt_timeout = self->attempt_timeout;
  config->deadline = self->deadline;
  config->pause = self->pause;
  config->max_tries = self->max_tries;
  config->exponent = self->exponent;
  config->max_pause = self->max_pause;
  config->jitter = self->jitter;
  g_mutex_unlock (&self->mutex);
}

static gboolean
config_validate (const Config  *config,
                 GError       **error)
{
  if (isnan (config->attempt_timeout) || config->attempt_timeout < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid attempt-timeout %g: must be a number of seconds, 0 (none) or more",
                   config->attempt_timeout);
      return FALSE;
    }

  if (isnan (config->deadline) || config->deadline < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid deadline %g: must be a number of seconds, 0 (none) or more",
                   config->deadline);
      return FALSE;
    }

  if (!isfinite (config->pause) || config->pause < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid pause %g: must be a number of seconds, 0 or more",
                   config->pause);
      return FALSE;
    }

  if (config->max_tries < 1 && config->max_tries != -1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid max-tries %d: must be 1 or more, or -1 (no limit)",
                   config->max_tries);
      return FALSE;
    }

  if (!isfinite (config->exponent) || config->exponent < 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid exponent %g: must be 1 or more",
                   config->exponent);
      return FALSE;
    }

  if (isnan (config->max_pause) || config->max_pause < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid max-pause %g: must be a number of seconds, 0 (no cap) or more",
                   config->max_pause);
      return FALSE;
    }

  return TRUE;
}

/**
 * aio_backoff_validate:
 * @self: a backoff
 * @error: return location for a #GError
 *
 * Checks the properties; every run does too.
 *
 * Returns: %TRUE if every property has a usable value, else %FALSE with an
 *   %G_IO_ERROR_INVALID_ARGUMENT error naming the property and value
 *
 * Since: 0.1
 */
gboolean
aio_backoff_validate (AioBackoff  *self,
                      GError     **error)
{
  Config config;

  g_return_val_if_fail (AIO_IS_BACKOFF (self), FALSE);

  aio_backoff_get_config (self, &config);
  return config_validate (&config, error);
}

/* Runs */

typedef struct
{
  AioBackoff     *self;
  GTask          *task;
  Config          config;
  AioTaskFunc     func;
  gpointer        func_data;
  GDestroyNotify  func_data_destroy;

  GCancellable   *cancellable;       /* the caller's, nullable */
  GSource        *cancel_link;       /* forwards the caller's cancellation */
  GCancellable   *run_cancellable;   /* cancelled by the caller or the deadline */
  GSource        *deadline_timer;
  GSource        *pause_timer;
  GSource        *pause_cancel;      /* wakes a pause up on cancellation */

  guint           tries;
  gint64          attempt_started;
  GError         *last_error;
  gboolean        deadline_passed;
} BackoffRun;

static void backoff_attempt (BackoffRun *run);

static void
backoff_run_free (BackoffRun *run)
{
  _aio_cancellable_unlink (&run->cancel_link);
  g_clear_object (&run->cancellable);
  if (run->deadline_timer != NULL)
    g_source_destroy (run->deadline_timer);
  g_clear_pointer (&run->deadline_timer, g_source_unref);
  if (run->pause_timer != NULL)
    g_source_destroy (run->pause_timer);
  g_clear_pointer (&run->pause_timer, g_source_unref);
  if (run->pause_cancel != NULL)
    g_source_destroy (run->pause_cancel);
  g_clear_pointer (&run->pause_cancel, g_source_unref);
  g_clear_object (&run->run_cancellable);
  if (run->func_data_destroy != NULL)
    run->func_data_destroy (run->func_data);
  g_clear_error (&run->last_error);
  g_clear_object (&run->task);
  g_clear_object (&run->self);
  g_free (run);
}

/* Completes the run with @value or @error (taken). */
static void
backoff_return (BackoffRun *run,
                GValue     *value,
                GError     *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&run->task);

  backoff_run_free (run);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_value (task, value);
}

/* The run was cancelled by the caller or reached its deadline. */
static void
backoff_return_interrupted (BackoffRun *run)
{
  GError *error;

  if (run->cancellable != NULL && g_cancellable_is_cancelled (run->cancellable))
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  else if (run->last_error != NULL)
    error = g_steal_pointer (&run->last_error);
  else
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                         "Deadline of %g s reached before any attempt completed",
                         run->config.deadline);

  g_debug ("backoff: %s after %u attempts", error->message, run->tries);
  backoff_return (run, NULL, error);
}

static gboolean
backoff_deadline_cb (gpointer user_data)
{
  BackoffRun *run = user_data;
  g_autoptr(GCancellable) run_cancellable = g_object_ref (run->run_cancellable);

  run->deadline_passed = TRUE;
  g_clear_pointer (&run->deadline_timer, g_source_unref);

  /* An attempt in progress completes later (GTask defers the callbacks of
   * cancelled tasks); a pause is woken up by its cancellable source. */
  g_cancellable_cancel (run_cancellable);

  return G_SOURCE_REMOVE;
}

static void
backoff_clear_pause (BackoffRun *run)
{
  if (run->pause_timer != NULL)
    g_source_destroy (run->pause_timer);
  g_clear_pointer (&run->pause_timer, g_source_unref);
  if (run->pause_cancel != NULL)
    g_source_destroy (run->pause_cancel);
  g_clear_pointer (&run->pause_cancel, g_source_unref);
}

static gboolean
backoff_pause_done_cb (gpointer user_data)
{
  BackoffRun *run = user_data;

  backoff_clear_pause (run);
  backoff_attempt (run);

  return G_SOURCE_REMOVE;
}

static gboolean
backoff_pause_cancelled_cb (GCancellable *cancellable,
                            gpointer      user_data)
{
  BackoffRun *run = user_data;

  backoff_clear_pause (run);
  backoff_return_interrupted (run);

  return G_SOURCE_REMOVE;
}

/* The pause after @tries failed attempts, in seconds:
 * pause × exponent^(tries - 1) (infinite on overflow), capped at @max_pause
 * (0: no cap), then with "full jitter" when @rand is given: drawn uniformly
 * between 0 and that. Shared with AioRobustTcpClient; the caller serialises
 * the use of @rand. */
double
_aio_backoff_compute_pause (double  pause,
                            double  exponent,
                            double  max_pause,
                            guint   tries,
                            GRand  *rand)
{
  if (pause > 0 && exponent > 1 && tries > 1)
    pause *= pow (exponent, tries - 1);
  if (max_pause > 0 && !(pause <= max_pause))
    pause = max_pause;

  if (rand != NULL && pause > 0)
    pause *= g_rand_double (rand);

  return pause;
}

static double
backoff_compute_pause (BackoffRun *run)
{
  const Config *config = &run->config;
  double pause;

  g_mutex_lock (&run->self->mutex);
  pause = _aio_backoff_compute_pause (config->pause, config->exponent, config->max_pause,
                                      run->tries, config->jitter ? run->self->rand : NULL);
  g_mutex_unlock (&run->self->mutex);

  return pause;
}

static void
backoff_pause (BackoffRun *run)
{
  GMainContext *context = g_task_get_context (run->task);
  double pause = backoff_compute_pause (run);

  g_debug ("backoff: attempt %u failed (%s), next in %g s",
           run->tries, run->last_error->message, pause);

  run->pause_timer = _aio_clock_timer_new (run->self->clock, _aio_seconds_to_usec (pause),
                                           backoff_pause_done_cb, run, context);
  run->pause_cancel = g_cancellable_source_new (run->run_cancellable);
  g_source_set_callback (run->pause_cancel, G_SOURCE_FUNC (backoff_pause_cancelled_cb), run, NULL);
  g_source_attach (run->pause_cancel, context);
}

static gboolean
backoff_should_give_up (BackoffRun   *run,
                        const GError *error)
{
  AioBackoff *self = run->self;
  AioBackoffGiveupFunc func;
  gpointer data;

  g_mutex_lock (&self->mutex);
  func = self->giveup_func;
  data = self->giveup_data;
  g_mutex_unlock (&self->mutex);

  return func != NULL && func (error, data);
}

static void
backoff_attempt_done (BackoffRun *run,
                      gboolean    ok,
                      GValue     *value,
                      GError     *error)
{
  AioClock *clock = run->self->clock;
  gint64 elapsed = aio_clock_get_monotonic_time (clock) - run->attempt_started;
  gboolean interrupted = g_cancellable_is_cancelled (run->run_cancellable);

  aio_statistics_add (AIO_STAT_BACKOFF, AIO_STAT_DONE, 1);
  _aio_statistics_add_sum_time (AIO_STAT_BACKOFF, elapsed);

  if (ok)
    {
      backoff_return (run, value, NULL);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      aio_statistics_add (AIO_STAT_BACKOFF, AIO_STAT_CANCELS, 1);
      if (interrupted)
        {
          g_error_free (error);
          backoff_return_interrupted (run);
        }
      else
        backoff_return (run, NULL, error);   /* cancelled on its own */
      return;
    }

  aio_statistics_add (AIO_STAT_BACKOFF, AIO_STAT_ERRORS, 1);
  g_clear_error (&run->last_error);
  run->last_error = g_error_copy (error);

  if (interrupted)
    {
      g_error_free (error);
      backoff_return_interrupted (run);
    }
  else if (!aio_backoff_is_retried (run->self, error))
    backoff_return (run, NULL, error);
  else if (run->config.max_tries > 0 && run->tries >= (guint) run->config.max_tries)
    backoff_return (run, NULL, error);
  else if (backoff_should_give_up (run, error))
    backoff_return (run, NULL, error);
  else
    {
      g_error_free (error);
      backoff_pause (run);
    }
}

static void
backoff_op_done (GObject      *source_object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ok;

  ok = _aio_task_propagate_op (G_TASK (result), &value, &error);
  backoff_attempt_done (user_data, ok, &value, error);
}

static void
backoff_timeout_done (GObject      *source_object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;
  gboolean ok;

  ok = aio_timeout_finish (result, &value, &error);
  backoff_attempt_done (user_data, ok, &value, error);
}

static void
backoff_attempt (BackoffRun *run)
{
  AioClock *clock = run->self->clock;

  run->tries++;
  run->attempt_started = aio_clock_get_monotonic_time (clock);
  aio_statistics_add (AIO_STAT_BACKOFF, AIO_STAT_ATTEMPTS, 1);

  if (run->config.attempt_timeout > 0)
    aio_timeout_full_async (clock, run->config.attempt_timeout,
                            run->func, run->func_data, run->run_cancellable,
                            backoff_timeout_done, run);
  else
    {
      g_autoptr(GTask) op_task = g_task_new (NULL, run->run_cancellable, backoff_op_done, run);

      g_task_set_name (op_task, "[aiomisc-glib] backoff attempt");
      run->func (op_task, run->run_cancellable, run->func_data);
    }
}

/**
 * aio_backoff_run_async:
 * @self: a backoff
 * @func: (scope notified) (closure func_data) (destroy func_data_destroy):
 *   the operation to run, once per attempt
 * @func_data: data for @func
 * @func_data_destroy: (nullable): frees @func_data once the run completed
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the run
 *   completed
 * @user_data: data for @callback
 *
 * Runs an async operation (see [callback@Aio.TaskFunc]) until it succeeds
 * or the policy of @self says to stop, pausing between attempts. The first
 * attempt starts before this function returns.
 *
 * [method@Aio.Backoff.run_finish] then gives the value of the attempt that
 * succeeded, or the error of the last one that failed (also when the
 * deadline passed), %G_IO_ERROR_TIMED_OUT if the deadline passed before any
 * attempt failed, %G_IO_ERROR_CANCELLED if @cancellable was cancelled, or
 * an %G_IO_ERROR_INVALID_ARGUMENT error if a property is out of
 * range. A cancelled or interrupted attempt is waited for, so @func never
 * runs past @callback.
 *
 * Since: 0.1
 */
void
aio_backoff_run_async (AioBackoff          *self,
                       AioTaskFunc          func,
                       gpointer             func_data,
                       GDestroyNotify       func_data_destroy,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  BackoffRun *run;
  Config config;

  g_return_if_fail (AIO_IS_BACKOFF (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, aio_backoff_run_async);
  g_task_set_name (task, "[aiomisc-glib] backoff");

  aio_backoff_get_config (self, &config);
  if (!config_validate (&config, &error) ||
      g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      if (func_data_destroy != NULL)
        func_data_destroy (func_data);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  run = g_new0 (BackoffRun, 1);
  run->self = g_object_ref (self);
  run->task = g_object_ref (task);
  run->config = config;
  run->func = func;
  run->func_data = func_data;
  run->func_data_destroy = func_data_destroy;
  run->run_cancellable = g_cancellable_new ();
  run->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  run->cancel_link = _aio_cancellable_link (cancellable, run->run_cancellable,
                                            g_task_get_context (task));

  if (_aio_seconds_to_usec (config.deadline) > 0 &&
      _aio_seconds_to_usec (config.deadline) < G_MAXINT64 / 2)
    run->deadline_timer = _aio_clock_timer_new (self->clock,
                                                _aio_seconds_to_usec (config.deadline),
                                                backoff_deadline_cb, run,
                                                g_task_get_context (task));

  backoff_attempt (run);
}

/**
 * aio_backoff_run_finish:
 * @self: a backoff
 * @result: the #GAsyncResult passed to the callback
 * @value: (out caller-allocates) (optional): an uninitialized #GValue that
 *   receives the operation's value
 * @error: return location for a #GError
 *
 * Completes [method@Aio.Backoff.run_async]. On success @value holds what the
 * successful attempt returned (a %G_TYPE_POINTER %NULL if it returned no
 * value); on failure it is left untouched.
 *
 * Returns: (skip): %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
aio_backoff_run_finish (AioBackoff    *self,
                        GAsyncResult  *result,
                        GValue        *value,
                        GError       **error)
{
  g_return_val_if_fail (AIO_IS_BACKOFF (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == aio_backoff_run_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _aio_task_propagate_value (G_TASK (result), value, error);
}

/**
 * aio_retry_async:
 * @max_tries: how many attempts at most, 1 or more (-1 for no limit)
 * @pause: the pause between attempts, in seconds
 * @func: (scope notified) (closure func_data) (destroy func_data_destroy):
 *   the operation to run, once per attempt
 * @func_data: data for @func
 * @func_data_destroy: (nullable): frees @func_data once the run completed
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the run
 *   completed; its source object is the [class@Aio.Backoff] used
 * @user_data: data for @callback
 *
 * Retries an async operation on any error: aiomisc's `asyncretry`, a
 * shortcut for [method@Aio.Backoff.run_async] with a backoff of
 * @max_tries and @pause, without time limits. Call [func@Aio.retry_finish]
 * from @callback.
 *
 * Since: 0.1
 */
void
aio_retry_async (int                  max_tries,
                 double               pause,
                 AioTaskFunc          func,
                 gpointer             func_data,
                 GDestroyNotify       func_data_destroy,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(AioBackoff) backoff = aio_backoff_new (0, 0, pause, max_tries);

  aio_backoff_run_async (backoff, func, func_data, func_data_destroy,
                         cancellable, callback, user_data);
}

/**
 * aio_retry_finish:
 * @result: the #GAsyncResult passed to the callback
 * @value: (out caller-allocates) (optional): an uninitialized #GValue that
 *   receives the operation's value
 * @error: return location for a #GError
 *
 * Completes [func@Aio.retry_async], as [method@Aio.Backoff.run_finish] does.
 *
 * Returns: (skip): %TRUE on success, %FALSE with @error set on failure
 *
 * Since: 0.1
 */
gboolean
aio_retry_finish (GAsyncResult  *result,
                  GValue        *value,
                  GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);

  return aio_backoff_run_finish (AIO_BACKOFF (g_task_get_source_object (G_TASK (result))),
                                 result, value, error);
}
