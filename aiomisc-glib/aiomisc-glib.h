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
# include "aio-cron.h"
# include "aio-cron-callback.h"
# include "aio-cron-service.h"
# include "aio-timeout.h"
# include "aio-backoff.h"
# include "aio-select.h"
# include "aio-circuit-breaker.h"
# include "aio-aggregator.h"
# include "aio-periodic-callback.h"
# include "aio-periodic-service.h"
# include "aio-recurring-callback.h"
# include "aio-stream-protocol.h"
# include "aio-transport.h"
# include "aio-stream-read.h"
# include "aio-socket-server.h"
# include "aio-tcp-server.h"
# include "aio-udp-server.h"
# include "aio-tcp-client.h"
# include "aio-robust-tcp-client.h"
# include "aio-error.h"
# include "aio-sd-notify.h"
# include "aio-process-service.h"
# include "aio-respawning-process-service.h"
#if AIO_HAVE_SOUP
# include "aio-http-service.h"
# include "aio-metrics-service.h"
#endif
# include "aio-dbus-service.h"
# include "aio-dbus-name-watcher.h"
#undef AIOMISC_GLIB_INSIDE
