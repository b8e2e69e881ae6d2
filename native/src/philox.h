// Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC 2011), the one C++ copy: the same bits as
// src/backend/philox.ts and the WGSL in src/backend/webgpu/random.ts. Element e of a call's stream is
// word e mod 4 of the block at counter (e / 4 low word, high word, 0, 0) under the call's 64-bit key.
// random.cc (dropout) and attention.cc (dropout inside the fused kernels) draw from it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "ops.h"
#include "vmath.h"

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

// 16 blocks side by side, one a vector lane: the rounds of different counters are independent, so
// they run as 16-lane integer multiplies (one AVX-512 register, two AVX2 or four SIMD128 ones).
typedef uint32_t PhiloxU32x16 __attribute__((vector_size(64)));
typedef uint64_t PhiloxU64x16 __attribute__((vector_size(128)));

// words[4·l + w] = word w of the block at counter first + l, for l < 16.
GS_INLINE void philox4x32_10_x16(uint64_t first, uint32_t k0, uint32_t k1, uint32_t* words) {
  PhiloxU64x16 ctr;
  for (int l = 0; l < 16; l++) ctr[l] = first + static_cast<uint64_t>(l);
  PhiloxU32x16 c0 = __builtin_convertvector(ctr, PhiloxU32x16);
  PhiloxU32x16 c1 = __builtin_convertvector(ctr >> 32, PhiloxU32x16);
  PhiloxU32x16 c2 = {}, c3 = {};
  for (int round = 0; round < 10; round++) {
    const PhiloxU64x16 p0 = __builtin_convertvector(c0, PhiloxU64x16) * uint64_t{PHILOX_M0};
    const PhiloxU64x16 p1 = __builtin_convertvector(c2, PhiloxU64x16) * uint64_t{PHILOX_M1};
    const PhiloxU32x16 n0 = __builtin_convertvector(p1 >> 32, PhiloxU32x16) ^ c1 ^ k0;
    const PhiloxU32x16 n2 = __builtin_convertvector(p0 >> 32, PhiloxU32x16) ^ c3 ^ k1;
    c1 = __builtin_convertvector(p1, PhiloxU32x16);
    c3 = __builtin_convertvector(p0, PhiloxU32x16);
    c0 = n0;
    c2 = n2;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  for (int l = 0; l < 16; l++) {
    words[4 * l] = c0[l];
    words[4 * l + 1] = c1[l];
    words[4 * l + 2] = c2[l];
    words[4 * l + 3] = c3[l];
  }
}

// bits[k] = element first + k of the stream under (k0, k1), for k < n: 64 elements per 16-lane call.
GS_INLINE void philox_elements(uint64_t first, int64_t n, uint32_t k0, uint32_t k1, uint32_t* bits) {
  uint32_t words[64];
  uint64_t block = first / 4;
  int64_t skip = static_cast<int64_t>(first % 4), done = 0;
  while (done < n) {
    philox4x32_10_x16(block, k0, k1, words);
    const int64_t take = std::min<int64_t>(64 - skip, n - done);
    std::memcpy(bits + done, words + skip, static_cast<size_t>(take) * sizeof(uint32_t));
    done += take;
    skip = 0;
    block += 16;
  }
}

// A kernel's scalar slot as an unsigned 32-bit integer (a key word or a threshold).
inline bool as_u32(double v, uint32_t* out) {
  int64_t c;
  if (!as_count(v, &c) || c > 0xffffffffLL) return false;
  *out = static_cast<uint32_t>(c);
  return true;
}

}  // namespace gs
