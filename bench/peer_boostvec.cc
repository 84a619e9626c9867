// bench/peer_boostvec.cc - boost::container::vector<T>::push_back
// (Boost.Container, header-only), peer "boostvec": the operations are in
// bench/peer_cxxvec.h.  Beside std::vector because it grows by a different
// factor (1.6 by default, against libstdc++'s 2) and can expand in place.
#include <boost/container/vector.hpp>

#define PVB_CXX_VEC boost::container::vector
#define PVB_CXX_NAME "boostvec"
#define PVB_CXX_REGISTER boostvec_register
#include "peer_cxxvec.h"
