/* aio-robust-tcp-client.c: AioRobustTcpClient, a TCP client that reconnects forever
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
