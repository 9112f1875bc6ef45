/* aio-respawning-process-service.h: a process service that restarts its child
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-backoff.h"
#include "aio-process-service.h"

G_BEGIN_DECLS

#define AIO_TYPE_RESPAWNING_PROCESS_SERVICE (aio_respawning_process_service_get_type ())
AIO_AVAILABLE_IN_0_2
G_DECLARE_DERIVABLE_TYPE (AioRespawningProcessService, aio_respawning_process_service,
                          AIO, RESPAWNING_PROCESS_SERVICE, AioProcessService)

/**
 * AioRespawningProcessServiceClass:
 * @parent_class: the parent class
 *
 * The class of [class@Aio.RespawningProcessService].
 *
 * Since: 0.2
 */
struct _AioRespawningProcessServiceClass
{
  AioProcessServiceClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_0_2
AioRespawningProcessService *aio_respawning_process_service_new (const char * const *argv) G_GNUC_WARN_UNUSED_RESULT;

AIO_AVAILABLE_IN_0_2
guint       aio_respawning_process_service_get_restart_limit    (AioRespawningProcessService *self);
AIO_AVAILABLE_IN_0_2
void        aio_respawning_process_service_set_restart_limit    (AioRespawningProcessService *self,
                                                                 guint                        restart_limit);
AIO_AVAILABLE_IN_0_2
double      aio_respawning_process_service_get_restart_interval (AioRespawningProcessService *self);
AIO_AVAILABLE_IN_0_2
void        aio_respawning_process_service_set_restart_interval (AioRespawningProcessService *self,
                                                                 double                       restart_interval);
AIO_AVAILABLE_IN_0_2
AioBackoff *aio_respawning_process_service_get_backoff          (AioRespawningProcessService *self);
AIO_AVAILABLE_IN_0_2
void        aio_respawning_process_service_set_backoff          (AioRespawningProcessService *self,
                                                                 AioBackoff                  *backoff);
AIO_AVAILABLE_IN_0_2
guint       aio_respawning_process_service_get_restarts         (AioRespawningProcessService *self);

G_END_DECLS
