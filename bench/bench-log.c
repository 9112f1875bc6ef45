/* bench-log.c: the aiomisc-glib log writer against GLib's
 * g_log_writer_standard_streams(), all output to /dev/null
 *
 * SPDX-License-Identifier: MIT
 *
 * Both writers run in the same process behind one dispatching writer
 * (GLib allows a single g_log_set_writer_func() per process), measured two
 * ways:
 *   - writer: the GLogWriterFunc called directly with the fields g_info()
 *     produces (the cost of the writer alone);
 *   - g_info: g_info() with G_LOG_USE_STRUCTURED, i.e. what a program pays,
 *     including GLib's own g_log_structured() overhead, which is the same
 *     for every writer.
 * Buffered runs include the final aio_log_flush(). Each run lasts about
 * RUN_SECONDS; the whole benchmark takes about 12 s.
 *
 * Usage: bench-log [seconds-per-run]
 */
#ifndef G_LOG_USE_STRUCTURED
# define G_LOG_USE_STRUCTURED 1
#endif
#ifndef G_LOG_DOMAIN
# define G_LOG_DOMAIN "Bench"
#endif

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "aiomisc-glib.h"

#define BATCH        1000
#define N_THREADS    4

typedef enum {
  WRITER_STANDARD_STREAMS,
  WRITER_AIO,
} WriterKind;

typedef enum {
  PATH_WRITER,
  PATH_G_INFO,
} CallPath;

typedef struct
{
  const char   *name;
  WriterKind    writer;
  AioLogFormat  format;
  gboolean      buffered;
} Mode;

static const Mode modes[] = {
  { "g_log_writer_standard_streams", WRITER_STANDARD_STREAMS, AIO_LOG_FORMAT_PLAIN, FALSE },
  { "aio JSON buffered",             WRITER_AIO, AIO_LOG_FORMAT_JSON,  TRUE },
  { "aio plain buffered",            WRITER_AIO, AIO_LOG_FORMAT_PLAIN, TRUE },
  { "aio JSON unbuffered",           WRITER_AIO, AIO_LOG_FORMAT_JSON,  FALSE },
  { "aio plain unbuffered",          WRITER_AIO, AIO_LOG_FORMAT_PLAIN, FALSE },
};

static WriterKind current_writer;
static double run_seconds = 1.0;
static FILE *report;

static GLogWriterOutput
bench_writer (GLogLevelFlags   log_level,
              const GLogField *fields,
              gsize            n_fields,
              gpointer         user_data)
{
  if (current_writer == WRITER_STANDARD_STREAMS)
    return g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
  return aio_log_writer (log_level, fields, n_fields, user_data);
}

static void
select_mode (const Mode *mode)
{
  current_writer = mode->writer;
  if (mode->writer == WRITER_AIO)
    aio_log_configure (AIO_LOG_LEVEL_INFO, mode->format, mode->buffered, 1024, 0.2);
}

static void
finish_mode (const Mode *mode)
{
  if (mode->writer == WRITER_AIO)
    aio_log_flush ();
}

/* The same fields g_info() builds (g_log_structured_standard()). */
static void
write_direct (guint i)
{
  static const GLogField fields[] = {
    { "PRIORITY", "6", -1 },
    { "CODE_FILE", __FILE__, -1 },
    { "CODE_LINE", G_STRINGIFY (__LINE__), -1 },
    { "CODE_FUNC", "write_direct", -1 },
    { "MESSAGE", "request 12345 served in 678 us", -1 },
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
  };

  bench_writer (G_LOG_LEVEL_INFO, fields, G_N_ELEMENTS (fields), NULL);
}

static void
write_g_info (guint i)
{
  g_info ("request %u served in %u us", i, i % 977);
}

/* Runs batches until run_seconds have passed; returns lines per second. */
static double
run_single (const Mode *mode,
            CallPath    path,
            guint64    *out_lines)
{
  guint64 lines = 0;
  gint64 start, end, now;
  guint i;

  select_mode (mode);
  start = g_get_monotonic_time ();
  end = start + (gint64) (run_seconds * G_USEC_PER_SEC);
  do
    {
      if (path == PATH_WRITER)
        for (i = 0; i < BATCH; i++)
          write_direct (i);
      else
        for (i = 0; i < BATCH; i++)
          write_g_info (i);
      lines += BATCH;
      now = g_get_monotonic_time ();
    }
  while (now < end);
  finish_mode (mode);
  now = g_get_monotonic_time ();

  *out_lines = lines;
  return lines / ((now - start) / (double) G_USEC_PER_SEC);
}

typedef struct
{
  gint64   end;
  guint64  lines;
} ThreadRun;

static gpointer
thread_func (gpointer data)
{
  ThreadRun *run = data;
  guint i;

  do
    {
      for (i = 0; i < BATCH; i++)
        write_g_info (i);
      run->lines += BATCH;
    }
  while (g_get_monotonic_time () < run->end);

  return NULL;
}

static double
run_threads (const Mode *mode,
             guint64    *out_lines)
{
  GThread *threads[N_THREADS];
  ThreadRun runs[N_THREADS];
  guint64 lines = 0;
  gint64 start, now;
  guint t;

  select_mode (mode);
  start = g_get_monotonic_time ();
  for (t = 0; t < N_THREADS; t++)
    {
      runs[t].end = start + (gint64) (run_seconds * G_USEC_PER_SEC);
      runs[t].lines = 0;
      threads[t] = g_thread_new ("bench", thread_func, &runs[t]);
    }
  for (t = 0; t < N_THREADS; t++)
    {
      g_thread_join (threads[t]);
      lines += runs[t].lines;
    }
  finish_mode (mode);
  now = g_get_monotonic_time ();

  *out_lines = lines;
  return lines / ((now - start) / (double) G_USEC_PER_SEC);
}

static void
print_row (const char *name,
           double      rate,
           double      baseline,
           guint64     lines)
{
  fprintf (report, "  %-31s %11.0f lines/s %8.1f ns/line  x%5.2f  (%" G_GUINT64_FORMAT " lines)\n",
           name, rate, 1e9 / rate, rate / baseline, lines);
}

int
main (int   argc,
      char *argv[])
{
  static const char *const path_names[] = {
    "writer called directly (writer cost only)",
    "g_info() with G_LOG_USE_STRUCTURED (what a program pays)",
  };
  int report_fd, null_fd;
  guint p, m;

  if (argc > 1)
    run_seconds = CLAMP (g_ascii_strtod (argv[1], NULL), 0.05, 10.0);

  /* results go to the real stdout; every log line to /dev/null, including
   * GLib's INFO lines, which g_log_writer_standard_streams() sends to stdout */
  report_fd = dup (STDOUT_FILENO);
  null_fd = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (report_fd < 0 || null_fd < 0 ||
      dup2 (null_fd, STDOUT_FILENO) < 0 || dup2 (null_fd, STDERR_FILENO) < 0)
    {
      perror ("bench-log: redirecting to /dev/null");
      return 1;
    }
  close (null_fd);
  report = fdopen (report_fd, "w");
  setvbuf (report, NULL, _IOLBF, 0);

  g_log_set_writer_func (bench_writer, NULL, NULL);
  aio_log_set_output_fd (STDERR_FILENO);

  fprintf (report, "bench-log: %.2f s per run, output to /dev/null, x = lines/s relative to %s\n",
           run_seconds, modes[0].name);

  for (p = PATH_WRITER; p <= PATH_G_INFO; p++)
    {
      double baseline = 0;

      fprintf (report, "\n%s, 1 thread:\n", path_names[p]);
      for (m = 0; m < G_N_ELEMENTS (modes); m++)
        {
          guint64 lines;
          double rate = run_single (&modes[m], p, &lines);

          if (m == 0)
            baseline = rate;
          print_row (modes[m].name, rate, baseline, lines);
        }
    }

  {
    double baseline = 0;

    fprintf (report, "\n%s, %u threads:\n", path_names[PATH_G_INFO], N_THREADS);
    for (m = 0; m < 3; m++)
      {
        guint64 lines;
        double rate = run_threads (&modes[m], &lines);

        if (m == 0)
          baseline = rate;
        print_row (modes[m].name, rate, baseline, lines);
      }
  }

  fclose (report);
  return 0;
}
