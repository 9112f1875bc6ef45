/* SPDX-License-Identifier: MIT */
/* services.h: the two services of the tutorial, defined in services.c */
#pragma once

#include <aiomisc-glib.h>

G_BEGIN_DECLS

#define MY_TYPE_INFINITY_SERVICE (my_infinity_service_get_type ())
G_DECLARE_FINAL_TYPE (MyInfinityService, my_infinity_service, MY, INFINITY_SERVICE, AioService)

#define MY_TYPE_ORDINARY_SERVICE (my_ordinary_service_get_type ())
G_DECLARE_FINAL_TYPE (MyOrdinaryService, my_ordinary_service, MY, ORDINARY_SERVICE, AioService)

G_END_DECLS
