/* aio-cron.c: cron expressions and their next fire times
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

#include <string.h>

/**
 * AioCron:
 *
 * A parsed cron expression: when a job runs.
 *
 * The syntax is Vixie cron's five fields, separated by spaces or tabs:
 *
 * | field        | values | names |
 * |--------------|--------|-------|
 * | minute       | 0–59   |       |
 * | hour         | 0–23   |       |
 * | day-of-month | 1–31   |       |
 * | month        | 1–12   | `JAN`–`DEC` |
 * | day-of-week  | 0–7 (0 and 7 are Sunday) | `SUN`–`SAT` |
 *
 * and an optional sixth field, **second** (0–59), which comes **last**, as
 * in croniter and aiomisc: `0-59/10 * * * * 30` fires at second 30 of every
 * tenth minute, `* * * * * 0-59/2` every two seconds. Without it, jobs fire
 * at second 0.
 *
 * Each field is a comma-separated list of items; an item is `*` (every
 * value), a value `5`, a range `1-5`, each optionally followed by a step
 * `/N`: a star with `/15` is every 15th value from the first, `1-30/5` is
 * 1, 6, … 26, and `10/20` is from 10 to the end of the field by 20.
 * Names are case-insensitive and may be range bounds (`MON-FRI`,
 * `JAN-JUN/2`); in day-of-week a range may end on Sunday as 0 or 7
 * (`FRI-SUN`). Instead of the fields the expression may be one macro:
 * `@yearly` (or `@annually`, `0 0 1 1 *`), `@monthly` (`0 0 1 * *`),
 * `@weekly` (`0 0 * * 0`), `@daily` (or `@midnight`, `0 0 * * *`) and
 * `@hourly` (`0 * * * *`).
 *
 * Day of month and day of week combine as in cron: when both are
 * restricted, a day that matches either one matches (`0 0 1 * MON` is the
 * 1st of each month and every Monday); otherwise both must match. A field is
 * restricted when it does not cover all its values, so a star with `/2` in
 * day-of-month is restricted, as in croniter (Vixie cron looks only at
 * whether the field starts with `*`).
 *
 * An expression whose day-of-month names only days that none of its months
 * has (`0 0 30 2 *`, `0 0 31 4,6 *`) is refused with
 * %AIO_ERROR_CRON_PARSE. February 29 is valid: it fires in leap
 * years.
 *
 * Not supported: `L`, `W`, `#`, `?`, `H` and `@reboot`.
 *
 * [method@Aio.Cron.next] finds the next time in the time zone of its
 * argument, and handles daylight-saving changes as cronie does:
 *
 * - a job whose hour field is `*` (it runs every hour) follows the wall
 *   clock: times skipped by a spring-forward change do not fire, and times
 *   repeated by a fall-back change fire in both passes;
 * - any other job fires once for each matching wall-clock time: a time that
 *   a spring-forward change skips fires at the first moment after the gap
 *   (a 02:30 job fires at 03:00 when clocks go from 02:00 to 03:00), and a
 *   time that a fall-back change repeats fires only in its first pass.
 *
 * An #AioCron is immutable and may be used from any thread.
 *
 * Since: 0.1
 */

#define SECONDS_PER_DAY G_GINT64_CONSTANT (86400)
/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range of GDateTime. */
#define UNIX_MIN G_GINT64_CONSTANT (-62135596800)
#define UNIX_MAX G_GINT64_CONSTANT (253402300799)
#define MAX_YEAR 9999
/* Bounds the walk over time zone transitions. */
#define MAX_TRANSITIONS 1024

struct _AioCron
{
  grefcount  ref_count;
  char      *expression;

  guint64    seconds;        /* bits 0–59 */
  guint64    minutes;        /* bits 0–59 */
  guint32    hours;          /* bits 0–23 */
  guint32    days;           /* bits 1–31 */
  guint32    months;         /* bits 1–12 */
  guint32    weekdays;       /* bits 0–6, Sunday is 0 */

  /* Days of a month (bits 1–31) whose weekday matches, by the weekday of
   * the 1st of the month. */
  guint32    weekday_days[7];

  guint      has_seconds : 1;
  guint      day_or : 1;     /* both day fields restricted: either matches */
  guint      every_hour : 1; /* the hour field is full: follow the wall clock */
};

G_DEFINE_BOXED_TYPE (AioCron, aio_cron, aio_cron_ref, aio_cron_unref)

/* Fields, in the order of the expression. */
enum {
  FIELD_MINUTE,
  FIELD_HOUR,
  FIELD_DAY_OF_MONTH,
  FIELD_MONTH,
  FIELD_DAY_OF_WEEK,
  FIELD_SECOND,
  N_FIELDS
};

typedef struct
{
  const char        *name;
  int                min;
  int                max;
  const char *const *names;   /* names[i] is value min + i (or i for weekdays) */
  int                n_names;
} FieldInfo;

static const char *const month_names[] = {
  "jan", "feb", "mar", "apr", "may", "jun",
  "jul", "aug", "sep", "oct", "nov", "dec",
};

static const char *const weekday_names[] = {
  "sun", "mon", "tue", "wed", "thu", "fri", "sat",
};

static const FieldInfo fields[N_FIELDS] = {
  [FIELD_MINUTE] = { "minute", 0, 59, NULL, 0 },
  [FIELD_HOUR] = { "hour", 0, 23, NULL, 0 },
  [FIELD_DAY_OF_MONTH] = { "day-of-month", 1, 31, NULL, 0 },
  [FIELD_MONTH] = { "month", 1, 12, month_names, 12 },
  [FIELD_DAY_OF_WEEK] = { "day-of-week", 0, 7, weekday_names, 7 },
  [FIELD_SECOND] = { "second", 0, 59, NULL, 0 },
};

static const struct
{
  const char *name;
  const char *fields;
} macros[] = {
  { "@yearly", "0 0 1 1 *" },
  { "@annually", "0 0 1 1 *" },
  { "@monthly", "0 0 1 * *" },
  { "@weekly", "0 0 * * 0" },
  { "@daily", "0 0 * * *" },
  { "@midnight", "0 0 * * *" },
  { "@hourly", "0 * * * *" },
};

/* Calendar arithmetic on the proleptic Gregorian calendar, after Howard
 * Hinnant's "chrono-Compatible Low-Level Date Algorithms". */

static inline gint64
floor_div (gint64 a,
           gint64 b)
{
  gint64 q = a / b;

  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static inline gint64
days_from_civil (gint64 y,
                 int    m,
                 int    d)
{
  gint64 era;
  guint yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (guint) (y - era * 400);
  doy = (153 * (guint) (m > 2 ? m - 3 : m + 9) + 2) / 5 + (guint) d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + (gint64) doe - 719468;
}

static inline void
civil_from_days (gint64  z,
                 int    *year,
                 int    *month,
                 int    *day)
{
  gint64 era;
  guint doe, yoe, doy, mp;

  z += 719468;
  era = (z >= 0 ? z : z - 146096) / 146097;
  doe = (guint) (z - era * 146097);
  yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  mp = (5 * doy + 2) / 153;
  *day = (int) (doy - (153 * mp + 2) / 5 + 1);
  *month = (int) (mp < 10 ? mp + 3 : mp - 9);
  *year = (int) ((gint64) yoe + era * 400 + (*month <= 2));
}

static inline int
weekday_from_days (gint64 z)
{
  /* 1970-01-01 was a Thursday. */
  return (int) ((z % 7 + 11) % 7);
}

static inline gboolean
is_leap_year (int y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline int
days_in_month (int y,
               int m)
{
  static const int days[] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  return (m == 2 && is_leap_year (y)) ? 29 : days[m];
}

/* The smallest set bit of @mask at @from or above, or -1. */
static inline int
next_bit32 (guint32 mask,
            int     from)
{
  if (from > 31)
    return -1;
  mask &= ~(guint32) 0 << from;
  return mask ? __builtin_ctz (mask) : -1;
}

static inline int
next_bit64 (guint64 mask,
            int     from)
{
  if (from > 63)
    return -1;
  mask &= ~(guint64) 0 << from;
  return mask ? __builtin_ctzll (mask) : -1;
}

/* The days of month @m of year @y (bits 1–31) that match. */
static inline guint32
month_days (const AioCron *self,
            int            y,
            int            m)
{
  guint32 by_weekday = self->weekday_days[weekday_from_days (days_from_civil (y, m, 1))];
  guint32 days = self->day_or ? (self->days | by_weekday) : (self->days & by_weekday);
  int dim = days_in_month (y, m);

  return days & (((guint32) 0xFFFFFFFFu >> (31 - dim)) & ~(guint32) 1);
}

/* The first matching wall-clock time at or after @from, both in seconds
 * since 1970-01-01T00:00:00 of the wall clock. Field by field: a field that
 * does not match jumps to its next matching value and resets the smaller
 * fields, so that the loop runs a handful of times per call. */
static gboolean
cron_next_civil (const AioCron *self,
                 gint64         from,
                 gint64        *out)
{
  gint64 days = floor_div (from, SECONDS_PER_DAY);
  int sod = (int) (from - days * SECONDS_PER_DAY);
  int y, m, d;
  int h = sod / 3600;
  int mi = sod / 60 % 60;
  int s = sod % 60;

  civil_from_days (days, &y, &m, &d);

  for (;;)
    {
      int next;

      if (y > MAX_YEAR)
        return FALSE;

      if ((self->months & (1u << m)) == 0)
        {
          next = next_bit32 (self->months, m);
          if (next < 0)
            {
              y++;
              next = next_bit32 (self->months, 1);
            }
          m = next;
          d = 1;
          h = mi = s = 0;
          if (y > MAX_YEAR)
            return FALSE;
        }

      next = next_bit32 (month_days (self, y, m), d);
      if (next < 0)
        {
          if (++m > 12)
            {
              m = 1;
              y++;
            }
          d = 1;
          h = mi = s = 0;
          continue;
        }
      if (next != d)
        {
          d = next;
          h = mi = s = 0;
        }

      next = next_bit32 (self->hours, h);
      if (next < 0)
        {
          d++;
          h = mi = s = 0;
          continue;
        }
      if (next != h)
        {
          h = next;
          mi = s = 0;
        }

      next = next_bit64 (self->minutes, mi);
      if (next < 0)
        {
          mi = s = 0;
          if (++h > 23)
            {
              h = 0;
              d++;
            }
          continue;
        }
      if (next != mi)
        {
          mi = next;
          s = 0;
        }

      next = next_bit64 (self->seconds, s);
      if (next < 0)
        {
          s = 0;
          if (++mi > 59)
            {
              mi = 0;
              if (++h > 23)
                {
                  h = 0;
                  d++;
                }
            }
          continue;
        }
      s = next;

      *out = days_from_civil (y, m, d) * SECONDS_PER_DAY + h * 3600 + mi * 60 + s;
      return TRUE;
    }
}

/* Parsing */

typedef struct
{
  const char *expression;
  const char *field_start;
  gsize       field_len;
  int         field;
} ParseContext;

static void
set_field_error (ParseContext  *ctx,
                 GError       **error,
                 const char    *format,
                 ...) G_GNUC_PRINTF (3, 4);

static void
set_field_error (ParseContext  *ctx,
                 GError       **error,
                 const char    *format,
                 ...)
{
  g_autofree char *field_text = g_strndup (ctx->field_start, ctx->field_len);
  g_autofree char *field_valid = g_utf8_make_valid (field_text, -1);
  g_autofree char *expression_valid = g_utf8_make_valid (ctx->expression, -1);
  g_autofree char *detail = NULL;
  va_list args;

  va_start (args, format);
  detail = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, AIO_ERROR, AIO_ERROR_CRON_PARSE,
               "Invalid %s field “%s” in cron expression “%s”: %s",
               fields[ctx->field].name, field_valid, expression_valid, detail);
}

/* Reads a number or a name at *p into *value; FALSE with @error set if
 * there is neither. */
static gboolean
parse_value (ParseContext  *ctx,
             const char   **p,
             const char    *end,
             int           *value,
             GError       **error)
{
  const FieldInfo *info = &fields[ctx->field];
  const char *start = *p;

  if (*p < end && g_ascii_isdigit (**p))
    {
      gint64 v = 0;

      while (*p < end && g_ascii_isdigit (**p))
        {
          if (v <= G_MAXINT)
            v = v * 10 + (**p - '0');
          (*p)++;
        }
      if (v < info->min || v > info->max)
        {
          g_autofree char *text = g_strndup (start, *p - start);

          set_field_error (ctx, error,
                           "%s is out of range %d–%d", text, info->min, info->max);
          return FALSE;
        }
      *value = (int) v;
      return TRUE;
    }

  if (*p < end && g_ascii_isalpha (**p))
    {
      g_autofree char *text = NULL;
      g_autofree char *text_valid = NULL;

      while (*p < end && g_ascii_isalpha (**p))
        (*p)++;
      text = g_strndup (start, *p - start);
      for (int i = 0; i < info->n_names; i++)
        {
          if (g_ascii_strcasecmp (text, info->names[i]) == 0)
            {
              *value = info->min == 1 ? i + 1 : i;
              return TRUE;
            }
        }
      text_valid = g_utf8_make_valid (text, -1);
      if (info->n_names > 0)
        set_field_error (ctx, error,
                         "unknown name “%s” (expected %s–%s)", text_valid,
                         info->names[0], info->names[info->n_names - 1]);
      else
        set_field_error (ctx, error,
                         "“%s” is not a number (names are only allowed in month and day-of-week)",
                         text_valid);
      return FALSE;
    }

  if (*p < end)
    {
      g_autofree char *c = g_strndup (*p, 1);
      g_autofree char *c_valid = g_utf8_make_valid (c, -1);

      set_field_error (ctx, error,
                       "unexpected “%s” where a value was expected", c_valid);
    }
  else
    set_field_error (ctx, error,
                     "a value is missing at the end");
  return FALSE;
}

/* Parses one comma-separated item into @bits. */
static gboolean
parse_item (ParseContext  *ctx,
            const char    *p,
            const char    *end,
            guint64       *bits,
            GError       **error)
{
  const FieldInfo *info = &fields[ctx->field];
  int low, high, step = 1;
  gboolean single = FALSE;

  if (p == end)
    {
      set_field_error (ctx, error, "empty list item");
      return FALSE;
    }

  if (*p == '*')
    {
      low = info->min;
      high = ctx->field == FIELD_DAY_OF_WEEK ? 6 : info->max;
      p++;
    }
  else
    {
      if (!parse_value (ctx, &p, end, &low, error))
        return FALSE;
      high = low;
      single = TRUE;
      if (p < end && *p == '-')
        {
          const char *high_start = ++p;

          single = FALSE;
          if (!parse_value (ctx, &p, end, &high, error))
            return FALSE;
          /* FRI-SUN: Sunday as the end of a range is 7. */
          if (ctx->field == FIELD_DAY_OF_WEEK && high == 0 && low > 0)
            high = 7;
          if (high < low)
            {
              g_autofree char *text = g_strndup (high_start, p - high_start);

              set_field_error (ctx, error,
                               "the range ends on %s, before it starts", text);
              return FALSE;
            }
        }
    }

  if (p < end && *p == '/')
    {
      gint64 v = 0;
      const char *step_start = ++p;
      g_autofree char *text = NULL;
      int span = info->max - info->min + 1;

      while (p < end && g_ascii_isdigit (*p))
        {
          if (v <= G_MAXINT)
            v = v * 10 + (*p - '0');
          p++;
        }
      if (p == step_start || p != end)
        {
          g_autofree char *rest = g_strndup (step_start, end - step_start);
          g_autofree char *rest_valid = g_utf8_make_valid (rest, -1);

          set_field_error (ctx, error,
                           "the step “%s” is not a number", rest_valid);
          return FALSE;
        }
      text = g_strndup (step_start, p - step_start);
      if (v < 1 || v > span)
        {
          set_field_error (ctx, error,
                           "the step %s is out of range 1–%d", text, span);
          return FALSE;
        }
      step = (int) v;
      /* 10/5 means 10 to the end of the field by 5. */
      if (single)
        high = ctx->field == FIELD_DAY_OF_WEEK ? 6 : info->max;
    }

  if (p != end)
    {
      g_autofree char *rest = g_strndup (p, end - p);
      g_autofree char *rest_valid = g_utf8_make_valid (rest, -1);

      set_field_error (ctx, error,
                       "unexpected “%s”", rest_valid);
      return FALSE;
    }

  for (int v = low; v <= high; v += step)
    *bits |= G_GUINT64_CONSTANT (1) << v;

  return TRUE;
}

static gboolean
parse_field (ParseContext  *ctx,
             guint64       *bits,
             GError       **error)
{
  const char *p = ctx->field_start;
  const char *end = p + ctx->field_len;

  *bits = 0;
  for (;;)
    {
      const char *comma = memchr (p, ',', end - p);
      const char *item_end = comma ? comma : end;

      if (!parse_item (ctx, p, item_end, bits, error))
        return FALSE;
      if (comma == NULL)
        break;
      p = comma + 1;
    }

  return TRUE;
}

static gboolean
cron_check_possible (AioCron       *self,
                     ParseContext  *day_ctx,
                     ParseContext  *month_ctx,
                     GError       **error)
{
  g_autofree char *months = NULL;
  g_autofree char *months_valid = NULL;

  /* A restricted day-of-week matches some day of every month, whatever
   * day-of-month says: only day-of-month alone can never match. */
  if (self->weekdays != 0x7F)
    return TRUE;

  for (int m = 1; m <= 12; m++)
    {
      /* 2000 is a leap year: February has its 29th. */
      if ((self->months & (1u << m)) != 0 &&
          (self->days & ((guint32) 0xFFFFFFFFu >> (31 - days_in_month (2000, m)))) != 0)
        return TRUE;
    }

  months = g_strndup (month_ctx->field_start, month_ctx->field_len);
  months_valid = g_utf8_make_valid (months, -1);
  set_field_error (day_ctx, error,
                   "no month “%s” has such a day, the schedule would never fire",
                   months_valid);
  return FALSE;
}

static gboolean
cron_parse (AioCron     *self,
            const char  *expression,
            const char  *text,
            GError     **error)
{
  ParseContext ctx[N_FIELDS];
  guint64 bits[N_FIELDS];
  const char *p = text;
  int n = 0;

  for (;;)
    {
      const char *start;

      while (*p != '\0' && g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;
      start = p;
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      if (n < N_FIELDS)
        {
          ctx[n].expression = expression;
          ctx[n].field_start = start;
          ctx[n].field_len = p - start;
          ctx[n].field = n;
        }
      n++;
    }

  if (n != 5 && n != 6)
    {
      g_autofree char *valid = g_utf8_make_valid (expression, -1);

      g_set_error (error, AIO_ERROR, AIO_ERROR_CRON_PARSE,
                   "Invalid cron expression “%s”: %d fields, expected 5 "
                   "(minute hour day-of-month month day-of-week) or 6 (the same and second)",
                   valid, n);
      return FALSE;
    }

  for (int i = 0; i < n; i++)
    if (!parse_field (&ctx[i], &bits[i], error))
      return FALSE;

  self->minutes = bits[FIELD_MINUTE];
  self->hours = (guint32) bits[FIELD_HOUR];
  self->days = (guint32) bits[FIELD_DAY_OF_MONTH];
  self->months = (guint32) bits[FIELD_MONTH];
  self->weekdays = (guint32) bits[FIELD_DAY_OF_WEEK];
  /* 7 is Sunday too. */
  if (self->weekdays & (1u << 7))
    self->weekdays = (self->weekdays & ~(1u << 7)) | 1u;
  self->has_seconds = n == 6;
  self->seconds = self->has_seconds ? bits[FIELD_SECOND] : 1;

  self->day_or = self->days != 0xFFFFFFFE && self->weekdays != 0x7F;
  self->every_hour = self->hours == 0xFFFFFF;

  for (int first = 0; first < 7; first++)
    {
      guint32 mask = 0;

      for (int d = 1; d <= 31; d++)
        if (self->weekdays & (1u << ((first + d - 1) % 7)))
          mask |= 1u << d;
      self->weekday_days[first] = mask;
    }

  return cron_check_possible (self, &ctx[FIELD_DAY_OF_MONTH], &ctx[FIELD_MONTH], error);
}

/**
 * aio_cron_new: (constructor)
 * @expression: a cron expression, such as `0 9-17 * * MON-FRI`
 * @error: return location for a #GError
 *
 * Parses a cron expression; see [struct@Aio.Cron] for the syntax.
 *
 * An invalid expression is an %AIO_ERROR_CRON_PARSE error whose message names the
 * field (minute, hour, day-of-month, month, day-of-week or second) and its
 * offending text.
 *
 * Returns: (transfer full): the schedule, or %NULL with @error set
 *
 * Since: 0.1
 */
AioCron *
aio_cron_new (const char  *expression,
              GError     **error)
{
  g_autoptr(AioCron) self = NULL;
  const char *text = expression;
  const char *p;

  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p = expression;
  while (g_ascii_isspace (*p))
    p++;
  if (*p == '@')
    {
      const char *end = p;
      const char *rest;

      while (*end != '\0' && !g_ascii_isspace (*end))
        end++;
      rest = end;
      while (g_ascii_isspace (*rest))
        rest++;

      text = NULL;
      for (guint i = 0; i < G_N_ELEMENTS (macros); i++)
        {
          if (strlen (macros[i].name) == (gsize) (end - p) &&
              g_ascii_strncasecmp (p, macros[i].name, end - p) == 0)
            {
              text = macros[i].fields;
              break;
            }
        }

      if (text == NULL || *rest != '\0')
        {
          g_autofree char *macro = g_strndup (p, end - p);
          g_autofree char *macro_valid = g_utf8_make_valid (macro, -1);

          if (text == NULL)
            g_set_error (error, AIO_ERROR, AIO_ERROR_CRON_PARSE,
                         "Invalid cron expression: unknown macro “%s” (expected @yearly, "
                         "@annually, @monthly, @weekly, @daily, @midnight or @hourly)",
                         macro_valid);
          else
            g_set_error (error, AIO_ERROR, AIO_ERROR_CRON_PARSE,
                         "Invalid cron expression: the macro “%s” must stand alone",
                         macro_valid);
          return NULL;
        }
    }

  self = g_new0 (AioCron, 1);
  g_ref_count_init (&self->ref_count);
  self->expression = g_strdup (expression);

  if (!cron_parse (self, expression, text, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * aio_cron_ref:
 * @cron: a schedule
 *
 * Takes a reference.
 *
 * Returns: (transfer full): @cron
 *
 * Since: 0.1
 */
AioCron *
aio_cron_ref (AioCron *cron)
{
  g_return_val_if_fail (cron != NULL, NULL);

  g_ref_count_inc (&cron->ref_count);

  return cron;
}

/**
 * aio_cron_unref:
 * @cron: (transfer full): a schedule
 *
 * Drops a reference; the last one frees @cron.
 *
 * Since: 0.1
 */
void
aio_cron_unref (AioCron *cron)
{
  g_return_if_fail (cron != NULL);

  if (g_ref_count_dec (&cron->ref_count))
    {
      g_free (cron->expression);
      g_free (cron);
    }
}

/**
 * aio_cron_get_expression:
 * @cron: a schedule
 *
 * Gets the expression @cron was parsed from, as given.
 *
 * Returns: (transfer none): the expression
 *
 * Since: 0.1
 */
const char *
aio_cron_get_expression (AioCron *cron)
{
  g_return_val_if_fail (cron != NULL, NULL);

  return cron->expression;
}

/**
 * aio_cron_has_seconds:
 * @cron: a schedule
 *
 * Tells whether the expression has the sixth field, seconds.
 *
 * Returns: %TRUE for a 6-field expression
 *
 * Since: 0.1
 */
gboolean
aio_cron_has_seconds (AioCron *cron)
{
  g_return_val_if_fail (cron != NULL, FALSE);

  return cron->has_seconds;
}

/**
 * aio_cron_matches:
 * @cron: a schedule
 * @datetime: a time
 *
 * Tells whether the wall-clock time of @datetime, in its own time zone,
 * matches every field of @cron (the second must be 0 for a 5-field
 * expression; microseconds are ignored). Daylight-saving rules play no part:
 * see [method@Aio.Cron.next] for those.
 *
 * Returns: %TRUE if @datetime matches
 *
 * Since: 0.1
 */
gboolean
aio_cron_matches (AioCron   *cron,
                  GDateTime *datetime)
{
  gint64 civil, found;

  g_return_val_if_fail (cron != NULL, FALSE);
  g_return_val_if_fail (datetime != NULL, FALSE);

  civil = g_date_time_to_unix (datetime) +
          g_date_time_get_utc_offset (datetime) / G_TIME_SPAN_SECOND;

  return cron_next_civil (cron, civil, &found) && found == civil;
}

static inline int
tz_interval (GTimeZone *tz,
             gint64     t)
{
  return tz ? g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, t) : 0;
}

static inline gint64
tz_offset (GTimeZone *tz,
           int        interval)
{
  return tz ? g_time_zone_get_offset (tz, interval) : 0;
}

/* The first instant in (lo, hi] whose interval is @interval or later; the
 * interval of lo is earlier, that of hi is not. */
static gint64
tz_find_start (GTimeZone *tz,
               gint64     lo,
               gint64     hi,
               int        interval)
{
  while (hi - lo > 1)
    {
      gint64 mid = lo + (hi - lo) / 2;

      if (tz_interval (tz, mid) < interval)
        lo = mid;
      else
        hi = mid;
    }

  return hi;
}

/* The walk: take the time zone interval (a span of constant UTC offset)
 * that holds t, find the first matching wall-clock time in it, and move to
 * the next interval when that time lies past its end. Each transition
 * crossed is a gap (spring forward) or an overlap (fall back), handled as
 * the documentation of AioCron says. */
static gboolean
cron_next_instant (const AioCron *self,
                   GTimeZone     *tz,
                   gint64         after,
                   gint64        *next)
{
  gint64 t, civil_from, offset, civil;
  int interval;

  if (after >= UNIX_MAX)
    return FALSE;
  t = MAX (after, UNIX_MIN - 2 * SECONDS_PER_DAY) + 1;
  interval = tz_interval (tz, t);
  offset = tz_offset (tz, interval);
  civil_from = t + offset;

  /* Right after a transition, a job that fires once per wall-clock time may
   * have a gap to catch up on, or a repeated span to skip. */
  if (!self->every_hour && interval > 0)
    {
      gint64 previous = tz_offset (tz, interval - 1);

      if (previous < offset && tz_interval (tz, t - 1) != interval)
        {
          /* t is the first instant after a gap of wall-clock times
           * [t + previous, t + offset). */
          if (cron_next_civil (self, t + previous, &civil) && civil < t + offset)
            {
              *next = t;
              return TRUE;
            }
        }
      else if (previous > offset && tz_interval (tz, t - (previous - offset)) != interval)
        {
          /* Within the repeated span: skip what the first pass had. */
          gint64 start = tz_find_start (tz, t - (previous - offset), t, interval);

          civil_from = MAX (civil_from, start + previous);
        }
    }

  for (guint i = 0; i < MAX_TRANSITIONS; i++)
    {
      gint64 instant, transition, new_offset;
      int new_interval;

      if (!cron_next_civil (self, civil_from, &civil))
        return FALSE;
      instant = civil - offset;
      if (tz == NULL || tz_interval (tz, instant) == interval)
        {
          *next = instant;
          return TRUE;
        }

      /* The wall-clock time lies past this interval. */
      transition = tz_find_start (tz, t, instant, interval + 1);
      new_interval = tz_interval (tz, transition);
      new_offset = tz_offset (tz, new_interval);

      if (self->every_hour)
        {
          /* Follow the wall clock: skip a gap, repeat an overlap. */
          civil_from = transition + new_offset;
        }
      else
        {
          /* A match inside a gap fires at its end; a match inside a
           * repeated span fired in its first pass already. */
          if (new_offset > offset && civil < transition + new_offset)
            {
              *next = transition;
              return TRUE;
            }
          civil_from = MAX (civil, transition + new_offset);
        }

      t = transition;
      interval = new_interval;
      offset = new_offset;
    }

  return FALSE;
}

/**
 * aio_cron_next_unix:
 * @cron: a schedule
 * @time_zone: (nullable): the time zone whose wall clock the schedule
 *   follows, or %NULL for UTC
 * @after: a time, in seconds since the Unix epoch
 * @next: (out): the next fire time, in seconds since the Unix epoch
 *
 * The allocation-free form of [method@Aio.Cron.next]: finds the first time
 * strictly after @after at which @cron fires in @time_zone.
 *
 * Returns: %TRUE if there is one before the year 10000
 *
 * Since: 0.1
 */
gboolean
aio_cron_next_unix (AioCron   *cron,
                    GTimeZone *time_zone,
                    gint64     after,
                    gint64    *next)
{
  gint64 found;

  g_return_val_if_fail (cron != NULL, FALSE);
  g_return_val_if_fail (next != NULL, FALSE);

  if (!cron_next_instant (cron, time_zone, after, &found) || found > UNIX_MAX)
    return FALSE;

  *next = found;
  return TRUE;
}

/**
 * aio_cron_next:
 * @cron: a schedule
 * @after: a time
 *
 * Finds the first time strictly after @after at which @cron fires, on the
 * wall clock of the time zone of @after. See [struct@Aio.Cron] for how
 * daylight-saving changes are handled.
 *
 * Returns: (transfer full) (nullable): the next fire time, in the time
 *   zone of @after, or %NULL if there is none before the year 10000
 *
 * Since: 0.1
 */
GDateTime *
aio_cron_next (AioCron   *cron,
               GDateTime *after)
{
  gint64 after_unix, found;

  g_return_val_if_fail (cron != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  after_unix = g_date_time_to_unix (after);
  if (!aio_cron_next_unix (cron, g_date_time_get_timezone (after), after_unix, &found))
    return NULL;

  return g_date_time_add (after,
                          (found - after_unix) * G_TIME_SPAN_SECOND -
                          g_date_time_get_microsecond (after));
}
