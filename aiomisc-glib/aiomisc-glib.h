/* aiomisc-glib.h: the umbrella header, the only one applications include
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#define AIOMISC_GLIB_INSIDE
# include "aio-version.h"
# include "aio-enums.h"
# include "aio-service.h"
# include "aio-entrypoint.h"
# include "aio-context.h"
# include "aio-run.h"
# include "aio-log.h"
# include "aio-thread.h"
# include "aio-channel.h"
# include "aio-clock.h"
# include "aio-manual-clock.h"
# include "aio-statistics.h"
#undef AIOMISC_GLIB_INSIDE
