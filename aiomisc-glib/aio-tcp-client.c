/* aio-tcp-client.c: AioTcpClient, a TCP client service with connect retries
 *
 * SPDX-License-Identifier: MIT
 */
#include "aiomisc-glib.h"
