// WebAssembly SIMD128 micro-kernels (the wasm counterpart of gemm_x86.cc), chosen at build time:
// scripts/build-wasm.mjs compiles this file with -msimd128 instead of gemm_x86.cc. WebAssembly has no
// fused multiply-add in SIMD128, so each step is a multiply and an add.
#include "gemm.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

namespace gs {
namespace {

// C[0:MR, 0:4·NV] (=, or += when beta) the packed A panel (kc groups of MR) times the packed B panel
// (kc groups of 4·NV), accumulators in registers.
template <int MR, int NV>
void sgemm_simd128(int64_t kc, const float* A, const float* B, float* C, int64_t ldc, int beta) {
  v128_t acc[MR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) acc[r][v] = wasm_f32x4_splat(0.0f);
  for (int64_t p = 0; p < kc; p++, A += MR, B += 4 * NV) {
    v128_t b[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) b[v] = wasm_v128_load(B + 4 * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      const v128_t a = wasm_v128_load32_splat(A + r);
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; v++) acc[r][v] = wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(a, b[v]));
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
      float* c = C + r * ldc + 4 * v;
      wasm_v128_store(c, beta ? wasm_f32x4_add(wasm_v128_load(c), acc[r][v]) : acc[r][v]);
    }
}

template <int MR, int NV>
void dgemm_simd128(int64_t kc, const double* A, const double* B, double* C, int64_t ldc, int beta) {
  v128_t acc[MR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) acc[r][v] = wasm_f64x2_splat(0.0);
  for (int64_t p = 0; p < kc; p++, A += MR, B += 2 * NV) {
    v128_t b[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) b[v] = wasm_v128_load(B + 2 * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      const v128_t a = wasm_v128_load64_splat(A + r);
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; v++) acc[r][v] = wasm_f64x2_add(acc[r][v], wasm_f64x2_mul(a, b[v]));
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
      double* c = C + r * ldc + 2 * v;
      wasm_v128_store(c, beta ? wasm_f64x2_add(wasm_v128_load(c), acc[r][v]) : acc[r][v]);
    }
}

}  // namespace

// 6 rows × 8 columns: 12 accumulators, 2 B vectors and a broadcast fit the 16 vector registers that
// engines map SIMD128 onto on x86-64 and arm64.
bool wasm_kernels_f32(KernelInfo<float>* k) {
  *k = KernelInfo<float>{6, 8, sgemm_simd128<6, 2>, 256, 120, 4096, "simd128 6x8"};
  return true;
}

bool wasm_kernels_f64(KernelInfo<double>* k) {
  *k = KernelInfo<double>{6, 4, dgemm_simd128<6, 2>, 256, 72, 4096, "simd128 6x4"};
  return true;
}

}  // namespace gs

#else
namespace gs {
bool wasm_kernels_f32(KernelInfo<float>*) { return false; }
bool wasm_kernels_f64(KernelInfo<double>*) { return false; }
}  // namespace gs
#endif
