/* aio-net.c: binding listening sockets and systemd socket activation
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
#include "aio-net-private.h"
