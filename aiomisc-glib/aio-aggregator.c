/* aio-aggregator.c: placeholder, being written */
#include "aiomisc-glib.h"
