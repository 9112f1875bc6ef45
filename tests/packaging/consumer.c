/* consumer.c: a program built against the installed library, through
 * pkg-config (see .ci/packaging). It runs an entrypoint until an idle
 * callback quits it, parses a cron expression, and checks that the library
 * it runs with is the one it was compiled against.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>

#include <aiomisc-glib.h>

static gboolean
quit_cb (gpointer data)
{
  aio_entrypoint_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (void)
{
  g_autoptr(AioEntrypoint) entrypoint = aio_entrypoint_new ();
  g_autoptr(AioCron) cron = NULL;
  g_autoptr(GError) error = NULL;

  if (aio_get_major_version () != AIO_MAJOR_VERSION ||
      aio_get_minor_version () != AIO_MINOR_VERSION ||
      aio_get_micro_version () != AIO_MICRO_VERSION)
    {
      fprintf (stderr, "compiled against %s, running with %u.%u.%u\n", AIO_VERSION_S,
               aio_get_major_version (), aio_get_minor_version (), aio_get_micro_version ());
      return 1;
    }

  cron = aio_cron_new ("*/5 * * * *", &error);
  if (cron == NULL)
    {
      fprintf (stderr, "aio_cron_new: %s\n", error->message);
      return 1;
    }

  g_idle_add (quit_cb, entrypoint);
  if (!aio_entrypoint_run (entrypoint, &error))
    {
      fprintf (stderr, "aio_entrypoint_run: %s\n", error->message);
      return 1;
    }

  printf ("aiomisc-glib %u.%u.%u: ok\n", aio_get_major_version (), aio_get_minor_version (),
          aio_get_micro_version ());
  return 0;
}
