/* bench-memory.h: what the memory benches measure, heap and resident set
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

/* The heap in use (mallinfo2) and the resident set (VmRSS, KiB) now. */
typedef struct
{
  gsize heap;
  long  rss;
} Mark;

Mark mark (void);

/* Prints a table row: heap bytes and RSS KiB per item of @n since @before. */
void report (const char *what,
             Mark        before,
             guint       n);
