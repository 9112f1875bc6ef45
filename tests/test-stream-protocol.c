/* test-stream-protocol.c: placeholder, filled in by the network work (issue 3)
 *
 * SPDX-License-Identifier: MIT
 */
#include <aiomisc-glib.h>

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  return g_test_run ();
}
