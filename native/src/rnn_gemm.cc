// The recurrent product of rnn_gemm.h. A batch slice of 16 rows times W_hh is the shape of every time step
// when the pool tasks split the batch; gemm.h's register blocks (12 or 6 rows) would compute 20 or 18 rows
// for it, so AVX-512 float32 gets tiles of exactly 16 (or 8) rows × 16 columns, with A packed once per step
// and B's panels streamed once per step. Other instruction sets and float64 use gemm.h's packed GEMM.
#include "rnn_gemm.h"

#include <algorithm>
#include <cstring>

#include "gemm.h"
#include "isa.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define GS_REC_AVX512 1
#endif

namespace gs {
namespace rnn {
namespace {

inline int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

// ---- gemm.h's packed GEMM: A is "packed" as a contiguous m×k copy

template <typename T>
int64_t generic_b_len(int64_t k, int64_t n) {
  return gemm_packed_len<T>(k, n);
}
template <typename T>
void generic_pack_b(const T* B, int64_t brs, int64_t bcs, int64_t k, int64_t n, int64_t, int64_t, T* dst) {
  gemm_pack_b<T>(B, brs, bcs, k, n, dst);
}
template <typename T>
int64_t generic_a_len(int64_t m, int64_t k) {
  return m * k;
}
template <typename T>
void generic_pack_a(const T* A, int64_t lda, int64_t m, int64_t k, T* dst) {
  for (int64_t i = 0; i < m; i++) std::memcpy(dst + i * k, A + i * lda, static_cast<size_t>(k) * sizeof(T));
}
template <typename T>
void generic_run(const T* Ap, int64_t m, int64_t k, const T* Bp, int64_t n, int64_t col0, int64_t ncols, T* C,
                 int64_t ldc) {
  gemm_packed<T>(Ap, k, 1, Bp, k, n, col0, ncols, C, ldc, m);
}

template <typename T>
RecGemm<T> generic_gemm() {
  return RecGemm<T>{gemm_panel<T>(), generic_b_len<T>, generic_a_len<T>, generic_pack_b<T>, false,
                    generic_pack_a<T>, generic_run<T>};
}

#ifdef GS_REC_AVX512
#define GS_AVX512 __attribute__((target("avx512f,avx2,fma")))

// Panels of NR columns: panel q holds k groups of NR values (columns past n are zero).
constexpr int64_t NR = 16;
// Rows per tile: blocks of 16, the last block 8 wide when it has at most 8 rows.
constexpr int64_t MR = 16, MR_SHORT = 8;

inline int64_t block_stride(int64_t rows) { return rows <= MR_SHORT ? MR_SHORT : MR; }

int64_t b_len(int64_t k, int64_t n) { return k * round_up(n, NR); }
int64_t a_len(int64_t m, int64_t k) { return k * round_up(m, MR); }

// dst[p·16 + c] = X[c·ldx + p] for c < 16 and p < k: 16 rows of X transposed into a panel, by the AVX2
// 8×8 transposes that gemm_x86.cc packs transposed B panels with (null where there are none).
PackBT<float> transpose16() {
  static const PackBT<float> f = [] {
    KernelInfo<float> info;
    return x86_kernels_f32(&info, Isa::Avx512) ? info.pack_bt : nullptr;
  }();
  return f;
}

void pack_b(const float* B, int64_t brs, int64_t bcs, int64_t k, int64_t n, int64_t j0, int64_t j1,
                      float* dst) {
  const PackBT<float> transpose = transpose16();
  for (dst += j0 * k; j0 < j1; j0 += NR, dst += k * NR) {
    const int64_t nr = std::min(NR, n - j0);
    // Read along whichever stride is 1 (W_hh's rows for the forward's W_hhᵀ, transposed).
    if (brs == 1 && nr == NR && transpose != nullptr) {
      transpose(dst, B + j0 * bcs, bcs, k, NR);
      continue;
    }
    if (nr < NR) std::fill(dst, dst + k * NR, 0.0f);
    if (brs == 1) {
      for (int64_t c = 0; c < nr; c++)
        for (int64_t p = 0; p < k; p++) dst[p * NR + c] = B[(j0 + c) * bcs + p];
    } else {
      for (int64_t p = 0; p < k; p++)
        for (int64_t c = 0; c < nr; c++) dst[p * NR + c] = B[p * brs + (j0 + c) * bcs];
    }
  }
}

// Block i0 of rows holds k groups of block_stride(rows) values (rows past m are zero). Full blocks of 16
// rows are transposed 8×8 at a time: A is packed at every step, so this copy is on the step's critical path.
void pack_a(const float* A, int64_t lda, int64_t m, int64_t k, float* dst) {
  static_assert(NR == MR, "transpose16 writes groups of NR values");
  const PackBT<float> transpose = transpose16();
  for (int64_t i0 = 0; i0 < m; i0 += MR) {
    const int64_t rows = std::min(MR, m - i0), s = block_stride(rows);
    float* d = dst + i0 * k;
    const float* a = A + i0 * lda;
    if (rows == MR && transpose != nullptr) {
      transpose(d, a, lda, k, MR);
      continue;
    }
    if (rows < s) std::fill(d, d + k * s, 0.0f);
    for (int64_t r = 0; r < rows; r++)
      for (int64_t p = 0; p < k; p++) d[p * s + r] = a[r * lda + p];
  }
}

// C[0:rows, 0:cols] = A (k groups of R values) · B (k groups of 16 values): R accumulators over all of k.
template <int R>
GS_AVX512 void tile(int64_t k, const float* __restrict A, const float* __restrict B, float* C, int64_t ldc,
                    int64_t rows, int64_t cols) {
  __m512 acc[R];
  _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) acc[r] = _mm512_setzero_ps();
  _Pragma("GCC unroll 2") for (int64_t p = 0; p < k; p++, A += R, B += NR) {
    const __m512 b = _mm512_load_ps(B);
    _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(A[r]), b, acc[r]);
  }
  const __mmask16 mask = static_cast<__mmask16>(cols >= NR ? 0xffff : (1u << cols) - 1);
  _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) if (r < rows) _mm512_mask_storeu_ps(C + r * ldc, mask, acc[r]);
}

void run(const float* Ap, int64_t m, int64_t k, const float* Bp, int64_t, int64_t col0, int64_t ncols, float* C,
         int64_t ldc) {
  for (int64_t j = 0; j < ncols; j += NR) {
    const float* b = Bp + (col0 + j) / NR * k * NR;
    const int64_t cols = std::min(NR, ncols - j);
    for (int64_t i0 = 0; i0 < m; i0 += MR) {
      const int64_t rows = std::min(MR, m - i0);
      float* c = C + i0 * ldc + j;
      if (rows <= MR_SHORT) tile<MR_SHORT>(k, Ap + i0 * k, b, c, ldc, rows, cols);
      else tile<MR>(k, Ap + i0 * k, b, c, ldc, rows, cols);
    }
  }
}
#endif

}  // namespace

const RecGemm<float>& rec_gemm_f32() {
  static const RecGemm<float> g = [] {
#ifdef GS_REC_AVX512
    if (cpu_isa() == Isa::Avx512) return RecGemm<float>{NR, b_len, a_len, pack_b, true, pack_a, run};
#endif
    return generic_gemm<float>();
  }();
  return g;
}

const RecGemm<double>& rec_gemm_f64() {
  static const RecGemm<double> g = generic_gemm<double>();
  return g;
}

}  // namespace rnn
}  // namespace gs
