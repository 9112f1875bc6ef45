#include "aiomisc-glib.h"
