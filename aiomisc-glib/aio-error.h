/* aio-error.h: the error domain of the library
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <glib.h>

#include "aio-version.h"

G_BEGIN_DECLS

/**
 * AIO_ERROR:
 *
 * The error domain of the library, for the failures that are its own.
 *
 * Where GIO already has the code, the library reports a %G_IO_ERROR
 * instead: a property or an argument out of range is
 * %G_IO_ERROR_INVALID_ARGUMENT, an object already starting or running is
 * %G_IO_ERROR_BUSY, a closed [class@Aio.Channel] is %G_IO_ERROR_CLOSED, a
 * timeout is %G_IO_ERROR_TIMED_OUT and a cancelled operation is
 * %G_IO_ERROR_CANCELLED.
 *
 * Since: 0.2
 */
#define AIO_ERROR (aio_error_quark ())

/**
 * AioError:
 * @AIO_ERROR_SERVICE_FAILED: a service or a connection handler failed
 *   without an error of its own: its `start`, `stop` or handler returned
 *   failure without setting one, or (in Python) an exception escaped it;
 *   the message names the service and, for an exception, its type
 * @AIO_ERROR_NOT_RUNNING: the service or the entrypoint is not running:
 *   stopped before it was started, or asked to quit, stop or send while it
 *   is not running
 * @AIO_ERROR_DEPENDENCY_CYCLE: the service depends on itself, directly or
 *   through other services
 * @AIO_ERROR_DEPENDENCY_FAILED: a dependency of the service failed to start
 * @AIO_ERROR_DEPENDENCY_NOT_RUNNING: a dependency of the service is not
 *   running
 * @AIO_ERROR_SHUTDOWN_TIMEOUT: some services did not stop within the
 *   entrypoint's [property@Aio.Entrypoint:shutdown-timeout]; the message
 *   names them
 * @AIO_ERROR_CIRCUIT_BROKEN: the call was refused at once: the
 *   [class@Aio.CircuitBreaker] is broken
 * @AIO_ERROR_BAD_RESULT: the batch function of an [class@Aio.Aggregator]
 *   returned a result that does not fit the batch (not one value per
 *   argument)
 * @AIO_ERROR_CRON_PARSE: a cron expression is not valid: it has neither 5
 *   nor 6 fields, a field is not cron syntax or is out of range, an `@`
 *   macro is unknown, or the day-of-month names only days that none of the
 *   allowed months has; the message names the field and the bad value
 *
 * Error codes of the %AIO_ERROR domain.
 *
 * Since: 0.2
 */
typedef enum {
  AIO_ERROR_SERVICE_FAILED,
  AIO_ERROR_NOT_RUNNING,
  AIO_ERROR_DEPENDENCY_CYCLE,
  AIO_ERROR_DEPENDENCY_FAILED,
  AIO_ERROR_DEPENDENCY_NOT_RUNNING,
  AIO_ERROR_SHUTDOWN_TIMEOUT,
  AIO_ERROR_CIRCUIT_BROKEN,
  AIO_ERROR_BAD_RESULT,
  AIO_ERROR_CRON_PARSE,
} AioError;

AIO_AVAILABLE_IN_0_2
GQuark aio_error_quark (void);

G_END_DECLS
