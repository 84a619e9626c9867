/*
 * examples/stable_ptrs.c - element addresses that never move.
 *
 *   stable_ptrs [N]          (default 10000000)
 *
 * An ordinary growable array (realloc, std::vector, a REMAP paged vector)
 * moves its elements when it grows, so a pointer taken to an element is only
 * good until the next push.  A STABLE paged vector reserves address space
 * for its maximum length up front (PROT_NONE: no memory is used, so it is
 * safe under strict overcommit) and commits pages as it grows: nothing ever
 * moves, and pointers stay valid until pv_vec_destroy.
 *
 * This program first counts how often a default vector's data moves during
 * N pushes, then pushes N records into a STABLE vector while keeping a
 * pointer to every KEEP_EVERY-th record in a side table, and finally checks
 * that every kept pointer still points at its record, unchanged, and that a
 * push past the reserved maximum fails with PV_ENOSPC and changes nothing.
 *
 * Build against an installed paged_vec:
 *   cc -O2 stable_ptrs.c $(pkg-config --cflags --libs paged_vec) -o stable_ptrs
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <paged_vec.h>

struct record {
  uint64_t id;
  uint64_t check; /* a function of id, to verify the contents */
};

#define DEFAULT_N 10000000ull
/* A prime, so the kept records are spread over every page offset. */
#define KEEP_EVERY 997u

static uint64_t check_of(uint64_t id) { return id * 0x9e3779b97f4a7c15ull ^ (id >> 7); }

static int fail(const char *what, int rc) {
  fprintf(stderr, "stable_ptrs: %s: %s (%s)\n", what, pv_strerror(rc), pv_errname(rc));
  return 1;
}

/* Push one record through the generic API: a slot, then fill it. */
static int push_record(pv_vec *v, uint64_t id, struct record **where) {
  void *slot;
  int rc = pv_vec_push_slot(v, &slot);
  if (rc < 0) return rc;
  struct record *r = slot;
  r->id = id;
  r->check = check_of(id);
  if (where != NULL) *where = r;
  return 0;
}

int main(int argc, char **argv) {
  size_t n = (size_t)DEFAULT_N;
  if (argc > 1) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(argv[1], &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > SIZE_MAX) {
      fprintf(stderr, "usage: stable_ptrs [N > 0]\n");
      return 2;
    }
    n = (size_t)v;
  }

  /* The default growth mode, for contrast: count the moves. */
  pv_vec plain;
  int rc = pv_vec_init(&plain, sizeof(struct record));
  if (rc < 0) return fail("init", rc);
  size_t moves = 0;
  void *last = NULL;
  for (size_t i = 0; i < n; i++) {
    if ((rc = push_record(&plain, i, NULL)) < 0) return fail("push (default mode)", rc);
    if (pv_vec_data(&plain) != last) {
      moves += last != NULL;
      last = pv_vec_data(&plain);
    }
  }
  printf("default vector: %zu pushes, data moved %zu times\n", n, moves);
  pv_vec_destroy(&plain);

  /* The STABLE vector: room for exactly n records, reserved up front. */
  pv_vec_opts o = {.elem_size = sizeof(struct record), .max_len = n,
                   .grow = PV_GROW_STABLE};
  pv_vec v;
  rc = pv_vec_init_opts(&v, &o);
  if (rc < 0) return fail("init (STABLE)", rc);

  /* The side table of kept pointers is itself a vector (of pointers, so
   * its own growth does not matter). */
  pv_vec kept;
  rc = pv_vec_init(&kept, sizeof(struct record *));
  if (rc < 0) return fail("init (kept)", rc);

  void *base = NULL;
  for (size_t i = 0; i < n; i++) {
    struct record *r;
    if ((rc = push_record(&v, i, &r)) < 0) return fail("push (STABLE)", rc);
    if (i == 0) base = pv_vec_data(&v);
    if (i % KEEP_EVERY == 0 && (rc = pv_vec_push(&kept, &r)) < 0)
      return fail("keep", rc);
  }

  /* Every pointer still points at its record, and the record is intact. */
  size_t bad = 0;
  struct record **k = pv_vec_data(&kept);
  for (size_t j = 0; j < pv_vec_len(&kept); j++) {
    size_t i = j * KEEP_EVERY;
    if (k[j] != pv_vec_at(&v, i) || k[j]->id != i || k[j]->check != check_of(i)) bad++;
  }
  printf("STABLE vector: %zu pushes, data %s, %zu kept pointers checked, %zu bad\n",
         pv_vec_len(&v), pv_vec_data(&v) == base ? "never moved" : "MOVED",
         pv_vec_len(&kept), bad);

  /* Full: one more push is refused, and nothing changes. */
  struct record extra = {n, check_of(n)};
  rc = pv_vec_push(&v, &extra);
  printf("push past max_len: %s (%s), len still %zu\n", pv_errname(rc), pv_strerror(rc),
         pv_vec_len(&v));
  int ok = bad == 0 && pv_vec_data(&v) == base && rc == PV_ENOSPC && pv_vec_len(&v) == n;

  size_t resident;
  rc = pv_vec_resident(&v, &resident);
  if (rc == 0)
    printf("resident: %zu MiB for %zu MiB of records\n", resident >> 20,
           (n * sizeof(struct record)) >> 20);
  else if (rc != PV_ENOTSUP)
    return fail("resident", rc);

  pv_vec_destroy(&kept);
  pv_vec_destroy(&v);
  printf("%s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
