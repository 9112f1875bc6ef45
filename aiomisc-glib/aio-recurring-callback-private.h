/* aio-recurring-callback-private.h: hooks for the classes built on AioRecurringCallback
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-recurring-callback.h"

G_BEGIN_DECLS

/* Makes @self the engine of @owner (an AioPeriodicCallback): @self keeps a
 * reference on @owner from its start until it has fully stopped, counts its
 * calls in the @statistics_group of aio_statistics_add() and names itself
 * @label in its logs and errors. @owner is not referenced otherwise; the
 * strings must be static. */
void _aio_recurring_callback_set_owner (AioRecurringCallback *self,
                                        gpointer              owner,
                                        const char           *statistics_group,
                                        const char           *label);

/* A "notify::<name>" handler of an engine (an AioRecurringCallback, or an
 * AioPeriodicCallback under an AioPeriodicService) whose property @data
 * shows as its own: notifies the property of that name of @data. */
static inline void
_aio_forward_notify_cb (GObject    *engine,
                        GParamSpec *pspec,
                        gpointer    data)
{
  g_object_notify (G_OBJECT (data), g_param_spec_get_name (pspec));
}

G_END_DECLS
