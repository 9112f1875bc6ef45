/* aio-select.c: placeholder, being written */
#include "aiomisc-glib.h"
