/* aio-test-proxy.c: a loopback TCP proxy that delays, cuts or resets connections
 *
 * SPDX-License-Identifier: MIT
 */
#include "aio-test-proxy.h"
