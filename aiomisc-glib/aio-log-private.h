/* aio-log-private.h: what the log writer shares inside the library.
 *
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The defaults of aio_log_configure()'s buffering, also those of
 * AioEntrypoint:log-buffer-size and AioEntrypoint:log-flush-interval. */
#define AIO_LOG_DEFAULT_BUFFER_SIZE     1024
#define AIO_LOG_DEFAULT_FLUSH_INTERVAL  0.2

gboolean _aio_log_debug_wanted (const char *domain);

G_END_DECLS
