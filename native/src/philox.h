// Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC 2011), the one C++ copy: the same bits as
// src/backend/philox.ts and the WGSL in src/backend/webgpu/random.ts. Element e of a call's stream is
// word e mod 4 of the block at counter (e / 4 low word, high word, 0, 0) under the call's 64-bit key.
// random.cc (dropout) and attention.cc (dropout inside the fused kernels) draw from it.
#pragma once
#include <cstdint>

#include "ops.h"

namespace gs {

struct PhiloxBlock {
  uint32_t w[4];
};

constexpr uint32_t PHILOX_M0 = 0xd2511f53u, PHILOX_M1 = 0xcd9e8d57u;
constexpr uint32_t PHILOX_W0 = 0x9e3779b9u, PHILOX_W1 = 0xbb67ae85u;

inline PhiloxBlock philox4x32_10(uint64_t block, uint32_t k0, uint32_t k1) {
  uint32_t c0 = static_cast<uint32_t>(block), c1 = static_cast<uint32_t>(block >> 32), c2 = 0, c3 = 0;
  for (int round = 0; round < 10; round++) {
    const uint64_t p0 = uint64_t{PHILOX_M0} * c0;
    const uint64_t p1 = uint64_t{PHILOX_M1} * c2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(p1);
    c3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c2 = n2;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  return PhiloxBlock{{c0, c1, c2, c3}};
}

// bits[k] = element first + k of the stream under (k0, k1), for k < n. Vectorised for this CPU
// (random.cc: eight or four blocks a vector, AVX-512 or AVX2; one block at a time elsewhere).
void philox_elements(uint64_t first, int64_t n, uint32_t k0, uint32_t k1, uint32_t* bits);

// A kernel's scalar slot as an unsigned 32-bit integer (a key word or a threshold).
inline bool as_u32(double v, uint32_t* out) {
  int64_t c;
  if (!as_count(v, &c) || c > 0xffffffffLL) return false;
  *out = static_cast<uint32_t>(c);
  return true;
}

}  // namespace gs
