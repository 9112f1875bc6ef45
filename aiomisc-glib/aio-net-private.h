/* aio-net-private.h: binding listening sockets and systemd socket activation
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* placeholder: filled in by the server work (issue 3) */

G_END_DECLS
