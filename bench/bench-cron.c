/* bench-cron.c: next-fire computations per second of AioCron over 20
 * typical expressions, against the target of 1 M/s.
 *
 * Each computation is one aio_cron_next() (a GDateTime in, a GDateTime
 * out) chained from the previous result, so that the times walk forward
 * through months, years and daylight-saving changes. Measured in UTC and in
 * Europe/Berlin, and for the allocation-free aio_cron_next_unix().
 *
 * Usage: bench-cron [SECONDS_PER_CASE]   (default 0.3)
 *
 * SPDX-License-Identifier: MIT
 */
#include <aiomisc-glib.h>

#include <stdio.h>
#include <stdlib.h>

#define TARGET 1e6

static const char *const expressions[] = {
  "* * * * *",
  "*/5 * * * *",
  "*/15 * * * *",
  "0 * * * *",
  "30 2 * * *",
  "0 0 * * *",
  "0 9-17 * * MON-FRI",
  "*/10 9-17 * * 1-5",
  "0 0 1 * *",
  "0 0 1 1 *",
  "0 0 * * 0",
  "15 14 1 * *",
  "0 22 * * 1-5",
  "23 0-20/2 * * *",
  "5 4 * * SUN",
  "0 0,12 1 */2 *",
  "0 4 8-14 * *",
  "0 0 1 * MON",
  "0 0 29 2 *",
  "* * * * * */10",
};

typedef enum {
  MODE_DATETIME,
  MODE_UNIX,
} Mode;

/* Returns computations per second over all expressions. */
static double
measure (AioCron   **crons,
         GTimeZone  *tz,
         Mode        mode,
         double      seconds_per_case)
{
  guint64 total = 0;
  gint64 elapsed = 0;

  for (guint i = 0; i < G_N_ELEMENTS (expressions); i++)
    {
      g_autoptr(GDateTime) start = g_date_time_new (tz, 2024, 1, 1, 0, 0, 0);
      gint64 begin, deadline, unix_time;
      guint64 n = 0;
      GDateTime *at = g_date_time_ref (start);

      unix_time = g_date_time_to_unix (start);
      begin = g_get_monotonic_time ();
      deadline = begin + (gint64) (seconds_per_case * G_USEC_PER_SEC);
      do
        {
          for (guint k = 0; k < 1000; k++)
            {
              if (mode == MODE_DATETIME)
                {
                  GDateTime *next = aio_cron_next (crons[i], at);

                  if (next == NULL)
                    next = g_date_time_ref (start);
                  g_date_time_unref (at);
                  at = next;
                }
              else if (!aio_cron_next_unix (crons[i], tz, unix_time, &unix_time))
                unix_time = g_date_time_to_unix (start);
            }
          n += 1000;
        }
      while (g_get_monotonic_time () < deadline);
      elapsed += g_get_monotonic_time () - begin;
      total += n;
      g_date_time_unref (at);
    }

  return (double) total / ((double) elapsed / G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  AioCron *crons[G_N_ELEMENTS (expressions)];
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  double seconds_per_case = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 0.3;
  struct {
    const char *label;
    GTimeZone  *tz;
    Mode        mode;
  } runs[] = {
    { "aio_cron_next, UTC", utc, MODE_DATETIME },
    { "aio_cron_next, Europe/Berlin", berlin, MODE_DATETIME },
    { "aio_cron_next_unix, UTC", utc, MODE_UNIX },
    { "aio_cron_next_unix, Europe/Berlin", berlin, MODE_UNIX },
  };

  if (seconds_per_case <= 0)
    seconds_per_case = 0.3;
  if (berlin == NULL)
    {
      fprintf (stderr, "No Europe/Berlin time zone (tzdata missing?)\n");
      return 1;
    }

  for (guint i = 0; i < G_N_ELEMENTS (expressions); i++)
    {
      g_autoptr(GError) error = NULL;

      crons[i] = aio_cron_new (expressions[i], &error);
      if (crons[i] == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
    }

  printf ("bench-cron: next-fire computations per second over %u expressions\n",
          (guint) G_N_ELEMENTS (expressions));
  for (guint r = 0; r < G_N_ELEMENTS (runs); r++)
    {
      double rate = measure (crons, runs[r].tz, runs[r].mode, seconds_per_case);

      printf ("  %-36s %8.2f M/s   %5.2f x the 1 M/s target\n",
              runs[r].label, rate / 1e6, rate / TARGET);
    }

  for (guint i = 0; i < G_N_ELEMENTS (expressions); i++)
    aio_cron_unref (crons[i]);

  return 0;
}
