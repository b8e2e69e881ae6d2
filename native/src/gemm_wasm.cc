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

// A flag that is never set: a branch on it ends V8's basic block, and V8 keeps each block's loads
// ahead of its arithmetic, so k steps unrolled with this between them do not hold the loads of all
// steps at once.
int never_set = 0;
#define GS_BLOCK_BREAK \
  if (__builtin_expect(*static_cast<volatile int*>(&never_set), 0)) break

// One k step: acc += A[0:MR] (broadcast) times B[0:W·NV].
template <typename T, int MR, int NV>
inline __attribute__((always_inline)) void step(v128_t (&acc)[MR][NV], const T* A, const T* B) {
  using L = Lanes<T>;
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

// C[0:MR, 0:W·NV] (=, or += when beta) the packed A panel (kc groups of MR) times the packed B panel
// (kc groups of W·NV), accumulators in registers; the k loop unrolled U times.
template <typename T, int MR, int NV, int U>
void gemm_simd128(int64_t kc, const T* A, const T* B, T* C, int64_t ldc, int beta) {
  using L = Lanes<T>;
  v128_t acc[MR][NV];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) acc[r][v] = L::zero();
  int64_t p = 0;
  while (p + U <= kc) {
    // The break never happens; if it did, p, A and B would still say where to go on.
#pragma clang loop unroll(full)
    for (int u = 0; u < U; u++, p++, A += MR, B += L::W * NV) {
      if (u > 0) GS_BLOCK_BREAK;
      step<T, MR, NV>(acc, A, B);
    }
  }
  for (; p < kc; p++, A += MR, B += L::W * NV) step<T, MR, NV>(acc, A, B);
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
      T* c = C + r * ldc + L::W * v;
      wasm_v128_store(c, beta ? L::add(wasm_v128_load(c), acc[r][v]) : acc[r][v]);
    }
}

// The 4×4 block r[0..3] (rows) transposed in place into columns: V8 lowers these shuffles to x86's
// unpack and move-half instructions, one each.
inline __attribute__((always_inline)) void transpose4(v128_t (&r)[4]) {
  const v128_t t0 = wasm_i32x4_shuffle(r[0], r[1], 0, 4, 1, 5);
  const v128_t t1 = wasm_i32x4_shuffle(r[0], r[1], 2, 6, 3, 7);
  const v128_t t2 = wasm_i32x4_shuffle(r[2], r[3], 0, 4, 1, 5);
  const v128_t t3 = wasm_i32x4_shuffle(r[2], r[3], 2, 6, 3, 7);
  r[0] = wasm_i64x2_shuffle(t0, t2, 0, 2);
  r[1] = wasm_i64x2_shuffle(t0, t2, 1, 3);
  r[2] = wasm_i64x2_shuffle(t1, t3, 0, 2);
  r[3] = wasm_i64x2_shuffle(t1, t3, 1, 3);
}

// dst[p·W + c] = S[c·lds + p] for c < W (a multiple of 4) and p < kc: W contiguous runs (rows of a
// row-major A, columns of a transposed B) interleaved into a packed panel, 4×4 blocks at a time. The
// scalar loops gemm.cc falls back to ran element by element, and at every recurrent step and in every
// product with a transposed operand this copy is on the GEMM's path.
template <int W>
void pack_runs(float* __restrict dst, const float* S, int64_t lds, int64_t kc) {
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
#pragma clang loop unroll(full)
    for (int c0 = 0; c0 < W; c0 += 4) {
      v128_t r[4];
#pragma clang loop unroll(full)
      for (int c = 0; c < 4; c++) r[c] = wasm_v128_load(S + (c0 + c) * lds + p);
      transpose4(r);
#pragma clang loop unroll(full)
      for (int q = 0; q < 4; q++) wasm_v128_store(dst + (p + q) * W + c0, r[q]);
    }
  }
  for (; p < kc; p++)
    for (int c = 0; c < W; c++) dst[p * W + c] = S[c * lds + p];
}

void pack_an_4(float* dst, const float* A, int64_t lda, int64_t kc, int) { pack_runs<4>(dst, A, lda, kc); }
void pack_bt_8(float* dst, const float* B, int64_t ldb, int64_t kc, int) { pack_runs<8>(dst, B, ldb, kc); }

}  // namespace

// The tile: 4 rows × 2 vectors. V8 on x86-64 gives SIMD128 15 registers (xmm15 is its scratch), and
// V8 11.3's TurboFan (Node 20) places a basic block's loads ahead of its arithmetic, so a k step's
// 4 broadcasts and 2 B vectors are live at once with the 8 accumulators and, without FMA, a product:
// 15. (The 6×8 tile this replaces spilled 4 accumulators every k step and ran at 2/3 the speed.)
// The k loop: with a multiply and an add per element the loop's own instructions get in the way, so
// the plain build unrolls 8 steps with block breaks between them (1.13× on sgemm in Node 20); one
// relaxed_madd per element already runs at the FMA ports' peak, unrolled or not.
#if defined(__wasm_relaxed_simd__)
constexpr int kUnroll = 1;
#define GS_WASM_ISA "relaxed-simd"  // named in the kernel, so a benchmark's header says which module ran
#else
constexpr int kUnroll = 8;
#define GS_WASM_ISA "simd128"
#endif

bool wasm_kernels_f32(KernelInfo<float>* k) {
  *k = KernelInfo<float>{4, 8, gemm_simd128<float, 4, 2, kUnroll>, 256, 120, 4096, GS_WASM_ISA " 4x8"};
  k->pack_an = pack_an_4;
  k->pack_bt = pack_bt_8;
  return true;
}

bool wasm_kernels_f64(KernelInfo<double>* k) {
  *k = KernelInfo<double>{4, 4, gemm_simd128<double, 4, 2, kUnroll>, 256, 72, 4096, GS_WASM_ISA " 4x4"};
  return true;
}

}  // namespace gs

#else
namespace gs {
bool wasm_kernels_f32(KernelInfo<float>*) { return false; }
bool wasm_kernels_f64(KernelInfo<double>*) { return false; }
}  // namespace gs
#endif
