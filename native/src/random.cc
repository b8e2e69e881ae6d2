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
// on each multiply's latency. Each ISA's group function writes its blocks' words in counter order.
template <int G, class V, class Ops>
GS_INLINE void philox_rounds(V (&c0)[G], V (&c1)[G], V (&c2)[G], V (&c3)[G], uint32_t k0, uint32_t k1) {
  const V m0 = Ops::set1(PHILOX_M0), m1 = Ops::set1(PHILOX_M1);
  for (int round = 0; round < 10; round++) {
    const V key0 = Ops::set1(k0), key1 = Ops::set1(k1);
    GS_UNROLL(4)
    for (int g = 0; g < G; g++) {
      const V p0 = Ops::mul(c0[g], m0), p1 = Ops::mul(c2[g], m1);
      c0[g] = Ops::x(Ops::x(Ops::hi(p1), c1[g]), key0);
      c2[g] = Ops::x(Ops::x(Ops::hi(p0), c3[g]), key1);
      c1[g] = p1;
      c3[g] = p0;
    }
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
}

struct Avx512Ops {
  GS_ISA_ATTR_AVX512 static __m512i set1(uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }
  GS_ISA_ATTR_AVX512 static __m512i mul(__m512i a, __m512i b) { return _mm512_mul_epu32(a, b); }
  // The high words moved to the low ones by a shuffle (port 5), leaving the shift port to the multiplies.
  GS_ISA_ATTR_AVX512 static __m512i hi(__m512i a) { return _mm512_shuffle_epi32(a, _MM_PERM_CDAB); }
  GS_ISA_ATTR_AVX512 static __m512i x(__m512i a, __m512i b) { return _mm512_xor_si512(a, b); }
};
struct Avx2Ops {
  GS_ISA_ATTR_AVX2 static __m256i set1(uint64_t v) { return _mm256_set1_epi64x(static_cast<long long>(v)); }
  GS_ISA_ATTR_AVX2 static __m256i mul(__m256i a, __m256i b) { return _mm256_mul_epu32(a, b); }
  GS_ISA_ATTR_AVX2 static __m256i hi(__m256i a) { return _mm256_shuffle_epi32(a, 0xb1); }
  GS_ISA_ATTR_AVX2 static __m256i x(__m256i a, __m256i b) { return _mm256_xor_si256(a, b); }
};

constexpr int G = 4;  // vectors in flight

// 8·G blocks from `block` into words[0..32·G).
GS_ISA_ATTR_AVX512 void blocks_avx512(uint64_t block, uint32_t k0, uint32_t k1, uint32_t* words) {
  __m512i c0[G], c1[G], c2[G], c3[G];
  for (int g = 0; g < G; g++) {
    c0[g] = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(block + 8 * g)),
                             _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
    c1[g] = _mm512_srli_epi64(c0[g], 32);
    c2[g] = c3[g] = _mm512_setzero_si512();
  }
  philox_rounds<G, __m512i, Avx512Ops>(c0, c1, c2, c3, k0, k1);
  const __m512i lo = _mm512_set1_epi64(0xffffffffLL);
  for (int g = 0; g < G; g++) {
    const __m512i w01 = _mm512_or_si512(_mm512_and_si512(c0[g], lo), _mm512_slli_epi64(c1[g], 32));
    const __m512i w23 = _mm512_or_si512(_mm512_and_si512(c2[g], lo), _mm512_slli_epi64(c3[g], 32));
    uint32_t* w = words + 32 * g;
    _mm512_storeu_si512(w, _mm512_permutex2var_epi64(w01, _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0), w23));
    _mm512_storeu_si512(w + 16, _mm512_permutex2var_epi64(w01, _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4), w23));
  }
}

// 4·G blocks from `block` into words[0..16·G).
GS_ISA_ATTR_AVX2 void blocks_avx2(uint64_t block, uint32_t k0, uint32_t k1, uint32_t* words) {
  __m256i c0[G], c1[G], c2[G], c3[G];
  for (int g = 0; g < G; g++) {
    c0[g] = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(block + 4 * g)), _mm256_set_epi64x(3, 2, 1, 0));
    c1[g] = _mm256_srli_epi64(c0[g], 32);
    c2[g] = c3[g] = _mm256_setzero_si256();
  }
  philox_rounds<G, __m256i, Avx2Ops>(c0, c1, c2, c3, k0, k1);
  const __m256i lo = _mm256_set1_epi64x(0xffffffffLL);
  for (int g = 0; g < G; g++) {
    const __m256i w01 = _mm256_or_si256(_mm256_and_si256(c0[g], lo), _mm256_slli_epi64(c1[g], 32));
    const __m256i w23 = _mm256_or_si256(_mm256_and_si256(c2[g], lo), _mm256_slli_epi64(c3[g], 32));
    const __m256i a = _mm256_unpacklo_epi64(w01, w23), b = _mm256_unpackhi_epi64(w01, w23);  // blocks 0, 2 | 1, 3
    __m256i* w = reinterpret_cast<__m256i*>(words + 16 * g);
    _mm256_storeu_si256(w, _mm256_permute2x128_si256(a, b, 0x20));
    _mm256_storeu_si256(w + 1, _mm256_permute2x128_si256(a, b, 0x31));
  }
}

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

GS_ISA_ATTR_AVX512 void elements_avx512(uint64_t first, int64_t n, uint32_t k0, uint32_t k1, uint32_t* bits) {
  elements_by_groups<8 * G, blocks_avx512>(first, n, k0, k1, bits);
}
GS_ISA_ATTR_AVX2 void elements_avx2(uint64_t first, int64_t n, uint32_t k0, uint32_t k1, uint32_t* bits) {
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
