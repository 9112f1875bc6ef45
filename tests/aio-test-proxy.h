/* aio-test-proxy.h: a loopback TCP proxy that delays, cuts or resets connections
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <aiomisc-glib.h>

G_BEGIN_DECLS

/* placeholder: filled in by the client work (issue 3) */

G_END_DECLS
