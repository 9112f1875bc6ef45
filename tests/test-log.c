/* test-log.c: the structured log writer (formats, filtering, buffering,
 * capture, and no lost line under threads and SIGTERM)
 *
 * SPDX-License-Identifier: MIT
 *
 * The writer is installed once per process. In-process tests share it and
 * send its output to a pipe with aio_log_set_output_fd(); tests about fatal
 * records use g_test_trap_subprocess(); the stress tests run this binary
 * again as `test-log --child MODE` and read its stderr and stdout as it runs.
 */
#define _GNU_SOURCE   /* posix_openpt() and friends */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "aiomisc-glib.h"

#define TEST_DOMAIN        "AioLogTest"
#define STRESS_THREADS     8
#define STRESS_MESSAGES    10000
#define SIGTERM_AFTER      20000     /* lines read before the parent sends SIGTERM */
#define IO_DEADLINE_US     (120 * G_USEC_PER_SEC)  /* safety net, never a sync point */

static const char *test_argv0;

/* ------------------------------------------------------------------------ */
/* A small validating JSON parser (RFC 8259), enough to check every line     */

typedef struct
{
  const char *p;
  const char *end;
} JsonCursor;

/* @value is the decoded string for string members, the raw JSON text for
 * the others. */
typedef void (*JsonMemberFunc) (const char *key,
                                const char *value,
                                gsize       value_len,
                                gboolean    is_string,
                                gpointer    user_data);

static gboolean json_parse_value (JsonCursor *c, int depth);

static void
json_skip_ws (JsonCursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
    c->p++;
}

static gboolean
json_parse_hex4 (JsonCursor *c,
                 gunichar   *out)
{
  int i;

  *out = 0;
  if (c->end - c->p < 4)
    return FALSE;
  for (i = 0; i < 4; i++)
    {
      int v = g_ascii_xdigit_value (c->p[i]);
      if (v < 0)
        return FALSE;
      *out = (*out << 4) | (gunichar) v;
    }
  c->p += 4;
  return TRUE;
}

/* Parses a string at the cursor, decoding it into @out (may be NULL). */
static gboolean
json_parse_string (JsonCursor *c,
                   GString    *out)
{
  if (out != NULL)
    g_string_truncate (out, 0);
  if (c->p >= c->end || *c->p != '"')
    return FALSE;
  c->p++;

  while (c->p < c->end)
    {
      guchar ch = (guchar) *c->p;

      if (ch == '"')
        {
          c->p++;
          return TRUE;
        }
      if (ch < 0x20)
        return FALSE;   /* raw control characters are not allowed */

      if (ch == '\\')
        {
          gunichar u;

          if (++c->p >= c->end)
            return FALSE;
          switch (*c->p++)
            {
            case '"':  u = '"'; break;
            case '\\': u = '\\'; break;
            case '/':  u = '/'; break;
            case 'b':  u = '\b'; break;
            case 'f':  u = '\f'; break;
            case 'n':  u = '\n'; break;
            case 'r':  u = '\r'; break;
            case 't':  u = '\t'; break;
            case 'u':
              if (!json_parse_hex4 (c, &u))
                return FALSE;
              if (u >= 0xd800 && u < 0xdc00)
                {
                  gunichar low;

                  if (c->end - c->p < 2 || c->p[0] != '\\' || c->p[1] != 'u')
                    return FALSE;
                  c->p += 2;
                  if (!json_parse_hex4 (c, &low) || low < 0xdc00 || low >= 0xe000)
                    return FALSE;
                  u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
                }
              else if (u >= 0xdc00 && u < 0xe000)
                return FALSE;
              break;
            default:
              return FALSE;
            }
          if (out != NULL)
            g_string_append_unichar (out, u);
          continue;
        }

      if (ch >= 0x80)
        {
          gunichar u = g_utf8_get_char_validated (c->p, c->end - c->p);
          gsize n;

          if (u == (gunichar) -1 || u == (gunichar) -2)
            return FALSE;
          n = g_utf8_skip[ch];
          if (out != NULL)
            g_string_append_len (out, c->p, n);
          c->p += n;
          continue;
        }

      if (out != NULL)
        g_string_append_c (out, ch);
      c->p++;
    }

  return FALSE;
}

static gboolean
json_parse_digits (JsonCursor *c)
{
  const char *start = c->p;

  while (c->p < c->end && g_ascii_isdigit (*c->p))
    c->p++;
  return c->p > start;
}

static gboolean
json_parse_number (JsonCursor *c)
{
  if (c->p < c->end && *c->p == '-')
    c->p++;
  if (c->p < c->end && *c->p == '0')
    c->p++;
  else if (!json_parse_digits (c))
    return FALSE;
  if (c->p < c->end && *c->p == '.')
    {
      c->p++;
      if (!json_parse_digits (c))
        return FALSE;
    }
  if (c->p < c->end && (*c->p == 'e' || *c->p == 'E'))
    {
      c->p++;
      if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
        c->p++;
      if (!json_parse_digits (c))
        return FALSE;
    }
  return TRUE;
}

static gboolean
json_parse_literal (JsonCursor *c,
                    const char *literal)
{
  gsize len = strlen (literal);

  if ((gsize) (c->end - c->p) < len || memcmp (c->p, literal, len) != 0)
    return FALSE;
  c->p += len;
  return TRUE;
}

/* Parses an object; calls @func for its members if not NULL. */
static gboolean
json_parse_object (JsonCursor     *c,
                   int             depth,
                   JsonMemberFunc  func,
                   gpointer        user_data)
{
  g_autoptr(GString) key = g_string_new (NULL);
  g_autoptr(GString) value = g_string_new (NULL);

  if (depth > 64 || c->p >= c->end || *c->p != '{')
    return FALSE;
  c->p++;
  json_skip_ws (c);
  if (c->p < c->end && *c->p == '}')
    {
      c->p++;
      return TRUE;
    }

  for (;;)
    {
      json_skip_ws (c);
      if (!json_parse_string (c, key))
        return FALSE;
      json_skip_ws (c);
      if (c->p >= c->end || *c->p != ':')
        return FALSE;
      c->p++;
      json_skip_ws (c);

      if (c->p < c->end && *c->p == '"')
        {
          if (!json_parse_string (c, value))
            return FALSE;
          if (func != NULL)
            func (key->str, value->str, value->len, TRUE, user_data);
        }
      else
        {
          const char *start = c->p;

          if (!json_parse_value (c, depth + 1))
            return FALSE;
          if (func != NULL)
            {
              g_string_truncate (value, 0);
              g_string_append_len (value, start, c->p - start);
              func (key->str, value->str, value->len, FALSE, user_data);
            }
        }

      json_skip_ws (c);
      if (c->p < c->end && *c->p == ',')
        {
          c->p++;
          continue;
        }
      if (c->p < c->end && *c->p == '}')
        {
          c->p++;
          return TRUE;
        }
      return FALSE;
    }
}

static gboolean
json_parse_value (JsonCursor *c,
                  int         depth)
{
  if (depth > 64 || c->p >= c->end)
    return FALSE;

  switch (*c->p)
    {
    case '{':
      return json_parse_object (c, depth, NULL, NULL);
    case '[':
      c->p++;
      json_skip_ws (c);
      if (c->p < c->end && *c->p == ']')
        {
          c->p++;
          return TRUE;
        }
      for (;;)
        {
          json_skip_ws (c);
          if (!json_parse_value (c, depth + 1))
            return FALSE;
          json_skip_ws (c);
          if (c->p < c->end && *c->p == ',')
            {
              c->p++;
              continue;
            }
          if (c->p < c->end && *c->p == ']')
            {
              c->p++;
              return TRUE;
            }
          return FALSE;
        }
    case '"':
      return json_parse_string (c, NULL);
    case 't':
      return json_parse_literal (c, "true");
    case 'f':
      return json_parse_literal (c, "false");
    case 'n':
      return json_parse_literal (c, "null");
    default:
      return json_parse_number (c);
    }
}

/* Validates one line (without its newline) as a JSON object; the whole line
 * must be valid UTF-8 and nothing may follow the object. */
static gboolean
json_parse_line (const char     *line,
                 gsize           len,
                 JsonMemberFunc  func,
                 gpointer        user_data)
{
  JsonCursor c = { line, line + len };

  if (!g_utf8_validate_len (line, len, NULL))
    return FALSE;
  json_skip_ws (&c);
  if (!json_parse_object (&c, 0, func, user_data))
    return FALSE;
  json_skip_ws (&c);
  return c.p == c.end;
}

static void
add_member_to_table (const char *key,
                     const char *value,
                     gsize       value_len,
                     gboolean    is_string,
                     gpointer    user_data)
{
  GHashTable *table = user_data;

  g_assert_false (g_hash_table_contains (table, key));   /* no duplicate keys */
  g_hash_table_insert (table, g_strdup (key),
                       g_bytes_new (value, value_len));
}

/* key -> GBytes (decoded string, or raw JSON for non-strings) */
static GHashTable *
json_line_to_table (const char *line)
{
  g_autoptr(GHashTable) table =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);

  if (!json_parse_line (line, strlen (line), add_member_to_table, table))
    {
      g_test_message ("invalid JSON: %s", line);
      g_assert_not_reached ();
    }

  return g_steal_pointer (&table);
}

static void
assert_member (GHashTable *table,
               const char *key,
               const char *expected,
               gsize       expected_len)
{
  GBytes *bytes = g_hash_table_lookup (table, key);
  gsize len;
  const char *data;

  if (bytes == NULL)
    g_error ("missing JSON member %s", key);
  data = g_bytes_get_data (bytes, &len);
  g_assert_cmpmem (data, len, expected, expected_len);
}

#define assert_member_str(table, key, expected) \
  assert_member (table, key, expected, strlen (expected))

static gboolean
json_valid (const char *text)
{
  return json_parse_line (text, strlen (text), NULL, NULL);
}

static void
test_json_parser_self_check (void)
{
  g_assert_true (json_valid ("{}"));
  g_assert_true (json_valid (" {\"a\": [1, -2.5e3, 0, true, null, {\"b\": \"\\ud83d\\ude00\\n\"}]} "));
  g_assert_false (json_valid ("{\"a\":\"x\ty\"}"));        /* raw tab */
  g_assert_false (json_valid ("{\"a\":\"\xff\"}"));        /* invalid UTF-8 */
  g_assert_false (json_valid ("{\"a\":\"\\ud800\"}"));    /* lone surrogate */
  g_assert_false (json_valid ("{\"a\":\"\\x41\"}"));      /* not a JSON escape */
  g_assert_false (json_valid ("{\"a\":1}x"));
  g_assert_false (json_valid ("{\"a\":01}"));
  g_assert_false (json_valid ("{\"a\":\"b\""));
  g_assert_false (json_valid ("{\"a\" \"b\"}"));
  g_assert_false (json_valid ("[1]"));
}

/* ------------------------------------------------------------------------ */
/* Output to a pipe                                                         */

typedef struct
{
  int      fds[2];
  GString *data;
} OutputPipe;

static void
output_pipe_open (OutputPipe *pipe)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_unix_open_pipe (pipe->fds, FD_CLOEXEC, &error));
  g_assert_no_error (error);
  g_assert_true (g_unix_set_fd_nonblocking (pipe->fds[0], TRUE, &error));
  pipe->data = g_string_new (NULL);
  aio_log_set_output_fd (pipe->fds[1]);
}

/* Reads whatever is in the pipe now, without waiting. */
static void
output_pipe_read (OutputPipe *pipe)
{
  char buf[4096];

  for (;;)
    {
      ssize_t n = read (pipe->fds[0], buf, sizeof buf);

      if (n > 0)
        g_string_append_len (pipe->data, buf, n);
      else if (n < 0 && errno == EINTR)
        continue;
      else
        {
          g_assert_true (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
          return;
        }
    }
}

static guint
count_lines (const char *data)
{
  guint n = 0;

  for (; *data != '\0'; data++)
    if (*data == '\n')
      n++;
  return n;
}

/* Waits (with a safety deadline) until the pipe holds @n_lines lines. */
static void
output_pipe_wait_lines (OutputPipe *pipe,
                        guint       n_lines)
{
  gint64 deadline = g_get_monotonic_time () + IO_DEADLINE_US;

  output_pipe_read (pipe);
  while (count_lines (pipe->data->str) < n_lines)
    {
      struct pollfd pfd = { pipe->fds[0], POLLIN, 0 };
      gint64 now = g_get_monotonic_time ();

      g_assert_cmpint (now, <, deadline);
      poll (&pfd, 1, (int) ((deadline - now) / 1000) + 1);
      output_pipe_read (pipe);
    }
}

static char **
output_pipe_take_lines (OutputPipe *pipe)
{
  char **lines;
  guint n;

  output_pipe_read (pipe);
  if (pipe->data->len == 0)
    return g_new0 (char *, 1);

  lines = g_strsplit (pipe->data->str, "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpstr (lines[n - 1], ==, "");   /* complete lines only */
  g_clear_pointer (&lines[n - 1], g_free);
  g_string_truncate (pipe->data, 0);

  return lines;
}

static void
output_pipe_close (OutputPipe *pipe)
{
  /* back to the defaults; what is queued goes to the pipe first */
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_AUTO, FALSE, 0, 0.2);
  aio_log_set_output_fd (-1);
  close (pipe->fds[0]);
  close (pipe->fds[1]);
  g_string_free (pipe->data, TRUE);
}

/* ------------------------------------------------------------------------ */
/* Captured records                                                         */

static const char *
record_lookup (GVariant   *record,
               const char *key)
{
  const char *value = NULL;

  if (!g_variant_lookup (record, key, "&s", &value))
    return NULL;
  return value;
}

/* The MESSAGE of each captured record, as a space-separated string. */
static char *
captured_messages (GVariant *records)
{
  g_autoptr(GString) out = g_string_new (NULL);
  GVariantIter iter;
  GVariant *record;

  g_assert_true (g_variant_is_of_type (records, G_VARIANT_TYPE ("aa{sv}")));
  g_variant_iter_init (&iter, records);
  while ((record = g_variant_iter_next_value (&iter)))
    {
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, record_lookup (record, "MESSAGE"));
      g_variant_unref (record);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
log_at (const char     *domain,
        GLogLevelFlags  level,
        const char     *message)
{
  g_log_structured (domain, level, "MESSAGE", "%s", message);
}

/* ------------------------------------------------------------------------ */
/* In-process tests                                                         */

static void
test_setup_twice (void)
{
  aio_log_setup ();
  aio_log_setup ();
  g_assert_true (aio_log_is_installed ());
}

static void
test_json_fields (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  g_autoptr(GRegex) rfc3339 = NULL;
  g_autoptr(GDateTime) parsed = NULL;
  GBytes *timestamp;
  const GLogField fields[] = {
    { "MESSAGE", "from an array", -1 },
    { "PRIORITY", "6", -1 },
    { "GLIB_DOMAIN", TEST_DOMAIN, -1 },
    { "TEXT_WITH_LENGTH", "a\0b", 3 },
    { "BINARY", "\xff\x00\x01", 3 },
    { "USER_POINTER", &fields, 0 },
    { "timestamp", "mine", -1 },
    { "level", "mine too", -1 },
  };

  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_DEBUG, AIO_LOG_FORMAT_JSON, FALSE, 0, 0.2);
  output_pipe_open (&pipe);

  g_log_structured (TEST_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    "CODE_FILE", __FILE__,
                    "CODE_LINE", "42",
                    "CODE_FUNC", G_STRFUNC,
                    "MESSAGE_ID", "0123456789abcdef0123456789abcdef",
                    "MY_CUSTOM_FIELD", "custom value",
                    "MESSAGE", "hello %d", 42);
  g_log_structured_array (G_LOG_LEVEL_INFO, fields, G_N_ELEMENTS (fields));

  lines = output_pipe_take_lines (&pipe);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);

  first = json_line_to_table (lines[0]);
  assert_member_str (first, "MESSAGE", "hello 42");
  assert_member_str (first, "GLIB_DOMAIN", TEST_DOMAIN);
  assert_member_str (first, "PRIORITY", "5");
  assert_member_str (first, "CODE_FILE", __FILE__);
  assert_member_str (first, "CODE_LINE", "42");
  assert_member_str (first, "CODE_FUNC", "test_json_fields");
  assert_member_str (first, "MESSAGE_ID", "0123456789abcdef0123456789abcdef");
  assert_member_str (first, "MY_CUSTOM_FIELD", "custom value");
  assert_member_str (first, "level", "MESSAGE");
  g_assert_cmpuint (g_hash_table_size (first), ==, 10);

  /* RFC 3339, UTC, microseconds */
  timestamp = g_hash_table_lookup (first, "timestamp");
  g_assert_nonnull (timestamp);
  rfc3339 = g_regex_new ("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$", 0, 0, NULL);
  g_assert_true (g_regex_match_full (rfc3339, g_bytes_get_data (timestamp, NULL),
                                     g_bytes_get_size (timestamp), 0, 0, NULL, NULL));
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (timestamp, NULL), g_bytes_get_size (timestamp));
    parsed = g_date_time_new_from_iso8601 (text, NULL);
    g_assert_nonnull (parsed);
  }

  second = json_line_to_table (lines[1]);
  assert_member_str (second, "MESSAGE", "from an array");
  assert_member_str (second, "level", "INFO");
  assert_member (second, "TEXT_WITH_LENGTH", "a\0b", 3);
  assert_member_str (second, "BINARY", "{\"base64\":\"/wAB\"}");
  assert_member_str (second, "USER_POINTER", "");
  assert_member_str (second, "_timestamp", "mine");
  assert_member_str (second, "_level", "mine too");
  g_assert_cmpuint (g_hash_table_size (second), ==, 10);

  output_pipe_close (&pipe);
}

static void
test_json_escaping (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) table = NULL;
  const char *message =
    "quote\" backslash\\ slash/ nl\n tab\t cr\r ctl\x01\x1f\x08\x0c del\x7f "
    "e\xc3\xa9 euro\xe2\x82\xac emoji\xf0\x9f\x98\x80 c1\xc2\x85 "
    "bad\xff trunc\xe2\x82 overlong\xc0\xaf surrogate\xed\xa0\x80 big\xf4\x90\x80\x80 end";
  const char *expected =
    "quote\" backslash\\ slash/ nl\n tab\t cr\r ctl\x01\x1f\x08\x0c del\x7f "
    "e\xc3\xa9 euro\xe2\x82\xac emoji\xf0\x9f\x98\x80 c1\xc2\x85 "
    "bad\xef\xbf\xbd trunc\xef\xbf\xbd\xef\xbf\xbd "
    "overlong\xef\xbf\xbd\xef\xbf\xbd "
    "surrogate\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
    "big\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end";
  const GLogField fields[] = {
    { "MESSAGE", message, -1 },
    { "PRIORITY", "6", -1 },
    { "GLIB_DOMAIN", "Dom\"ain\n\xfe", -1 },
    { "KEY \"with\" \\ quotes\x02", "value", -1 },
    { "VALID_BINARY", "line\nbreak \xc3\xa9", 13 },
    { "TRUNCATED", "\xc3\xa9\xc3", 3 },
  };

  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_JSON, FALSE, 0, 0.2);
  output_pipe_open (&pipe);

  g_log_structured_array (G_LOG_LEVEL_INFO, fields, G_N_ELEMENTS (fields));

  lines = output_pipe_take_lines (&pipe);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);

  /* escapes, not raw bytes, for control characters */
  g_assert_nonnull (strstr (lines[0], "ctl\\u0001\\u001f\\b\\f del"));
  g_assert_nonnull (strstr (lines[0], "nl\\n tab\\t cr\\r"));

  table = json_line_to_table (lines[0]);
  assert_member_str (table, "MESSAGE", expected);
  assert_member_str (table, "GLIB_DOMAIN", "Dom\"ain\n\xef\xbf\xbd");
  assert_member_str (table, "KEY \"with\" \\ quotes\x02", "value");
  assert_member_str (table, "VALID_BINARY", "line\nbreak \xc3\xa9");
  assert_member_str (table, "TRUNCATED", "{\"base64\":\"w6nD\"}");

  output_pipe_close (&pipe);
}

static void
test_plain_format (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GRegex) layout = NULL;
  const GLogField no_domain[] = {
    { "MESSAGE", "no domain", -1 },
    { "PRIORITY", "4", -1 },
  };

  aio_log_setup ();
  output_pipe_open (&pipe);

  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, FALSE, 0, 0.2);
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "hello plain");
  log_at (TEST_DOMAIN, G_LOG_LEVEL_MESSAGE, "ctl\x01 bad\xff multi\nline cr\r\n c1\xc2\x85 \xc3\xa9");
  g_log_structured_array (G_LOG_LEVEL_MESSAGE, no_domain, G_N_ELEMENTS (no_domain));

  /* COLOR and AUTO fall back to plain text on a pipe */
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_COLOR, FALSE, 0, 0.2);
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "color on a pipe");
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_AUTO, FALSE, 0, 0.2);
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "auto on a pipe");

  lines = output_pipe_take_lines (&pipe);
  /* the second message spans three lines (newlines are kept) */
  g_assert_cmpuint (g_strv_length (lines), ==, 7);

  layout = g_regex_new ("^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{6} INFO     " TEST_DOMAIN ": hello plain$", 0, 0, NULL);
  g_assert_true (g_regex_match (layout, lines[0], 0, NULL));
  g_assert_true (g_str_has_suffix (lines[1], " MESSAGE  " TEST_DOMAIN ": ctl\\u0001 bad\\xff multi"));
  g_assert_cmpstr (lines[2], ==, "line cr\r");
  g_assert_cmpstr (lines[3], ==, " c1\\u0085 \xc3\xa9");
  g_assert_true (g_str_has_suffix (lines[4], " MESSAGE  no domain"));
  g_assert_true (g_str_has_suffix (lines[5], " INFO     " TEST_DOMAIN ": color on a pipe"));
  g_assert_true (g_str_has_suffix (lines[6], " INFO     " TEST_DOMAIN ": auto on a pipe"));
  g_assert_null (strchr (lines[5], '\033'));
  g_assert_null (strchr (lines[6], '\033'));

  output_pipe_close (&pipe);
}

static void
test_color_on_tty (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  char buf[4096];
  int master, slave;
  ssize_t n;

  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0)
    {
      g_test_skip ("no pseudo-terminal");
      if (master >= 0)
        close (master);
      return;
    }
  slave = open (ptsname (master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (slave, >=, 0);

  aio_log_setup ();
  aio_log_set_output_fd (slave);
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_COLOR, FALSE, 0, 0.2);
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "colored");
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_AUTO, FALSE, 0, 0.2);
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "auto is colored too");
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, FALSE, 0, 0.2);
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "plain is never colored");
  aio_log_set_output_fd (-1);

  g_assert_true (g_unix_set_fd_nonblocking (master, TRUE, NULL));
  while ((n = read (master, buf, sizeof buf)) > 0)
    g_string_append_len (out, buf, n);

  g_assert_nonnull (strstr (out->str, "\033[1;32mINFO\033[0m"));
  g_assert_nonnull (strstr (out->str, "\033[1m" TEST_DOMAIN "\033[0m: colored"));
  g_assert_nonnull (strstr (out->str, "\033[0m: auto is colored too"));
  g_assert_nonnull (strstr (out->str, " INFO     " TEST_DOMAIN ": plain is never colored"));

  close (slave);
  close (master);
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_AUTO, FALSE, 0, 0.2);
}

static void
test_journald_fallback (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;

  if (g_file_test ("/run/systemd/journal/socket", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("a journal is running: records would go there");
      return;
    }

  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_JOURNALD, TRUE, 0, 0.2);
  output_pipe_open (&pipe);

  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "no journal here");
  aio_log_flush ();   /* the plain-text fallback is buffered like plain text */

  lines = output_pipe_take_lines (&pipe);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  g_assert_true (g_str_has_suffix (lines[0], " INFO     " TEST_DOMAIN ": no journal here"));

  output_pipe_close (&pipe);
}

static void
test_level_filter (void)
{
  static const struct {
    AioLogLevel level;
    const char *expected;
  } cases[] = {
    { AIO_LOG_LEVEL_DEBUG, "debug info message warning critical" },
    { AIO_LOG_LEVEL_INFO, "info message warning critical" },
    { AIO_LOG_LEVEL_MESSAGE, "message warning critical" },
    { AIO_LOG_LEVEL_WARNING, "warning critical" },
    { AIO_LOG_LEVEL_CRITICAL, "critical" },
    { AIO_LOG_LEVEL_ERROR, "" },
  };
  gsize i;

  aio_log_setup ();

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) records = NULL;
      g_autofree char *messages = NULL;

      aio_log_configure (cases[i].level, AIO_LOG_FORMAT_DISABLED, FALSE, 0, 0.2);
      aio_log_capture_begin ();
      log_at (TEST_DOMAIN, G_LOG_LEVEL_DEBUG, "debug");
      log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "info");
      log_at (TEST_DOMAIN, G_LOG_LEVEL_MESSAGE, "message");
      /* captured records are not made fatal by g_test's always-fatal mask */
      log_at (TEST_DOMAIN, G_LOG_LEVEL_WARNING, "warning");
      log_at (TEST_DOMAIN, G_LOG_LEVEL_CRITICAL, "critical");
      records = aio_log_capture_end ();
      messages = captured_messages (records);
      g_assert_cmpstr (messages, ==, cases[i].expected);
    }

  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_AUTO, FALSE, 0, 0.2);
}

static char *
capture_debug_and_info (void)
{
  g_autoptr(GVariant) records = NULL;
  const GLogField no_domain[] = {
    { "MESSAGE", "nodomain", -1 },
    { "PRIORITY", "7", -1 },
  };

  aio_log_capture_begin ();
  log_at (TEST_DOMAIN, G_LOG_LEVEL_DEBUG, "debug");
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "info");
  log_at (TEST_DOMAIN, G_LOG_LEVEL_MESSAGE, "message");    /* never enabled by G_MESSAGES_DEBUG */
  log_at (TEST_DOMAIN, G_LOG_LEVEL_WARNING, "warning");
  log_at ("Other", G_LOG_LEVEL_DEBUG, "other");
  log_at (TEST_DOMAIN "X", G_LOG_LEVEL_DEBUG, "longer");    /* whole words only */
  log_at ("AioLog", G_LOG_LEVEL_DEBUG, "prefix");
  g_log_structured_array (G_LOG_LEVEL_DEBUG, no_domain, G_N_ELEMENTS (no_domain));
  records = aio_log_capture_end ();

  return captured_messages (records);
}

#define assert_debug_capture(expected) G_STMT_START { \
    g_autofree char *_messages = capture_debug_and_info (); \
    g_assert_cmpstr (_messages, ==, expected); \
  } G_STMT_END

static void
test_messages_debug (void)
{
  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_ERROR, AIO_LOG_FORMAT_DISABLED, FALSE, 0, 0.2);

  g_setenv ("G_MESSAGES_DEBUG", "Other " TEST_DOMAIN, TRUE);
  assert_debug_capture ("debug info other");

  g_setenv ("G_MESSAGES_DEBUG", "Other," TEST_DOMAIN, TRUE);
  assert_debug_capture ("debug info other");

  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  assert_debug_capture ("debug info other longer prefix nodomain");

  g_unsetenv ("G_MESSAGES_DEBUG");
  assert_debug_capture ("");

  g_log_set_debug_enabled (TRUE);
  assert_debug_capture ("debug info other longer prefix nodomain");
  g_log_set_debug_enabled (FALSE);

  /* at WARNING the level itself lets warnings through */
  aio_log_configure (AIO_LOG_LEVEL_WARNING, AIO_LOG_FORMAT_DISABLED, FALSE, 0, 0.2);
  g_setenv ("G_MESSAGES_DEBUG", TEST_DOMAIN, TRUE);
  assert_debug_capture ("debug info warning");
  g_unsetenv ("G_MESSAGES_DEBUG");

  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_AUTO, FALSE, 0, 0.2);
}

static void
test_capture_variant (void)
{
  g_autoptr(GVariant) records = NULL;
  g_autoptr(GVariant) record = NULL;
  g_autoptr(GVariant) binary = NULL;
  g_autoptr(GVariant) empty = NULL;
  const guchar *bytes;
  gsize n_bytes;
  gint64 timestamp;
  const GLogField fields[] = {
    { "MESSAGE", "bad \xff utf8", -1 },
    { "PRIORITY", "4", -1 },
    { "GLIB_DOMAIN", TEST_DOMAIN, -1 },
    { "BINARY", "\x00\xff", 2 },
    { "USER_POINTER", &fields, 0 },
  };

  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_DISABLED, FALSE, 0, 0.2);

  /* nothing started: an empty array of the right type */
  empty = aio_log_capture_end ();
  g_assert_true (g_variant_is_of_type (empty, G_VARIANT_TYPE ("aa{sv}")));
  g_assert_cmpuint (g_variant_n_children (empty), ==, 0);
  g_assert_false (g_variant_is_floating (empty));

  aio_log_capture_begin ();
  g_log_structured_array (G_LOG_LEVEL_WARNING, fields, G_N_ELEMENTS (fields));
  records = aio_log_capture_end ();

  g_assert_true (g_variant_is_of_type (records, G_VARIANT_TYPE ("aa{sv}")));
  g_assert_cmpuint (g_variant_n_children (records), ==, 1);
  record = g_variant_get_child_value (records, 0);
  g_assert_cmpstr (record_lookup (record, "level"), ==, "WARNING");
  g_assert_cmpstr (record_lookup (record, "MESSAGE"), ==, "bad \xef\xbf\xbd utf8");
  g_assert_cmpstr (record_lookup (record, "GLIB_DOMAIN"), ==, TEST_DOMAIN);
  g_assert_cmpstr (record_lookup (record, "PRIORITY"), ==, "4");
  g_assert_true (g_variant_lookup (record, "timestamp", "x", &timestamp));
  g_assert_cmpint (timestamp, >, 0);
  binary = g_variant_lookup_value (record, "BINARY", G_VARIANT_TYPE_BYTESTRING);
  g_assert_nonnull (binary);
  bytes = g_variant_get_fixed_array (binary, &n_bytes, 1);
  g_assert_cmpmem (bytes, n_bytes, "\x00\xff", 2);
  g_clear_pointer (&binary, g_variant_unref);
  binary = g_variant_lookup_value (record, "USER_POINTER", G_VARIANT_TYPE_BYTESTRING);
  g_assert_nonnull (binary);
  g_assert_cmpuint (g_variant_n_children (binary), ==, 0);

  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_AUTO, FALSE, 0, 0.2);
}

typedef struct
{
  guint    calls;
  guint    destroyed;
  gboolean consume;
} CaptureData;

static gboolean
counting_capture (GLogLevelFlags  log_level,
                  GVariant       *fields,
                  gpointer        user_data)
{
  CaptureData *data = user_data;

  g_assert_true (g_variant_is_of_type (fields, G_VARIANT_TYPE_VARDICT));
  data->calls++;
  return data->consume;
}

static void
capture_data_destroy (gpointer user_data)
{
  CaptureData *data = user_data;

  data->destroyed++;
}

/* Removes itself and checks that its data outlives the call. */
static gboolean
self_removing_capture (GLogLevelFlags  log_level,
                       GVariant       *fields,
                       gpointer        user_data)
{
  CaptureData *data = user_data;

  data->calls++;
  aio_log_set_capture_func (NULL, NULL, NULL);
  g_assert_cmpuint (data->destroyed, ==, 0);   /* not while running */
  aio_log_flush ();                              /* allowed from here */
  return data->consume;
}

static void
test_capture_func (void)
{
  OutputPipe pipe;
  CaptureData pass = { 0, 0, FALSE };
  CaptureData consume = { 0, 0, TRUE };
  g_auto(GStrv) lines = NULL;

  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, FALSE, 0, 0.2);
  output_pipe_open (&pipe);

  aio_log_set_capture_func (counting_capture, &pass, capture_data_destroy);
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "passed through");
  log_at (TEST_DOMAIN, G_LOG_LEVEL_DEBUG, "filtered out");   /* not offered */
  g_assert_cmpuint (pass.calls, ==, 1);

  aio_log_set_capture_func (counting_capture, &consume, capture_data_destroy);
  g_assert_cmpuint (pass.destroyed, ==, 1);
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "consumed");
  g_assert_cmpuint (consume.calls, ==, 1);

  aio_log_set_capture_func (NULL, NULL, NULL);
  g_assert_cmpuint (consume.destroyed, ==, 1);
  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "after");
  g_assert_cmpuint (pass.calls, ==, 1);
  g_assert_cmpuint (consume.calls, ==, 1);

  {
    CaptureData self = { 0, 0, TRUE };

    aio_log_set_capture_func (self_removing_capture, &self, capture_data_destroy);
    log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "consumed by the last call");
    log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "written");
    g_assert_cmpuint (self.calls, ==, 1);
    g_assert_cmpuint (self.destroyed, ==, 1);
  }

  lines = output_pipe_take_lines (&pipe);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_true (g_str_has_suffix (lines[0], ": passed through"));
  g_assert_true (g_str_has_suffix (lines[1], ": after"));
  g_assert_true (g_str_has_suffix (lines[2], ": written"));

  output_pipe_close (&pipe);
}

static void
test_disabled (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;

  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_DEBUG, AIO_LOG_FORMAT_DISABLED, TRUE, 0, 0.2);
  output_pipe_open (&pipe);

  log_at (TEST_DOMAIN, G_LOG_LEVEL_INFO, "dropped");
  log_at (TEST_DOMAIN, G_LOG_LEVEL_MESSAGE, "dropped too");
  aio_log_flush ();

  lines = output_pipe_take_lines (&pipe);
  g_assert_cmpuint (g_strv_length (lines), ==, 0);

  output_pipe_close (&pipe);
}

static void
log_numbered (guint first,
              guint count)
{
  guint i;

  for (i = first; i < first + count; i++)
    g_log_structured (TEST_DOMAIN, G_LOG_LEVEL_INFO, "MESSAGE", "line %u", i);
}

static void
assert_numbered_lines (char  **lines,
                       guint   first,
                       guint   count)
{
  guint i;

  g_assert_cmpuint (g_strv_length (lines), ==, count);
  for (i = 0; i < count; i++)
    {
      g_autofree char *suffix = g_strdup_printf (": line %u", first + i);
      g_assert_true (g_str_has_suffix (lines[i], suffix));
    }
}

static void
test_flush_on_size (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;

  aio_log_setup ();
  /* an interval that never elapses: only the size can trigger the write */
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, TRUE, 8, 3600);
  output_pipe_open (&pipe);

  log_numbered (0, 7);
  output_pipe_read (&pipe);
  g_assert_cmpuint (pipe.data->len, ==, 0);     /* still queued */

  log_numbered (7, 1);                          /* the 8th record */
  output_pipe_wait_lines (&pipe, 8);
  lines = output_pipe_take_lines (&pipe);
  assert_numbered_lines (lines, 0, 8);

  output_pipe_close (&pipe);
}

static void
test_flush_on_interval (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;

  aio_log_setup ();
  /* a size that is never reached: only the interval can trigger the write */
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, TRUE, 1000000, 0.05);
  output_pipe_open (&pipe);

  log_numbered (0, 3);
  output_pipe_wait_lines (&pipe, 3);
  lines = output_pipe_take_lines (&pipe);
  assert_numbered_lines (lines, 0, 3);

  output_pipe_close (&pipe);
}

static void
test_flush_sync (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;

  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, TRUE, 1000000, 3600);
  output_pipe_open (&pipe);

  log_numbered (0, 100);
  output_pipe_read (&pipe);
  g_assert_cmpuint (pipe.data->len, ==, 0);

  /* synchronous: everything is in the pipe when it returns */
  aio_log_flush ();
  lines = output_pipe_take_lines (&pipe);
  assert_numbered_lines (lines, 0, 100);

  aio_log_flush ();   /* nothing queued: returns at once */
  output_pipe_close (&pipe);
}

static void
test_reconfigure_flushes (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) more = NULL;

  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, TRUE, 1000000, 3600);
  output_pipe_open (&pipe);

  log_numbered (0, 10);
  /* switching to unbuffered JSON writes the queue, as plain text, first */
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_JSON, FALSE, 0, 0.2);
  lines = output_pipe_take_lines (&pipe);
  assert_numbered_lines (lines, 0, 10);

  log_numbered (10, 1);   /* unbuffered: written before g_log_structured() returns */
  more = output_pipe_take_lines (&pipe);
  g_assert_cmpuint (g_strv_length (more), ==, 1);
  g_assert_nonnull (strstr (more[0], "\"MESSAGE\":\"line 10\""));

  output_pipe_close (&pipe);
}

static void
test_fork_no_duplicates (void)
{
  OutputPipe pipe;
  g_auto(GStrv) lines = NULL;
  int status;
  pid_t pid;

  aio_log_setup ();
  aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, TRUE, 1000000, 3600);
  output_pipe_open (&pipe);

  log_numbered (0, 5);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      /* the parent's queue is the parent's: the child writes only its own */
      log_numbered (5, 1);
      aio_log_flush ();
      _exit (0);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  lines = output_pipe_take_lines (&pipe);
  assert_numbered_lines (lines, 5, 1);
  g_clear_pointer (&lines, g_strfreev);

  aio_log_flush ();
  lines = output_pipe_take_lines (&pipe);
  assert_numbered_lines (lines, 0, 5);

  output_pipe_close (&pipe);
}

/* ------------------------------------------------------------------------ */
/* Fatal records (g_test_trap_subprocess)                                   */

static void
log_queued (guint count)
{
  guint i;

  for (i = 0; i < count; i++)
    g_log_structured (TEST_DOMAIN, G_LOG_LEVEL_INFO, "MESSAGE", "queued %u", i);
}

static void
test_fatal_flushes_first (void)
{
  if (g_test_subprocess ())
    {
      aio_log_setup ();
      aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_JSON, TRUE, 1000000, 3600);
      log_queued (50);
      /* g_test_init() made warnings fatal: written after the queue, then abort */
      g_log_structured (TEST_DOMAIN, G_LOG_LEVEL_WARNING, "MESSAGE", "the fatal warning");
      g_assert_not_reached ();
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*\"queued 0\"*\"queued 49\"*\"level\":\"WARNING\"*\"the fatal warning\"*");
}

static void
test_old_api_fatal_flushes_first (void)
{
  if (g_test_subprocess ())
    {
      aio_log_setup ();
      aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_PLAIN, TRUE, 1000000, 3600);
      log_queued (20);
      /* g_logv() aborts by itself after the writer returns */
      g_log (TEST_DOMAIN, G_LOG_LEVEL_CRITICAL, "old api %s", "critical");
      g_assert_not_reached ();
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*queued 0\n*queued 19\n*CRITICAL " TEST_DOMAIN ": old api critical\n*");
}

static void
test_error_when_disabled (void)
{
  if (g_test_subprocess ())
    {
      aio_log_setup ();
      aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_DISABLED, TRUE, 1000000, 3600);
      log_queued (3);
      g_log_structured (TEST_DOMAIN, G_LOG_LEVEL_ERROR, "MESSAGE", "the error");
      g_assert_not_reached ();
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("* ERROR    " TEST_DOMAIN ": the error\n*");
  g_test_trap_assert_stderr_unmatched ("*queued*");
}

static void
test_capture_cancels_always_fatal (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GVariant) records = NULL;

      aio_log_setup ();
      aio_log_capture_begin ();
      g_log_structured (TEST_DOMAIN, G_LOG_LEVEL_CRITICAL, "MESSAGE", "expected critical");
      records = aio_log_capture_end ();
      g_assert_cmpuint (g_variant_n_children (records), ==, 1);
      /* without a capture the same critical is fatal */
      g_log_structured (TEST_DOMAIN, G_LOG_LEVEL_CRITICAL, "MESSAGE", "unexpected critical");
      g_assert_not_reached ();
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*unexpected critical*");
  g_test_trap_assert_stderr_unmatched ("*expected critical*unexpected*");
}

/* ------------------------------------------------------------------------ */
/* Stress: children that log from threads (run as `test-log --child MODE`)   */

typedef struct
{
  GThread *thread;
  guint    index;
  guint    n_messages;
  guint    produced;
} ChildThread;

static gint child_stop;
static gint child_running;

static gpointer
child_thread_func (gpointer data)
{
  ChildThread *t = data;
  char thread_str[16];
  char seq_str[16];
  guint i;

  g_snprintf (thread_str, sizeof thread_str, "%u", t->index);
  for (i = 0; i < t->n_messages && !g_atomic_int_get (&child_stop); i++)
    {
      g_snprintf (seq_str, sizeof seq_str, "%u", i);
      g_log_structured (TEST_DOMAIN, G_LOG_LEVEL_INFO,
                        "AIO_THREAD", thread_str,
                        "AIO_SEQ", seq_str,
                        "MESSAGE", "thread %u message %u", t->index, i);
      t->produced = i + 1;
    }

  g_atomic_int_add (&child_running, -1);
  g_main_context_wakeup (NULL);

  return NULL;
}

static gboolean
child_on_sigterm (gpointer user_data)
{
  g_atomic_int_set (&child_stop, 1);
  /* tell the parent (on stdout, not the log) that the signal was handled */
  g_assert_cmpint (write (STDOUT_FILENO, "T\n", 2), ==, 2);
  return G_SOURCE_CONTINUE;   /* stay installed: a late SIGTERM is harmless */
}

static int
child_main (const char *mode)
{
  ChildThread threads[STRESS_THREADS];
  gboolean buffered = TRUE;
  guint n_threads = STRESS_THREADS;
  guint n_messages = STRESS_MESSAGES;
  guint i;

  if (g_str_equal (mode, "unbuffered"))
    {
      buffered = FALSE;
      n_messages = 2000;
    }
  else if (g_str_equal (mode, "exit-flush"))
    {
      n_threads = 1;
      n_messages = 1000;
    }
  else if (g_str_equal (mode, "sigterm"))
    g_unix_signal_add (SIGTERM, child_on_sigterm, NULL);
  else if (!g_str_equal (mode, "threads"))
    return 2;

  aio_log_setup ();
  if (g_str_equal (mode, "exit-flush"))
    aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_JSON, TRUE, 1000000, 3600);
  else
    aio_log_configure (AIO_LOG_LEVEL_INFO, AIO_LOG_FORMAT_JSON, buffered, 1024, 0.2);

  g_atomic_int_set (&child_running, n_threads);
  for (i = 0; i < n_threads; i++)
    {
      threads[i].index = i;
      threads[i].n_messages = n_messages;
      threads[i].produced = 0;
      threads[i].thread = g_thread_new ("logger", child_thread_func, &threads[i]);
    }

  /* SIGTERM is dispatched here; the threads wake the context when done */
  while (g_atomic_int_get (&child_running) > 0 && !g_atomic_int_get (&child_stop))
    g_main_context_iteration (NULL, TRUE);

  printf ("COUNTS");
  for (i = 0; i < n_threads; i++)
    {
      g_thread_join (threads[i].thread);
      printf (" %u", threads[i].produced);
    }
  printf ("\n");
  fflush (stdout);

  /* no aio_log_flush(): the atexit handler writes what is still queued */
  return 0;
}

/* Checks the child's stderr as it arrives: every line a complete JSON
 * object, each thread's sequence numbers 0, 1, 2… without gap, duplicate or
 * reordering. */
typedef struct
{
  GString *partial;
  GString *first_error;
  guint    next_seq[STRESS_THREADS];
  guint    n_lines;
  /* members of the line being parsed */
  int      thread;
  int      seq;
  gboolean message_ok;
  gboolean level_ok;
  gboolean domain_ok;
  char     expected_message[64];
} LineChecker;

static void
line_checker_member (const char *key,
                     const char *value,
                     gsize       value_len,
                     gboolean    is_string,
                     gpointer    user_data)
{
  LineChecker *lc = user_data;

  if (!is_string)
    return;
  if (strcmp (key, "AIO_THREAD") == 0)
    lc->thread = (int) g_ascii_strtoll (value, NULL, 10);
  else if (strcmp (key, "AIO_SEQ") == 0)
    lc->seq = (int) g_ascii_strtoll (value, NULL, 10);
  else if (strcmp (key, "MESSAGE") == 0)
    g_strlcpy (lc->expected_message, value, sizeof lc->expected_message);
  else if (strcmp (key, "level") == 0)
    lc->level_ok = strcmp (value, "INFO") == 0;
  else if (strcmp (key, "GLIB_DOMAIN") == 0)
    lc->domain_ok = strcmp (value, TEST_DOMAIN) == 0;
}

static void
line_checker_error (LineChecker *lc,
                    const char  *what,
                    const char  *line,
                    gsize        len)
{
  if (lc->first_error->len == 0)
    g_string_printf (lc->first_error, "line %u: %s: %.*s", lc->n_lines + 1, what,
                     (int) MIN (len, 300), line);
}

static void
line_checker_line (LineChecker *lc,
                   const char  *line,
                   gsize        len)
{
  char message[64];

  lc->thread = -1;
  lc->seq = -1;
  lc->level_ok = FALSE;
  lc->domain_ok = FALSE;
  lc->expected_message[0] = '\0';

  if (!json_parse_line (line, len, line_checker_member, lc))
    line_checker_error (lc, "not a JSON object", line, len);
  else if (lc->thread < 0 || lc->thread >= STRESS_THREADS || lc->seq < 0)
    line_checker_error (lc, "no thread or sequence", line, len);
  else if ((guint) lc->seq != lc->next_seq[lc->thread])
    line_checker_error (lc, "out of sequence (lost, duplicated or reordered)", line, len);
  else
    {
      g_snprintf (message, sizeof message, "thread %d message %d", lc->thread, lc->seq);
      if (!lc->level_ok || !lc->domain_ok || strcmp (message, lc->expected_message) != 0)
        line_checker_error (lc, "wrong level, domain or message", line, len);
      lc->next_seq[lc->thread]++;
    }

  lc->n_lines++;
}

static void
line_checker_feed (LineChecker *lc,
                   const char  *data,
                   gsize        len)
{
  const char *start, *nl;

  g_string_append_len (lc->partial, data, len);
  start = lc->partial->str;
  while ((nl = memchr (start, '\n', lc->partial->str + lc->partial->len - start)) != NULL)
    {
      line_checker_line (lc, start, nl - start);
      start = nl + 1;
    }
  g_string_erase (lc->partial, 0, start - lc->partial->str);
}

typedef struct
{
  GPid        pid;
  int         out_fd;
  int         err_fd;
  GString    *out;
  LineChecker checker;
} ChildRun;

static void
child_run_start (ChildRun   *run,
                 const char *mode)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { test_argv0, "--child", mode, NULL };

  memset (run, 0, sizeof *run);
  run->out = g_string_new (NULL);
  run->checker.partial = g_string_new (NULL);
  run->checker.first_error = g_string_new (NULL);

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                            NULL, NULL, &run->pid, NULL, &run->out_fd, &run->err_fd,
                            &error);
  g_assert_no_error (error);
}

/* Reads once from @fd (waiting up to the safety deadline); FALSE at EOF. */
static gboolean
read_once (int     fd,
           GString *into,
           gint64   deadline,
           gsize   *n_read)
{
  char buf[65536];
  struct pollfd pfd = { fd, POLLIN, 0 };
  ssize_t n;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      int r;

      if (now >= deadline)
        g_error ("the child sent nothing for %d s", (int) (IO_DEADLINE_US / G_USEC_PER_SEC));
      r = poll (&pfd, 1, (int) ((deadline - now) / 1000) + 1);
      if (r < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (r, >=, 0);
      if (r == 0)
        continue;

      n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >=, 0);
      if (n > 0 && into != NULL)
        g_string_append_len (into, buf, n);
      *n_read = n;
      return n > 0;
    }
}

static void
child_read_log (ChildRun *run,
                guint     until_lines)
{
  g_autoptr(GString) chunk = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + IO_DEADLINE_US;
  gsize n;

  while (run->checker.n_lines < until_lines)
    {
      g_string_truncate (chunk, 0);
      if (!read_once (run->err_fd, chunk, deadline, &n))
        return;   /* EOF */
      line_checker_feed (&run->checker, chunk->str, chunk->len);
      deadline = g_get_monotonic_time () + IO_DEADLINE_US;
    }
}

static void
child_read_stdout_until (ChildRun   *run,
                         const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + IO_DEADLINE_US;
  gsize n;

  while (needle == NULL || strstr (run->out->str, needle) == NULL)
    {
      if (!read_once (run->out_fd, run->out, deadline, &n))
        break;
      deadline = g_get_monotonic_time () + IO_DEADLINE_US;
    }
}

/* Reads both pipes to the end, reaps the child, checks that it exited with
 * 0, and returns the number of records each thread reports. */
static void
child_run_finish (ChildRun *run,
                  guint     counts[STRESS_THREADS],
                  guint    *n_threads)
{
  g_auto(GStrv) words = NULL;
  const char *line;
  int status;
  guint i;

  child_read_log (run, G_MAXUINT);
  child_read_stdout_until (run, NULL);
  g_assert_cmpint (waitpid (run->pid, &status, 0), ==, run->pid);
  g_spawn_close_pid (run->pid);
  close (run->out_fd);
  close (run->err_fd);

  if (run->checker.partial->len > 0)
    line_checker_error (&run->checker, "incomplete last line",
                        run->checker.partial->str, run->checker.partial->len);
  if (run->checker.first_error->len > 0)
    g_error ("%s", run->checker.first_error->str);

  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);

  line = strstr (run->out->str, "COUNTS");
  g_assert_nonnull (line);
  words = g_strsplit_set (line, " \n", -1);
  *n_threads = 0;
  for (i = 1; words[i] != NULL && words[i][0] != '\0' && i <= STRESS_THREADS; i++)
    counts[(*n_threads)++] = (guint) g_ascii_strtoull (words[i], NULL, 10);

  g_string_free (run->out, TRUE);
  g_string_free (run->checker.partial, TRUE);
  g_string_free (run->checker.first_error, TRUE);
}

static void
run_stress_child (const char *mode,
                  guint       n_threads_expected,
                  guint       n_messages)
{
  ChildRun run;
  guint counts[STRESS_THREADS];
  guint n_threads, i;

  child_run_start (&run, mode);
  child_run_finish (&run, counts, &n_threads);

  g_assert_cmpuint (n_threads, ==, n_threads_expected);
  for (i = 0; i < n_threads; i++)
    {
      g_assert_cmpuint (counts[i], ==, n_messages);
      g_assert_cmpuint (run.checker.next_seq[i], ==, n_messages);
    }
  g_assert_cmpuint (run.checker.n_lines, ==, n_threads * n_messages);
}

static void
test_threads_buffered (void)
{
  /* 8 threads x 10 000 records through buffered JSON; no explicit flush */
  run_stress_child ("threads", STRESS_THREADS, STRESS_MESSAGES);
}

static void
test_threads_unbuffered (void)
{
  run_stress_child ("unbuffered", STRESS_THREADS, 2000);
}

static void
test_exit_flush (void)
{
  /* a size and an interval that are never reached: only exit() writes */
  run_stress_child ("exit-flush", 1, 1000);
}

static void
test_threads_sigterm (void)
{
  ChildRun run;
  guint counts[STRESS_THREADS];
  guint n_threads, i, total = 0;

  child_run_start (&run, "sigterm");

  /* Mid-stream: the child cannot get far ahead of this reader, since
   * its producers wait when 2 x 1024 records are queued; stop reading, send
   * SIGTERM, and let the producers block until the child has handled it. */
  child_read_log (&run, SIGTERM_AFTER);
  g_assert_cmpuint (run.checker.n_lines, >=, SIGTERM_AFTER);
  g_assert_cmpint (kill (run.pid, SIGTERM), ==, 0);
  child_read_stdout_until (&run, "T\n");
  g_assert_nonnull (strstr (run.out->str, "T\n"));

  /* everything produced before the child exited arrives, in order */
  child_run_finish (&run, counts, &n_threads);
  g_assert_cmpuint (n_threads, ==, STRESS_THREADS);
  for (i = 0; i < n_threads; i++)
    {
      g_assert_cmpuint (run.checker.next_seq[i], ==, counts[i]);
      total += counts[i];
    }
  g_assert_cmpuint (run.checker.n_lines, ==, total);
  g_test_message ("SIGTERM after %u of %u records", total, STRESS_THREADS * STRESS_MESSAGES);
  g_assert_cmpuint (total, >=, SIGTERM_AFTER);
  g_assert_cmpuint (total, <, STRESS_THREADS * STRESS_MESSAGES);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && strcmp (argv[1], "--child") == 0)
    return child_main (argv[2]);

  test_argv0 = argv[0];
  g_unsetenv ("G_MESSAGES_DEBUG");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/Aio/Log/json-parser", test_json_parser_self_check);
  g_test_add_func ("/Aio/Log/setup-twice", test_setup_twice);
  g_test_add_func ("/Aio/Log/json-fields", test_json_fields);
  g_test_add_func ("/Aio/Log/json-escaping", test_json_escaping);
  g_test_add_func ("/Aio/Log/plain-format", test_plain_format);
  g_test_add_func ("/Aio/Log/color-on-tty", test_color_on_tty);
  g_test_add_func ("/Aio/Log/journald-fallback", test_journald_fallback);
  g_test_add_func ("/Aio/Log/level-filter", test_level_filter);
  g_test_add_func ("/Aio/Log/messages-debug", test_messages_debug);
  g_test_add_func ("/Aio/Log/capture-variant", test_capture_variant);
  g_test_add_func ("/Aio/Log/capture-func", test_capture_func);
  g_test_add_func ("/Aio/Log/disabled", test_disabled);
  g_test_add_func ("/Aio/Log/flush-on-size", test_flush_on_size);
  g_test_add_func ("/Aio/Log/flush-on-interval", test_flush_on_interval);
  g_test_add_func ("/Aio/Log/flush-sync", test_flush_sync);
  g_test_add_func ("/Aio/Log/reconfigure-flushes", test_reconfigure_flushes);
  g_test_add_func ("/Aio/Log/fork-no-duplicates", test_fork_no_duplicates);
  g_test_add_func ("/Aio/Log/fatal-flushes-first", test_fatal_flushes_first);
  g_test_add_func ("/Aio/Log/old-api-fatal-flushes-first", test_old_api_fatal_flushes_first);
  g_test_add_func ("/Aio/Log/error-when-disabled", test_error_when_disabled);
  g_test_add_func ("/Aio/Log/capture-cancels-always-fatal", test_capture_cancels_always_fatal);
  g_test_add_func ("/Aio/Log/threads-buffered", test_threads_buffered);
  g_test_add_func ("/Aio/Log/threads-unbuffered", test_threads_unbuffered);
  g_test_add_func ("/Aio/Log/exit-flush", test_exit_flush);
  g_test_add_func ("/Aio/Log/threads-sigterm", test_threads_sigterm);

  return g_test_run ();
}
