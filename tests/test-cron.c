/* test-cron.c: AioCron parsing and next times, AioCronCallback, AioCronService
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-services.h"

#include <string.h>

/* Helpers for AioCron */

static AioCron *
cron_new_ok (const char *expression)
{
  g_autoptr(GError) error = NULL;
  AioCron *cron = aio_cron_new (expression, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cron);
  return cron;
}

static GDateTime *
datetime_new (const char *iso,
              const char *zone)
{
  g_autoptr(GTimeZone) tz = zone ? g_time_zone_new_identifier (zone) : g_time_zone_new_utc ();
  g_autoptr(GDateTime) parsed = NULL;

  g_assert_nonnull (tz);
  /* The ISO string carries its offset, so that repeated times are exact. */
  parsed = g_date_time_new_from_iso8601 (iso, NULL);
  g_assert_nonnull (parsed);
  return g_date_time_to_timezone (parsed, tz);
}

static char *
format (GDateTime *dt)
{
  return dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S%:z") : g_strdup ("(null)");
}

/* Checks the successive next times of @expression from @start in @zone. */
static void
check_sequence (const char        *expression,
                const char        *zone,
                const char        *start,
                const char *const *expected)
{
  g_autoptr(AioCron) cron = cron_new_ok (expression);
  g_autoptr(GDateTime) at = datetime_new (start, zone);

  for (guint i = 0; expected[i] != NULL; i++)
    {
      g_autoptr(GDateTime) next = aio_cron_next (cron, at);
      g_autofree char *got = format (next);

      if (g_strcmp0 (got, expected[i]) != 0)
        g_error ("“%s” in %s from %s, step %u: expected %s, got %s",
                 expression, zone ? zone : "UTC", start, i, expected[i], got);
      g_clear_pointer (&at, g_date_time_unref);
      at = g_steal_pointer (&next);
    }
}

#define SEQ(...) ((const char *const[]) { __VA_ARGS__, NULL })

static void
test_fields (void)
{
  check_sequence ("5,10 * * * *", NULL, "2024-01-01T00:07:00Z",
                  SEQ ("2024-01-01T00:10:00+00:00", "2024-01-01T01:05:00+00:00",
                       "2024-01-01T01:10:00+00:00"));
  check_sequence ("0 9-11 * * *", NULL, "2024-01-01T10:30:00Z",
                  SEQ ("2024-01-01T11:00:00+00:00", "2024-01-02T09:00:00+00:00",
                       "2024-01-02T10:00:00+00:00"));
  check_sequence ("0 0 15,31 * *", NULL, "2024-01-20T00:00:00Z",
                  SEQ ("2024-01-31T00:00:00+00:00", "2024-02-15T00:00:00+00:00",
                       "2024-03-15T00:00:00+00:00", "2024-03-31T00:00:00+00:00",
                       "2024-04-15T00:00:00+00:00", "2024-05-15T00:00:00+00:00"));
  check_sequence ("0 0 1 6 *", NULL, "2024-07-01T00:00:00Z",
                  SEQ ("2025-06-01T00:00:00+00:00", "2026-06-01T00:00:00+00:00"));
  /* 2024-01-03 is a Wednesday. */
  check_sequence ("30 8 * * 3", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-03T08:30:00+00:00", "2024-01-10T08:30:00+00:00"));
  /* Lists mixing values and ranges, leading zeros, extra whitespace. */
  check_sequence ("  00,30\t1-2,23  *  *  *  ", NULL, "2024-01-01T01:45:00Z",
                  SEQ ("2024-01-01T02:00:00+00:00", "2024-01-01T02:30:00+00:00",
                       "2024-01-01T23:00:00+00:00", "2024-01-01T23:30:00+00:00",
                       "2024-01-02T01:00:00+00:00"));
  /* Crossing a year end. */
  check_sequence ("59 23 31 12 *", NULL, "2024-12-31T23:59:00Z",
                  SEQ ("2025-12-31T23:59:00+00:00"));
  check_sequence ("* * * * *", NULL, "2024-12-31T23:59:30Z",
                  SEQ ("2025-01-01T00:00:00+00:00", "2025-01-01T00:01:00+00:00"));
}

static void
test_steps (void)
{
  check_sequence ("*/15 * * * *", NULL, "2024-01-01T00:07:00Z",
                  SEQ ("2024-01-01T00:15:00+00:00", "2024-01-01T00:30:00+00:00",
                       "2024-01-01T00:45:00+00:00", "2024-01-01T01:00:00+00:00"));
  check_sequence ("1-30/5 * * * *", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-01T00:01:00+00:00", "2024-01-01T00:06:00+00:00",
                       "2024-01-01T00:11:00+00:00", "2024-01-01T00:16:00+00:00",
                       "2024-01-01T00:21:00+00:00", "2024-01-01T00:26:00+00:00",
                       "2024-01-01T01:01:00+00:00"));
  /* N/step: from N to the end of the field. */
  check_sequence ("50/5 * * * *", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-01T00:50:00+00:00", "2024-01-01T00:55:00+00:00",
                       "2024-01-01T01:50:00+00:00"));
  check_sequence ("0 0 1 */4 *", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-05-01T00:00:00+00:00", "2024-09-01T00:00:00+00:00",
                       "2025-01-01T00:00:00+00:00"));
  check_sequence ("0 */6 * * *", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-01T06:00:00+00:00", "2024-01-01T12:00:00+00:00",
                       "2024-01-01T18:00:00+00:00", "2024-01-02T00:00:00+00:00"));
  check_sequence ("0 0 1 JAN-DEC/3 *", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-04-01T00:00:00+00:00", "2024-07-01T00:00:00+00:00",
                       "2024-10-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"));
}

static void
test_names (void)
{
  const char *const months[] = { "0 0 1 jun *", "0 0 1 JUN *", "0 0 1 Jun *", "0 0 1 6 *" };
  const char *const weekdays[] = { "0 0 * * sun", "0 0 * * SUN", "0 0 * * 0", "0 0 * * 7" };

  for (guint i = 0; i < G_N_ELEMENTS (months); i++)
    check_sequence (months[i], NULL, "2024-01-01T00:00:00Z",
                    SEQ ("2024-06-01T00:00:00+00:00", "2025-06-01T00:00:00+00:00"));
  /* 2024-01-07 is a Sunday. */
  for (guint i = 0; i < G_N_ELEMENTS (weekdays); i++)
    check_sequence (weekdays[i], NULL, "2024-01-01T00:00:00Z",
                    SEQ ("2024-01-07T00:00:00+00:00", "2024-01-14T00:00:00+00:00"));

  check_sequence ("0 12 * * MON-FRI", NULL, "2024-01-05T13:00:00Z",
                  SEQ ("2024-01-08T12:00:00+00:00", "2024-01-09T12:00:00+00:00"));
  /* A range may end on Sunday as SUN, 0 or 7. */
  check_sequence ("0 0 * * FRI-SUN", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-05T00:00:00+00:00", "2024-01-06T00:00:00+00:00",
                       "2024-01-07T00:00:00+00:00", "2024-01-12T00:00:00+00:00"));
  check_sequence ("0 0 * * 5-7", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-05T00:00:00+00:00", "2024-01-06T00:00:00+00:00",
                       "2024-01-07T00:00:00+00:00", "2024-01-12T00:00:00+00:00"));
  check_sequence ("0 0 * * sat,Sun", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-06T00:00:00+00:00", "2024-01-07T00:00:00+00:00",
                       "2024-01-13T00:00:00+00:00"));
  check_sequence ("0 0 1 feb-mar/1,jul *", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-02-01T00:00:00+00:00", "2024-03-01T00:00:00+00:00",
                       "2024-07-01T00:00:00+00:00"));
}

static void
check_same_schedule (const char *a,
                     const char *b)
{
  g_autoptr(AioCron) ca = cron_new_ok (a);
  g_autoptr(AioCron) cb = cron_new_ok (b);
  gint64 ta = 1704067200 - 1, tb = ta;   /* 2024-01-01T00:00:00Z */

  for (guint i = 0; i < 30; i++)
    {
      g_assert_true (aio_cron_next_unix (ca, NULL, ta, &ta));
      g_assert_true (aio_cron_next_unix (cb, NULL, tb, &tb));
      g_assert_cmpint (ta, ==, tb);
    }
}

static void
test_macros (void)
{
  check_same_schedule ("@yearly", "0 0 1 1 *");
  check_same_schedule ("@annually", "0 0 1 1 *");
  check_same_schedule ("@monthly", "0 0 1 * *");
  check_same_schedule ("@weekly", "0 0 * * 0");
  check_same_schedule ("@daily", "0 0 * * *");
  check_same_schedule ("@midnight", "0 0 * * *");
  check_same_schedule ("@hourly", "0 * * * *");
  check_same_schedule ("  @DAILY  ", "0 0 * * *");
  check_same_schedule ("@Hourly", "0 * * * *");

  check_sequence ("@weekly", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-07T00:00:00+00:00", "2024-01-14T00:00:00+00:00"));

  {
    g_autoptr(AioCron) cron = cron_new_ok (" @daily");

    g_assert_cmpstr (aio_cron_get_expression (cron), ==, " @daily");
    g_assert_false (aio_cron_has_seconds (cron));
  }
}

static void
test_or_rule (void)
{
  /* Both restricted: the 1st of the month or any Monday. 2024-01-01 is a Monday. */
  check_sequence ("0 0 1 * MON", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-08T00:00:00+00:00", "2024-01-15T00:00:00+00:00",
                       "2024-01-22T00:00:00+00:00", "2024-01-29T00:00:00+00:00",
                       "2024-02-01T00:00:00+00:00", "2024-02-05T00:00:00+00:00"));
  /* Only one restricted: that one alone. */
  check_sequence ("0 0 1 * *", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-02-01T00:00:00+00:00", "2024-03-01T00:00:00+00:00"));
  check_sequence ("0 0 * * MON", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-08T00:00:00+00:00", "2024-01-15T00:00:00+00:00"));
  /* A full range is not a restriction. */
  check_sequence ("0 0 1-31 * MON", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-08T00:00:00+00:00", "2024-01-15T00:00:00+00:00"));
  check_sequence ("0 0 13 * 0-6", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-13T00:00:00+00:00", "2024-02-13T00:00:00+00:00"));
  /* A stepped star is restricted (croniter's rule): the 1st, 11th, 21st
   * and 31st, or Fridays. */
  check_sequence ("0 0 */10 * FRI", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-05T00:00:00+00:00", "2024-01-11T00:00:00+00:00",
                       "2024-01-12T00:00:00+00:00", "2024-01-19T00:00:00+00:00",
                       "2024-01-21T00:00:00+00:00", "2024-01-26T00:00:00+00:00",
                       "2024-01-31T00:00:00+00:00", "2024-02-01T00:00:00+00:00"));
  /* Friday the 13th needs both: not expressible, OR applies. */
  check_sequence ("0 0 13 * 5", NULL, "2024-09-01T00:00:00Z",
                  SEQ ("2024-09-06T00:00:00+00:00", "2024-09-13T00:00:00+00:00",
                       "2024-09-20T00:00:00+00:00"));
}

static void
test_seconds (void)
{
  g_autoptr(AioCron) six = cron_new_ok ("* * * * * */2");
  g_autoptr(AioCron) five = cron_new_ok ("* * * * *");
  g_autoptr(GDateTime) zero = datetime_new ("2024-01-01T00:00:00Z", NULL);
  g_autoptr(GDateTime) odd = datetime_new ("2024-01-01T00:00:01Z", NULL);

  g_assert_true (aio_cron_has_seconds (six));
  g_assert_false (aio_cron_has_seconds (five));
  g_assert_true (aio_cron_matches (six, zero));
  g_assert_false (aio_cron_matches (six, odd));
  g_assert_true (aio_cron_matches (five, zero));
  g_assert_false (aio_cron_matches (five, odd));

  check_sequence ("* * * * * */2", NULL, "2024-01-01T00:00:00.5Z",
                  SEQ ("2024-01-01T00:00:02+00:00", "2024-01-01T00:00:04+00:00",
                       "2024-01-01T00:00:06+00:00"));
  /* Seconds come last: minute 0 of hour 12, second 30. */
  check_sequence ("0 12 * * * 30", NULL, "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-01T12:00:30+00:00", "2024-01-02T12:00:30+00:00"));
  check_sequence ("*/30 * * * * 15,45", NULL, "2024-01-01T00:00:50Z",
                  SEQ ("2024-01-01T00:30:15+00:00", "2024-01-01T00:30:45+00:00",
                       "2024-01-01T01:00:15+00:00"));
  check_sequence ("59 23 31 12 * 59", NULL, "2024-06-01T00:00:00Z",
                  SEQ ("2024-12-31T23:59:59+00:00", "2025-12-31T23:59:59+00:00"));

  /* With seconds last, a star and a step in the first field is every
   * second of every other minute. */
  check_sequence ("0-59/2 * * * * *", NULL, "2024-01-01T00:00:58Z",
                  SEQ ("2024-01-01T00:00:59+00:00", "2024-01-01T00:02:00+00:00",
                       "2024-01-01T00:02:01+00:00"));
}

typedef struct
{
  const char   *expression;
  const char   *field;   /* named in the message, or NULL */
  const char   *text;    /* quoted in the message */
} InvalidCase;

static void
test_invalid (void)
{
  static const InvalidCase cases[] = {
    { "", NULL, "0 fields" },
    { "   ", NULL, "0 fields" },
    { "* * * *", NULL, "4 fields" },
    { "* * * * * * *", NULL, "7 fields" },
    { "60 * * * *", "minute", "“60”" },
    { "* 24 * * *", "hour", "“24”" },
    { "* * 0 * *", "day-of-month", "“0”" },
    { "* * 32 * *", "day-of-month", "“32”" },
    { "* * * 0 *", "month", "“0”" },
    { "* * * 13 *", "month", "“13”" },
    { "* * * * 8", "day-of-week", "“8”" },
    { "* * * * * 60", "second", "“60”" },
    { "* * * * * 99999999999999999999", "second", "99999999999999999999" },
    { "5-1 * * * *", "minute", "“5-1”" },
    { "0 0 1 NOV-FEB *", "month", "“NOV-FEB”" },
    { "*/0 * * * *", "minute", "“*/0”" },
    { "* */25 * * *", "hour", "“*/25”" },
    { "* * * FOO *", "month", "“FOO”" },
    { "* * * JANUARY *", "month", "“JANUARY”" },
    { "* * * * MOO", "day-of-week", "“MOO”" },
    { "* * * MON *", "month", "“MON”" },
    { "* * * * JAN", "day-of-week", "“JAN”" },
    { "x * * * *", "minute", "“x”" },
    { "1,,2 * * * *", "minute", "“1,,2”" },
    { "1, * * * *", "minute", "“1,”" },
    { "* 1- * * *", "hour", "“1-”" },
    { "* 1-2-3 * * *", "hour", "“1-2-3”" },
    { "* * */ * *", "day-of-month", "“*/”" },
    { "* * */x * *", "day-of-month", "“*/x”" },
    { "* * * * 1/2/3", "day-of-week", "“1/2/3”" },
    { "* * L * *", "day-of-month", "“L”" },
    { "* * * * 5#3", "day-of-week", "“5#3”" },
    { "* * ? * *", "day-of-month", "“?”" },
    { "-1 * * * *", "minute", "“-1”" },
    { "** * * * *", "minute", "“**”" },
    { "* * * * * é", "second", "“é”" },
    { "@reboot", NULL, "“@reboot”" },
    { "@every_minute", NULL, "“@every_minute”" },
    { "@daily *", NULL, "“@daily”" },
    { "0 0 30 2 *", "day-of-month", "“30”" },
    { "0 0 31 2 *", "day-of-month", "“31”" },
    { "0 0 31 4,6,9,11 *", "day-of-month", "“4,6,9,11”" },
    { "0 0 30-31 FEB *", "day-of-month", "“30-31”" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(AioCron) cron = aio_cron_new (cases[i].expression, &error);

      g_test_message ("“%s”: %s", cases[i].expression, error ? error->message : "(no error)");
      g_assert_null (cron);
      g_assert_error (error, AIO_ERROR, AIO_ERROR_CRON_PARSE);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      if (cases[i].field != NULL)
        {
          g_autofree char *named = g_strdup_printf ("Invalid %s field", cases[i].field);

          g_assert_nonnull (strstr (error->message, named));
        }
      g_assert_nonnull (strstr (error->message, cases[i].text));
    }

  /* Not valid UTF-8: the message still is. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(AioCron) cron = aio_cron_new ("\xff * * * *", &error);

    g_assert_null (cron);
    g_assert_error (error, AIO_ERROR, AIO_ERROR_CRON_PARSE);
    g_assert_true (g_utf8_validate (error->message, -1, NULL));
  }

  /* Possible ones: February 29, and a weekday OR'ed with an impossible day. */
  {
    g_autoptr(AioCron) a = cron_new_ok ("0 0 29 2 *");
    g_autoptr(AioCron) b = cron_new_ok ("0 0 31 2 MON");
    g_autoptr(AioCron) c = cron_new_ok ("0 0 30 2,3 *");
  }
}

static void
test_leap_day (void)
{
  check_sequence ("0 0 29 2 *", NULL, "2024-03-01T00:00:00Z",
                  SEQ ("2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"));
  check_sequence ("0 0 29 2 *", NULL, "2024-02-28T12:00:00Z",
                  SEQ ("2024-02-29T00:00:00+00:00", "2028-02-29T00:00:00+00:00"));
  /* 2100 is not a leap year, 2000 is. */
  check_sequence ("0 0 29 2 *", NULL, "2096-03-01T00:00:00Z",
                  SEQ ("2104-02-29T00:00:00+00:00"));
  check_sequence ("0 0 29 2 *", NULL, "1996-03-01T00:00:00Z",
                  SEQ ("2000-02-29T00:00:00+00:00"));
  /* The last day of February, whatever the year. */
  check_sequence ("0 0 28,29 2 *", NULL, "2023-01-01T00:00:00Z",
                  SEQ ("2023-02-28T00:00:00+00:00", "2024-02-28T00:00:00+00:00",
                       "2024-02-29T00:00:00+00:00", "2025-02-28T00:00:00+00:00"));
  /* 31 only in the months that have it. */
  check_sequence ("0 0 31 * *", NULL, "2024-01-31T00:00:00Z",
                  SEQ ("2024-03-31T00:00:00+00:00", "2024-05-31T00:00:00+00:00",
                       "2024-07-31T00:00:00+00:00", "2024-08-31T00:00:00+00:00"));
}

static void
test_strictly_after (void)
{
  g_autoptr(AioCron) cron = cron_new_ok ("0 * * * *");
  g_autoptr(GDateTime) on = datetime_new ("2024-01-01T05:00:00Z", NULL);
  g_autoptr(GDateTime) just_after = datetime_new ("2024-01-01T05:00:00.000001Z", NULL);
  g_autoptr(GDateTime) just_before = datetime_new ("2024-01-01T04:59:59.999999Z", NULL);
  g_autoptr(GDateTime) n1 = aio_cron_next (cron, on);
  g_autoptr(GDateTime) n2 = aio_cron_next (cron, just_after);
  g_autoptr(GDateTime) n3 = aio_cron_next (cron, just_before);
  g_autofree char *s1 = format (n1);
  g_autofree char *s2 = format (n2);
  g_autofree char *s3 = format (n3);

  g_assert_cmpstr (s1, ==, "2024-01-01T06:00:00+00:00");
  g_assert_cmpstr (s2, ==, "2024-01-01T06:00:00+00:00");
  g_assert_cmpstr (s3, ==, "2024-01-01T05:00:00+00:00");
  g_assert_cmpint (g_date_time_get_microsecond (n3), ==, 0);
}

static void
test_time_zones (void)
{
  /* The result is in the zone of its argument; the wall clock is that zone's. */
  check_sequence ("0 9 * * *", "Asia/Kolkata", "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-01T09:00:00+05:30", "2024-01-02T09:00:00+05:30"));
  check_sequence ("0 9 * * *", "America/New_York", "2024-01-01T00:00:00Z",
                  SEQ ("2024-01-01T09:00:00-05:00", "2024-01-02T09:00:00-05:00"));
  /* Summer time: 09:00 stays 09:00 on the wall clock. */
  check_sequence ("0 9 1 * *", "Europe/Berlin", "2024-02-15T00:00:00Z",
                  SEQ ("2024-03-01T09:00:00+01:00", "2024-04-01T09:00:00+02:00",
                       "2024-05-01T09:00:00+02:00"));
  /* A local day boundary is not the UTC one. */
  check_sequence ("0 0 * * MON", "Pacific/Auckland", "2024-01-07T10:00:00Z",
                  SEQ ("2024-01-08T00:00:00+13:00", "2024-01-15T00:00:00+13:00"));
}

static void
test_dst_spring_forward (void)
{
  /* Europe/Berlin, 2024-03-31: 02:00 CET becomes 03:00 CEST. A 02:30 job
   * fires once that day, at the first moment after the gap. */
  check_sequence ("30 2 * * *", "Europe/Berlin", "2024-03-30T12:00:00+01:00",
                  SEQ ("2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00",
                       "2024-04-02T02:30:00+02:00"));
  /* Several times in the gap fire once, and 03:00 itself is the same time. */
  check_sequence ("0,15,30 2,3 * * *", "Europe/Berlin", "2024-03-31T01:00:00+01:00",
                  SEQ ("2024-03-31T03:00:00+02:00", "2024-03-31T03:15:00+02:00",
                       "2024-03-31T03:30:00+02:00", "2024-04-01T02:00:00+02:00"));
  /* America/New_York, 2024-03-10: 02:00 EST becomes 03:00 EDT. */
  check_sequence ("30 2 * * *", "America/New_York", "2024-03-09T12:00:00-05:00",
                  SEQ ("2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00"));
  /* An every-hour job follows the wall clock: the skipped times are gone. */
  check_sequence ("*/30 * * * *", "Europe/Berlin", "2024-03-31T01:10:00+01:00",
                  SEQ ("2024-03-31T01:30:00+01:00", "2024-03-31T03:00:00+02:00",
                       "2024-03-31T03:30:00+02:00"));
  check_sequence ("30 * * * *", "America/New_York", "2024-03-10T01:00:00-05:00",
                  SEQ ("2024-03-10T01:30:00-05:00", "2024-03-10T03:30:00-04:00"));
  /* Starting exactly at the last instant before the gap. */
  check_sequence ("30 2 * * *", "Europe/Berlin", "2024-03-31T01:59:59+01:00",
                  SEQ ("2024-03-31T03:00:00+02:00", "2024-04-01T02:30:00+02:00"));
  /* Australia/Lord_Howe, 2024-10-06: a half-hour change, 02:00 to 02:30. */
  check_sequence ("15 2 * * *", "Australia/Lord_Howe", "2024-10-05T12:00:00+10:30",
                  SEQ ("2024-10-06T02:30:00+11:00", "2024-10-07T02:15:00+11:00"));
  check_sequence ("*/20 * * * *", "Australia/Lord_Howe", "2024-10-06T01:30:00+10:30",
                  SEQ ("2024-10-06T01:40:00+10:30", "2024-10-06T02:40:00+11:00",
                       "2024-10-06T03:00:00+11:00"));
  /* Starting at the gap's end itself: it already fired. */
  check_sequence ("30 2 * * *", "Europe/Berlin", "2024-03-31T03:00:00+02:00",
                  SEQ ("2024-04-01T02:30:00+02:00"));
}

static void
test_dst_fall_back (void)
{
  /* America/New_York, 2024-11-03: 02:00 EDT becomes 01:00 EST; a 01:30 job
   * fires once, in the first pass. */
  check_sequence ("30 1 * * *", "America/New_York", "2024-11-02T12:00:00-04:00",
                  SEQ ("2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00",
                       "2024-11-05T01:30:00-05:00"));
  /* From inside the second pass, before and after the repeated 01:30. */
  check_sequence ("30 1 * * *", "America/New_York", "2024-11-03T01:10:00-05:00",
                  SEQ ("2024-11-04T01:30:00-05:00"));
  check_sequence ("30 1 * * *", "America/New_York", "2024-11-03T01:40:00-05:00",
                  SEQ ("2024-11-04T01:30:00-05:00"));
  /* From between the passes' 01:30s, on the first pass. */
  check_sequence ("30 1 * * *", "America/New_York", "2024-11-03T01:40:00-04:00",
                  SEQ ("2024-11-04T01:30:00-05:00"));
  /* A job after the repeated span is not disturbed. */
  check_sequence ("15 1,2 * * *", "America/New_York", "2024-11-03T00:00:00-04:00",
                  SEQ ("2024-11-03T01:15:00-04:00", "2024-11-03T02:15:00-05:00",
                       "2024-11-04T01:15:00-05:00"));
  /* Europe/Berlin, 2024-10-27: 03:00 CEST becomes 02:00 CET. */
  check_sequence ("30 2 * * *", "Europe/Berlin", "2024-10-26T12:00:00+02:00",
                  SEQ ("2024-10-27T02:30:00+02:00", "2024-10-28T02:30:00+01:00"));
  /* Australia/Lord_Howe, 2024-04-07: 02:00 becomes 01:30 again. */
  check_sequence ("45 1 * * *", "Australia/Lord_Howe", "2024-04-06T12:00:00+11:00",
                  SEQ ("2024-04-07T01:45:00+11:00", "2024-04-08T01:45:00+10:30"));
  check_sequence ("*/20 * * * *", "Australia/Lord_Howe", "2024-04-07T01:10:00+11:00",
                  SEQ ("2024-04-07T01:20:00+11:00", "2024-04-07T01:40:00+11:00",
                       "2024-04-07T01:40:00+10:30", "2024-04-07T02:00:00+10:30"));
  /* An every-hour job follows the wall clock through both passes. */
  check_sequence ("*/30 * * * *", "America/New_York", "2024-11-03T00:50:00-04:00",
                  SEQ ("2024-11-03T01:00:00-04:00", "2024-11-03T01:30:00-04:00",
                       "2024-11-03T01:00:00-05:00", "2024-11-03T01:30:00-05:00",
                       "2024-11-03T02:00:00-05:00"));
}

/* An independent oracle: the wall-clock fields of @dt against predicates
 * written out by hand for a few expressions. */
typedef gboolean (*Predicate) (int y, int mo, int d, int h, int mi, int wd);

static gboolean pred_a (int y, int mo, int d, int h, int mi, int wd) { return mi % 15 == 0 && h >= 9 && h <= 17 && wd >= 1 && wd <= 5; }
static gboolean pred_b (int y, int mo, int d, int h, int mi, int wd) { return mi == 7 && (d == 1 || d == 15 || wd == 0); }
static gboolean pred_c (int y, int mo, int d, int h, int mi, int wd) { return mi >= 1 && mi <= 30 && (mi - 1) % 5 == 0 && h % 5 == 0; }
static gboolean pred_d (int y, int mo, int d, int h, int mi, int wd) { return mi == 0 && h == 0 && d % 2 == 1; }
static gboolean pred_e (int y, int mo, int d, int h, int mi, int wd) { return (mi == 59 || mi == 0) && (h == 23 || h == 0) && (wd == 6 || d == 31); }

static void
test_oracle (void)
{
  static const struct { const char *expression; Predicate pred; } cases[] = {
    { "*/15 9-17 * * MON-FRI", pred_a },
    { "7 * 1,15 * SUN", pred_b },
    { "1-30/5 */5 * * *", pred_c },
    { "0 0 */2 * *", pred_d },
    { "59,0 23,0 31 * 6", pred_e },
  };
  const char *const zones[] = { "UTC", "Europe/Berlin", "America/New_York" };
  guint samples = g_test_slow () ? 200 : 6;

  for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
    {
      g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (zones[z]);

      for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
        {
          g_autoptr(AioCron) cron = cron_new_ok (cases[c].expression);

          for (guint s = 0; s < samples; s++)
            {
              /* Random minutes in 2023–2025, DST changes included. */
              gint64 start = 1672531200 + (gint64) g_test_rand_int_range (0, 3 * 525600) * 60;
              g_autoptr(GDateTime) from = g_date_time_new_from_unix_utc (start);
              g_autoptr(GDateTime) local = g_date_time_to_timezone (from, tz);
              g_autoptr(GDateTime) got = aio_cron_next (cron, local);
              GDateTime *scan = g_date_time_add_minutes (local, 1);

              /* Scan minute by minute. None of these schedules has a
               * restricted hour in which clocks change (they change at 1–3
               * AM), so the wall clock alone decides: the scan must find
               * exactly what next() computed. */
              for (guint steps = 0; steps < 60 * 24 * 62; steps++)
                {
                  GDateTime *next;
                  int y, mo, d;

                  g_date_time_get_ymd (scan, &y, &mo, &d);
                  if (cases[c].pred (y, mo, d,
                                     g_date_time_get_hour (scan),
                                     g_date_time_get_minute (scan),
                                     g_date_time_get_day_of_week (scan) % 7))
                    break;
                  next = g_date_time_add_minutes (scan, 1);
                  g_date_time_unref (scan);
                  scan = next;
                }

              if (!g_date_time_equal (got, scan))
                {
                  g_autofree char *a = format (got);
                  g_autofree char *b = format (scan);
                  g_autofree char *f = format (local);

                  g_error ("“%s” in %s from %s: got %s, the scan found %s",
                           cases[c].expression, zones[z], f, a, b);
                }
              g_date_time_unref (scan);
            }
        }
    }
}

static void
test_limits (void)
{
  g_autoptr(AioCron) yearly = cron_new_ok ("@yearly");
  g_autoptr(AioCron) every = cron_new_ok ("* * * * * *");
  g_autoptr(GDateTime) late = datetime_new ("9999-06-01T00:00:00Z", NULL);
  g_autoptr(GDateTime) last = datetime_new ("9999-12-31T23:59:59Z", NULL);
  g_autoptr(GDateTime) first = datetime_new ("0001-01-01T00:00:00Z", NULL);
  g_autoptr(GDateTime) none = aio_cron_next (yearly, late);
  g_autoptr(GDateTime) none2 = aio_cron_next (every, last);
  g_autoptr(GDateTime) early = aio_cron_next (yearly, first);
  gint64 next = 0;

  g_assert_null (none);
  g_assert_null (none2);
  g_assert_cmpint (g_date_time_get_year (early), ==, 2);
  g_assert_cmpint (g_date_time_get_day_of_year (early), ==, 1);
  g_assert_cmpint (g_date_time_get_hour (early), ==, 0);
  g_assert_false (aio_cron_next_unix (every, NULL, G_MAXINT64, &next));
  g_assert_true (aio_cron_next_unix (every, NULL, G_MININT64, &next));
  g_assert_true (aio_cron_next_unix (every, NULL, -1, &next));
  g_assert_cmpint (next, ==, 0);

  /* The boxed type. */
  {
    g_auto(GValue) value = G_VALUE_INIT;

    g_value_init (&value, AIO_TYPE_CRON);
    g_value_set_boxed (&value, yearly);
    g_assert_true (g_value_get_boxed (&value) == yearly);
  }
}

static void
test_matches (void)
{
  g_autoptr(AioCron) cron = cron_new_ok ("30 2 * * *");
  g_autoptr(GDateTime) yes = datetime_new ("2024-06-01T02:30:00+02:00", "Europe/Berlin");
  g_autoptr(GDateTime) no = datetime_new ("2024-06-01T02:30:00Z", "Europe/Berlin");

  g_assert_true (aio_cron_matches (cron, yes));
  g_assert_false (aio_cron_matches (cron, no));
}

/* AioCronCallback */

typedef struct
{
  guint      fires;
  gboolean   fail;
  gboolean   hold;      /* keep the task: the test completes it */
  GPtrArray *held;      /* GTask* */
  guint      cancelled;
  GPtrArray *fire_times;
  AioClock  *clock;
} Job;

static void
job_cancelled_cb (GCancellable *cancellable,
                  gpointer      user_data)
{
  Job *job = user_data;

  job->cancelled++;
}

static void
job_func (AioCronCallback *callback,
          GTask           *task,
          gpointer         user_data)
{
  Job *job = user_data;

  job->fires++;
  if (job->fire_times != NULL && job->clock != NULL)
    g_ptr_array_add (job->fire_times,
                     g_memdup2 (&(gint64) { aio_clock_get_real_time (job->clock) }, sizeof (gint64)));
  if (job->hold)
    {
      g_cancellable_connect (g_task_get_cancellable (task), G_CALLBACK (job_cancelled_cb), job, NULL);
      g_ptr_array_add (job->held, g_object_ref (task));
      return;
    }
  if (job->fail)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "job %u broke", job->fires);
  else
    g_task_return_boolean (task, TRUE);
}

static Job *
job_new (void)
{
  Job *job = g_new0 (Job, 1);

  job->held = g_ptr_array_new_with_free_func (g_object_unref);
  job->fire_times = g_ptr_array_new_with_free_func (g_free);
  return job;
}

static void
job_free (Job *job)
{
  g_ptr_array_unref (job->held);
  g_ptr_array_unref (job->fire_times);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Job, job_free)

/* Runs what is ready on the default context without blocking. */
static void
settle (void)
{
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
advance (AioClock *clock,
         gint64    usec)
{
  aio_manual_clock_advance (AIO_MANUAL_CLOCK (clock), usec);
  settle ();
}

/* 2024-01-01T00:00:00Z in microseconds. */
#define JAN_1_2024 (G_GINT64_CONSTANT (1704067200) * G_TIME_SPAN_SECOND)

static gint64
next_fire_unix (AioCronCallback *callback)
{
  g_autoptr(GDateTime) next = aio_cron_callback_dup_next_fire (callback);

  return next ? g_date_time_to_unix (next) : -1;
}

typedef struct
{
  gboolean done;
  gboolean ok;
} Done;

static void
callback_stopped_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Done *done = user_data;
  g_autoptr(GError) error = NULL;

  done->ok = aio_cron_callback_stop_finish (AIO_CRON_CALLBACK (object), result, &error);
  g_assert_no_error (error);
  done->done = TRUE;
}

static void
test_callback_every_two_seconds (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024 + G_TIME_SPAN_SECOND / 2);
  g_autoptr(AioCron) every_two = cron_new_ok ("* * * * * */2");
  g_autoptr(Job) job = job_new ();
  g_autoptr(AioCronCallback) callback = NULL;
  g_autoptr(GError) error = NULL;
  double calls = aio_statistics_get ("cron", "calls");
  double done_count = aio_statistics_get ("cron", "done");
  Done stopped = { 0 };
  guint notified = 0;

  /* Seconds come last: every two seconds is "* * * * * 0-59/2" or, as
   * written here, with a star and a step in the sixth field. */
  job->clock = clock;
  callback = aio_cron_callback_new (every_two, job_func, job, NULL);
  g_object_set (callback, "clock", clock, NULL);
  g_signal_connect_swapped (callback, "notify::running", G_CALLBACK (g_atomic_int_inc), &notified);
  g_assert_cmpstr (aio_cron_callback_get_name (callback), ==, "* * * * * */2");
  g_assert_true (aio_cron_callback_get_cron (callback) == every_two);
  g_assert_null (aio_cron_callback_dup_next_fire (callback));

  g_assert_true (aio_cron_callback_start (callback, &error));
  g_assert_no_error (error);
  g_assert_true (aio_cron_callback_is_running (callback));
  g_assert_cmpint (next_fire_unix (callback), ==, 1704067202);

  for (guint second = 1; second <= 10; second++)
    {
      advance (clock, G_TIME_SPAN_SECOND);
      /* At 1.5 s, 2.5 s, …: a fire at every even second. */
      g_assert_cmpuint (job->fires, ==, second / 2);
    }
  g_assert_cmpuint (job->fires, ==, 5);
  for (guint i = 0; i < job->fire_times->len; i++)
    {
      gint64 at = *(gint64 *) g_ptr_array_index (job->fire_times, i);

      /* It fires once the clock passes the time: here half a second late,
       * since the test moves in whole seconds from .5. */
      g_assert_cmpint (at, ==, JAN_1_2024 + (2 * (i + 1)) * G_TIME_SPAN_SECOND + G_TIME_SPAN_SECOND / 2);
    }
  g_assert_cmpfloat (aio_statistics_get ("cron", "calls") - calls, ==, 5);
  g_assert_cmpfloat (aio_statistics_get ("cron", "done") - done_count, ==, 5);

  aio_cron_callback_stop_async (callback, NULL, callback_stopped_cb, &stopped);
  aio_test_wait (&stopped.done);
  g_assert_true (stopped.ok);
  g_assert_false (aio_cron_callback_is_running (callback));
  g_assert_cmpuint (notified, ==, 2);

  advance (clock, 10 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 5);

  /* A stopped callback starts again, from the clock's time. */
  g_assert_true (aio_cron_callback_start (callback, &error));
  advance (clock, 2 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 6);
  stopped.done = FALSE;
  aio_cron_callback_stop_async (callback, NULL, callback_stopped_cb, &stopped);
  aio_test_wait (&stopped.done);
}

static void
test_callback_failing (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024);
  g_autoptr(AioCron) cron = cron_new_ok ("* * * * *");
  g_autoptr(Job) job = job_new ();
  g_autoptr(AioCronCallback) callback = aio_cron_callback_new (cron, job_func, job, NULL);
  g_autoptr(GError) error = NULL;
  double fails = aio_statistics_get ("cron", "errors");
  Done stopped = { 0 };

  job->fail = TRUE;
  aio_cron_callback_set_clock (callback, clock);
  aio_cron_callback_set_name (callback, "nightly-report");
  g_assert_true (aio_cron_callback_start (callback, &error));

  aio_test_log_clear ();
  aio_test_log_capture_pause (FALSE);
  for (guint i = 0; i < 3; i++)
    advance (clock, 60 * G_TIME_SPAN_SECOND);
  aio_test_log_capture_pause (TRUE);

  /* Every run failed, was logged with the name and counted; none stopped
   * the schedule. */
  g_assert_cmpuint (job->fires, ==, 3);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "'nightly-report' failed: job"), ==, 3);
  g_assert_cmpfloat (aio_statistics_get ("cron", "errors") - fails, ==, 3);
  g_assert_true (aio_cron_callback_is_running (callback));
  g_assert_cmpint (next_fire_unix (callback), ==, 1704067200 + 4 * 60);

  aio_cron_callback_stop_async (callback, NULL, callback_stopped_cb, &stopped);
  aio_test_wait (&stopped.done);
}

static void
test_callback_no_overlap (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024);
  g_autoptr(AioCron) cron = cron_new_ok ("* * * * * *");
  g_autoptr(Job) job = job_new ();
  g_autoptr(AioCronCallback) callback = aio_cron_callback_new (cron, job_func, job, NULL);
  g_autoptr(GError) error = NULL;
  double skipped = aio_statistics_get ("cron", "skipped");
  Done stopped = { 0 };

  job->hold = TRUE;
  aio_cron_callback_set_clock (callback, clock);
  g_assert_true (aio_cron_callback_start (callback, &error));

  advance (clock, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 1);

  /* Two more times come while the first run goes on: both skipped. */
  aio_test_log_clear ();
  aio_test_log_capture_pause (FALSE);
  advance (clock, G_TIME_SPAN_SECOND);
  advance (clock, G_TIME_SPAN_SECOND);
  aio_test_log_capture_pause (TRUE);
  g_assert_cmpuint (job->fires, ==, 1);
  g_assert_cmpuint (aio_test_log_count (G_LOG_LEVEL_WARNING, "still running"), ==, 2);
  g_assert_cmpfloat (aio_statistics_get ("cron", "skipped") - skipped, ==, 2);

  /* Once it completes, the next time runs. */
  g_task_return_boolean (g_ptr_array_index (job->held, 0), TRUE);
  settle ();
  advance (clock, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 2);

  g_task_return_boolean (g_ptr_array_index (job->held, 1), TRUE);
  aio_cron_callback_stop_async (callback, NULL, callback_stopped_cb, &stopped);
  aio_test_wait (&stopped.done);
}

static void
return_cancelled (gpointer data,
                  gpointer user_data)
{
  GTask *task = data;

  if (!g_task_get_completed (task))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
}

static void
test_callback_stop_cancels (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024);
  g_autoptr(AioCron) cron = cron_new_ok ("* * * * * *");
  g_autoptr(Job) job = job_new ();
  g_autoptr(AioCronCallback) callback = aio_cron_callback_new (cron, job_func, job, NULL);
  g_autoptr(GError) error = NULL;
  double fails = aio_statistics_get ("cron", "errors");
  Done stopped = { 0 };

  job->hold = TRUE;
  aio_cron_callback_set_clock (callback, clock);
  g_assert_true (aio_cron_callback_start (callback, &error));
  advance (clock, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 1);

  /* Stopping cancels the run and waits for it. */
  aio_cron_callback_stop_async (callback, NULL, callback_stopped_cb, &stopped);
  settle ();
  g_assert_cmpuint (job->cancelled, ==, 1);
  g_assert_false (stopped.done);
  g_assert_false (aio_cron_callback_is_running (callback));

  /* Starting while the stop waits is refused. */
  g_assert_false (aio_cron_callback_start (callback, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "stopping"));
  g_clear_error (&error);

  g_ptr_array_foreach (job->held, return_cancelled, NULL);
  aio_test_wait (&stopped.done);
  g_assert_true (stopped.ok);
  /* A run cancelled by stop is no failure. */
  g_assert_cmpfloat (aio_statistics_get ("cron", "errors") - fails, ==, 0);

  advance (clock, 5 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 1);
}

static void
test_callback_shield (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024);
  g_autoptr(AioCron) cron = cron_new_ok ("* * * * * *");
  g_autoptr(Job) job = job_new ();
  g_autoptr(AioCronCallback) callback = aio_cron_callback_new (cron, job_func, job, NULL);
  g_autoptr(GError) error = NULL;
  Done stopped = { 0 };

  job->hold = TRUE;
  g_object_set (callback, "clock", clock, "shield", TRUE, NULL);
  g_assert_true (aio_cron_callback_get_shield (callback));
  g_assert_true (aio_cron_callback_start (callback, &error));
  advance (clock, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 1);

  aio_cron_callback_stop_async (callback, NULL, callback_stopped_cb, &stopped);
  advance (clock, 3 * G_TIME_SPAN_SECOND);
  /* Not cancelled, not done, and no new run. */
  g_assert_cmpuint (job->cancelled, ==, 0);
  g_assert_false (stopped.done);
  g_assert_cmpuint (job->fires, ==, 1);

  g_task_return_boolean (g_ptr_array_index (job->held, 0), TRUE);
  aio_test_wait (&stopped.done);
  g_assert_true (stopped.ok);
}

static void
test_callback_busy (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024);
  g_autoptr(AioCron) cron = cron_new_ok ("@hourly");
  g_autoptr(Job) job = job_new ();
  g_autoptr(AioCronCallback) callback = aio_cron_callback_new (cron, job_func, job, NULL);
  g_autoptr(GError) error = NULL;
  Done stopped = { 0 };

  aio_cron_callback_set_clock (callback, clock);
  aio_cron_callback_set_name (callback, "hourly");

  /* Stopping a callback that never started is harmless. */
  aio_cron_callback_stop_async (callback, NULL, callback_stopped_cb, &stopped);
  aio_test_wait (&stopped.done);
  g_assert_true (stopped.ok);

  g_assert_true (aio_cron_callback_start (callback, &error));
  g_assert_false (aio_cron_callback_start (callback, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "'hourly'"));

  /* Dropping the last reference of a running callback ends its schedule. */
  g_clear_object (&callback);
  advance (clock, 2 * 3600 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 0);
}

static void
test_callback_suspend (void)
{
  /* 00:00:30 UTC. */
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024 + 30 * G_TIME_SPAN_SECOND);
  g_autoptr(AioCron) cron = cron_new_ok ("0 * * * *");
  g_autoptr(Job) job = job_new ();
  g_autoptr(AioCronCallback) callback = aio_cron_callback_new (cron, job_func, job, NULL);
  g_autoptr(GError) error = NULL;
  Done stopped = { 0 };

  aio_cron_callback_set_clock (callback, clock);
  g_assert_true (aio_cron_callback_start (callback, &error));
  g_assert_cmpint (next_fire_unix (callback), ==, 1704067200 + 3600);

  /* The machine sleeps five hours: the wall clock jumps, the monotonic
   * clock does not. Within a minute of waking the missed time fires, once,
   * and the next one comes from the wall clock. */
  aio_manual_clock_set_real_time (AIO_MANUAL_CLOCK (clock), JAN_1_2024 + 5 * 3600 * G_TIME_SPAN_SECOND + 10 * G_TIME_SPAN_SECOND);
  settle ();
  g_assert_cmpuint (job->fires, ==, 0);
  advance (clock, 60 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 1);
  g_assert_cmpint (next_fire_unix (callback), ==, 1704067200 + 6 * 3600);

  /* The clock is stepped back half an hour after the 06:00 fire: 06:00
   * does not fire twice. */
  advance (clock, (3600 - 70) * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 2);
  aio_manual_clock_set_real_time (AIO_MANUAL_CLOCK (clock), JAN_1_2024 + (5 * 3600 + 1800) * G_TIME_SPAN_SECOND);
  advance (clock, 60 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (next_fire_unix (callback), ==, 1704067200 + 7 * 3600);
  advance (clock, 3600 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 2);
  advance (clock, 1800 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (job->fires, ==, 3);

  aio_cron_callback_stop_async (callback, NULL, callback_stopped_cb, &stopped);
  aio_test_wait (&stopped.done);
}

static void
test_callback_time_zone (void)
{
  /* 2024-03-30T12:00:00Z */
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024 + G_GINT64_CONSTANT (89) * 86400 * G_TIME_SPAN_SECOND + 12 * 3600 * G_TIME_SPAN_SECOND);
  g_autoptr(AioCron) cron = cron_new_ok ("30 2 * * *");
  g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr(Job) job = job_new ();
  g_autoptr(AioCronCallback) callback = aio_cron_callback_new (cron, job_func, job, NULL);
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) next = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  Done stopped = { 0 };

  aio_cron_callback_set_clock (callback, clock);
  g_object_get (callback, "time-zone", &tz, NULL);
  g_assert_cmpstr (g_time_zone_get_identifier (tz), ==, "UTC");
  g_assert_true (aio_cron_callback_start (callback, &error));
  g_assert_cmpint (next_fire_unix (callback), ==, 1704067200 + 90 * 86400 + 2 * 3600 + 1800);

  /* A new zone reschedules. Spring forward in Berlin: 03:00 CEST. */
  aio_cron_callback_set_time_zone (callback, berlin);
  next = aio_cron_callback_dup_next_fire (callback);
  text = format (next);
  g_assert_cmpstr (text, ==, "2024-03-31T03:00:00+02:00");

  advance (clock, 14 * 3600 * G_TIME_SPAN_SECOND);   /* 2024-03-31T02:00:00Z = 04:00 CEST */
  g_assert_cmpuint (job->fires, ==, 1);
  g_clear_pointer (&next, g_date_time_unref);
  g_clear_pointer (&text, g_free);
  next = aio_cron_callback_dup_next_fire (callback);
  text = format (next);
  g_assert_cmpstr (text, ==, "2024-04-01T02:30:00+02:00");

  aio_cron_callback_set_time_zone (callback, NULL);
  g_assert_cmpstr (g_time_zone_get_identifier (aio_cron_callback_get_time_zone (callback)), ==, "UTC");

  aio_cron_callback_stop_async (callback, NULL, callback_stopped_cb, &stopped);
  aio_test_wait (&stopped.done);
}

/* AioCronService */

static void
count_destroy (gpointer data)
{
  (*(guint *) data)++;
}

static void
test_service_entrypoint (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024);
  g_autoptr(AioEntrypoint) ep = g_object_new (AIO_TYPE_ENTRYPOINT, "log-config", FALSE, NULL);
  g_autoptr(AioCronService) service = aio_cron_service_new ();
  g_autoptr(Job) two = job_new ();
  g_autoptr(Job) three = job_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) callbacks = NULL;
  AioCronCallback *callback;
  guint destroyed = 0;

  aio_service_set_name (AIO_SERVICE (service), "cron");
  aio_cron_service_set_clock (service, clock);
  g_assert_true (aio_cron_service_get_clock (service) == clock);

  callback = aio_cron_service_register (service, "* * * * * */2", job_func, two, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (AIO_IS_CRON_CALLBACK (callback));
  g_assert_true (aio_cron_callback_get_clock (callback) == clock);
  callback = aio_cron_service_register (service, "* * * * * */3", job_func, three, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (callback);

  /* A bad expression is refused, names its field, and frees the data. */
  g_assert_null (aio_cron_service_register (service, "* * * * * 61", job_func,
                                            &destroyed, count_destroy, &error));
  g_assert_error (error, AIO_ERROR, AIO_ERROR_CRON_PARSE);
  g_assert_nonnull (strstr (error->message, "second"));
  g_assert_cmpuint (destroyed, ==, 1);
  g_clear_error (&error);

  callbacks = aio_cron_service_dup_callbacks (service);
  g_assert_cmpuint (callbacks->len, ==, 2);

  aio_entrypoint_add_service (ep, AIO_SERVICE (service));
  g_assert_true (aio_test_start_entrypoint (ep, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_RUNNING);

  for (guint second = 1; second <= 12; second++)
    {
      advance (clock, G_TIME_SPAN_SECOND);
      g_assert_cmpuint (two->fires, ==, second / 2);
      g_assert_cmpuint (three->fires, ==, second / 3);
    }

  g_assert_true (aio_test_stop_entrypoint (ep, &error));
  g_assert_no_error (error);
  g_assert_cmpint (aio_service_get_state (AIO_SERVICE (service)), ==, AIO_SERVICE_STATE_STOPPED);
  for (guint i = 0; i < callbacks->len; i++)
    g_assert_false (aio_cron_callback_is_running (g_ptr_array_index (callbacks, i)));

  advance (clock, 12 * G_TIME_SPAN_SECOND);
  g_assert_cmpuint (two->fires, ==, 6);
  g_assert_cmpuint (three->fires, ==, 4);
}

static void
test_service_stop_cancels (void)
{
  g_autoptr(AioClock) clock = aio_manual_clock_new (JAN_1_2024);
  g_autoptr(AioCronService) service = g_object_new (AIO_TYPE_CRON_SERVICE, "clock", clock, NULL);
  g_autoptr(Job) held = job_new ();
  g_autoptr(Job) shielded = job_new ();
  g_autoptr(Job) late = job_new ();
  g_autoptr(AioCron) cron = cron_new_ok ("* * * * * *");
  g_autoptr(AioCronCallback) own = aio_cron_callback_new (cron, job_func, shielded, NULL);
  g_autoptr(AioClock) own_clock = aio_manual_clock_new (JAN_1_2024);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) stopped = NULL;

  held->hold = TRUE;
  shielded->hold = TRUE;
  g_assert_nonnull (aio_cron_service_register (service, "* * * * * *", job_func, held, NULL, &error));
  g_object_set (own, "clock", own_clock, "shield", TRUE, NULL);
  g_assert_true (aio_cron_service_add_callback (service, own, &error));
  g_assert_true (aio_cron_service_add_callback (service, own, &error));
  /* A hand-made callback keeps its own clock. */
  g_assert_true (aio_cron_callback_get_clock (own) == own_clock);

  g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));

  /* Registered while running: starts at once. */
  g_assert_nonnull (aio_cron_service_register (service, "* * * * * *", job_func, late, NULL, &error));

  advance (clock, G_TIME_SPAN_SECOND);
  advance (own_clock, G_TIME_SPAN_SECOND);
  g_assert_cmpuint (held->fires, ==, 1);
  g_assert_cmpuint (shielded->fires, ==, 1);
  g_assert_cmpuint (late->fires, ==, 1);

  aio_service_stop_async (AIO_SERVICE (service), NULL, NULL, aio_test_async_result_cb, &stopped);
  settle ();
  /* The plain run is cancelled, the shielded one is not; both are waited for. */
  g_assert_cmpuint (held->cancelled, ==, 1);
  g_assert_cmpuint (shielded->cancelled, ==, 0);
  g_assert_null (stopped);

  g_ptr_array_foreach (held->held, return_cancelled, NULL);
  settle ();
  g_assert_null (stopped);
  g_task_return_boolean (g_ptr_array_index (shielded->held, 0), TRUE);
  g_assert_true (aio_service_stop_finish (AIO_SERVICE (service), aio_test_wait_result (&stopped),
                                          &error));
  g_assert_no_error (error);

  /* A callback that runs already cannot be added to a running service. */
  {
    g_autoptr(AioCronCallback) busy = aio_cron_callback_new (cron, job_func, late, NULL);
    Done busy_stopped = { 0 };

    g_assert_true (aio_test_start_service (AIO_SERVICE (service), &error));
    aio_cron_callback_set_clock (busy, clock);
    g_assert_true (aio_cron_callback_start (busy, &error));
    g_assert_false (aio_cron_service_add_callback (service, busy, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_clear_error (&error);

    held->hold = shielded->hold = FALSE;
    aio_cron_callback_stop_async (busy, NULL, callback_stopped_cb, &busy_stopped);
    aio_test_wait (&busy_stopped.done);
    g_assert_true (aio_test_stop_service (AIO_SERVICE (service), NULL, &error));
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Warnings are captured only around the runs that provoke them on
   * purpose; any other is fatal. */
  aio_test_log_capture_install (G_LOG_LEVEL_WARNING, G_LOG_LEVEL_WARNING);
  aio_test_log_capture_pause (TRUE);

  g_test_add_func ("/Aio/Cron/fields", test_fields);
  g_test_add_func ("/Aio/Cron/steps", test_steps);
  g_test_add_func ("/Aio/Cron/names", test_names);
  g_test_add_func ("/Aio/Cron/macros", test_macros);
  g_test_add_func ("/Aio/Cron/or-rule", test_or_rule);
  g_test_add_func ("/Aio/Cron/seconds", test_seconds);
  g_test_add_func ("/Aio/Cron/invalid", test_invalid);
  g_test_add_func ("/Aio/Cron/leap-day", test_leap_day);
  g_test_add_func ("/Aio/Cron/strictly-after", test_strictly_after);
  g_test_add_func ("/Aio/Cron/time-zones", test_time_zones);
  g_test_add_func ("/Aio/Cron/dst/spring-forward", test_dst_spring_forward);
  g_test_add_func ("/Aio/Cron/dst/fall-back", test_dst_fall_back);
  g_test_add_func ("/Aio/Cron/oracle", test_oracle);
  g_test_add_func ("/Aio/Cron/limits", test_limits);
  g_test_add_func ("/Aio/Cron/matches", test_matches);
  g_test_add_func ("/Aio/CronCallback/every-two-seconds", test_callback_every_two_seconds);
  g_test_add_func ("/Aio/CronCallback/failing", test_callback_failing);
  g_test_add_func ("/Aio/CronCallback/no-overlap", test_callback_no_overlap);
  g_test_add_func ("/Aio/CronCallback/stop-cancels", test_callback_stop_cancels);
  g_test_add_func ("/Aio/CronCallback/shield", test_callback_shield);
  g_test_add_func ("/Aio/CronCallback/busy", test_callback_busy);
  g_test_add_func ("/Aio/CronCallback/suspend", test_callback_suspend);
  g_test_add_func ("/Aio/CronCallback/time-zone", test_callback_time_zone);
  g_test_add_func ("/Aio/CronService/entrypoint", test_service_entrypoint);
  g_test_add_func ("/Aio/CronService/stop-cancels", test_service_stop_cancels);

  return g_test_run ();
}
