/* aio-circuit-breaker.c: placeholder, being written */
#include "aiomisc-glib.h"
