/* aio-log.h: the process-wide structured log writer
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "aio-version.h"

G_BEGIN_DECLS

/**
 * AioLogFormat:
 * @AIO_LOG_FORMAT_PLAIN: one human-readable line per record, no colors
 * @AIO_LOG_FORMAT_COLOR: like plain, with ANSI colors when the output (stderr
 *   unless [func@Aio.log_set_output_fd] changed it) is a terminal
 * @AIO_LOG_FORMAT_JSON: one JSON object per line carrying every structured field
 * @AIO_LOG_FORMAT_JOURNALD: records go to the systemd journal
 * @AIO_LOG_FORMAT_DISABLED: records are dropped (fatal ones are still written)
 * @AIO_LOG_FORMAT_AUTO: journald if stderr is the journal, else color on a TTY, else plain
 *
 * How the aiomisc-glib log writer formats records. The nicks (`plain`, `color`,
 * `json`, `journald`, `disabled`, `auto`) are accepted by `AIOMISC_LOG_FORMAT`.
 *
 * Since: 0.1
 */
typedef enum {
  AIO_LOG_FORMAT_PLAIN,
  AIO_LOG_FORMAT_COLOR,
  AIO_LOG_FORMAT_JSON,
  AIO_LOG_FORMAT_JOURNALD,
  AIO_LOG_FORMAT_DISABLED,
  AIO_LOG_FORMAT_AUTO,
} AioLogFormat;

/**
 * AioLogLevel:
 * @AIO_LOG_LEVEL_ERROR: only errors
 * @AIO_LOG_LEVEL_CRITICAL: criticals and above
 * @AIO_LOG_LEVEL_WARNING: warnings and above
 * @AIO_LOG_LEVEL_MESSAGE: messages and above
 * @AIO_LOG_LEVEL_INFO: informational records and above (the default)
 * @AIO_LOG_LEVEL_DEBUG: everything
 *
 * The least severe level the writer emits. The nicks (`error`, `critical`,
 * `warning`, `message`, `info`, `debug`) are accepted by `AIOMISC_LOG_LEVEL`.
 * `G_MESSAGES_DEBUG` still enables debug records of the domains it names.
 *
 * Since: 0.1
 */
typedef enum {
  AIO_LOG_LEVEL_ERROR,
  AIO_LOG_LEVEL_CRITICAL,
  AIO_LOG_LEVEL_WARNING,
  AIO_LOG_LEVEL_MESSAGE,
  AIO_LOG_LEVEL_INFO,
  AIO_LOG_LEVEL_DEBUG,
} AioLogLevel;

/**
 * AioLogCaptureFunc:
 * @log_level: the level of the record; %G_LOG_FLAG_FATAL is set for records
 *   that abort the process whatever the function returns
 * @fields: a `a{sv}` dictionary with every structured field of the record
 *   (strings as `s`, fields with an explicit length as `ay`) plus `level`
 *   (`s`, e.g. `"WARNING"`) and `timestamp` (`x`, microseconds since the epoch)
 * @user_data: (closure): the data passed to [func@Aio.log_set_capture_func]
 *
 * Receives the records that pass the level filter while it is installed with
 * [func@Aio.log_set_capture_func]. It runs on the thread that logged the
 * record, with no lock of the writer held, so it may call the `aio_log_*()`
 * functions; records it logs itself go to GLib's fallback writer.
 *
 * Returns: %TRUE if the record was consumed (it is not written, and
 *   [func@GLib.log_set_always_fatal] does not make it fatal, as with
 *   [func@GLib.test_expect_message]), %FALSE to write it as usual
 *
 * Since: 0.1
 */
typedef gboolean (*AioLogCaptureFunc) (GLogLevelFlags  log_level,
                                       GVariant       *fields,
                                       gpointer        user_data);

AIO_AVAILABLE_IN_ALL
void             aio_log_setup            (void);
AIO_AVAILABLE_IN_ALL
void             aio_log_configure        (AioLogLevel        level,
                                           AioLogFormat       format,
                                           gboolean           buffered,
                                           guint              buffer_size,
                                           double             flush_interval);
AIO_AVAILABLE_IN_ALL
void             aio_log_flush            (void);
AIO_AVAILABLE_IN_ALL
gboolean         aio_log_is_installed     (void);
AIO_AVAILABLE_IN_ALL
void             aio_log_set_output_fd    (int                fd);
AIO_AVAILABLE_IN_ALL
void             aio_log_set_capture_func (AioLogCaptureFunc  func,
                                           gpointer           user_data,
                                           GDestroyNotify     destroy);
AIO_AVAILABLE_IN_ALL
void             aio_log_capture_begin    (void);
AIO_AVAILABLE_IN_ALL
GVariant        *aio_log_capture_end      (void) G_GNUC_WARN_UNUSED_RESULT;
AIO_AVAILABLE_IN_ALL
GLogWriterOutput aio_log_writer           (GLogLevelFlags     log_level,
                                           const GLogField   *fields,
                                           gsize              n_fields,
                                           gpointer           user_data);

G_END_DECLS
