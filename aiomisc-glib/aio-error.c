/* aio-error.c: the error domain of the library
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

/**
 * aio_error_quark:
 *
 * Gets the error domain of the library.
 *
 * Returns: the %AIO_ERROR quark
 *
 * Since: 0.2
 */
G_DEFINE_QUARK (aio-error-quark, aio_error)
