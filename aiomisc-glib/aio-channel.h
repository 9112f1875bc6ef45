#pragma once
#include "aio-version.h"
