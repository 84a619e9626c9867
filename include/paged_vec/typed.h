/*
 * paged_vec/typed.h - the typed layer: PV_VEC_DEFINE(name, T) makes a
 * vector type for elements of type T and a family of static inline
 * functions with T in their signatures.
 *
 *   #include <paged_vec/typed.h>
 *
 *   PV_VEC_DEFINE(dvec, double);      (at file scope, once per type)
 *
 *   dvec v;
 *   if (dvec_init(&v) < 0) ...
 *   for (int i = 0; i < 1000000; i++)
 *     if (dvec_push(&v, i * 0.5) < 0) break;
 *   double *d = dvec_data(&v);        (d[0] .. d[dvec_len(&v) - 1])
 *   dvec_destroy(&v);
 *
 * What it generates
 * -----------------
 * The type
 *   typedef struct name { pv_vec v; } name;
 *   typedef T name_elem;
 * A `name` is a pv_vec with a type attached: `x.v` is the generic vector
 * and may be passed to any pv_vec_* function (pv_vec_advise, ...), and the
 * rules of vec.h (never write the fields, growth may move `data` unless the
 * vector is STABLE) hold unchanged.  `name_elem` is T as one type name, so
 * that a pointer T works too (`const name_elem *` is a pointer to a
 * constant T, which `const T *` spelled out would not be for T = char *).
 *
 * and one function for each generic one, which forwards to it:
 *
 *   int    name_init(name *a)                              pv_vec_init(&a->v, sizeof(T))
 *   int    name_init_opts(name *a, const pv_vec_opts *o)   pv_vec_init_opts
 *   int    name_open(name *a, const char *path, const pv_vec_file_opts *o)
 *                                                          pv_vec_open (file.h)
 *   int    name_destroy(name *a)                           pv_vec_destroy
 *   int    name_push(name *a, T x)                         pv_vec_push
 *   int    name_push_slot(name *a, T **slot)               pv_vec_push_slot
 *   int    name_pop(name *a, T *out)                       pv_vec_pop
 *   T     *name_at(const name *a, size_t i)                pv_vec_at
 *   int    name_get(const name *a, size_t i, T *out)       pv_vec_get
 *   int    name_set(name *a, size_t i, T x)                pv_vec_set
 *   T     *name_data(const name *a)                        pv_vec_data
 *   size_t name_len(const name *a)                         pv_vec_len
 *   size_t name_cap(const name *a)                         pv_vec_cap
 *   int    name_reserve(name *a, size_t additional)        pv_vec_reserve
 *   int    name_reserve_exact(name *a, size_t additional)  pv_vec_reserve_exact
 *   int    name_append(name *a, const T *elems, size_t n)  pv_vec_append
 *   int    name_insert(name *a, size_t i, const T *elems, size_t n)
 *                                                          pv_vec_insert
 *   int    name_remove(name *a, size_t i, size_t n, T *out) pv_vec_remove
 *   int    name_swap_remove(name *a, size_t i, T *out)     pv_vec_swap_remove
 *   int    name_resize(name *a, size_t n, const T *fill)   pv_vec_resize
 *   int    name_truncate(name *a, size_t n)                pv_vec_truncate
 *   int    name_clear(name *a)                             pv_vec_clear
 *   int    name_shrink_to_fit(name *a)                     pv_vec_shrink_to_fit
 *   int    name_trim(name *a)                              pv_vec_trim
 *   int    name_copy(name *dst, const name *src)           pv_vec_copy
 *   bool   name_equal(const name *a, const name *b)        pv_vec_equal
 *   int    name_sort(name *a, int (*cmp)(const void *, const void *))
 *                                                          pv_vec_sort
 *   int    name_bsearch(const name *a, const T *key,
 *                       int (*cmp)(const void *, const void *),
 *                       size_t *index)                     pv_vec_bsearch
 *   int    name_sort_r(name *a,
 *                     int (*cmp)(const void *, const void *, void *),
 *                     void *ctx)                           pv_vec_sort_r
 *   int    name_bsearch_r(const name *a, const T *key,
 *                         int (*cmp)(const void *, const void *, void *),
 *                         void *ctx, size_t *index)        pv_vec_bsearch_r
 *   int    name_extend_uninit(name *a, size_t n, T **first) pv_vec_extend_uninit
 *   T     *name_spare(name *a, size_t *n)                  pv_vec_spare
 *   int    name_set_len(name *a, size_t len)               pv_vec_set_len
 *   int    name_read_fd(name *a, int fd, size_t max_bytes, size_t *nread)
 *                                                          pv_vec_read_fd
 *   int    name_read_file(name *a, const char *path)       pv_vec_read_file
 *   int    name_retain(name *a, bool (*keep)(const void *, void *),
 *                      void *ctx)                          pv_vec_retain
 *   int    name_dedup(name *a,
 *                     int (*cmp)(const void *, const void *, void *),
 *                     void *ctx)                           pv_vec_dedup
 *   int    name_split_off(name *a, size_t at, name *dst)   pv_vec_split_off
 *   int    name_extend_from_within(name *a, size_t i, size_t n)
 *                                                          pv_vec_extend_from_within
 *   int    name_swap(name *a, size_t i, size_t j)          pv_vec_swap
 *   int    name_shrink_to(name *a, size_t min_cap)         pv_vec_shrink_to
 *   T     *name_last(const name *a)                        pv_vec_last
 *   int    name_freeze(name *a)                            pv_vec_freeze
 *   int    name_thaw(name *a)                              pv_vec_thaw
 *   bool   name_frozen(const name *a)                      pv_vec_frozen
 *   int    name_advise(name *a, pv_advice advice)          pv_vec_advise
 *   int    name_resident(const name *a, size_t *bytes)     pv_vec_resident
 *   int    name_populate(name *a, unsigned threads)        pv_vec_populate
 *
 * and, with no generic counterpart, a batch of pushes (see "Batches"):
 *
 *   typedef struct name_batch { private fields } name_batch;
 *   name_batch name_batch_begin(name *a)
 *   int    name_batch_push(name_batch *b, T x)
 *   void   name_batch_end(name_batch *b)
 *
 * Each one means exactly what the generic function it names means (see
 * vec.h), with these typed differences only:
 *   - name_push and name_set take the element by value; name_init takes
 *     no size.
 *   - name_init_opts fills opts->elem_size in from sizeof(T) (on a copy;
 *     *o is not written).  o->elem_size may be left 0; any value other
 *     than 0 or sizeof(T) is a mistake and gives PV_EINVAL.
 *   - name_open likewise fills o->elem_size in from sizeof(T): an
 *     existing file's item size must then be sizeof(T) (else PV_EBADF).
 *   - sort, bsearch, their _r forms, retain and dedup take the callbacks
 *     of the generic API: their element arguments are `const T *` passed
 *     as `const void *`.  (A
 *     comparator of type int (*)(const T *, const T *) cannot be called
 *     through qsort without undefined behaviour, hence no typed variant.)
 * Errors are those of the generic function, code for code, including
 * PV_EINVAL for a NULL `name *` (which the typed functions pass on as a
 * NULL pv_vec *), and on failure nothing changes, as there.
 *
 * Speed: name_push, name_push_slot, name_pop, name_at, name_get and name_set
 * handle the common case inline: a push with room is one compare of len
 * with pv_room (cap while writable, 0 while frozen), a store, an
 * increment and a prefetch for writing of the line 2 KiB past the slot
 * (vec.h, PV__PUSH_AHEAD: why, and what it was measured to gain); only
 * when the vector must grow (or the call will fail) does it call the
 * library, through a cold, out-of-line helper (push:
 * pv_vec_reserve(v, 1), whose codes are pv_vec_push's, then the same
 * inline store).  The inline paths take only
 * cases that succeed in the generic function too, so the result is the same
 * either way.  (When the compiler cannot see that `a` is non-NULL, the NULL
 * test is one more predictable branch; pushing to a local or global vector
 * has none.)  The other functions are one call to the generic function.
 * In code compiled with AddressSanitizer, push, push_slot and pop always
 * call the library, which keeps the capacity past len poisoned so that
 * ASan reports a raw access there.
 *
 * Batches
 * -------
 * In a loop of name_push calls the compiler keeps len and data in
 * registers but still stores len into the vector at every push: the
 * vector's address reached the library (at init), so the growth call the
 * loop may make could read len.  That second store per element can double
 * the time of a loop over a vector that fits in the cache, and even with
 * the push's prefetch (vec.h, PV__PUSH_AHEAD) it adds 20-30% to a build
 * of 10^8 elements (make bench, docs/benchmarks.md).  A batch
 * holds len, data and room in a local struct whose address never reaches
 * the library, so a loop of batch pushes is one compare and one store:
 *
 *   u64v_batch b = u64v_batch_begin(&v);
 *   for (size_t i = 0; i < n; i++)
 *     if (u64v_batch_push(&b, x[i]) < 0) break;
 *   u64v_batch_end(&b);
 *
 * name_batch_begin(a) starts a batch at a's end; it makes no call and
 * cannot fail (a NULL a gives a batch whose pushes return PV_EINVAL).
 * name_batch_push(b, x) appends x, exactly as name_push(a, x) would: it
 * grows a the same way and fails with the same codes (PV_EACCES frozen,
 * PV_ENOSPC a full STABLE vector, PV_ENOMEM, PV_EMAPS, ...), and PV_EINVAL
 * for a NULL b or an ended batch.  When it must call the library, it first
 * sets a's len to the batch's, so a failed batch push leaves a holding
 * every element the batch pushed before it, with nothing else changed,
 * and the batch as it was: the loop may stop there or go on.
 * name_batch_end(b) sets a's len to the batch's and ends the batch (a
 * later push on it returns PV_EINVAL; ending it again, or ending NULL,
 * does nothing).
 * Between begin and end, a's len is stale (a's other fields are current
 * after each push): use a only through the batch (no other name_* or
 * pv_vec_* call on it, not even name_len), and end the batch before any
 * other use and before destroying a.  data, as everywhere, may move at a
 * push unless a is STABLE.  Like push, a batch push always calls the
 * library in code built with AddressSanitizer.
 *
 * T is any complete object type that can be assigned by `=` (in C++: a
 * trivially copyable one, checked by a static_assert); it is spelled
 * once, so a type that needs declarator syntax (an array, a function
 * pointer) must be passed as a typedef name.  Equality is bytewise
 * (pv_vec_equal), so a struct with padding compares its padding too.
 * PV_VEC_DEFINE goes at file scope, followed by a semicolon; all the
 * functions are static, so one header can define a type that several
 * translation units use.  The header compiles as C11 and as C++11 or later.
 */
#ifndef PAGED_VEC_TYPED_H
#define PAGED_VEC_TYPED_H

#include <stddef.h>
#include "paged_vec/file.h"
#include "paged_vec/vec.h"

/*
 * PV_LIKELY / PV_UNLIKELY - branch hints: the compiler lays the unlikely
 * side out of the straight-line code.  Plain conditions elsewhere.
 * PV__COLD - private: an out-of-line function on a rarely taken path.
 * PV__UNUSED - private: silences "defined but not used" for the generated
 * functions a program does not call.
 */
#if defined(__GNUC__) || defined(__clang__)
#  ifndef PV_LIKELY
#    define PV_LIKELY(x) __builtin_expect(!!(x), 1)
#  endif
#  ifndef PV_UNLIKELY
#    define PV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  endif
#  define PV__COLD __attribute__((noinline, cold, unused))
#  define PV__UNUSED __attribute__((unused))
#else
#  ifndef PV_LIKELY
#    define PV_LIKELY(x) (x)
#  endif
#  ifndef PV_UNLIKELY
#    define PV_UNLIKELY(x) (x)
#  endif
#  if defined(_MSC_VER)
#    define PV__COLD __declspec(noinline)
#  else
#    define PV__COLD
#  endif
#  define PV__UNUSED
#endif

/* Private: in C++, refuse element types the vector cannot move as bytes
 * (it copies with memcpy and moves pages with mremap). */
#ifdef __cplusplus
#  include <type_traits>
#  define PV__TYPED_CHECK(name)                                                \
    static_assert(std::is_trivially_copyable<name##_elem>::value,             \
                  "PV_VEC_DEFINE: the element type must be trivially "        \
                  "copyable: the vector moves it as bytes");
#else
#  define PV__TYPED_CHECK(name)
#endif

/* Private: 0 when the code including this header is built with
 * AddressSanitizer (PV__ASAN, common.h).  The library then keeps the bytes
 * past len poisoned, so push, push_slot and pop, which write or release
 * the slot past len, always go through it (an inline store there would be
 * reported). */
#define PV__TYPED_INLINE (!PV__ASAN)

/* Private: the generic vector of a typed one, NULL for NULL (so that the
 * generic function reports PV_EINVAL); keeps the constness of `a`. */
#define PV__TYPED_VEC(a) ((a) != NULL ? &(a)->v : NULL)

/* Private: true when the inline paths may write into the vector (pv_room
 * is the capacity while writable and 0 while frozen). */
#define PV__TYPED_WRITABLE(pv) ((pv)->pv_room != 0u)

#define PV_VEC_DEFINE(name, T)                                                 \
  typedef struct name {                                                        \
    pv_vec v;                                                                  \
  } name;                                                                      \
  typedef T name##_elem;                                                       \
  PV__TYPED_CHECK(name)                                                        \
                                                                               \
  static inline PV__UNUSED int name##_init(name *pv_a) {                       \
    return pv_vec_init(PV__TYPED_VEC(pv_a), sizeof(name##_elem));              \
  }                                                                            \
  static inline PV__UNUSED int name##_init_opts(name *pv_a,                    \
                                                const pv_vec_opts *pv_opts) {  \
    pv_vec_opts pv_o;                                                          \
    if (pv_opts == NULL)                                                       \
      return pv_vec_init_opts(PV__TYPED_VEC(pv_a), NULL);                      \
    if (pv_opts->elem_size != 0 && pv_opts->elem_size != sizeof(name##_elem))  \
      return PV_EINVAL;                                                        \
    pv_o = *pv_opts;                                                           \
    pv_o.elem_size = sizeof(name##_elem);                                      \
    return pv_vec_init_opts(PV__TYPED_VEC(pv_a), &pv_o);                       \
  }                                                                            \
  static inline PV__UNUSED int name##_open(name *pv_a, const char *pv_path,    \
                                           const pv_vec_file_opts *pv_opts) {  \
    pv_vec_file_opts pv_o;                                                     \
    if (pv_opts == NULL)                                                       \
      return pv_vec_open(PV__TYPED_VEC(pv_a), pv_path, NULL);                  \
    if (pv_opts->elem_size != 0 && pv_opts->elem_size != sizeof(name##_elem))  \
      return PV_EINVAL;                                                        \
    pv_o = *pv_opts;                                                           \
    pv_o.elem_size = sizeof(name##_elem);                                      \
    return pv_vec_open(PV__TYPED_VEC(pv_a), pv_path, &pv_o);                   \
  }                                                                            \
  static inline PV__UNUSED int name##_destroy(name *pv_a) {                    \
    return pv_vec_destroy(PV__TYPED_VEC(pv_a));                                \
  }                                                                            \
                                                                               \
  /* The slow paths: out of line and cold, so that the inline callers stay     \
   * a compare and a store. They go through the generic function, which        \
   * grows the vector or reports the error. */                                 \
  static PV__COLD int name##_pv_push_slow(name *pv_a, name##_elem pv_x) {      \
    /* The function itself: vec.h's inline case was just tested here. */      \
    return (pv_vec_push)(PV__TYPED_VEC(pv_a), &pv_x);                          \
  }                                                                            \
  /* Room for one more element (geometric growth), or the error push         \
   * returns: pv_vec_reserve's codes are pv_vec_push's. */                     \
  static PV__COLD int name##_pv_push_grow(name *pv_a) {                        \
    return pv_vec_reserve(PV__TYPED_VEC(pv_a), 1u);                            \
  }                                                                            \
  static PV__COLD int name##_pv_push_slot_slow(name *pv_a,                     \
                                                name##_elem **pv_slot) {       \
    void *pv_p = NULL;                                                         \
    int pv_rc = pv_vec_push_slot(PV__TYPED_VEC(pv_a),                          \
                                 pv_slot != NULL ? &pv_p : NULL);              \
    if (pv_rc == 0)                                                            \
      *pv_slot = (name##_elem *)pv_p;                                          \
    return pv_rc;                                                              \
  }                                                                            \
                                                                               \
  static inline PV__UNUSED int name##_push(name *pv_a, name##_elem pv_x) {     \
    size_t pv_n;                                                               \
    name##_elem *pv_d;                                                         \
    if (!PV__TYPED_INLINE) return name##_pv_push_slow(pv_a, pv_x);             \
    if (PV_UNLIKELY(pv_a == NULL)) return name##_pv_push_grow(pv_a);           \
    /* data and len are read before the test, again only after a growth,       \
     * and data is used before the test (by the prefetch, which never faults;  \
     * its address an integer, as data may be NULL): a loop of pushes then     \
     * keeps both in registers.  Read after the test, data was loaded again    \
     * at every push (the growth call joins there) and each element store      \
     * waited for that load: 2.1x the time of a build of 10^8 on a Zen 1       \
     * host. */                                                                \
    pv_d = (name##_elem *)pv_a->v.data;                                        \
    pv_n = pv_a->v.len;                                                        \
    PV__PUSH_PREFETCH((uintptr_t)pv_d + pv_n * sizeof(name##_elem));           \
    if (PV_UNLIKELY(pv_n >= pv_a->v.pv_room)) {                                \
      int pv_rc = name##_pv_push_grow(pv_a);                                   \
      if (pv_rc != 0) return pv_rc;                                            \
      pv_d = (name##_elem *)pv_a->v.data;                                      \
      pv_n = pv_a->v.len;                                                      \
    }                                                                          \
    /* The element first and len last (a T may alias len), so len stays in   \
     * a register too, though it is stored at every push (a batch does        \
     * not). */                                                               \
    pv_d[pv_n] = pv_x;                                                         \
    pv_a->v.len = pv_n + 1u;                                                   \
    return 0;                                                                  \
  }                                                                            \
  static inline PV__UNUSED int name##_push_slot(name *pv_a,                    \
                                                name##_elem **pv_slot) {       \
    if (PV_LIKELY(PV__TYPED_INLINE && pv_a != NULL && pv_slot != NULL &&       \
                  pv_a->v.len < pv_a->v.pv_room)) {                            \
      *pv_slot = (name##_elem *)pv_a->v.data + pv_a->v.len++;                  \
      return 0;                                                                \
    }                                                                          \
    return name##_pv_push_slot_slow(pv_a, pv_slot);                            \
  }                                                                            \
  /* A batch of pushes: len, data and room in a local (see "Batches"). */    \
  typedef struct name##_batch {                                                \
    name *pv_a;                                                                \
    name##_elem *pv_data;                                                      \
    size_t pv_len;                                                             \
    size_t pv_room;                                                            \
  } name##_batch;                                                              \
  static inline PV__UNUSED name##_batch name##_batch_begin(name *pv_a) {       \
    name##_batch pv_b;                                                         \
    pv_b.pv_a = pv_a;                                                          \
    pv_b.pv_data = pv_a != NULL ? (name##_elem *)pv_a->v.data : NULL;          \
    pv_b.pv_len = pv_a != NULL ? pv_a->v.len : 0u;                             \
    pv_b.pv_room = pv_a != NULL ? pv_a->v.pv_room : 0u;                        \
    return pv_b;                                                               \
  }                                                                            \
  static inline PV__UNUSED int name##_batch_push(name##_batch *pv_b,           \
                                                 name##_elem pv_x) {           \
    name *pv_a;                                                                \
    int pv_rc;                                                                 \
    if (PV_LIKELY(PV__TYPED_INLINE && pv_b != NULL &&                          \
                  pv_b->pv_len < pv_b->pv_room)) {                             \
      pv_b->pv_data[pv_b->pv_len++] = pv_x;                                    \
      return 0;                                                                \
    }                                                                          \
    /* The vector learns len here, then pushes (growing or failing) in the    \
     * library; the batch reloads what the push left.  Only the vector's      \
     * address reaches the call, never the batch's: the batch stays in       \
     * registers through a loop of pushes. */                                 \
    if (pv_b == NULL || (pv_a = pv_b->pv_a) == NULL) return PV_EINVAL;        \
    pv_a->v.len = pv_b->pv_len;                                                \
    pv_rc = name##_pv_push_slow(pv_a, pv_x);                                   \
    pv_b->pv_data = (name##_elem *)pv_a->v.data;                               \
    pv_b->pv_len = pv_a->v.len;                                                \
    pv_b->pv_room = pv_a->v.pv_room;                                           \
    return pv_rc;                                                              \
  }                                                                            \
  static inline PV__UNUSED void name##_batch_end(name##_batch *pv_b) {         \
    if (pv_b == NULL || pv_b->pv_a == NULL) return;                           \
    pv_b->pv_a->v.len = pv_b->pv_len;                                          \
    pv_b->pv_a = NULL;                                                         \
    pv_b->pv_room = 0u;                                                        \
  }                                                                            \
  static inline PV__UNUSED int name##_pop(name *pv_a, name##_elem *pv_out) {   \
    if (PV_LIKELY(PV__TYPED_INLINE && pv_a != NULL && pv_a->v.len > 0 &&       \
                  PV__TYPED_WRITABLE(&pv_a->v))) {                             \
      pv_a->v.len--;                                                           \
      if (pv_out != NULL)                                                      \
        *pv_out = ((const name##_elem *)pv_a->v.data)[pv_a->v.len];            \
      return 0;                                                                \
    }                                                                          \
    return pv_vec_pop(PV__TYPED_VEC(pv_a), pv_out);                            \
  }                                                                            \
                                                                               \
  static inline PV__UNUSED name##_elem *name##_at(const name *pv_a,            \
                                                  size_t pv_i) {               \
    return pv_a != NULL && pv_i < pv_a->v.len                                  \
               ? (name##_elem *)pv_a->v.data + pv_i                            \
               : NULL;                                                         \
  }                                                                            \
  static inline PV__UNUSED int name##_get(const name *pv_a, size_t pv_i,       \
                                          name##_elem *pv_out) {               \
    if (PV_LIKELY(pv_a != NULL && pv_out != NULL && pv_i < pv_a->v.len)) {     \
      *pv_out = ((const name##_elem *)pv_a->v.data)[pv_i];                     \
      return 0;                                                                \
    }                                                                          \
    return pv_vec_get(PV__TYPED_VEC(pv_a), pv_i, pv_out);                      \
  }                                                                            \
  static inline PV__UNUSED int name##_set(name *pv_a, size_t pv_i,             \
                                          name##_elem pv_x) {                  \
    if (PV_LIKELY(pv_a != NULL && pv_i < pv_a->v.len &&                        \
                  PV__TYPED_WRITABLE(&pv_a->v))) {                             \
      ((name##_elem *)pv_a->v.data)[pv_i] = pv_x;                              \
      return 0;                                                                \
    }                                                                          \
    return pv_vec_set(PV__TYPED_VEC(pv_a), pv_i, &pv_x);                       \
  }                                                                            \
  static inline PV__UNUSED name##_elem *name##_data(const name *pv_a) {        \
    return pv_a != NULL ? (name##_elem *)pv_a->v.data : NULL;                  \
  }                                                                            \
  static inline PV__UNUSED size_t name##_len(const name *pv_a) {               \
    return pv_a != NULL ? pv_a->v.len : 0;                                     \
  }                                                                            \
  static inline PV__UNUSED size_t name##_cap(const name *pv_a) {               \
    return pv_a != NULL ? pv_a->v.cap : 0;                                     \
  }                                                                            \
                                                                               \
  static inline PV__UNUSED int name##_reserve(name *pv_a,                      \
                                              size_t pv_additional) {          \
    return pv_vec_reserve(PV__TYPED_VEC(pv_a), pv_additional);                 \
  }                                                                            \
  static inline PV__UNUSED int name##_reserve_exact(name *pv_a,                \
                                                    size_t pv_additional) {    \
    return pv_vec_reserve_exact(PV__TYPED_VEC(pv_a), pv_additional);           \
  }                                                                            \
  static inline PV__UNUSED int name##_append(name *pv_a,                       \
                                             const name##_elem *pv_elems,      \
                                             size_t pv_n) {                    \
    return pv_vec_append(PV__TYPED_VEC(pv_a), pv_elems, pv_n);                 \
  }                                                                            \
  static inline PV__UNUSED int name##_insert(name *pv_a, size_t pv_i,          \
                                             const name##_elem *pv_elems,      \
                                             size_t pv_n) {                    \
    return pv_vec_insert(PV__TYPED_VEC(pv_a), pv_i, pv_elems, pv_n);           \
  }                                                                            \
  static inline PV__UNUSED int name##_remove(name *pv_a, size_t pv_i,          \
                                             size_t pv_n,                      \
                                             name##_elem *pv_out) {            \
    return pv_vec_remove(PV__TYPED_VEC(pv_a), pv_i, pv_n, pv_out);             \
  }                                                                            \
  static inline PV__UNUSED int name##_swap_remove(name *pv_a, size_t pv_i,     \
                                                  name##_elem *pv_out) {       \
    return pv_vec_swap_remove(PV__TYPED_VEC(pv_a), pv_i, pv_out);              \
  }                                                                            \
  static inline PV__UNUSED int name##_resize(name *pv_a, size_t pv_n,          \
                                             const name##_elem *pv_fill) {     \
    return pv_vec_resize(PV__TYPED_VEC(pv_a), pv_n, pv_fill);                  \
  }                                                                            \
  static inline PV__UNUSED int name##_truncate(name *pv_a, size_t pv_n) {      \
    return pv_vec_truncate(PV__TYPED_VEC(pv_a), pv_n);                         \
  }                                                                            \
  static inline PV__UNUSED int name##_clear(name *pv_a) {                      \
    return pv_vec_clear(PV__TYPED_VEC(pv_a));                                  \
  }                                                                            \
  static inline PV__UNUSED int name##_shrink_to_fit(name *pv_a) {              \
    return pv_vec_shrink_to_fit(PV__TYPED_VEC(pv_a));                          \
  }                                                                            \
  static inline PV__UNUSED int name##_trim(name *pv_a) {                       \
    return pv_vec_trim(PV__TYPED_VEC(pv_a));                                   \
  }                                                                            \
                                                                               \
  static inline PV__UNUSED int name##_copy(name *pv_dst, const name *pv_src) { \
    return pv_vec_copy(PV__TYPED_VEC(pv_dst), PV__TYPED_VEC(pv_src));          \
  }                                                                            \
  static inline PV__UNUSED bool name##_equal(const name *pv_a,                 \
                                             const name *pv_b) {               \
    return pv_vec_equal(PV__TYPED_VEC(pv_a), PV__TYPED_VEC(pv_b));             \
  }                                                                            \
  static inline PV__UNUSED int name##_sort(                                    \
      name *pv_a, int (*pv_cmp)(const void *, const void *)) {                 \
    return pv_vec_sort(PV__TYPED_VEC(pv_a), pv_cmp);                           \
  }                                                                            \
  static inline PV__UNUSED int name##_bsearch(                                 \
      const name *pv_a, const name##_elem *pv_key,                             \
      int (*pv_cmp)(const void *, const void *), size_t *pv_index) {           \
    return pv_vec_bsearch(PV__TYPED_VEC(pv_a), pv_key, pv_cmp, pv_index);      \
  }                                                                            \
  static inline PV__UNUSED int name##_extend_uninit(name *pv_a, size_t pv_n,  \
                                                   name##_elem **pv_first) {  \
    void *pv_p = NULL;                                                        \
    int pv_rc = pv_vec_extend_uninit(PV__TYPED_VEC(pv_a), pv_n,               \
                                     pv_first != NULL ? &pv_p : NULL);        \
    if (pv_rc == 0)                                                           \
      *pv_first = (name##_elem *)pv_p;                                        \
    return pv_rc;                                                             \
  }                                                                           \
  static inline PV__UNUSED name##_elem *name##_spare(name *pv_a, size_t *pv_n) {\
    return (name##_elem *)pv_vec_spare(PV__TYPED_VEC(pv_a), pv_n);            \
  }                                                                           \
  static inline PV__UNUSED int name##_set_len(name *pv_a, size_t pv_len) {    \
    return pv_vec_set_len(PV__TYPED_VEC(pv_a), pv_len);                       \
  }                                                                           \
  static inline PV__UNUSED int name##_read_fd(name *pv_a, int pv_fd,          \
                                              size_t pv_max, size_t *pv_nread) {\
    return pv_vec_read_fd(PV__TYPED_VEC(pv_a), pv_fd, pv_max, pv_nread);      \
  }                                                                           \
  static inline PV__UNUSED int name##_read_file(name *pv_a, const char *pv_path) {\
    return pv_vec_read_file(PV__TYPED_VEC(pv_a), pv_path);                    \
  }                                                                           \
  static inline PV__UNUSED int name##_swap(name *pv_a, size_t pv_i, size_t pv_j) {\
    return pv_vec_swap(PV__TYPED_VEC(pv_a), pv_i, pv_j);                      \
  }                                                                           \
  static inline PV__UNUSED int name##_extend_from_within(name *pv_a,          \
                                                         size_t pv_i,         \
                                                         size_t pv_n) {       \
    return pv_vec_extend_from_within(PV__TYPED_VEC(pv_a), pv_i, pv_n);        \
  }                                                                           \
  static inline PV__UNUSED int name##_split_off(name *pv_a, size_t pv_at,     \
                                                name *pv_dst) {               \
    return pv_vec_split_off(PV__TYPED_VEC(pv_a), pv_at, PV__TYPED_VEC(pv_dst));\
  }                                                                           \
  static inline PV__UNUSED int name##_retain(                                 \
      name *pv_a, bool (*pv_keep)(const void *, void *), void *pv_ctx) {      \
    return pv_vec_retain(PV__TYPED_VEC(pv_a), pv_keep, pv_ctx);               \
  }                                                                           \
  static inline PV__UNUSED int name##_dedup(                                  \
      name *pv_a, int (*pv_cmp)(const void *, const void *, void *),          \
      void *pv_ctx) {                                                         \
    return pv_vec_dedup(PV__TYPED_VEC(pv_a), pv_cmp, pv_ctx);                 \
  }                                                                           \
  static inline PV__UNUSED int name##_shrink_to(name *pv_a, size_t pv_min) {  \
    return pv_vec_shrink_to(PV__TYPED_VEC(pv_a), pv_min);                     \
  }                                                                           \
  static inline PV__UNUSED name##_elem *name##_last(const name *pv_a) {       \
    return (name##_elem *)pv_vec_last(PV__TYPED_VEC(pv_a));                   \
  }                                                                           \
  static inline PV__UNUSED int name##_sort_r(                                 \
      name *pv_a, int (*pv_cmp)(const void *, const void *, void *),          \
      void *pv_ctx) {                                                         \
    return pv_vec_sort_r(PV__TYPED_VEC(pv_a), pv_cmp, pv_ctx);                \
  }                                                                           \
  static inline PV__UNUSED int name##_bsearch_r(                              \
      const name *pv_a, const name##_elem *pv_key,                            \
      int (*pv_cmp)(const void *, const void *, void *), void *pv_ctx,        \
      size_t *pv_index) {                                                     \
    return pv_vec_bsearch_r(PV__TYPED_VEC(pv_a), pv_key, pv_cmp, pv_ctx,      \
                            pv_index);                                        \
  }                                                                           \
  static inline PV__UNUSED int name##_freeze(name *pv_a) {                     \
    return pv_vec_freeze(PV__TYPED_VEC(pv_a));                                 \
  }                                                                            \
  static inline PV__UNUSED int name##_thaw(name *pv_a) {                       \
    return pv_vec_thaw(PV__TYPED_VEC(pv_a));                                   \
  }                                                                            \
  static inline PV__UNUSED bool name##_frozen(const name *pv_a) {              \
    return pv_vec_frozen(PV__TYPED_VEC(pv_a));                                 \
  }                                                                            \
  static inline PV__UNUSED int name##_advise(name *pv_a, pv_advice pv_adv) {   \
    return pv_vec_advise(PV__TYPED_VEC(pv_a), pv_adv);                         \
  }                                                                            \
  static inline PV__UNUSED int name##_resident(const name *pv_a,               \
                                               size_t *pv_bytes) {             \
    return pv_vec_resident(PV__TYPED_VEC(pv_a), pv_bytes);                     \
  }                                                                            \
  static inline PV__UNUSED int name##_populate(name *pv_a, unsigned pv_thr) {  \
    return pv_vec_populate(PV__TYPED_VEC(pv_a), pv_thr);                       \
  }                                                                            \
  /* Something for the user's semicolon to end (a stray ';' at file scope      \
   * is a -pedantic warning); a typedef, not a redeclaration, so that          \
   * -Wredundant-decls stays quiet. */                                         \
  typedef name name##_pv_self_

#endif /* PAGED_VEC_TYPED_H */
