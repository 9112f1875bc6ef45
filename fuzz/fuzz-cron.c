/* fuzz-cron.c: libFuzzer harness for AioCron
 *
 * Parses arbitrary bytes as a cron expression. A refused expression must
 * give an AIO_ERROR_CRON_PARSE with a valid UTF-8 message; an accepted one is
 * asked for its next times from a few starting points in zones with odd
 * daylight-saving rules, and every answer is checked:
 *
 * - it is strictly after the time asked about;
 * - its wall-clock time matches the expression, unless it is the first
 *   instant after a daylight-saving gap (where a skipped time fires);
 * - aio_cron_next() and aio_cron_next_unix() agree.
 *
 * Any failed check aborts, which libFuzzer reports as a crash. Built and run
 * by fuzz/run.sh cron.
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GTimeZone *zones[5];

static void
check (gboolean    ok,
       const char *what,
       const char *expression)
{
  if (!ok)
    {
      fprintf (stderr, "fuzz-cron: %s, for the expression “%s”\n", what, expression);
      abort ();
    }
}

static gboolean
is_gap_end (GDateTime *dt)
{
  g_autoptr(GDateTime) before = g_date_time_add_seconds (dt, -1);

  return before != NULL &&
         g_date_time_get_utc_offset (before) < g_date_time_get_utc_offset (dt);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  /* 2024-03-09T12:00Z, 2024-10-26T12:00Z, 2099-12-31T00:00Z, 1970-01-01T00:00Z */
  static const gint64 starts[] = { 1709985600, 1729944000, 4102358400, 0 };
  g_autofree char *expression = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(AioCron) cron = NULL;

  if (zones[0] == NULL)
    {
      zones[0] = g_time_zone_new_utc ();
      zones[1] = g_time_zone_new_identifier ("Europe/Berlin");
      zones[2] = g_time_zone_new_identifier ("America/New_York");
      /* A 30-minute daylight-saving shift, and a 5:45 offset. */
      zones[3] = g_time_zone_new_identifier ("Australia/Lord_Howe");
      zones[4] = g_time_zone_new_identifier ("Asia/Kathmandu");
    }

  if (size > 512)
    return 0;
  expression = g_strndup ((const char *) data, size);

  cron = aio_cron_new (expression, &error);
  if (cron == NULL)
    {
      check (g_error_matches (error, AIO_ERROR, AIO_ERROR_CRON_PARSE), "no AIO_ERROR_CRON_PARSE", expression);
      check (g_utf8_validate (error->message, -1, NULL), "invalid UTF-8 in the message", expression);
      return 0;
    }
  check (error == NULL, "an error with a result", expression);

  for (guint z = 0; z < G_N_ELEMENTS (zones); z++)
    {
      if (zones[z] == NULL)
        continue;

      for (guint s = 0; s < G_N_ELEMENTS (starts); s++)
        {
          g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (starts[s]);
          g_autoptr(GDateTime) at = g_date_time_to_timezone (utc, zones[z]);

          for (guint i = 0; i < 4 && at != NULL; i++)
            {
              GDateTime *next = aio_cron_next (cron, at);
              gint64 next_unix = 0;
              gboolean has_unix;

              has_unix = aio_cron_next_unix (cron, zones[z], g_date_time_to_unix (at), &next_unix);
              check (has_unix == (next != NULL), "next and next_unix disagree on existence", expression);
              if (next == NULL)
                break;
              check (next_unix == g_date_time_to_unix (next), "next and next_unix disagree", expression);
              check (g_date_time_compare (next, at) > 0, "next is not after its argument", expression);
              check (g_date_time_get_microsecond (next) == 0, "next has microseconds", expression);
              check (aio_cron_matches (cron, next) || is_gap_end (next),
                     "next does not match the expression", expression);
              g_date_time_unref (at);
              at = next;
            }
        }
    }

  return 0;
}
