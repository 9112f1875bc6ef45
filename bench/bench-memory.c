/* bench-memory.c: what the memory benches measure, heap and resident set
 *
 * SPDX-License-Identifier: MIT
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-memory.h"

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static long
vm_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : 0;
}

Mark
mark (void)
{
  return (Mark) { heap_in_use (), vm_rss_kib () };
}

void
report (const char *what,
        Mark        before,
        guint       n)
{
  Mark after = mark ();

  printf ("| %-18s | %8.0f | %8.2f |\n", what,
          (double) (after.heap - before.heap) / n,
          (double) (after.rss - before.rss) / n);
}
