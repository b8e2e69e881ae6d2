// Counter-based random kernels on Philox4x32-10 (philox.h): element i of a call is word i mod 4 of the
// block at counter (i / 4 low word, high word, 0, 0) under the call's 64-bit key.
#include <algorithm>
#include <cstring>

#include "isa.h"
#include "ops.h"
#include "philox.h"
#include "pool.h"
#include "vmath.h"

#define GS_PRAGMA(x) _Pragma(#x)
#define GS_UNROLL(N) GS_PRAGMA(GCC unroll N)

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define GS_PHILOX_X86 1
// The intrinsics' own sets (as gemm_x86.cc): clang ignores isa.h's attribute, which names a GCC tuning.
#define GS_PHILOX_AVX2 __attribute__((target("avx2")))
#define GS_PHILOX_AVX512 __attribute__((target("avx512f,avx2")))
#endif

namespace gs {
namespace {

// Elements [4·b, 4·e) of out (blocks b to e), 256 draws at a time.
template <typename T>
void dropout_range(const T* x, T* out, int64_t n, int64_t b, int64_t e, uint32_t k0, uint32_t k1,
                   uint32_t threshold, T scale) {
  uint32_t bits[256];
  const int64_t end = std::min<int64_t>(4 * e, n);
  for (int64_t i0 = 4 * b; i0 < end; i0 += 256) {
    const int64_t m = std::min<int64_t>(256, end - i0);
    philox_elements(static_cast<uint64_t>(i0), m, k0, k1, bits);
    for (int64_t j = 0; j < m; j++) out[i0 + j] = x[i0 + j] * (bits[j] >= threshold ? scale : T(0));
  }
}

template <typename T>
void dropout_all(const Arr& x, const Arr& out, uint32_t k0, uint32_t k1, uint32_t threshold, double scale) {
  const T* X = static_cast<const T*>(x.p);
  T* O = static_cast<T*>(out.p);
  const int64_t n = x.len, blocks = (n + 3) / 4;
  const T s = static_cast<T>(scale);
  // Each block's bits depend on its counter alone, so any split over threads gives the same result.
  parallel_for(blocks, 2048, [&](int64_t b, int64_t e) { dropout_range(X, O, n, b, e, k0, k1, threshold, s); });
}

// philox_elements one block at a time: the reference, and the build for CPUs without AVX2 (and wasm).
void elements_generic(uint64_t first, int64_t n, uint32_t k0, uint32_t k1, uint32_t* bits) {
  int64_t done = 0;
  for (uint64_t e = first; done < n; e = first + static_cast<uint64_t>(done)) {
    const PhiloxBlock r = philox4x32_10(e / 4, k0, k1);
    for (uint64_t w = e % 4; w < 4 && done < n; w++) bits[done++] = r.w[w];
  }
}

#ifdef GS_PHILOX_X86
// Blocks in 64-bit lanes, one block a lane: a 32×32→64 multiply (vpmuludq, which reads each lane's low
// word) gives a round's high and low products at once. The lanes' high words carry garbage that no
// multiply reads and the output drops. G vectors go through the rounds together: one alone would wait
// on each multiply's latency.
//
// Each ISA's vector of 64-bit lanes: LANES counters from a first one, the helpers of the rounds, and the
// store of LANES blocks' words in counter order from (word 0 | word 1 << 32, word 2 | word 3 << 32).
struct Avx512Ops {
  using V = __m512i;
  static constexpr int LANES = 8;
  GS_PHILOX_AVX512 static V set1(uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }
  GS_PHILOX_AVX512 static V counters(uint64_t first) {
    return _mm512_add_epi64(set1(first), _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
  }
  GS_PHILOX_AVX512 static V mul(V a, V b) { return _mm512_mul_epu32(a, b); }
  // The high words moved to the low ones by a shuffle (port 5), leaving the shift port to the multiplies.
  GS_PHILOX_AVX512 static V hi(V a) { return _mm512_shuffle_epi32(a, _MM_PERM_CDAB); }
  GS_PHILOX_AVX512 static V x(V a, V b) { return _mm512_xor_si512(a, b); }
  GS_PHILOX_AVX512 static V pack(V lo, V hi) {
    return _mm512_or_si512(_mm512_and_si512(lo, set1(0xffffffffu)), _mm512_slli_epi64(hi, 32));
  }
  GS_PHILOX_AVX512 static void store(uint32_t* words, V w01, V w23) {
    _mm512_storeu_si512(words, _mm512_permutex2var_epi64(w01, _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0), w23));
    _mm512_storeu_si512(words + 16,
                        _mm512_permutex2var_epi64(w01, _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4), w23));
  }
};
struct Avx2Ops {
  using V = __m256i;
  static constexpr int LANES = 4;
  GS_PHILOX_AVX2 static V set1(uint64_t v) { return _mm256_set1_epi64x(static_cast<long long>(v)); }
  GS_PHILOX_AVX2 static V counters(uint64_t first) { return _mm256_add_epi64(set1(first), _mm256_set_epi64x(3, 2, 1, 0)); }
  GS_PHILOX_AVX2 static V mul(V a, V b) { return _mm256_mul_epu32(a, b); }
  GS_PHILOX_AVX2 static V hi(V a) { return _mm256_shuffle_epi32(a, 0xb1); }
  GS_PHILOX_AVX2 static V x(V a, V b) { return _mm256_xor_si256(a, b); }
  GS_PHILOX_AVX2 static V pack(V lo, V hi) {
    return _mm256_or_si256(_mm256_and_si256(lo, set1(0xffffffffu)), _mm256_slli_epi64(hi, 32));
  }
  GS_PHILOX_AVX2 static void store(uint32_t* words, V w01, V w23) {
    const V a = _mm256_unpacklo_epi64(w01, w23), b = _mm256_unpackhi_epi64(w01, w23);  // blocks 0, 2 | 1, 3
    _mm256_storeu_si256(reinterpret_cast<V*>(words), _mm256_permute2x128_si256(a, b, 0x20));
    _mm256_storeu_si256(reinterpret_cast<V*>(words + 8), _mm256_permute2x128_si256(a, b, 0x31));
  }
};

constexpr int G = 4;  // vectors in flight

// NAME(block, k0, k1, words): G·LANES blocks from `block` into words[0..4·G·LANES), with OPS' vectors.
// A macro rather than a template, so that the whole body carries ATTR (clang wants it where the
// vectors are passed).
#define GS_PHILOX_BLOCKS(NAME, ATTR, OPS)                                                 \
  ATTR void NAME(uint64_t block, uint32_t k0, uint32_t k1, uint32_t* words) {             \
    using V = OPS::V;                                                                     \
    V c0[G], c1[G], c2[G], c3[G];                                                         \
    for (int g = 0; g < G; g++) {                                                         \
      c0[g] = OPS::counters(block + static_cast<uint64_t>(OPS::LANES * g));               \
      c1[g] = OPS::hi(c0[g]);                                                             \
      c2[g] = c3[g] = OPS::set1(0);                                                       \
    }                                                                                     \
    const V m0 = OPS::set1(PHILOX_M0), m1 = OPS::set1(PHILOX_M1);                         \
    for (int round = 0; round < 10; round++) {                                            \
      const V key0 = OPS::set1(k0), key1 = OPS::set1(k1);                                 \
      GS_UNROLL(4)                                                                        \
      for (int g = 0; g < G; g++) {                                                       \
        const V p0 = OPS::mul(c0[g], m0), p1 = OPS::mul(c2[g], m1);                       \
        c0[g] = OPS::x(OPS::x(OPS::hi(p1), c1[g]), key0);                                 \
        c2[g] = OPS::x(OPS::x(OPS::hi(p0), c3[g]), key1);                                 \
        c1[g] = p1;                                                                       \
        c3[g] = p0;                                                                       \
      }                                                                                   \
      k0 += PHILOX_W0;                                                                    \
      k1 += PHILOX_W1;                                                                    \
    }                                                                                     \
    for (int g = 0; g < G; g++)                                                           \
      OPS::store(words + 4 * OPS::LANES * g, OPS::pack(c0[g], c1[g]), OPS::pack(c2[g], c3[g])); \
  }

GS_PHILOX_BLOCKS(blocks_avx512, GS_PHILOX_AVX512, Avx512Ops)
GS_PHILOX_BLOCKS(blocks_avx2, GS_PHILOX_AVX2, Avx2Ops)

// philox_elements from whole groups of BLOCKS blocks (any elements before first or after n dropped).
template <int BLOCKS, void (*GROUP)(uint64_t, uint32_t, uint32_t, uint32_t*)>
GS_INLINE void elements_by_groups(uint64_t first, int64_t n, uint32_t k0, uint32_t k1, uint32_t* bits) {
  alignas(64) uint32_t words[4 * BLOCKS];
  uint64_t block = first / 4;
  int64_t skip = static_cast<int64_t>(first % 4), done = 0;
  while (done < n) {
    GROUP(block, k0, k1, words);
    const int64_t take = std::min<int64_t>(4 * BLOCKS - skip, n - done);
    std::memcpy(bits + done, words + skip, static_cast<size_t>(take) * sizeof(uint32_t));
    done += take;
    skip = 0;
    block += BLOCKS;
  }
}

GS_PHILOX_AVX512 void elements_avx512(uint64_t first, int64_t n, uint32_t k0, uint32_t k1, uint32_t* bits) {
  elements_by_groups<8 * G, blocks_avx512>(first, n, k0, k1, bits);
}
GS_PHILOX_AVX2 void elements_avx2(uint64_t first, int64_t n, uint32_t k0, uint32_t k1, uint32_t* bits) {
  elements_by_groups<4 * G, blocks_avx2>(first, n, k0, k1, bits);
}
#endif

}  // namespace

void philox_elements(uint64_t first, int64_t n, uint32_t k0, uint32_t k1, uint32_t* bits) {
#ifdef GS_PHILOX_X86
  static const Isa isa = cpu_isa();
  if (isa == Isa::Avx512)
    elements_avx512(first, n, k0, k1, bits);
  else if (isa == Isa::Avx2)
    elements_avx2(first, n, k0, k1, bits);
  else
    elements_generic(first, n, k0, k1, bits);
#else
  elements_generic(first, n, k0, k1, bits);
#endif
}

bool k_dropout(const Arr& x, const Arr& out, const double* sc, int64_t sclen) {
  uint32_t k0, k1, threshold;
  if (sclen < 4 || !as_u32(sc[0], &k0) || !as_u32(sc[1], &k1) || !as_u32(sc[2], &threshold)) return false;
  if (x.kind != out.kind || x.len != out.len) return false;
  if (x.kind == F32)
    dropout_all<float>(x, out, k0, k1, threshold, sc[3]);
  else if (x.kind == F64)
    dropout_all<double>(x, out, k0, k1, threshold, sc[3]);
  else
    return false;
  return true;
}

}  // namespace gs
