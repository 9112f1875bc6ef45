/* aio-version.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"

guint
aio_get_major_version (void)
{
  return AIO_MAJOR_VERSION;
}

guint
aio_get_minor_version (void)
{
  return AIO_MINOR_VERSION;
}

guint
aio_get_micro_version (void)
{
  return AIO_MICRO_VERSION;
}
