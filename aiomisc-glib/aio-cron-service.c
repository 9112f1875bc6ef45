/* aio-cron-service.c: placeholder, being written */
#include "aiomisc-glib.h"
