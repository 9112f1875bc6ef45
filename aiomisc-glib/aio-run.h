/* aio-run.h: the aio_run() shortcut
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include "aio-version.h"
#include "aio-entrypoint.h"

G_BEGIN_DECLS

AIO_AVAILABLE_IN_ALL
gboolean aio_run          (AioMainFunc    main_func,
                           gpointer       user_data,
                           GError       **error,
                           ...) G_GNUC_NULL_TERMINATED;
AIO_AVAILABLE_IN_ALL
gboolean aio_run_with_entrypoint (AioEntrypoint  *entrypoint,
                                  AioMainFunc     main_func,
                                  gpointer        user_data,
                                  GError        **error,
                                  ...) G_GNUC_NULL_TERMINATED;
AIO_AVAILABLE_IN_ALL
gboolean aio_run_services (AioMainFunc    main_func,
                           gpointer       user_data,
                           AioService   **services,
                           guint          n_services,
                           GError       **error);

G_END_DECLS
