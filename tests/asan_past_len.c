/*
 * tests/asan_past_len.c - built by tests/asan-runtime.sh with
 * -fsanitize=address and linked against the library as configured (the
 * ordinary build has no ASan in it): the library must still poison the
 * capacity past len, through the runtime the program brings.
 *
 * Usage: asan_past_len MODE, MODE one of
 *   last    read d[9] of a vector with len 10, cap >= 1024: no report
 *   past    read d[10]: ASan reports use-after-poison
 *   pushed  push an 11th element, then read d[10]: no report
 *   popped  pop the 10th element, then read d[9]: ASan reports
 * Exit status 0 when the read returned, 2 on a setup failure; ASan ends
 * the process with its own report and status before that.
 */
#include <paged_vec.h>
#include <stdio.h>
#include <string.h>

enum { LEN = 10, MIN_CAP = 1024 };

/* Read element i of v through its raw data pointer, as user code would. */
static int read_raw(const pv_vec *v, size_t i) {
  const volatile int *d = v->data;
  return d[i];
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s last|past|pushed|popped\n", argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  pv_vec v;
  int rc = pv_vec_init(&v, sizeof(int));
  for (int i = 0; rc == 0 && i < LEN; i++) rc = pv_vec_push(&v, &i);
  if (rc == 0) rc = pv_vec_reserve(&v, MIN_CAP - LEN);
  if (rc != 0 || v.len != LEN || v.cap < MIN_CAP) {
    fprintf(stderr, "setup: %s (len %zu, cap %zu)\n", pv_strerror(rc), v.len, v.cap);
    return 2;
  }
  size_t at;
  if (strcmp(mode, "last") == 0) {
    at = LEN - 1;
  } else if (strcmp(mode, "past") == 0) {
    at = LEN;
  } else if (strcmp(mode, "pushed") == 0) {
    int x = LEN;
    if ((rc = pv_vec_push(&v, &x)) != 0) return 2;
    at = LEN;
  } else if (strcmp(mode, "popped") == 0) {
    if ((rc = pv_vec_pop(&v, NULL)) != 0) return 2;
    at = LEN - 1;
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  int x = read_raw(&v, at);
  printf("%s: d[%zu] = %d read (len %zu, cap %zu)\n", mode, at, x, v.len, v.cap);
  return pv_vec_destroy(&v) == 0 ? 0 : 2;
}
