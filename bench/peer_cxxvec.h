// bench/peer_cxxvec.h - a C++ vector class's push_back, run by the same
// bodies as every other peer: bench/bodies.h is C that also compiles as
// C++, and the operations below are inline, so push_back inlines into the
// loop exactly as it would in a C++ program.  Included by one small file
// per vector class (peer_stdvector.cc: std::vector of libstdc++;
// peer_boostvec.cc: boost::container::vector), which first defines
//   PVB_CXX_VEC        the class template (std::vector)
//   PVB_CXX_NAME       the peer's name ("stdvec")
//   PVB_CXX_REGISTER   the name of its registration function
//
// These are the C++ files of the suite besides the harness adapter, and the
// only reason for them: a C++ vector cannot be used from C without a call
// per push, which would measure the call rather than the vector.  The
// harness adapter (harness_gbench.cc) stays the one file that knows Google
// Benchmark.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <new>

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
  alignas(PVB_CXX_VEC<T>) unsigned char raw[sizeof(PVB_CXX_VEC<T>)];
  PVB_CXX_VEC<T> &get() { return *PVB_LAUNDER(reinterpret_cast<PVB_CXX_VEC<T> *>(raw)); }
  const PVB_CXX_VEC<T> &get() const {
    return *PVB_LAUNDER(reinterpret_cast<const PVB_CXX_VEC<T> *>(raw));
  }
};

}  // namespace

typedef Slot<uint64_t> peer_vec;
typedef Slot<pvb_e24> peer_vec24;

static inline void peer_setup(const void *, size_t) {}

// The class throws std::bad_alloc instead of returning an error: push
// returns it as a failure (the largest-vector workload pushes until it
// comes); elsewhere a benchmark that runs out of memory ends the process,
// which is as loud.
static inline int peer_init(peer_vec *v, const void *, size_t) {
  new (v->raw) PVB_CXX_VEC<uint64_t>();
  return 0;
}
static inline void peer_destroy(peer_vec *v) {
  using V = PVB_CXX_VEC<uint64_t>;
  v->get().~V();
}
// push_back's bad_alloc is the peer's failure (the largest-vector workload
// pushes until it comes).
static inline int peer_push(peer_vec *v, uint64_t x) {
  try {
    v->get().push_back(x);
  } catch (const std::bad_alloc &) {
    return -1;
  }
  return 0;
}
static inline uint64_t *peer_data(peer_vec *v) { return v->get().data(); }
static inline size_t peer_len(const peer_vec *v) { return v->get().size(); }

#define PVB_HAS_APPEND 1
static inline int peer_append(peer_vec *v, const uint64_t *src, size_t n) {
  PVB_CXX_VEC<uint64_t> &a = v->get();
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
  PVB_CXX_VEC<uint64_t> &a = v->get();
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
  PVB_CXX_VEC<uint64_t> &a = v->get();
  if (n < a.size()) a.resize(n);
  return 0;
}
static inline int peer_shrink(peer_vec *v) {
  v->get().shrink_to_fit();
  return 0;
}

#define PVB_HAS_E24 1
static inline int peer24_init(peer_vec24 *v, const void *, size_t) {
  new (v->raw) PVB_CXX_VEC<pvb_e24>();
  return 0;
}
static inline int peer24_push(peer_vec24 *v, pvb_e24 x) {
  v->get().push_back(x);
  return 0;
}
static inline pvb_e24 *peer24_data(peer_vec24 *v) { return v->get().data(); }
static inline void peer24_destroy(peer_vec24 *v) {
  using V = PVB_CXX_VEC<pvb_e24>;
  v->get().~V();
}

#define PVB_WANT_OPS 1
#include "bodies.h"

PVB_REGISTER_FN(PVB_CXX_REGISTER) {
  pvb_register_peer(PVB_CXX_NAME, nullptr, PVB_W_ALL & ~PVB_W_TRIM);
  pvb_method(PVB_CXX_NAME, &pvb_peer_ops, nullptr, 0);
}
