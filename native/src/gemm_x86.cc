// x86 micro-kernels, compiled for AVX2+FMA and AVX-512 with target attributes and chosen at run time,
// so the addon itself stays portable x86-64.
#include "gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <cstring>

#define GS_AVX2 __attribute__((target("avx2,fma")))
#define GS_AVX512 __attribute__((target("avx512f,avx2,fma")))

// One register-blocked kernel body: MR (<= 12) rows × NV vectors of W lanes, accumulators in
// registers. Element (r, p) of the A panel is A[r·ARS + p·ACS]: a packed panel has ARS = 1 and ACS = AS
// values per p (AS > MR: a short kernel on a panel packed for AS rows); op(A) read in place has
// ARS = lda and ACS = 1. Rows are addressed from four bases, 3·ARS apart (row r at base r/3 plus
// (r%3)·ARS, an x86 base + index·scale operand), so that in place needs no more registers than x86
// has; a packed panel (ARS = 1) keeps one. The B panel's rows are BRS apart: NV·W packed, ldb in place
// (then LOAD is an unaligned load). VEC/ZERO/LOAD/LOADU/STOREU/BCAST/FMA/ADD name the intrinsics of the
// instruction set.
#define GS_KERNEL_BODY(T, MR, NV, W, ARS, ACS, BRS, VEC, ZERO, LOAD, LOADU, STOREU, BCAST, FMA, ADD) \
  {                                                                                      \
    VEC acc[MR][NV];                                                                     \
    _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++)                                \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] = ZERO();         \
    /* prefetch the C tile (first and last element of each row) while the loop runs */   \
    _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++) {                              \
      _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc), _MM_HINT_T0);             \
      _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc + NV * W - 1), _MM_HINT_T0);  \
    }                                                                                    \
    const T* a0 = A;                                                                     \
    const T* a3 = A + 3 * (ARS);                                                         \
    const T* a6 = A + 6 * (ARS);                                                         \
    const T* a9 = A + 9 * (ARS);                                                         \
    _Pragma("GCC unroll 4") for (int64_t p = 0; p < kc; p++) {                           \
      VEC b[NV];                                                                         \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) b[v] = LOAD(B + v * W);       \
      const T* base[4] = {a0, a3, a6, a9};                                               \
      _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++) {                            \
        VEC a = BCAST((ARS) == 1 ? a0 + r : base[r / 3] + (r % 3) * (ARS));              \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) acc[r][v] =                 \
            FMA(a, b[v], acc[r][v]);                                                     \
      }                                                                                  \
      a0 += ACS, a3 += ACS, a6 += ACS, a9 += ACS;                                        \
      B += BRS;                                                                          \
    }                                                                                    \
    if (beta) {                                                                          \
      _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++)                              \
          _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++) {                         \
        T* c = C + r * ldc + v * W;                                                      \
        STOREU(c, ADD(LOADU(c), acc[r][v]));                                             \
      }                                                                                  \
    } else {                                                                             \
      _Pragma("GCC unroll 16") for (int r = 0; r < MR; r++)                              \
          _Pragma("GCC unroll 4") for (int v = 0; v < NV; v++)                           \
              STOREU(C + r * ldc + v * W, acc[r][v]);                                    \
    }                                                                                    \
  }

namespace gs {
namespace {

GS_AVX2 inline __m256 bcast8f(const float* p) { return _mm256_broadcast_ss(p); }
GS_AVX2 inline __m256d bcast4d(const double* p) { return _mm256_broadcast_sd(p); }
GS_AVX512 inline __m512 bcast16f(const float* p) { return _mm512_set1_ps(*p); }
GS_AVX512 inline __m512d bcast8d(const double* p) { return _mm512_set1_pd(*p); }

template <int MR, int NV, int AS = MR>
GS_AVX2 void dgemm_avx2(int64_t kc, const double* A, const double* B, double* C, int64_t ldc,
                        int beta) GS_KERNEL_BODY(double, MR, NV, 4, 1, AS, NV * 4, __m256d, _mm256_setzero_pd,
                                                 _mm256_load_pd, _mm256_loadu_pd, _mm256_storeu_pd,
                                                 bcast4d, _mm256_fmadd_pd, _mm256_add_pd)

// The float32 kernels of one instruction set (sgemm_<ISA>...): on packed panels; on op(A) in place, row-major
// (rows lda apart: no packing pass over A) or transposed (element (r, p) at A[p·lda + r]); and on a packed A
// panel with a row-major op(B) in place (its rows ldb apart, loaded unaligned).
#define GS_FLOAT_KERNELS(ISA, ATTR, W, VEC, ZERO, LOAD, LOADU, STOREU, BCAST, FMA, ADD)                           \
  template <int MR, int NV, int AS = MR>                                                                        \
  ATTR void sgemm_##ISA(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, int beta)            \
      GS_KERNEL_BODY(float, MR, NV, W, 1, AS, NV * W, VEC, ZERO, LOAD, LOADU, STOREU, BCAST, FMA, ADD)          \
  template <int MR, int NV>                                                                                     \
  ATTR void sgemm_##ISA##_direct(int64_t kc, const float* A, int64_t lda, const float* B, float* C, int64_t ldc, \
                                 int beta)                                                                      \
      GS_KERNEL_BODY(float, MR, NV, W, lda, 1, NV * W, VEC, ZERO, LOAD, LOADU, STOREU, BCAST, FMA, ADD)         \
  template <int MR, int NV>                                                                                     \
  ATTR void sgemm_##ISA##_direct_t(int64_t kc, const float* A, int64_t lda, const float* B, float* C,           \
                                   int64_t ldc, int beta)                                                       \
      GS_KERNEL_BODY(float, MR, NV, W, 1, lda, NV * W, VEC, ZERO, LOAD, LOADU, STOREU, BCAST, FMA, ADD)         \
  template <int MR, int NV>                                                                                     \
  ATTR void sgemm_##ISA##_strided_b(int64_t kc, const float* A, const float* B, int64_t ldb, float* C,          \
                                    int64_t ldc, int beta)                                                      \
      GS_KERNEL_BODY(float, MR, NV, W, 1, MR, ldb, VEC, ZERO, LOADU, LOADU, STOREU, BCAST, FMA, ADD)

GS_FLOAT_KERNELS(avx2, GS_AVX2, 8, __m256, _mm256_setzero_ps, _mm256_load_ps, _mm256_loadu_ps, _mm256_storeu_ps,
                 bcast8f, _mm256_fmadd_ps, _mm256_add_ps)
GS_FLOAT_KERNELS(avx512, GS_AVX512, 16, __m512, _mm512_setzero_ps, _mm512_load_ps, _mm512_loadu_ps,
                 _mm512_storeu_ps, bcast16f, _mm512_fmadd_ps, _mm512_add_ps)

template <int MR, int NV, int AS = MR>
GS_AVX512 void dgemm_avx512(int64_t kc, const double* A, const double* B, double* C, int64_t ldc,
                            int beta)
    GS_KERNEL_BODY(double, MR, NV, 8, 1, AS, NV * 8, __m512d, _mm512_setzero_pd, _mm512_load_pd,
                   _mm512_loadu_pd, _mm512_storeu_pd, bcast8d, _mm512_fmadd_pd, _mm512_add_pd)

// 8×8 transposes: columns c0..c0+7 of op(B) (rows of the storage) × 8 values of p become 8 rows
// of the packed panel.
GS_AVX2 void pack_bt_f32_avx2(float* dst, const float* B, int64_t ldb, int64_t kc, int nr) {
  for (int c0 = 0; c0 < nr; c0 += 8) {
    const float* b = B + c0 * ldb;
    float* d = dst + c0;
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) {
      __m256 r0 = _mm256_loadu_ps(b + 0 * ldb + p), r1 = _mm256_loadu_ps(b + 1 * ldb + p);
      __m256 r2 = _mm256_loadu_ps(b + 2 * ldb + p), r3 = _mm256_loadu_ps(b + 3 * ldb + p);
      __m256 r4 = _mm256_loadu_ps(b + 4 * ldb + p), r5 = _mm256_loadu_ps(b + 5 * ldb + p);
      __m256 r6 = _mm256_loadu_ps(b + 6 * ldb + p), r7 = _mm256_loadu_ps(b + 7 * ldb + p);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
      __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
      __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
      __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
      __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
      float* o = d + p * nr;
      _mm256_storeu_ps(o + 0 * nr, _mm256_permute2f128_ps(s0, s4, 0x20));
      _mm256_storeu_ps(o + 1 * nr, _mm256_permute2f128_ps(s1, s5, 0x20));
      _mm256_storeu_ps(o + 2 * nr, _mm256_permute2f128_ps(s2, s6, 0x20));
      _mm256_storeu_ps(o + 3 * nr, _mm256_permute2f128_ps(s3, s7, 0x20));
      _mm256_storeu_ps(o + 4 * nr, _mm256_permute2f128_ps(s0, s4, 0x31));
      _mm256_storeu_ps(o + 5 * nr, _mm256_permute2f128_ps(s1, s5, 0x31));
      _mm256_storeu_ps(o + 6 * nr, _mm256_permute2f128_ps(s2, s6, 0x31));
      _mm256_storeu_ps(o + 7 * nr, _mm256_permute2f128_ps(s3, s7, 0x31));
    }
    for (; p < kc; p++)
      for (int c = 0; c < 8; c++) d[p * nr + c] = b[c * ldb + p];
  }
}

// 4×4 transposes: rows r0..r0+3 of op(A) × 4 values of p become 4 groups of the packed panel.
GS_AVX2 void pack_an_f32_avx2(float* dst, const float* A, int64_t lda, int64_t kc, int mr) {
  int r0 = 0;
  for (; r0 + 4 <= mr; r0 += 4) {
    const float* a0 = A + (r0 + 0) * lda;
    const float* a1 = A + (r0 + 1) * lda;
    const float* a2 = A + (r0 + 2) * lda;
    const float* a3 = A + (r0 + 3) * lda;
    float* d = dst + r0;
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) {
      __m256 x0 = _mm256_loadu_ps(a0 + p), x1 = _mm256_loadu_ps(a1 + p);
      __m256 x2 = _mm256_loadu_ps(a2 + p), x3 = _mm256_loadu_ps(a3 + p);
      __m256 t0 = _mm256_unpacklo_ps(x0, x1), t1 = _mm256_unpackhi_ps(x0, x1);
      __m256 t2 = _mm256_unpacklo_ps(x2, x3), t3 = _mm256_unpackhi_ps(x2, x3);
      // each 128-bit lane now holds a 4×4 transpose: lane 0 for p..p+3, lane 1 for p+4..p+7
      __m256 c0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 c1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
      __m256 c2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
      __m256 c3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
      float* o = d + p * mr;
      _mm_storeu_ps(o + 0 * mr, _mm256_castps256_ps128(c0));
      _mm_storeu_ps(o + 1 * mr, _mm256_castps256_ps128(c1));
      _mm_storeu_ps(o + 2 * mr, _mm256_castps256_ps128(c2));
      _mm_storeu_ps(o + 3 * mr, _mm256_castps256_ps128(c3));
      _mm_storeu_ps(o + 4 * mr, _mm256_extractf128_ps(c0, 1));
      _mm_storeu_ps(o + 5 * mr, _mm256_extractf128_ps(c1, 1));
      _mm_storeu_ps(o + 6 * mr, _mm256_extractf128_ps(c2, 1));
      _mm_storeu_ps(o + 7 * mr, _mm256_extractf128_ps(c3, 1));
    }
    for (; p < kc; p++) {
      d[p * mr + 0] = a0[p];
      d[p * mr + 1] = a1[p];
      d[p * mr + 2] = a2[p];
      d[p * mr + 3] = a3[p];
    }
  }
  for (; r0 < mr; r0++) {
    const float* a = A + r0 * lda;
    for (int64_t p = 0; p < kc; p++) dst[p * mr + r0] = a[p];
  }
}

}  // namespace

// isa: what cpu_isa() (isa.h) chose for this CPU; false for Isa::Generic.
bool x86_kernels_f32(KernelInfo<float>* k, Isa isa) {
  if (isa == Isa::Avx512) {
    *k = KernelInfo<float>{12, 32, sgemm_avx512<12, 2>, 256, 144, 4096, "avx512 12x32", pack_bt_f32_avx2, pack_an_f32_avx2,
                           8, sgemm_avx512<8, 2, 12>, sgemm_avx512_direct<12, 2>,
                           sgemm_avx512_strided_b<12, 2>, sgemm_avx512_direct_t<12, 2>};
    return true;
  }
  if (isa == Isa::Avx2) {
    *k = KernelInfo<float>{6, 16, sgemm_avx2<6, 2>, 256, 144, 4096, "avx2-fma 6x16", pack_bt_f32_avx2, nullptr,
                           0, nullptr, sgemm_avx2_direct<6, 2>, sgemm_avx2_strided_b<6, 2>};
    return true;
  }
  return false;
}

bool x86_kernels_f64(KernelInfo<double>* k, Isa isa) {
  if (isa == Isa::Avx512) {
    *k = KernelInfo<double>{12, 16, dgemm_avx512<12, 2>, 256, 96, 4096, "avx512 12x16", nullptr, nullptr,
                            8, dgemm_avx512<8, 2, 12>};
    return true;
  }
  if (isa == Isa::Avx2) {
    *k = KernelInfo<double>{6, 8, dgemm_avx2<6, 2>, 256, 72, 4096, "avx2-fma 6x8"};
    return true;
  }
  return false;
}

}  // namespace gs

#else
namespace gs {
bool x86_kernels_f32(KernelInfo<float>*, Isa) { return false; }
bool x86_kernels_f64(KernelInfo<double>*, Isa) { return false; }
}  // namespace gs
#endif
