/* aio-recurring-callback.c: placeholder, being written */
#include "aiomisc-glib.h"
