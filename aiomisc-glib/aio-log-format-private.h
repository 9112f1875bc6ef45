/* aio-log-format-private.h: the formats of the log writer (aio-log.c),
 * a unit of their own so that fuzz/fuzz-log-format.c can feed them
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <string.h>

#include <glib.h>

#include "aio-log.h"

G_BEGIN_DECLS

/* A line being formatted: in the caller's (stack) buffer, moved to the heap
 * once it outgrows it. _aio_log_line_clear() frees the heap copy. */
typedef struct
{
  char  *data;
  gsize  len;
  gsize  cap;
  char  *heap;
} AioLogLine;

/* What the formats need of a record besides its fields. */
typedef struct
{
  const char *message;           /* the MESSAGE field, if a string */
  const char *domain;            /* the GLIB_DOMAIN field, if a string */
  gboolean    old_api;           /* logged through g_log(), not g_log_structured() */
  gint64      time;              /* real time, microseconds */
} AioLogRecord;

void _aio_log_line_grow (AioLogLine *buf,
                         gsize       extra);

static inline void
_aio_log_line_init (AioLogLine *buf,
                    char       *stack,
                    gsize       size)
{
  buf->data = stack;
  buf->len = 0;
  buf->cap = size;
  buf->heap = NULL;
}

static inline char *
_aio_log_line_reserve (AioLogLine *buf,
                       gsize       n)
{
  if (G_UNLIKELY (buf->cap - buf->len < n))
    _aio_log_line_grow (buf, n);
  return buf->data + buf->len;
}

static inline void
_aio_log_line_append_len (AioLogLine *buf,
                          const char *data,
                          gsize       n)
{
  memcpy (_aio_log_line_reserve (buf, n), data, n);
  buf->len += n;
}

static inline void
_aio_log_line_append (AioLogLine *buf,
                      const char *str)
{
  _aio_log_line_append_len (buf, str, strlen (str));
}

static inline void
_aio_log_line_append_c (AioLogLine *buf,
                        char        c)
{
  *_aio_log_line_reserve (buf, 1) = c;
  buf->len++;
}

static inline void
_aio_log_line_clear (AioLogLine *buf)
{
  g_clear_pointer (&buf->heap, g_free);
}

/* Index comparable with AioLogLevel: 0 (ERROR) .. 5 (DEBUG). Custom levels
 * rank as MESSAGE, like their PRIORITY ("5", notice). */
static inline guint
_aio_log_level_severity (GLogLevelFlags log_level)
{
  if (log_level & G_LOG_LEVEL_ERROR)
    return AIO_LOG_LEVEL_ERROR;
  if (log_level & G_LOG_LEVEL_CRITICAL)
    return AIO_LOG_LEVEL_CRITICAL;
  if (log_level & G_LOG_LEVEL_WARNING)
    return AIO_LOG_LEVEL_WARNING;
  if (log_level & G_LOG_LEVEL_MESSAGE)
    return AIO_LOG_LEVEL_MESSAGE;
  if (log_level & G_LOG_LEVEL_INFO)
    return AIO_LOG_LEVEL_INFO;
  if (log_level & G_LOG_LEVEL_DEBUG)
    return AIO_LOG_LEVEL_DEBUG;
  return AIO_LOG_LEVEL_MESSAGE;
}

const char *_aio_log_level_name      (GLogLevelFlags      log_level);

/* Fills @rec's message, domain and old_api from @fields (not its time). */
void        _aio_log_record_scan     (AioLogRecord       *rec,
                                      const GLogField    *fields,
                                      gsize               n_fields);

/* "2024-01-01 12:00:00.000000 LEVEL    domain: message\n", local time; with
 * @color, ANSI colors around the time, the level and the domain. */
void        _aio_log_format_plain    (AioLogLine         *buf,
                                      GLogLevelFlags      log_level,
                                      const AioLogRecord *rec,
                                      gboolean            color);

/* One JSON object and a newline: "timestamp" (UTC, RFC 3339), "level", then
 * every field ("_timestamp"/"_level" for fields of those names); values that
 * are not UTF-8 as {"base64": "..."}. */
void        _aio_log_format_json     (AioLogLine         *buf,
                                      GLogLevelFlags      log_level,
                                      const GLogField    *fields,
                                      gsize               n_fields,
                                      const AioLogRecord *rec);

/* The a{sv} a capture function receives (transfer full, not floating). */
GVariant   *_aio_log_format_variant  (GLogLevelFlags      log_level,
                                      const GLogField    *fields,
                                      gsize               n_fields,
                                      gint64              time_us);

G_END_DECLS
