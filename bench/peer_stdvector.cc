// bench/peer_stdvector.cc - std::vector<T>::push_back (libstdc++), peer
// "stdvec": the operations are in bench/peer_cxxvec.h.
#include <vector>

#define PVB_CXX_VEC std::vector
#define PVB_CXX_NAME "stdvec"
#define PVB_CXX_REGISTER stdvector_register
#include "peer_cxxvec.h"
