/* aio-cron-callback.c: placeholder, being written */
#include "aiomisc-glib.h"
