/* aio-statistics-private.h: the names of the library's statistics, in one place
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aiomisc-glib.h"

G_BEGIN_DECLS

/* One convention for every key of aio_statistics_add(): the group is the
 * component and the name what it counts, both in snake_case ([a-z0-9_]),
 * so that "aio_<group>_<name>" is a valid Prometheus metric name. What
 * several components count has one name: AIO_STAT_CALLS (calls started),
 * AIO_STAT_ERRORS (calls failed), AIO_STAT_SUM_TIME (seconds spent in
 * calls). */

/* Groups */
#define AIO_STAT_AGGREGATOR         "aggregator"
#define AIO_STAT_BACKOFF            "backoff"
#define AIO_STAT_CIRCUIT_BREAKER    "circuit_breaker"
#define AIO_STAT_CRON               "cron"
#define AIO_STAT_PERIODIC           "periodic"
#define AIO_STAT_PROCESS            "process"
#define AIO_STAT_RECURRING          "recurring"
#define AIO_STAT_SELECT             "select"
#define AIO_STAT_THREAD_POOL        "thread_pool"
#define AIO_STAT_TIMEOUT            "timeout"

/* Names shared by several groups */
#define AIO_STAT_CALLS              "calls"
#define AIO_STAT_ERRORS             "errors"
#define AIO_STAT_SUM_TIME           "sum_time"
#define AIO_STAT_DONE               "done"

/* Names of one group */
#define AIO_STAT_ITEMS              "items"              /* aggregator */
#define AIO_STAT_BATCHES            "batches"            /* aggregator */
#define AIO_STAT_SUCCESS            "success"            /* aggregator */
#define AIO_STAT_ATTEMPTS           "attempts"           /* backoff */
#define AIO_STAT_CANCELS            "cancels"            /* backoff */
#define AIO_STAT_PASSING            "passing"            /* circuit_breaker */
#define AIO_STAT_BROKEN             "broken"             /* circuit_breaker */
#define AIO_STAT_RECOVERING         "recovering"         /* circuit_breaker */
#define AIO_STAT_RECOVERING_OK      "recovering_ok"      /* circuit_breaker */
#define AIO_STAT_RECOVERING_FAILED  "recovering_failed"  /* circuit_breaker */
#define AIO_STAT_SKIPPED            "skipped"            /* cron */
#define AIO_STAT_SPAWNED            "spawned"            /* process */
#define AIO_STAT_KILLED             "killed"             /* process */
#define AIO_STAT_EXITED             "exited"             /* process */
#define AIO_STAT_RESTARTS           "restarts"           /* process */
#define AIO_STAT_CANCELLED          "cancelled"          /* thread_pool */
#define AIO_STAT_TIMEOUTS           "timeouts"           /* timeout */

/* One counter of a _aio_statistics_add_many() call. */
typedef struct
{
  const char *name;
  double      value;
} AioStatisticsAddend;

void _aio_statistics_add_many (const char                *group,
                               const AioStatisticsAddend *addends,
                               guint                      n_addends);

/* Adds @usec microseconds (a negative span counts as 0) to the
 * AIO_STAT_SUM_TIME of @group, in seconds. */
static inline void
_aio_statistics_add_sum_time (const char *group,
                              gint64      usec)
{
  aio_statistics_add (group, AIO_STAT_SUM_TIME, (double) MAX (usec, 0) / G_USEC_PER_SEC);
}

G_END_DECLS
