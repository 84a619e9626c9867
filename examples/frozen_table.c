/*
 * examples/frozen_table.c - a lookup table that nothing can corrupt.
 *
 *   frozen_table [STRING...]        (default: the CRC-32 check string)
 *
 * Builds the 256-entry CRC-32 lookup table in a paged vector, freezes it
 * (its pages become read-only), and uses it to checksum the arguments.
 * Then it shows both kinds of protection a frozen vector gives:
 *   - the library's mutators refuse with PV_EACCES and change nothing;
 *   - a stray write through a raw pointer (the kind of bug that silently
 *     corrupts a table for hours before anyone notices) faults at once.
 * The fault is caught by a SIGSEGV handler that jumps back with
 * siglongjmp and reports the faulting address; the program then checks
 * that the table is intact and exits 0 only if the write really faulted.
 *
 * Build against an installed paged_vec:
 *   cc -O2 frozen_table.c $(pkg-config --cflags --libs paged_vec) -o frozen_table
 */
#define _POSIX_C_SOURCE 200809L /* sigaction, sigsetjmp */

#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <paged_vec.h>

PV_VEC_DEFINE(crc_table, uint32_t);

/* The reflected CRC-32 polynomial (IEEE 802.3, zlib, PNG). */
#define CRC32_POLY 0xedb88320u
#define TABLE_SIZE 256
/* CRC-32 of "123456789": the standard check value of the algorithm. */
#define CHECK_STRING "123456789"
#define CHECK_VALUE 0xcbf43926u

static int fail(const char *what, int rc) {
  fprintf(stderr, "frozen_table: %s: %s (%s)\n", what, pv_strerror(rc), pv_errname(rc));
  return 1;
}

static int build(crc_table *t) {
  int rc = crc_table_reserve_exact(t, TABLE_SIZE);
  for (uint32_t i = 0; rc == 0 && i < TABLE_SIZE; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1u) ? CRC32_POLY ^ (c >> 1) : c >> 1;
    rc = crc_table_push(t, c);
  }
  return rc;
}

static uint32_t crc32(const crc_table *t, const char *s, size_t n) {
  const uint32_t *tab = crc_table_data(t);
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) c = tab[(c ^ (unsigned char)s[i]) & 0xffu] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

/* The fault handler: remember where, and jump back to the probe.  Only
 * async-signal-safe work here. */
static sigjmp_buf probe_env;
static void *volatile fault_addr;

static void on_fault(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)ctx;
  fault_addr = info->si_addr;
  siglongjmp(probe_env, 1);
}

/* Write `value` to *p; true if the write faulted (and so did not happen). */
static int write_faults(uint32_t *p, uint32_t value) {
  struct sigaction sa, old_segv, old_bus;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  /* Linux reports a write to a read-only page as SIGSEGV; macOS and some
   * BSDs as SIGBUS. */
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);
  int faulted = 0;
  fault_addr = NULL;
  if (sigsetjmp(probe_env, 1) == 0) {
    *(volatile uint32_t *)p = value; /* the stray write */
  } else {
    faulted = 1;
  }
  sigaction(SIGSEGV, &old_segv, NULL);
  sigaction(SIGBUS, &old_bus, NULL);
  return faulted;
}

int main(int argc, char **argv) {
  crc_table t;
  int rc = crc_table_init(&t);
  if (rc == 0) rc = build(&t);
  if (rc < 0) return fail("build", rc);
  if (crc32(&t, CHECK_STRING, strlen(CHECK_STRING)) != CHECK_VALUE) {
    fprintf(stderr, "frozen_table: the table is wrong\n");
    return 1;
  }

  rc = crc_table_freeze(&t);
  if (rc < 0) return fail("freeze", rc);
  printf("table of %zu entries at %p, frozen: %s\n", crc_table_len(&t),
         (void *)crc_table_data(&t), crc_table_frozen(&t) ? "yes" : "no");
  if (argc < 2) {
    printf("crc32(\"%s\") = %08" PRIx32 "\n", CHECK_STRING,
           crc32(&t, CHECK_STRING, strlen(CHECK_STRING)));
  }
  for (int i = 1; i < argc; i++)
    printf("crc32(\"%s\") = %08" PRIx32 "\n", argv[i], crc32(&t, argv[i], strlen(argv[i])));

  /* 1. Through the library: refused, nothing changes. */
  uint32_t before = *crc_table_at(&t, 1);
  rc = crc_table_set(&t, 1, 0);
  printf("crc_table_set on the frozen table: %s (%s)\n", pv_errname(rc), pv_strerror(rc));
  rc = crc_table_push(&t, 0);
  printf("crc_table_push on the frozen table: %s\n", pv_errname(rc));
  if (*crc_table_at(&t, 1) != before || crc_table_len(&t) != TABLE_SIZE) {
    fprintf(stderr, "frozen_table: a refused call changed the table\n");
    return 1;
  }

  /* 2. A raw pointer, kept from earlier: the write faults. */
  uint32_t *stray = crc_table_at(&t, 1);
  int faulted = write_faults(stray, 0);
  if (faulted) {
    const char *lo = (const char *)crc_table_data(&t);
    const char *at = (const char *)fault_addr;
    int inside = at >= lo && at < lo + crc_table_len(&t) * sizeof(uint32_t);
    printf("stray write to %p: caught the fault at %p (%s the table)\n",
           (void *)stray, (void *)fault_addr, inside ? "inside" : "outside");
  } else {
    printf("stray write to %p: did NOT fault\n", (void *)stray);
  }

  int intact = crc32(&t, CHECK_STRING, strlen(CHECK_STRING)) == CHECK_VALUE;
  printf("table intact: %s\n", intact ? "yes" : "no");

  /* Thawing makes it writable again, for a deliberate update. */
  rc = crc_table_thaw(&t);
  if (rc == 0) rc = crc_table_set(&t, 1, before);
  if (rc < 0) return fail("thaw and set", rc);
  crc_table_destroy(&t);
  return faulted && intact ? 0 : 1;
}
