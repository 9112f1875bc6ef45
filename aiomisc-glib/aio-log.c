/* aio-log.c: PLACEHOLDER until the real writer lands */
#include "aiomisc-glib.h"

static gsize installed;

void
aio_log_setup (void)
{
  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (g_log_writer_default, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
}

void
aio_log_configure (AioLogLevel level, AioLogFormat format, gboolean buffered,
                   guint buffer_size, double flush_interval)
{
}

void
aio_log_flush (void)
{
}

gboolean
aio_log_is_installed (void)
{
  return installed != 0;
}
