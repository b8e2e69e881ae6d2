// The recurrent product of the fused recurrent layers (rnn_sequence.cc): W_hh packed once per sequence,
// then multiplied by a few rows (a slice of the batch's hidden states or gate gradients) at every time
// step. The rows are packed once per step and serve every column slice and gate of that step.
#pragma once
#include <cstdint>

namespace gs {
namespace rnn {

template <typename T>
struct RecGemm {
  // Column slices passed to run start at a multiple of this (or at 0).
  int64_t panel;
  // Elements of the packed copy of a k×n B, and of the packed copy of m×k rows of A.
  int64_t (*b_len)(int64_t k, int64_t n);
  int64_t (*a_len)(int64_t m, int64_t k);
  // Packs columns [j0, j1) of op(B) into their place in the packed copy dst (64-byte aligned); op(B) is k×n
  // with element (p, j) at B[p·brs + j·bcs]. j0 is a multiple of `panel`; with by_panels false only the
  // whole (j0 = 0, j1 = n) may be packed.
  void (*pack_b)(const T* B, int64_t brs, int64_t bcs, int64_t k, int64_t n, int64_t j0, int64_t j1, T* dst);
  bool by_panels;
  // A is m×k, row i at A + i·lda; dst is 64-byte aligned.
  void (*pack_a)(const T* A, int64_t lda, int64_t m, int64_t k, T* dst);
  // C[0:m, 0:ncols] (row stride ldc) = A · op(B)[:, col0 : col0 + ncols], on the calling thread.
  void (*run)(const T* Ap, int64_t m, int64_t k, const T* Bp, int64_t n, int64_t col0, int64_t ncols, T* C,
              int64_t ldc);
};

// The variant for this CPU: register-blocked kernels for a few rows where there are some (x86 float32
// with AVX-512), else gemm.h's packed GEMM.
const RecGemm<float>& rec_gemm_f32();
const RecGemm<double>& rec_gemm_f64();

template <typename T>
inline const RecGemm<T>& rec_gemm() {
  if constexpr (sizeof(T) == 4) return rec_gemm_f32();
  else return rec_gemm_f64();
}

}  // namespace rnn
}  // namespace gs
