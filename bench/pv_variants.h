/*
 * bench/pv_variants.h - the paged_vec configurations measured, shared by
 * the typed (bench_pv_typed.c) and generic (bench_pv_generic.c) peers.
 *
 * "default" is what pv_vec_init gives (REMAP where the kernel has mremap,
 * huge pages for large vectors) and runs every workload; the growth modes
 * with and without huge pages run the push workload, which is where they
 * differ.  A variant with no workloads registers nothing.  STABLE
 * reserves PVB_STABLE_MAX elements of address space up front (no memory:
 * PROT_NONE), as a program would reserve for its largest input.
 */
#ifndef PVB_PV_VARIANTS_H
#define PVB_PV_VARIANTS_H

#include <paged_vec/vec.h>

/* 2^30 elements: more than the largest benchmark size, far less than the
 * 47-bit user address space even for 24-byte elements. */
#define PVB_STABLE_MAX ((size_t)1 << 30)

typedef struct pvb_pv_variant {
  const char *suffix; /* appended to the peer name: "" for the default */
  pv_vec_opts opts;   /* elem_size is filled in by the peer */
  unsigned workloads; /* PVB_W_* bits */
} pvb_pv_variant;

/* The variants, in table order.  A peer file passes the workloads each
 * kind runs: the default; PV_VEC_HUGE (huge pages from the first push, for
 * a vector known to grow large); the huge-page growth modes; and the modes
 * without huge pages.  The generic peer leaves out the last two kinds: they
 * would only repeat the typed layer's rows, the 4 KiB-page ones being those
 * that take longest to run. */
#define PVB_PV_VARIANTS(all_workloads, huge_workloads, mode_workloads,        \
                        nohuge_workloads)                                     \
  {                                                                           \
    {"", {0, 0, 0, PV_GROW_DEFAULT, 0}, (all_workloads)},                     \
    {"_huge", {0, 0, 0, PV_GROW_DEFAULT, PV_VEC_HUGE}, (huge_workloads)},     \
    {"_stable", {0, 0, PVB_STABLE_MAX, PV_GROW_STABLE, 0}, (mode_workloads)}, \
    {"_copy", {0, 0, 0, PV_GROW_COPY, 0}, (mode_workloads)},                  \
    {"_nohuge", {0, 0, 0, PV_GROW_DEFAULT, PV_VEC_NO_HUGE},                   \
     (nohuge_workloads)},                                                     \
    {"_stable_nh", {0, 0, PVB_STABLE_MAX, PV_GROW_STABLE, PV_VEC_NO_HUGE},    \
     (nohuge_workloads)},                                                     \
    {"_copy_nh", {0, 0, 0, PV_GROW_COPY, PV_VEC_NO_HUGE},                     \
     (nohuge_workloads)},                                                     \
  }

#endif /* PVB_PV_VARIANTS_H */
