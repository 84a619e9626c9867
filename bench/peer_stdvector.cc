// bench/peer_stdvector.cc - std::vector<T>::push_back (libstdc++), run by
// the same bodies as every other peer: bench/bodies.h is C that also
// compiles as C++, and the operations below are inline, so push_back
// inlines into the loop exactly as it would in a C++ program.
//
// This is the second C++ file of the suite, and the only reason for it:
// std::vector cannot be used from C without a call per push, which would
// measure the call rather than the vector.  The harness adapter
// (harness_gbench.cc) stays the one file that knows Google Benchmark.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "peer.h"

namespace {

// The vector lives in raw storage inside the C-style struct the bodies
// declare, constructed by peer_init and destroyed by peer_destroy, so that
// the bodies' init/destroy pairs map onto its lifetime.
// std::launder is C++17; clang before 16 compiles C++14 by default, where
// the plain cast is what code did.
#if __cplusplus >= 201703L
#  define PVB_LAUNDER(p) std::launder(p)
#else
#  define PVB_LAUNDER(p) (p)
#endif
template <typename T>
struct Slot {
  alignas(std::vector<T>) unsigned char raw[sizeof(std::vector<T>)];
  std::vector<T> &get() { return *PVB_LAUNDER(reinterpret_cast<std::vector<T> *>(raw)); }
  const std::vector<T> &get() const {
    return *PVB_LAUNDER(reinterpret_cast<const std::vector<T> *>(raw));
  }
};

}  // namespace

typedef Slot<uint64_t> peer_vec;
typedef Slot<pvb_e24> peer_vec24;

static inline void peer_setup(const void *, size_t) {}

// std::vector throws std::bad_alloc instead of returning an error; a
// benchmark that runs out of memory ends the process, which is as loud.
static inline int peer_init(peer_vec *v, const void *, size_t) {
  new (v->raw) std::vector<uint64_t>();
  return 0;
}
static inline void peer_destroy(peer_vec *v) {
  using V = std::vector<uint64_t>;
  v->get().~V();
}
static inline int peer_push(peer_vec *v, uint64_t x) {
  v->get().push_back(x);
  return 0;
}
static inline uint64_t *peer_data(peer_vec *v) { return v->get().data(); }
static inline size_t peer_len(const peer_vec *v) { return v->get().size(); }

#define PVB_HAS_APPEND 1
static inline int peer_append(peer_vec *v, const uint64_t *src, size_t n) {
  std::vector<uint64_t> &a = v->get();
  a.insert(a.end(), src, src + n);
  return 0;
}

#define PVB_HAS_RESERVE 1
static inline int peer_reserve(peer_vec *v, size_t n) {
  v->get().reserve(n);
  return 0;
}

#define PVB_HAS_READ 1
static inline uint64_t peer_get(const peer_vec *v, size_t i) { return v->get()[i]; }

#define PVB_HAS_INSERT 1
static inline int peer_insert_front(peer_vec *v, uint64_t x) {
  std::vector<uint64_t> &a = v->get();
  a.insert(a.begin(), x);
  return 0;
}

#define PVB_HAS_COPY 1
static inline int peer_copy(peer_vec *dst, const peer_vec *src) {
  dst->get() = src->get();
  return 0;
}

#define PVB_HAS_SHRINK 1
static inline int peer_truncate(peer_vec *v, size_t n) {
  std::vector<uint64_t> &a = v->get();
  if (n < a.size()) a.resize(n);
  return 0;
}
static inline int peer_shrink(peer_vec *v) {
  v->get().shrink_to_fit();
  return 0;
}

#define PVB_HAS_E24 1
static inline int peer24_init(peer_vec24 *v, const void *, size_t) {
  new (v->raw) std::vector<pvb_e24>();
  return 0;
}
static inline int peer24_push(peer_vec24 *v, pvb_e24 x) {
  v->get().push_back(x);
  return 0;
}
static inline pvb_e24 *peer24_data(peer_vec24 *v) { return v->get().data(); }
static inline void peer24_destroy(peer_vec24 *v) {
  using V = std::vector<pvb_e24>;
  v->get().~V();
}

#include "bodies.h"

PVB_REGISTER_FN(stdvector_register) {
  pvb_register_peer("stdvec", nullptr, PVB_W_ALL & ~PVB_W_TRIM);
}
