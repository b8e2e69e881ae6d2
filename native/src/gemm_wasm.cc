// WebAssembly SIMD128 micro-kernels (the wasm counterpart of gemm_x86.cc), chosen at build time:
// scripts/build-wasm.mjs compiles this file with -msimd128 instead of gemm_x86.cc. SIMD128 has no
// fused multiply-add, so each step is a multiply and an add; the relaxed-SIMD variant
// (-mrelaxed-simd) uses relaxed_madd, which engines run as one FMA where the CPU has it (results then
// differ from the SIMD128 build by rounding only).
#include "gemm.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

namespace gs {
namespace {

// The lane operations of each element type: 4 floats or 2 doubles to a vector.
template <typename T>
struct Lanes;
template <>
struct Lanes<float> {
  static constexpr int W = 4;
  static v128_t zero() { return wasm_f32x4_splat(0.0f); }
  static v128_t splat(const float* p) { return wasm_v128_load32_splat(p); }
#if defined(__wasm_relaxed_simd__)
  static v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f32x4_relaxed_madd(a, b, acc); }
#else
  static v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f32x4_add(acc, wasm_f32x4_mul(a, b)); }
#endif
  static v128_t add(v128_t a, v128_t b) { return wasm_f32x4_add(a, b); }
};
template <>
struct Lanes<double> {
  static constexpr int W = 2;
  static v128_t zero() { return wasm_f64x2_splat(0.0); }
  static v128_t splat(const double* p) { return wasm_v128_load64_splat(p); }
#if defined(__wasm_relaxed_simd__)
  static v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f64x2_relaxed_madd(a, b, acc); }
#else
  static v128_t madd(v128_t acc, v128_t a, v128_t b) { return wasm_f64x2_add(acc, wasm_f64x2_mul(a, b)); }
#endif
  static v128_t add(v128_t a, v128_t b) { return wasm_f64x2_add(a, b); }
};

// C[0:MR, 0:W·NV] (=, or += when beta) the packed A panel (kc groups of MR) times the packed B panel
// (kc groups of W·NV), accumulators in registers.
template <typename T, int MR, int NV>
void gemm_simd128(int64_t kc, const T* A, const T* B, T* C, int64_t ldc, int beta) {
  using L = Lanes<T>;
  v128_t acc[MR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) acc[r][v] = L::zero();
  for (int64_t p = 0; p < kc; p++, A += MR, B += L::W * NV) {
    v128_t b[NV];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) b[v] = wasm_v128_load(B + L::W * v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      const v128_t a = L::splat(A + r);
#pragma clang loop unroll(full)
      for (int v = 0; v < NV; v++) acc[r][v] = L::madd(acc[r][v], a, b[v]);
    }
  }
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
      T* c = C + r * ldc + L::W * v;
      wasm_v128_store(c, beta ? L::add(wasm_v128_load(c), acc[r][v]) : acc[r][v]);
    }
}

}  // namespace

// 6 rows × 8 columns: 12 accumulators, 2 B vectors and a broadcast fit the 16 vector registers that
// engines map SIMD128 onto on x86-64 and arm64.
bool wasm_kernels_f32(KernelInfo<float>* k) {
  *k = KernelInfo<float>{6, 8, gemm_simd128<float, 6, 2>, 256, 120, 4096, "simd128 6x8"};
  return true;
}

bool wasm_kernels_f64(KernelInfo<double>* k) {
  *k = KernelInfo<double>{6, 4, gemm_simd128<double, 6, 2>, 256, 72, 4096, "simd128 6x4"};
  return true;
}

}  // namespace gs

#else
namespace gs {
bool wasm_kernels_f32(KernelInfo<float>*) { return false; }
bool wasm_kernels_f64(KernelInfo<double>*) { return false; }
}  // namespace gs
#endif
