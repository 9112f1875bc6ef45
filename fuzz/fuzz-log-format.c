/* fuzz-log-format.c: libFuzzer harness for the log formats (aio-log-format.c)
 *
 * Decodes arbitrary bytes into a log record: a level, a time and a list of
 * fields whose keys and values are any bytes (invalid UTF-8, control
 * characters, NUL bytes in binary values), with the keys GLib and journald
 * give meaning to (MESSAGE, GLIB_DOMAIN, PRIORITY, GLIB_OLD_LOG_API, ...)
 * among them. The record goes through every format, and each output is
 * checked:
 *
 * - plain and color: valid UTF-8, one final newline, no control character
 *   but newline, tab, CR before LF and (color only) the SGR escapes;
 * - JSON: valid UTF-8, exactly one JSON object (checked by a strict parser
 *   below) followed by one newline, with no raw newline inside;
 * - the capture GVariant: a{sv} in normal form, every string valid UTF-8.
 *
 * Any failed check aborts, which libFuzzer reports as a crash; so does a
 * GLib critical (a GVariant built from an invalid string, say). Built and run
 * by fuzz/run.sh log-format.
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-log-format-private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MAX_FIELDS 16

/* Keys GLib, journald and the formats treat specially. */
static const char *const known_keys[] = {
  "MESSAGE", "GLIB_DOMAIN", "PRIORITY", "GLIB_OLD_LOG_API", "CODE_FILE",
  "CODE_LINE", "CODE_FUNC", "SYSLOG_IDENTIFIER", "MESSAGE_ID", "ERRNO",
  "timestamp", "level", "_timestamp", "",
};

static void
fail (const char  *format,
      const char  *what,
      const char  *out,
      gsize        len)
{
  fprintf (stderr, "fuzz-log-format: %s: %s\n", format, what);
  fwrite (out, 1, len, stderr);
  fputc ('\n', stderr);
  abort ();
}

/* ------------------------------------------------------------------------ */
/* A strict JSON checker (RFC 8259), enough to tell valid from invalid.      */

typedef struct
{
  const char *p;
  const char *end;
  guint       depth;
} Json;

static gboolean json_value (Json *j);

static void
json_space (Json *j)
{
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static gboolean
json_literal (Json       *j,
              const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (j->end - j->p) < n || memcmp (j->p, word, n) != 0)
    return FALSE;
  j->p += n;
  return TRUE;
}

static gboolean
json_string (Json *j)
{
  if (j->p >= j->end || *j->p != '"')
    return FALSE;
  j->p++;
  while (j->p < j->end)
    {
      guchar c = *j->p++;

      if (c == '"')
        return TRUE;
      if (c < 0x20)
        return FALSE;
      if (c == '\\')
        {
          if (j->p >= j->end)
            return FALSE;
          c = *j->p++;
          if (c == 'u')
            {
              for (int i = 0; i < 4; i++)
                if (j->p >= j->end || !g_ascii_isxdigit (*j->p++))
                  return FALSE;
            }
          else if (strchr ("\"\\/bfnrt", c) == NULL || c == '\0')
            return FALSE;
        }
    }
  return FALSE;
}

static gboolean
json_number (Json *j)
{
  const char *start = j->p;

  if (j->p < j->end && *j->p == '-')
    j->p++;
  if (j->p < j->end && *j->p == '0')
    j->p++;
  else if (j->p < j->end && g_ascii_isdigit (*j->p))
    while (j->p < j->end && g_ascii_isdigit (*j->p))
      j->p++;
  else
    return FALSE;
  if (j->p < j->end && *j->p == '.')
    {
      j->p++;
      if (j->p >= j->end || !g_ascii_isdigit (*j->p))
        return FALSE;
      while (j->p < j->end && g_ascii_isdigit (*j->p))
        j->p++;
    }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E'))
    {
      j->p++;
      if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
        j->p++;
      if (j->p >= j->end || !g_ascii_isdigit (*j->p))
        return FALSE;
      while (j->p < j->end && g_ascii_isdigit (*j->p))
        j->p++;
    }
  return j->p > start;
}

static gboolean
json_members (Json *j,
              char  close,
              gboolean keyed)
{
  j->p++;
  json_space (j);
  if (j->p < j->end && *j->p == close)
    {
      j->p++;
      return TRUE;
    }
  for (;;)
    {
      json_space (j);
      if (keyed)
        {
          if (!json_string (j))
            return FALSE;
          json_space (j);
          if (j->p >= j->end || *j->p++ != ':')
            return FALSE;
        }
      if (!json_value (j))
        return FALSE;
      json_space (j);
      if (j->p >= j->end)
        return FALSE;
      if (*j->p == close)
        {
          j->p++;
          return TRUE;
        }
      if (*j->p++ != ',')
        return FALSE;
    }
}

static gboolean
json_value (Json *j)
{
  gboolean ok;

  json_space (j);
  if (j->p >= j->end || ++j->depth > 64)
    return FALSE;
  switch (*j->p)
    {
    case '{': ok = json_members (j, '}', TRUE); break;
    case '[': ok = json_members (j, ']', FALSE); break;
    case '"': ok = json_string (j); break;
    case 't': ok = json_literal (j, "true"); break;
    case 'f': ok = json_literal (j, "false"); break;
    case 'n': ok = json_literal (j, "null"); break;
    default:  ok = json_number (j); break;
    }
  j->depth--;
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Checks                                                                   */

static void
check_json (const AioLogLine *line)
{
  Json j = { line->data, line->data + line->len, 0 };

  if (!g_utf8_validate_len (line->data, line->len, NULL))
    fail ("json", "invalid UTF-8", line->data, line->len);
  if (line->len < 2 || line->data[0] != '{' || memcmp (line->data + line->len - 2, "}\n", 2) != 0)
    fail ("json", "not one object and a newline", line->data, line->len);
  if (memchr (line->data, '\n', line->len - 1) != NULL)
    fail ("json", "a newline inside the line", line->data, line->len);
  if (!json_value (&j) || j.p != line->data + line->len - 1)
    fail ("json", "invalid JSON", line->data, line->len);
}

static void
check_plain (const AioLogLine *line,
             gboolean          color)
{
  const char *format = color ? "color" : "plain";
  const char *p = line->data;
  const char *end = line->data + line->len;

  if (!g_utf8_validate_len (line->data, line->len, NULL))
    fail (format, "invalid UTF-8", line->data, line->len);
  if (line->len == 0 || end[-1] != '\n')
    fail (format, "no final newline", line->data, line->len);

  while (p < end)
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x1b && color)
        {
          /* an SGR sequence: ESC [ digits/semicolons m */
          const char *q = p + 1;

          if (q >= end || *q != '[')
            fail (format, "a stray escape", line->data, line->len);
          for (q++; q < end && (g_ascii_isdigit (*q) || *q == ';'); q++)
            ;
          if (q >= end || *q != 'm')
            fail (format, "an escape that is not a color", line->data, line->len);
          p = q + 1;
          continue;
        }
      if (c == '\r' && (p + 1 >= end || p[1] != '\n'))
        fail (format, "a CR not before LF", line->data, line->len);
      if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || (c >= 0x7f && c < 0xa0))
        fail (format, "a control character", line->data, line->len);
      p = g_utf8_next_char (p);
    }
}

static void
check_variant (GVariant *variant)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  if (!g_variant_is_of_type (variant, G_VARIANT_TYPE_VARDICT) || !g_variant_is_normal_form (variant))
    fail ("variant", "not an a{sv} in normal form", "", 0);
  g_variant_iter_init (&iter, variant);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      if (!g_utf8_validate (key, -1, NULL))
        fail ("variant", "a key that is not UTF-8", key, strlen (key));
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
          !g_utf8_validate (g_variant_get_string (value, NULL), -1, NULL))
        fail ("variant", "a value that is not UTF-8", "", 0);
    }
}

/* ------------------------------------------------------------------------ */
/* Input                                                                    */

/* Input: a header of 3 bytes (level, options, time), then fields separated
 * by 0x1e. In a field, the byte before the first '=' picks the key: a byte
 * below 0x20 names a known key, otherwise the bytes before '=' are the key.
 * Option bit 0 makes the value binary (length given, may hold NUL bytes),
 * else it is a C string (cut at its first NUL). */
int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const GLogLevelFlags levels[] = {
    G_LOG_LEVEL_ERROR, G_LOG_LEVEL_CRITICAL, G_LOG_LEVEL_WARNING, G_LOG_LEVEL_MESSAGE,
    G_LOG_LEVEL_INFO, G_LOG_LEVEL_DEBUG, 1 << G_LOG_LEVEL_USER_SHIFT, 0,
  };
  static gboolean initialized;
  GLogField fields[MAX_FIELDS];
  char *owned[2 * MAX_FIELDS];
  guint n_owned = 0;
  gsize n_fields = 0;
  GLogLevelFlags log_level;
  AioLogRecord rec = { 0 };
  char stack[64];
  AioLogLine line;
  GVariant *variant;
  guint8 options;
  const uint8_t *p, *end;

  if (!initialized)
    {
      /* A critical from GLib (an invalid GVariant string, say) is a bug. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      initialized = TRUE;
    }

  if (size < 3 || size > 4096)
    return 0;
  log_level = levels[data[0] & 7] | ((data[0] & 8) ? G_LOG_FLAG_FATAL : 0);
  options = data[1];
  /* Any second of 1970..2106, and odd microseconds. */
  rec.time = (gint64) data[2] * 16777259 * G_USEC_PER_SEC + (gint64) data[2] * 7919;

  p = data + 3;
  end = data + size;
  while (p < end && n_fields < MAX_FIELDS)
    {
      const uint8_t *sep = memchr (p, 0x1e, end - p);
      const uint8_t *field_end = sep != NULL ? sep : end;
      const uint8_t *eq = memchr (p, '=', field_end - p);
      const uint8_t *value = eq != NULL ? eq + 1 : p;
      gsize value_len = field_end - value;
      GLogField *field = &fields[n_fields++];

      if (eq != NULL && eq - p == 1 && p[0] < 0x20)
        field->key = known_keys[p[0] % G_N_ELEMENTS (known_keys)];
      else if (eq != NULL)
        field->key = owned[n_owned++] = g_strndup ((const char *) p, eq - p);
      else
        field->key = "MESSAGE";

      if ((options >> (n_fields % 8)) & 1)
        {
          /* binary: exactly value_len bytes, not NUL-terminated, so that
           * AddressSanitizer sees a read past them (NULL when empty: a
           * zero-length value is never read) */
          field->value = owned[n_owned++] = g_memdup2 (value, value_len);
          field->length = value_len;
        }
      else
        {
          field->value = owned[n_owned++] = g_strndup ((const char *) value, value_len);
          field->length = -1;
        }
      p = field_end + (sep != NULL ? 1 : 0);
    }

  _aio_log_record_scan (&rec, fields, n_fields);

  /* A small stack buffer, so that the heap growth is exercised too. */
  _aio_log_line_init (&line, stack, sizeof stack);
  _aio_log_format_json (&line, log_level, fields, n_fields, &rec);
  check_json (&line);

  line.len = 0;
  _aio_log_format_plain (&line, log_level, &rec, FALSE);
  check_plain (&line, FALSE);

  line.len = 0;
  _aio_log_format_plain (&line, log_level, &rec, TRUE);
  check_plain (&line, TRUE);
  _aio_log_line_clear (&line);

  variant = _aio_log_format_variant (log_level, fields, n_fields, rec.time);
  check_variant (variant);
  g_variant_unref (variant);

  for (guint i = 0; i < n_owned; i++)
    g_free (owned[i]);
  return 0;
}
