#ifndef PAGED_VEC_TYPED_H
#define PAGED_VEC_TYPED_H
#include "paged_vec/vec.h"
#endif
