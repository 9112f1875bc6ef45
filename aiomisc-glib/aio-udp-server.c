/* aio-udp-server.c: AioUdpServer, a UDP datagram server service
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
