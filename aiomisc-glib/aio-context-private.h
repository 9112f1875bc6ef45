/* aio-context-private.h
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#include "aio-context.h"

G_BEGIN_DECLS

/* Fails every pending get with G_IO_ERROR_CLOSED. */
void _aio_context_close (AioContext *self);

G_END_DECLS
