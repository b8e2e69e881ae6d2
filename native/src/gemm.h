// GEMM: out[b] = op(A[b]) · op(B[b]) with the parameters of MatmulParams (src/backend/types.ts).
#pragma once
#include <cstdint>

#include "isa.h"

namespace gs {

struct MatmulParams {
  int64_t batch, m, n, k;
  bool transA, transB;
  int64_t lda, ldb, aOffset, bOffset, aBatchStride, bBatchStride;
  // Nonzero: B holds what it held in the previous call with this key, so its packed copy may be
  // reused (a recurrent layer multiplies by the same W_hh at every time step).
  int64_t bKey = 0;
};

// Both run on the pool when large enough. Arguments must be validated by the caller.
// With a bias (n values), bias[j] is added to column j of every row once the products are summed,
// by the thread that wrote the block while it is still in its cache (a linear layer's epilogue).
void matmul_f32(const float* a, const float* b, float* out, const MatmulParams& p, const float* bias = nullptr);
void matmul_f64(const double* a, const double* b, double* out, const MatmulParams& p,
                const double* bias = nullptr);

// Implemented in gemm_narrow.cc: the product when one side is short (n or k <= 16, or a few rows),
// on AVX2/AVX-512; false (nothing written) for other shapes and CPUs.
bool gemm_narrow_f32(const float* a, const float* b, float* out, const MatmulParams& p);
bool gemm_narrow_f64(const double* a, const double* b, double* out, const MatmulParams& p);

// A B operand packed once and multiplied many times on the calling thread: the fused recurrent layers
// (rnn_sequence.cc) pack W_hh once per sequence, and each pool task multiplies its column slice at every
// time step. op(B) is k×n with element (p, j) at B[p·brs + j·bcs]; a slice starts at a multiple of
// gemm_panel<T>() columns (or at 0). Instantiated for float and double.
template <typename T>
int64_t gemm_panel();
template <typename T>
int64_t gemm_packed_len(int64_t k, int64_t n);  // elements of the packed copy
template <typename T>
void gemm_pack_b(const T* B, int64_t brs, int64_t bcs, int64_t k, int64_t n, T* dst);
// C[0:m, 0:ncols] (row stride ldc) = op(A) (m×k, element (i, p) at A[i·ars + p·acs]) times columns
// [col0, col0 + ncols) of the packed op(B) of n columns; on the calling thread.
template <typename T>
void gemm_packed(const T* A, int64_t ars, int64_t acs, const T* packed, int64_t k, int64_t n, int64_t col0,
                 int64_t ncols, T* C, int64_t ldc, int64_t m);

// Whether this build can ask for cache lines ahead of use (x86-64 with GCC or clang; WebAssembly has
// no prefetch instruction).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
constexpr bool kHasPrefetch = true;
#else
constexpr bool kHasPrefetch = false;
#endif

// Requests the cache line holding `p` into the core's L2 (prefetcht1), not L1, so that it does not
// displace the micro-kernel's panels; nothing where kHasPrefetch is false. An asm statement, not
// __builtin_prefetch: GCC 12 deletes a loop whose only effect is that builtin.
inline void prefetch_l2(const void* p) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  asm volatile("prefetcht1 %0" : : "m"(*static_cast<const char*>(p)));
#else
  (void)p;
#endif
}

// The micro-kernels in use, e.g. "avx2-fma 6x16 / 6x8".
const char* gemm_kernel_name();

// Micro-kernel: C[0:MR, 0:NR] (=, or += when beta) the product of a packed MR×kc panel of A
// (kc groups of MR values) and a packed kc×NR panel of B (kc groups of NR values).
template <typename T>
using MicroKernel = void (*)(int64_t kc, const T* A, const T* B, T* C, int64_t ldc, int beta);

// Micro-kernel on op(A) read in place: element (r, p) of the MR×kc panel at A[r·lda + p] (or, for a
// transposed op(A), at A[p·lda + r]).
template <typename T>
using DirectKernel = void (*)(int64_t kc, const T* A, int64_t lda, const T* B, T* C, int64_t ldc, int beta);

// Micro-kernel on a packed A panel and op(B) read in place: element (p, c) of the kc×NR panel at B[p·ldb + c].
template <typename T>
using StridedBKernel = void (*)(int64_t kc, const T* A, const T* B, int64_t ldb, T* C, int64_t ldc, int beta);

// Optional packer for a full panel of NR columns of a transposed B: column c of op(B) is the
// contiguous run B[c·ldb + p], p < kc; writes dst[p·NR + c].
template <typename T>
using PackBT = void (*)(T* dst, const T* B, int64_t ldb, int64_t kc, int nr);

// Optional packer for a full panel of MR rows of a non-transposed A: row r of op(A) is the
// contiguous run A[r·lda + p], p < kc; writes dst[p·MR + r].
template <typename T>
using PackAN = void (*)(T* dst, const T* A, int64_t lda, int64_t kc, int mr);

template <typename T>
struct KernelInfo {
  int mr = 0, nr = 0;
  MicroKernel<T> fn = nullptr;
  int kc = 256, mc = 120, nc = 4096;  // cache blocking
  const char* name = "";
  PackBT<T> pack_bt = nullptr;
  PackAN<T> pack_an = nullptr;
  // Optional kernel for the last, short row panel (mr <= mr_short rows): it reads panels packed
  // for mr rows but computes only mr_short, so m = 32 with mr = 12 wastes 4 rows instead of 16.
  int mr_short = 0;
  MicroKernel<T> fn_short = nullptr;
  // Optional kernel for full panels of a row-major op(A) read without packing (see gemm_block).
  DirectKernel<T> fn_direct = nullptr;
  // Optional kernel for full panels of a row-major op(B) read without packing (see gemm_block).
  StridedBKernel<T> fn_strided_b = nullptr;
  // Optional kernel for full panels of a transposed op(A) read without packing (rows of A are its p).
  DirectKernel<T> fn_direct_t = nullptr;
};

// Implemented in gemm_x86.cc: fill in the best x86 kernels the CPU supports (false if none).
bool x86_kernels_f32(KernelInfo<float>* k, Isa isa);
bool x86_kernels_f64(KernelInfo<double>* k, Isa isa);

// Implemented in gemm_wasm.cc: the SIMD128 kernels of the WebAssembly build (false elsewhere).
bool wasm_kernels_f32(KernelInfo<float>* k);
bool wasm_kernels_f64(KernelInfo<double>* k);

}  // namespace gs
