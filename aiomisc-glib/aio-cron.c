/* aio-cron.c: placeholder, being written */
#include "aiomisc-glib.h"
