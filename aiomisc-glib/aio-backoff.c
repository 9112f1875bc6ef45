/* aio-backoff.c: placeholder, being written */
#include "aiomisc-glib.h"
