/* aio-process-service.h: a service that runs a child process
 *
 * SPDX-License-Identifier: MIT
 */
#pragma once

#if !defined(AIOMISC_GLIB_INSIDE) && !defined(AIOMISC_GLIB_COMPILATION)
# error "Only <aiomisc-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "aio-version.h"
#include "aio-service.h"

G_BEGIN_DECLS

#define AIO_TYPE_PROCESS_SERVICE (aio_process_service_get_type ())
AIO_AVAILABLE_IN_0_2
G_DECLARE_DERIVABLE_TYPE (AioProcessService, aio_process_service, AIO, PROCESS_SERVICE, AioService)

/**
 * AioProcessServiceClass:
 * @parent_class: the parent class
 *
 * The class of [class@Aio.ProcessService]. Subclasses override the
 * [class@Aio.Service] virtual methods.
 *
 * Since: 0.2
 */
struct _AioProcessServiceClass
{
  AioServiceClass parent_class;

  /*< private >*/
  gpointer padding[8];
};

AIO_AVAILABLE_IN_0_2
AioProcessService   *aio_process_service_new              (const char * const *argv) G_GNUC_WARN_UNUSED_RESULT;

AIO_AVAILABLE_IN_0_2
const char * const  *aio_process_service_get_argv         (AioProcessService  *self);
AIO_AVAILABLE_IN_0_2
void                 aio_process_service_set_argv         (AioProcessService  *self,
                                                           const char * const *argv);
AIO_AVAILABLE_IN_0_2
const char * const  *aio_process_service_get_envp         (AioProcessService  *self);
AIO_AVAILABLE_IN_0_2
void                 aio_process_service_set_envp         (AioProcessService  *self,
                                                           const char * const *envp);
AIO_AVAILABLE_IN_0_2
const char          *aio_process_service_get_cwd          (AioProcessService  *self);
AIO_AVAILABLE_IN_0_2
void                 aio_process_service_set_cwd          (AioProcessService  *self,
                                                           const char         *cwd);
AIO_AVAILABLE_IN_0_2
int                  aio_process_service_get_stop_signal  (AioProcessService  *self);
AIO_AVAILABLE_IN_0_2
void                 aio_process_service_set_stop_signal  (AioProcessService  *self,
                                                           int                 stop_signal);
AIO_AVAILABLE_IN_0_2
double               aio_process_service_get_stop_timeout (AioProcessService  *self);
AIO_AVAILABLE_IN_0_2
void                 aio_process_service_set_stop_timeout (AioProcessService  *self,
                                                           double              stop_timeout);
AIO_AVAILABLE_IN_0_2
int                  aio_process_service_get_pid          (AioProcessService  *self);
AIO_AVAILABLE_IN_0_2
int                  aio_process_service_get_exit_status  (AioProcessService  *self);
AIO_AVAILABLE_IN_0_2
int                  aio_process_service_get_term_signal  (AioProcessService  *self);

G_END_DECLS
