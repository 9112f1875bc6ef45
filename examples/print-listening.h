/* print-listening.h: the "listening on" line of the server examples
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <aiomisc-glib.h>

void print_listening (AioEntrypoint *entrypoint,
                      gpointer       socket_server);
