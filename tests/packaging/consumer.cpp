// consumer.cpp: the C++ consumer of the installed library (.ci/packaging).
// The headers must declare everything extern "C": a missing G_BEGIN_DECLS
// shows as an undefined reference at link time.
//
// SPDX-License-Identifier: MIT
#include <cstdio>
#include <string>

#include <aiomisc-glib.h>

int
main ()
{
  AioEntrypoint *entrypoint = aio_entrypoint_new ();
  GError *error = nullptr;
  AioCron *cron = aio_cron_new ("0 12 * * MON-FRI", &error);
  std::string version = std::to_string (aio_get_major_version ()) + "." +
                        std::to_string (aio_get_minor_version ()) + "." +
                        std::to_string (aio_get_micro_version ());
  int status = 0;

  if (version != AIO_VERSION_S)
    {
      std::fprintf (stderr, "compiled against %s, running with %s\n", AIO_VERSION_S, version.c_str ());
      status = 1;
    }
  if (cron == nullptr)
    {
      std::fprintf (stderr, "aio_cron_new: %s\n", error->message);
      g_clear_error (&error);
      status = 1;
    }
  g_idle_add ([] (gpointer data) -> gboolean {
                aio_entrypoint_quit (AIO_ENTRYPOINT (data));
                return G_SOURCE_REMOVE;
              }, entrypoint);
  if (!aio_entrypoint_run (entrypoint, &error))
    {
      std::fprintf (stderr, "aio_entrypoint_run: %s\n", error->message);
      g_clear_error (&error);
      status = 1;
    }

  g_clear_pointer (&cron, aio_cron_unref);
  g_object_unref (entrypoint);
  if (status == 0)
    std::printf ("aiomisc-glib %s from C++: ok\n", version.c_str ());
  return status;
}
