/* aio-tcp-server.c: AioTcpServer, a TCP and Unix stream server service
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
