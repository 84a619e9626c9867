/*
 * bench/order.h - the order in which paired methods run in a round.
 *
 * pvb_order(r, k, n): the method that runs k-th in round r of n methods, a
 * Williams design.  Row 0 is 0, 1, n-1, 2, n-2, ...; row r adds r (mod
 * n); for odd n the rows of every second block of n are reversed.  Every
 * row is a permutation, and over n rounds (2n for odd n) every method runs
 * right after every other exactly once.
 *
 * Why not a plain rotation (round r starts with method r mod n): it keeps
 * the order cyclic, so a method almost always runs right after the same
 * one, and a run inherits its predecessor's mark on the kernel's memory.
 * Measured (bench_pair.c's pair_build at 10^8, PVB_METHODS in three
 * orders, one process each): the run right after the realloc vector on
 * glibc, whose 800 MB of freed 4 KiB pages leave few free huge pages,
 * waited for compaction and took a median of 14 ns an element, against
 * 1.2-2.3 for the same method elsewhere in the order; which method that
 * was decided the ratio pv / touch1 (0.28, 8.3 and 1.25 in the three
 * orders).
 */
#ifndef PVB_ORDER_H
#define PVB_ORDER_H

#include <stddef.h>

static inline size_t pvb_order(size_t r, size_t k, size_t n) {
  size_t s;
  if (n % 2u == 1u && (r / n) % 2u == 1u)
    k = n - 1u - k;
  s = k == 0 ? 0 : (k % 2u == 1u ? (k + 1u) / 2u : n - k / 2u);
  return (s + r) % n;
}

#endif
