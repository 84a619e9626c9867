#include "config.h"
#include "paged_vec/vec.h"
