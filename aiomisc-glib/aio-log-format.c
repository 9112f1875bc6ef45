/* aio-log-format.c: how aio-log.c turns a record into bytes
 *
 * SPDX-License-Identifier: MIT
 *
 * The formats of the log writer: the plain and color text line, the JSON
 * line, and the GVariant a capture function receives. Everything here is a
 * pure function of the record (and of the time zone, for the plain
 * timestamp), so that fuzz/fuzz-log-format.c can feed it arbitrary fields:
 * keys and values of any bytes, invalid UTF-8, NUL bytes, binary values.
 * Whatever comes in, the plain line is valid UTF-8 with no control
 * character but tab, newline and the colors' escapes; the JSON line is
 * valid UTF-8 and valid JSON; the GVariant holds valid UTF-8 strings.
 */

#include <string.h>
#include <time.h>

#include "aio-log-format-private.h"

typedef struct
{
  gint64 sec;
  gsize  len;
  char   text[48];
} TimeCache;

static __thread TimeCache tls_local_time = { G_MININT64, 0, { 0 } };
static __thread TimeCache tls_utc_time = { G_MININT64, 0, { 0 } };

G_NO_INLINE void
_aio_log_line_grow (AioLogLine *buf,
                    gsize       extra)
{
  gsize cap = buf->cap;

  while (cap - buf->len < extra)
    cap *= 2;

  if (buf->heap == NULL)
    {
      buf->heap = g_malloc (cap);
      memcpy (buf->heap, buf->data, buf->len);
    }
  else
    buf->heap = g_realloc (buf->heap, cap);

  buf->data = buf->heap;
  buf->cap = cap;
}

void
_aio_log_record_scan (AioLogRecord    *rec,
                      const GLogField *fields,
                      gsize            n_fields)
{
  gsize i;

  rec->message = NULL;
  rec->domain = NULL;
  for (i = 0; i < n_fields; i++)
    {
      const char *key = fields[i].key;

      if (key == NULL || fields[i].length >= 0)
        continue;
      if (key[0] == 'M' && strcmp (key, "MESSAGE") == 0)
        rec->message = fields[i].value;
      else if (key[0] == 'G' && strcmp (key, "GLIB_DOMAIN") == 0)
        rec->domain = fields[i].value;
    }
  rec->old_api = n_fields > 0 &&
                 g_strcmp0 (fields[0].key, "GLIB_OLD_LOG_API") == 0 &&
                 fields[0].length < 0 && g_strcmp0 (fields[0].value, "1") == 0;
}

/* ------------------------------------------------------------------------ */
/* Text encoding                                                            */

static const char hex_digits[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence starting with the non-ASCII byte at @p,
 * or 0 if it is not one (overlong forms, surrogates and code points above
 * U+10FFFF are rejected, as are truncated sequences). */
static inline gsize
utf8_sequence_length (const guchar *p,
                      const guchar *end)
{
  guchar c = p[0];
  gsize avail = end - p;

  if (c < 0xc2)
    return 0;
  if (c < 0xe0)
    return (avail >= 2 && (p[1] & 0xc0) == 0x80) ? 2 : 0;
  if (c < 0xf0)
    {
      if (avail < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
        return 0;
      if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
        return 0;
      return 3;
    }
  if (c < 0xf5)
    {
      if (avail < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
          (p[3] & 0xc0) != 0x80)
        return 0;
      if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
        return 0;
      return 4;
    }
  return 0;
}

/* Like g_utf8_validate_len(), but NUL bytes are valid (JSON escapes them). */
static gboolean
utf8_valid_with_nul (const guchar *p,
                     gsize         len)
{
  const guchar *end = p + len;

  while (p < end)
    {
      if (*p < 0x80)
        p++;
      else
        {
          gsize n = utf8_sequence_length (p, end);

          if (n == 0)
            return FALSE;
          p += n;
        }
    }

  return TRUE;
}

static inline void
append_u_escape (AioLogLine *buf,
                 guint       cp)
{
  char *out = _aio_log_line_reserve (buf, 6);

  out[0] = '\\';
  out[1] = 'u';
  out[2] = hex_digits[(cp >> 12) & 0xf];
  out[3] = hex_digits[(cp >> 8) & 0xf];
  out[4] = hex_digits[(cp >> 4) & 0xf];
  out[5] = hex_digits[cp & 0xf];
  buf->len += 6;
}

/* Appends the contents of a JSON string (without quotes): quotes, backslashes
 * and control characters escaped, invalid UTF-8 replaced by U+FFFD per byte. */
static void
append_json_chars (AioLogLine   *buf,
                   const guchar *p,
                   gsize         len)
{
  const guchar *end = p + len;
  const guchar *run = p;

  while (p < end)
    {
      guchar c = *p;

      if (G_LIKELY (c >= 0x20 && c < 0x7f && c != '"' && c != '\\'))
        {
          p++;
          continue;
        }

      if (c >= 0x80)
        {
          gsize n = utf8_sequence_length (p, end);

          if (G_LIKELY (n > 0))
            {
              p += n;
              continue;
            }
          _aio_log_line_append_len (buf, (const char *) run, p - run);
          _aio_log_line_append_len (buf, "\xef\xbf\xbd", 3);
          run = ++p;
          continue;
        }

      _aio_log_line_append_len (buf, (const char *) run, p - run);
      switch (c)
        {
        case '"':  _aio_log_line_append_len (buf, "\\\"", 2); break;
        case '\\': _aio_log_line_append_len (buf, "\\\\", 2); break;
        case '\n': _aio_log_line_append_len (buf, "\\n", 2); break;
        case '\r': _aio_log_line_append_len (buf, "\\r", 2); break;
        case '\t': _aio_log_line_append_len (buf, "\\t", 2); break;
        case '\b': _aio_log_line_append_len (buf, "\\b", 2); break;
        case '\f': _aio_log_line_append_len (buf, "\\f", 2); break;
        default:   append_u_escape (buf, c); break;
        }
      run = ++p;
    }

  _aio_log_line_append_len (buf, (const char *) run, p - run);
}

static inline void
append_json_string (AioLogLine *buf,
                    const char *str,
                    gsize       len)
{
  _aio_log_line_append_c (buf, '"');
  append_json_chars (buf, (const guchar *) str, len);
  _aio_log_line_append_c (buf, '"');
}

/* Appends text for a terminal or a plain log file, escaped as GLib's own
 * writer does: control characters other than tab and newline (and CR before
 * LF) become \uXXXX, invalid UTF-8 bytes become \xNN. */
static void
append_plain_text (AioLogLine *buf,
                   const char *str)
{
  const guchar *p = (const guchar *) str;
  const guchar *end = p + strlen (str);
  const guchar *run = p;

  while (p < end)
    {
      guchar c = *p;
      char *out;

      if (G_LIKELY ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t'))
        {
          p++;
          continue;
        }

      if (c >= 0x80)
        {
          gsize n = utf8_sequence_length (p, end);

          /* C1 controls (U+0080..U+009F) are escaped like C0 ones */
          if (G_LIKELY (n > 0) && !(c == 0xc2 && p[1] < 0xa0))
            {
              p += n;
              continue;
            }

          _aio_log_line_append_len (buf, (const char *) run, p - run);
          if (n > 0)
            {
              append_u_escape (buf, p[1]);
              p += n;
            }
          else
            {
              out = _aio_log_line_reserve (buf, 4);
              out[0] = '\\';
              out[1] = 'x';
              out[2] = hex_digits[c >> 4];
              out[3] = hex_digits[c & 0xf];
              buf->len += 4;
              p++;
            }
          run = p;
          continue;
        }

      if (c == '\r' && p + 1 < end && p[1] == '\n')
        {
          p++;
          continue;
        }

      _aio_log_line_append_len (buf, (const char *) run, p - run);
      append_u_escape (buf, c);
      run = ++p;
    }

  _aio_log_line_append_len (buf, (const char *) run, p - run);
}

/* ------------------------------------------------------------------------ */
/* Levels and time                                                          */

const char *
_aio_log_level_name (GLogLevelFlags log_level)
{
  if (!(log_level & G_LOG_LEVEL_MASK))
    return "USER";

  switch (_aio_log_level_severity (log_level))
    {
    case AIO_LOG_LEVEL_ERROR:    return "ERROR";
    case AIO_LOG_LEVEL_CRITICAL: return "CRITICAL";
    case AIO_LOG_LEVEL_WARNING:  return "WARNING";
    case AIO_LOG_LEVEL_MESSAGE:  return "MESSAGE";
    case AIO_LOG_LEVEL_INFO:     return "INFO";
    case AIO_LOG_LEVEL_DEBUG:    return "DEBUG";
    default:                     return "USER";
    }
}

static inline const char *
level_color (GLogLevelFlags log_level)
{
  if (log_level & G_LOG_LEVEL_ERROR)
    return "\033[1;31m";
  if (log_level & G_LOG_LEVEL_CRITICAL)
    return "\033[1;35m";
  if (log_level & G_LOG_LEVEL_WARNING)
    return "\033[1;33m";
  if (log_level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
    return "\033[1;32m";
  if (log_level & G_LOG_LEVEL_DEBUG)
    return "\033[2;32m";
  return "";
}

/* Appends "YYYY-MM-DD HH:MM:SS.uuuuuu" (local time) or
 * "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (UTC, RFC 3339). The text up to the second
 * is cached per thread: localtime_r() takes a process-wide lock. */
static void
append_timestamp (AioLogLine *buf,
                  gint64      time_us,
                  gboolean    utc)
{
  TimeCache *cache = utc ? &tls_utc_time : &tls_local_time;
  gint64 sec = time_us / G_USEC_PER_SEC;
  guint usec = (guint) (time_us % G_USEC_PER_SEC);
  char *out;
  int i;

  if (G_UNLIKELY (cache->sec != sec))
    {
      time_t t = (time_t) sec;
      struct tm tm;
      int n;

      if (utc)
        gmtime_r (&t, &tm);
      else
        localtime_r (&t, &tm);

      n = g_snprintf (cache->text, sizeof cache->text,
                      "%04d-%02d-%02d%c%02d:%02d:%02d",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      utc ? 'T' : ' ', tm.tm_hour, tm.tm_min, tm.tm_sec);
      cache->len = CLAMP (n, 0, (int) sizeof cache->text - 1);
      cache->sec = sec;
    }

  out = _aio_log_line_reserve (buf, cache->len + 8);
  memcpy (out, cache->text, cache->len);
  out += cache->len;
  *out++ = '.';
  for (i = 5; i >= 0; i--)
    {
      out[i] = '0' + usec % 10;
      usec /= 10;
    }
  out += 6;
  if (utc)
    *out++ = 'Z';
  buf->len = out - buf->data;
}

/* ------------------------------------------------------------------------ */
/* Formats                                                                  */

void
_aio_log_format_plain (AioLogLine         *buf,
                       GLogLevelFlags      log_level,
                       const AioLogRecord *rec,
                       gboolean            color)
{
  const char *name = _aio_log_level_name (log_level);
  gsize name_len = strlen (name);

  if (color)
    _aio_log_line_append_len (buf, "\033[34m", 5);
  append_timestamp (buf, rec->time, FALSE);
  if (color)
    {
      _aio_log_line_append_len (buf, "\033[0m ", 5);
      _aio_log_line_append (buf, level_color (log_level));
    }
  else
    _aio_log_line_append_c (buf, ' ');

  _aio_log_line_append_len (buf, name, name_len);
  if (color)
    _aio_log_line_append_len (buf, "\033[0m", 4);
  _aio_log_line_append_len (buf, "         ", 9 - MIN (name_len, 8));

  if (rec->domain != NULL)
    {
      if (color)
        _aio_log_line_append_len (buf, "\033[1m", 4);
      append_plain_text (buf, rec->domain);
      if (color)
        _aio_log_line_append_len (buf, "\033[0m", 4);
      _aio_log_line_append_len (buf, ": ", 2);
    }

  if (rec->message != NULL)
    append_plain_text (buf, rec->message);
  else
    _aio_log_line_append (buf, "(NULL) message");

  _aio_log_line_append_c (buf, '\n');
}

static void
append_json_key (AioLogLine *buf,
                 const char *key)
{
  _aio_log_line_append_c (buf, ',');
  /* our own members are lower-case; keep a field of the same name apart */
  if (G_UNLIKELY (strcmp (key, "timestamp") == 0 || strcmp (key, "level") == 0))
    {
      _aio_log_line_append_len (buf, "\"_", 2);
      append_json_chars (buf, (const guchar *) key, strlen (key));
      _aio_log_line_append_c (buf, '"');
    }
  else
    append_json_string (buf, key, strlen (key));
  _aio_log_line_append_c (buf, ':');
}

void
_aio_log_format_json (AioLogLine         *buf,
                      GLogLevelFlags      log_level,
                      const GLogField    *fields,
                      gsize               n_fields,
                      const AioLogRecord *rec)
{
  gsize i;

  _aio_log_line_append_len (buf, "{\"timestamp\":\"", 14);
  append_timestamp (buf, rec->time, TRUE);
  _aio_log_line_append_len (buf, "\",\"level\":\"", 11);
  _aio_log_line_append (buf, _aio_log_level_name (log_level));
  _aio_log_line_append_c (buf, '"');

  for (i = 0; i < n_fields; i++)
    {
      const GLogField *field = &fields[i];

      if (field->key == NULL)
        continue;

      append_json_key (buf, field->key);

      if (field->length < 0)
        {
          const char *value = field->value != NULL ? field->value : "";
          append_json_string (buf, value, strlen (value));
        }
      else if (field->length == 0)
        {
          /* zero-length fields carry a pointer for the writer: never read */
          _aio_log_line_append_len (buf, "\"\"", 2);
        }
      else if (utf8_valid_with_nul (field->value, field->length))
        append_json_string (buf, field->value, field->length);
      else
        {
          g_autofree char *b64 = g_base64_encode (field->value, field->length);

          _aio_log_line_append_len (buf, "{\"base64\":\"", 11);
          _aio_log_line_append (buf, b64);
          _aio_log_line_append_len (buf, "\"}", 2);
        }
    }

  _aio_log_line_append_len (buf, "}\n", 2);
}

GVariant *
_aio_log_format_variant (GLogLevelFlags   log_level,
                         const GLogField *fields,
                         gsize            n_fields,
                         gint64           time_us)
{
  GVariantBuilder builder;
  gsize i;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "level",
                         g_variant_new_string (_aio_log_level_name (log_level)));
  g_variant_builder_add (&builder, "{sv}", "timestamp",
                         g_variant_new_int64 (time_us));

  for (i = 0; i < n_fields; i++)
    {
      const GLogField *field = &fields[i];
      g_autofree char *key = NULL;
      GVariant *value;

      if (field->key == NULL)
        continue;

      key = g_utf8_make_valid (field->key, -1);
      if (strcmp (key, "timestamp") == 0 || strcmp (key, "level") == 0)
        {
          char *prefixed = g_strconcat ("_", key, NULL);
          g_free (key);
          key = prefixed;
        }

      if (field->length < 0)
        {
          const char *str = field->value != NULL ? field->value : "";

          if (g_utf8_validate (str, -1, NULL))
            value = g_variant_new_string (str);
          else
            value = g_variant_new_take_string (g_utf8_make_valid (str, -1));
        }
      else
        {
          /* zero-length fields carry a pointer for the writer: never read */
          static const guchar empty[1] = { 0 };
          gconstpointer data = field->length > 0 ? field->value : (gconstpointer) empty;

          value = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data,
                                             field->length, 1);
        }

      g_variant_builder_add (&builder, "{sv}", key, value);
    }

  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

