/* aio-circuit-breaker.h: failing fast while a dependency is down
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-clock.h"
#include "aio-timeout.h"

G_BEGIN_DECLS

/**
 * AioCircuitBreakerState:
 * @AIO_CIRCUIT_BREAKER_STATE_PASSING: calls go through; their outcomes are
 *   counted
 * @AIO_CIRCUIT_BREAKER_STATE_BROKEN: calls fail at once with
 *   %AIO_ERROR_CIRCUIT_BROKEN
 * @AIO_CIRCUIT_BREAKER_STATE_RECOVERING: a growing share of the calls goes
 *   through, the others fail at once
 *
 * The state of an [class@Aio.CircuitBreaker].
 *
 * Since: 0.1
 */
typedef enum {
  AIO_CIRCUIT_BREAKER_STATE_PASSING,
  AIO_CIRCUIT_BREAKER_STATE_BROKEN,
  AIO_CIRCUIT_BREAKER_STATE_RECOVERING,
} AioCircuitBreakerState;

/**
 * AioCircuitBreakerFunc:
 * @user_data: (closure): the data passed with the function
 * @result: (out caller-allocates): an uninitialized #GValue to store the
 *   result in
 * @error: return location for a #GError
 *
 * A synchronous call guarded by [method@Aio.CircuitBreaker.call]. On
 * success, initialize and set @result (leaving it untouched means "no
 * value"); on failure, set @error.
 *
 * Since: 0.1
 */
typedef void (*AioCircuitBreakerFunc) (gpointer   user_data,
                                       GValue    *result,
                                       GError   **error);

/**
 * AioCircuitBreakerFilterFunc:
 * @error: the error a call failed with
 * @user_data: (closure): the data passed with the function
 *
 * Decides whether an error counts as a failure of the guarded service
 * (aiomisc's `exception_inspector`): a "not found" answer, for instance,
 * shows that the service works.
 *
 * Returns: %TRUE if @error counts as a failure
 *
 * Since: 0.1
 */
typedef gboolean (*AioCircuitBreakerFilterFunc) (const GError *error,
                                                 gpointer      user_data);

#define AIO_TYPE_CIRCUIT_BREAKER (aio_circuit_breaker_get_type ())
AIO_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (AioCircuitBreaker, aio_circuit_breaker, AIO, CIRCUIT_BREAKER, GObject)

AIO_AVAILABLE_IN_ALL
AioCircuitBreaker     *aio_circuit_breaker_new               (double                        error_ratio,
                                                              double                        response_time) G_GNUC_WARN_UNUSED_RESULT;

AIO_AVAILABLE_IN_ALL
AioClock              *aio_circuit_breaker_get_clock         (AioCircuitBreaker            *self);
AIO_AVAILABLE_IN_ALL
double                 aio_circuit_breaker_get_error_ratio   (AioCircuitBreaker            *self);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_set_error_ratio   (AioCircuitBreaker            *self,
                                                              double                        error_ratio);
AIO_AVAILABLE_IN_ALL
double                 aio_circuit_breaker_get_response_time (AioCircuitBreaker            *self);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_set_response_time (AioCircuitBreaker            *self,
                                                              double                        response_time);
AIO_AVAILABLE_IN_ALL
double                 aio_circuit_breaker_get_broken_time   (AioCircuitBreaker            *self);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_set_broken_time   (AioCircuitBreaker            *self,
                                                              double                        broken_time);
AIO_AVAILABLE_IN_ALL
double                 aio_circuit_breaker_get_recovery_time (AioCircuitBreaker            *self);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_set_recovery_time (AioCircuitBreaker            *self,
                                                              double                        recovery_time);
AIO_AVAILABLE_IN_ALL
double                 aio_circuit_breaker_get_passing_time  (AioCircuitBreaker            *self);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_set_passing_time  (AioCircuitBreaker            *self,
                                                              double                        passing_time);
AIO_AVAILABLE_IN_ALL
AioCircuitBreakerState aio_circuit_breaker_get_state         (AioCircuitBreaker            *self);
AIO_AVAILABLE_IN_ALL
double                 aio_circuit_breaker_get_state_delay   (AioCircuitBreaker            *self);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_set_filter_func   (AioCircuitBreaker            *self,
                                                              AioCircuitBreakerFilterFunc   func,
                                                              gpointer                      user_data,
                                                              GDestroyNotify                destroy);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_add_counted_error (AioCircuitBreaker            *self,
                                                              GQuark                        domain,
                                                              int                           code);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_set_seed          (AioCircuitBreaker            *self,
                                                              guint32                       seed);
AIO_AVAILABLE_IN_ALL
gboolean               aio_circuit_breaker_validate          (AioCircuitBreaker            *self,
                                                              GError                      **error);

AIO_AVAILABLE_IN_ALL
gboolean               aio_circuit_breaker_allow             (AioCircuitBreaker            *self,
                                                              GError                      **error);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_record            (AioCircuitBreaker            *self,
                                                              const GError                 *error);
AIO_AVAILABLE_IN_ALL
gboolean               aio_circuit_breaker_call              (AioCircuitBreaker            *self,
                                                              AioCircuitBreakerFunc         func,
                                                              gpointer                      user_data,
                                                              GValue                       *value,
                                                              GError                      **error);
AIO_AVAILABLE_IN_ALL
void                   aio_circuit_breaker_call_async        (AioCircuitBreaker            *self,
                                                              AioTaskFunc                   func,
                                                              gpointer                      func_data,
                                                              GCancellable                 *cancellable,
                                                              GAsyncReadyCallback           callback,
                                                              gpointer                      user_data);
AIO_AVAILABLE_IN_ALL
gboolean               aio_circuit_breaker_call_finish       (AioCircuitBreaker            *self,
                                                              GAsyncResult                 *result,
                                                              GValue                       *value,
                                                              GError                      **error);

G_END_DECLS
