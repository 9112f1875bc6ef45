/* aio-timeout.c: placeholder, being written */
#include "aiomisc-glib.h"
