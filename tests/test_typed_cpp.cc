// tests/test_typed_cpp.cc - the typed layer compiled as C++: the same
// header, used from C++ with int, double, a 24-byte struct, a pointer type
// and a type defined inside a namespace, side by side with the standard
// library.
#include <criterion/criterion.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "paged_vec/typed.h"

namespace {

struct point {
  double x, y;
  std::int32_t id;
  float w;
};
static_assert(sizeof(point) == 24, "point is meant to be a 24-byte struct");

point mkpoint(std::int32_t id) {
  point p;
  p.x = id * 2.0;
  p.y = id * -0.5;
  p.id = id;
  p.w = static_cast<float>(id) / 4.0f;
  return p;
}

bool same(const point &a, const point &b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

} // namespace

PV_VEC_DEFINE(ivec, int);
PV_VEC_DEFINE(dvec, double);
PV_VEC_DEFINE(svec, const char *);

// The functions are static, so a namespace scopes them like any other.
namespace geo {
PV_VEC_DEFINE(points, point);
}

static_assert(std::is_same<ivec_elem, int>::value, "elem is T");
static_assert(std::is_same<decltype(ivec_at(nullptr, 0)), int *>::value,
              "at returns T *");
static_assert(std::is_same<decltype(geo::points_data(nullptr)), point *>::value,
              "data returns T *");

Test(typed_cpp, push_at_pop_int) {
  ivec v;
  cr_assert_eq(ivec_init(&v), 0, "init");
  const int n = 100000;
  for (int i = 0; i < n; i++)
    cr_assert_eq(ivec_push(&v, i), 0, "push %d", i);
  cr_assert_eq(ivec_len(&v), static_cast<size_t>(n), "len");
  // The data is an ordinary array: the standard algorithms work on it.
  int *d = ivec_data(&v);
  std::vector<int> want(n);
  std::iota(want.begin(), want.end(), 0);
  cr_assert(std::equal(want.begin(), want.end(), d), "contents match iota");
  cr_assert_null(ivec_at(&v, static_cast<size_t>(n)), "at(len) is NULL");
  int x = 0;
  cr_assert_eq(ivec_pop(&v, &x), 0, "pop");
  cr_assert_eq(x, n - 1, "popped the last");
  cr_assert_eq(ivec_get(&v, 10, &x), 0, "get");
  cr_assert_eq(x, 10, "got 10");
  cr_assert_eq(ivec_set(&v, 10, -10), 0, "set");
  cr_assert_eq(*ivec_at(&v, 10), -10, "set stored");
  cr_assert_eq(ivec_destroy(&v), 0, "destroy");
}

Test(typed_cpp, batch_pushes_like_push) {
  ivec v;
  cr_assert_eq(ivec_init(&v), 0, "init");
  const int n = 600000;  // past the small phase: the batch sees growths in pages too
  ivec_batch b = ivec_batch_begin(&v);
  for (int i = 0; i < n; i++)
    cr_assert_eq(ivec_batch_push(&b, i), 0, "batch push %d", i);
  ivec_batch_end(&b);
  cr_assert_eq(ivec_len(&v), static_cast<size_t>(n), "len after end");
  std::vector<int> want(n);
  std::iota(want.begin(), want.end(), 0);
  cr_assert(std::equal(want.begin(), want.end(), ivec_data(&v)), "contents match iota");
  cr_assert_eq(ivec_batch_push(&b, 1), PV_EINVAL, "push after end");
  cr_assert_eq(ivec_destroy(&v), 0, "destroy");
}

Test(typed_cpp, errors_are_passed_on_and_change_nothing) {
  ivec v;
  cr_assert_eq(ivec_init(&v), 0, "init");
  int x = 5;
  cr_assert_eq(ivec_pop(&v, &x), PV_ERANGE, "pop empty");
  cr_assert_eq(x, 5, "out untouched");
  for (int i = 0; i < 8; i++)
    cr_assert_eq(ivec_push(&v, i), 0, "push");
  std::vector<int> before(ivec_data(&v), ivec_data(&v) + ivec_len(&v));
  cr_assert_eq(ivec_set(&v, 8, 1), PV_ERANGE, "set(len)");
  cr_assert_eq(ivec_remove(&v, 7, 2, nullptr), PV_ERANGE, "remove past len");
  cr_assert_eq(ivec_reserve(&v, SIZE_MAX), PV_EOVERFLOW, "reserve SIZE_MAX");
  cr_assert_eq(ivec_freeze(&v), 0, "freeze");
  size_t cap = ivec_cap(&v); /* freeze moves a small vector into pages */
  cr_assert_lt(ivec_len(&v), ivec_cap(&v), "the inline push path has room");
  cr_assert_eq(ivec_push(&v, 99), PV_EACCES, "push frozen");
  int *slot = nullptr;
  cr_assert_eq(ivec_push_slot(&v, &slot), PV_EACCES, "push_slot frozen");
  cr_assert_null(slot, "slot untouched");
  cr_assert_eq(ivec_set(&v, 0, 99), PV_EACCES, "set frozen");
  cr_assert_eq(ivec_pop(&v, &x), PV_EACCES, "pop frozen");
  cr_assert_eq(ivec_len(&v), before.size(), "len unchanged");
  cr_assert_eq(ivec_cap(&v), cap, "cap unchanged");
  cr_assert(std::equal(before.begin(), before.end(), ivec_data(&v)),
            "contents unchanged");
  cr_assert_eq(ivec_thaw(&v), 0, "thaw");
  cr_assert_eq(ivec_push(&v, 99), 0, "push after thaw");
  ivec *none = nullptr;
  cr_assert_eq(ivec_push(none, 1), PV_EINVAL, "push to NULL");
  cr_assert_eq(ivec_len(none), 0u, "len of NULL");
  ivec_destroy(&v);
}

Test(typed_cpp, double_bulk_operations) {
  dvec v;
  // Value-initialised options: no designated initialisers in C++11.
  pv_vec_opts o = pv_vec_opts();
  o.initial_cap = 64;
  cr_assert_eq(dvec_init_opts(&v, &o), 0, "init_opts");
  cr_assert_eq(v.v.elem_size, sizeof(double), "elem_size from the type");
  const double a[] = {5, 3, 1, 4, 2};
  cr_assert_eq(dvec_append(&v, a, 5), 0, "append");
  const double b[] = {0.5, 0.25};
  cr_assert_eq(dvec_insert(&v, 2, b, 2), 0, "insert");
  double out[2];
  cr_assert_eq(dvec_remove(&v, 2, 2, out), 0, "remove");
  cr_assert(out[0] == 0.5 && out[1] == 0.25, "removed values");
  auto cmp = [](const void *p, const void *q) -> int {
    double x = *static_cast<const double *>(p), y = *static_cast<const double *>(q);
    return (x > y) - (x < y);
  };
  cr_assert_eq(dvec_sort(&v, cmp), 0, "sort with a captureless lambda");
  cr_assert(std::is_sorted(dvec_data(&v), dvec_data(&v) + dvec_len(&v)), "sorted");
  double key = 4;
  size_t idx = 0;
  cr_assert_eq(dvec_bsearch(&v, &key, cmp, &idx), 0, "bsearch");
  cr_assert_eq(idx, 3u, "4 is fourth");
  double fill = 7.0;
  cr_assert_eq(dvec_resize(&v, 8, &fill), 0, "resize");
  cr_assert_eq(*dvec_at(&v, 7), 7.0, "filled");
  cr_assert_eq(dvec_swap_remove(&v, 0, nullptr), 0, "swap_remove");
  cr_assert_eq(*dvec_at(&v, 0), 7.0, "last moved to the front");
  cr_assert_eq(dvec_truncate(&v, 3), 0, "truncate");
  cr_assert_eq(dvec_reserve_exact(&v, 1000), 0, "reserve_exact");
  cr_assert_geq(dvec_cap(&v), 1003u, "room reserved");
  cr_assert_eq(dvec_trim(&v), 0, "trim");
  cr_assert_eq(dvec_shrink_to_fit(&v), 0, "shrink_to_fit");
  cr_assert_eq(dvec_len(&v), 3u, "len kept");
  cr_assert_eq(dvec_clear(&v), 0, "clear");
  cr_assert_eq(dvec_len(&v), 0u, "empty");
  dvec_destroy(&v);
}

Test(typed_cpp, struct_in_a_namespace_copy_equal) {
  geo::points a, b;
  cr_assert_eq(geo::points_init(&a), 0, "init a");
  cr_assert_eq(geo::points_init(&b), 0, "init b");
  for (std::int32_t i = 0; i < 1000; i++) {
    point *slot = nullptr;
    cr_assert_eq(geo::points_push_slot(&a, &slot), 0, "push_slot");
    *slot = mkpoint(i);
  }
  cr_assert_eq(geo::points_copy(&b, &a), 0, "copy");
  cr_assert(geo::points_equal(&a, &b), "equal after copy");
  point p = mkpoint(-1);
  cr_assert_eq(geo::points_set(&b, 500, p), 0, "set");
  cr_assert(!geo::points_equal(&a, &b), "differ after set");
  cr_assert(same(*geo::points_at(&a, 500), mkpoint(500)), "a untouched");
  cr_assert(same(*geo::points_at(&b, 500), p), "b changed");
  geo::points_destroy(&a);
  geo::points_destroy(&b);
}

Test(typed_cpp, pointer_elements) {
  // Element pointers into std::string storage: the vector holds the
  // pointers, the strings own the characters.
  std::vector<std::string> words = {"pear", "apple", "fig"};
  svec v;
  cr_assert_eq(svec_init(&v), 0, "init");
  for (const std::string &w : words)
    cr_assert_eq(svec_push(&v, w.c_str()), 0, "push");
  auto cmp = [](const void *p, const void *q) -> int {
    return std::strcmp(*static_cast<const char *const *>(p),
                       *static_cast<const char *const *>(q));
  };
  cr_assert_eq(svec_sort(&v, cmp), 0, "sort");
  cr_assert_str_eq(*svec_at(&v, 0), "apple", "first");
  cr_assert_str_eq(*svec_at(&v, 2), "pear", "last");
  const char *got = nullptr;
  cr_assert_eq(svec_pop(&v, &got), 0, "pop");
  cr_assert_eq(got, words[0].c_str(), "the very pointer pushed");
  svec_destroy(&v);
}

// The range functions from C++: T * comes back typed, callbacks with a
// context are captureless lambdas, a struct element type in a namespace.
Test(typed_cpp, range_operations_points) {
  geo::points v, d;
  cr_assert_eq(geo::points_init(&v), 0, "init");
  cr_assert_eq(geo::points_init(&d), 0, "init d");
  point *first = nullptr;
  cr_assert_eq(geo::points_extend_uninit(&v, 6, &first), 0, "extend_uninit");
  for (int i = 0; i < 6; i++) first[i] = mkpoint(5 - i);
  int dir = 1;
  auto by_id = [](const void *a, const void *b, void *ctx) -> int {
    int x = static_cast<const point *>(a)->id, y = static_cast<const point *>(b)->id;
    return *static_cast<int *>(ctx) * ((x > y) - (x < y));
  };
  cr_assert_eq(geo::points_sort_r(&v, by_id, &dir), 0, "sort_r");
  for (int i = 0; i < 6; i++)
    cr_assert(same(*geo::points_at(&v, static_cast<size_t>(i)), mkpoint(i)), "sorted %d", i);
  point key = mkpoint(4);
  size_t ix = 0;
  cr_assert_eq(geo::points_bsearch_r(&v, &key, by_id, &dir, &ix), 0, "bsearch_r");
  cr_assert_eq(ix, 4u, "index");
  auto even = [](const void *e, void *) -> bool {
    return static_cast<const point *>(e)->id % 2 == 0;
  };
  cr_assert_eq(geo::points_retain(&v, even, nullptr), 0, "retain");
  cr_assert_eq(geo::points_len(&v), 3u, "0 2 4");
  cr_assert_eq(geo::points_extend_from_within(&v, 2, 1), 0, "0 2 4 4");
  cr_assert_eq(geo::points_dedup(&v, by_id, &dir), 0, "dedup");
  cr_assert_eq(geo::points_len(&v), 3u, "0 2 4");
  cr_assert_eq(geo::points_swap(&v, 0, 2), 0, "swap");
  cr_assert(same(*geo::points_last(&v), mkpoint(0)), "last");
  cr_assert_eq(geo::points_split_off(&v, 1, &d), 0, "split_off");
  cr_assert_eq(geo::points_len(&d), 2u, "moved 2");
  size_t room = 0;
  cr_assert_eq(geo::points_reserve(&v, 4), 0, "reserve");
  point *sp = geo::points_spare(&v, &room);
  cr_assert(sp != nullptr && room >= 4u, "spare");
  sp[0] = mkpoint(7);
  cr_assert_eq(geo::points_set_len(&v, 2), 0, "set_len");
  cr_assert(same(*geo::points_last(&v), mkpoint(7)), "committed");
  cr_assert_eq(geo::points_shrink_to(&v, 0), 0, "shrink_to");
  cr_assert_eq(geo::points_cap(&v), 2u, "small: exactly len");
  geo::points_destroy(&v);
  geo::points_destroy(&d);
}
