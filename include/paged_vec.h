/*
 * paged_vec.h - the umbrella header: include this one.
 *
 *   #include <paged_vec.h>
 *
 * Layers: paged_vec/pages.h (the page core), paged_vec/vec.h (the generic
 * container), paged_vec/typed.h (PV_VEC_DEFINE, the typed static inline layer),
 * paged_vec/code.h (the W^X code buffer for JITs), paged_vec/cache.h (the
 * region cache vectors reuse their mappings through), paged_vec/file.h
 * (vectors that live in .npy files).
 */
#ifndef PAGED_VEC_H
#define PAGED_VEC_H

#include "paged_vec/common.h"
#include "paged_vec/pages.h"
#include "paged_vec/vec.h"
#include "paged_vec/typed.h"
#include "paged_vec/code.h"
#include "paged_vec/cache.h"
#include "paged_vec/file.h"

#endif /* PAGED_VEC_H */
