/* aio-backoff-private.h: the pause computation of AioBackoff, shared with
 * the reconnecting clients
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

double _aio_backoff_compute_pause (double  pause,
                                   double  exponent,
                                   double  max_pause,
                                   guint   tries,
                                   GRand  *rand);

G_END_DECLS
