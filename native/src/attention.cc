// Causal self-attention straight from a fused q|k|v projection (AttentionKernels in
// src/backend/types.ts), float32, one (batch, head) per task. Only the unmasked half (j <= i) is
// computed. The forward pass keeps each row's log-sum-exp; the backward pass recomputes the
// probabilities from it a block of rows at a time (flash-attention style), so nothing T×T is stored:
// per task, K and V transposed (hs×T) and the probabilities and d(scores) of a chunk of up to 64 rows
// (dK and dV are summed over a chunk in registers, straight into dqkv). Loops are written
// for the compiler to vectorise; each body is compiled for AVX-512, AVX2+FMA and baseline, chosen at
// run time. With dropout, the mask of each probability is recomputed from the call's Philox key
// (philox.h) where the probability is, forward and backward, so no mask is stored either.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "isa.h"
#include "ops.h"
#include "philox.h"
#include "pool.h"
#include "vmath.h"

namespace gs {
namespace {

using namespace vm;

struct Dims {
  int64_t B, T, nh, hs;
  float scale;
  // Dropout on the probabilities (threshold 0: none): probability (b, h, i, j) is kept, times
  // keep_scale, when element (b·nh + h)·T² + i·T + j of the Philox stream under (k0, k1) is at least
  // threshold: the bits the dropout kernel draws on the (B, nh, T, T) matrix under the same key.
  uint32_t k0, k1, threshold;
  float keep_scale;
};

// The Philox element of probability (b, h, i, 0).
GS_INLINE uint64_t mask_row(const Dims& d, int64_t b, int64_t h, int64_t i) {
  const uint64_t T = static_cast<uint64_t>(d.T);
  return (static_cast<uint64_t>(b * d.nh + h) * T + static_cast<uint64_t>(i)) * T;
}

// p[j] = p[j]·keep_scale where the row's mask keeps j, else 0, for j < n; bits is n words of scratch.
GS_INLINE void drop_row(float* p, int64_t n, uint64_t first, const Dims& d, uint32_t* bits) {
  philox_elements(first, n, d.k0, d.k1, bits);
  // Locals, and a select of the multiplier: a loop the compiler vectorises (p may alias d for it).
  const uint32_t threshold = d.threshold;
  const float keep = d.keep_scale;
  for (int64_t j = 0; j < n; j++) p[j] *= bits[j] >= threshold ? keep : 0.0f;
}

constexpr int BR = 8;  // rows per block in the backward pass

// Unrolls the next loop N times (GCC and clang both read this pragma).
#define GS_PRAGMA(x) _Pragma(#x)
#define GS_UNROLL(N) GS_PRAGMA(GCC unroll N)

// Kt[e·T + j] = X[j·ld + e] for j < T, e < hs: a head's keys (or values) transposed, 4×4 blocks in
// vector registers where the compiler has __builtin_shufflevector (element by element, the transposes
// were 13-17% of the backward pass).
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define GS_HAVE_SHUFFLEVECTOR 1
typedef float v4f __attribute__((vector_size(16)));
#endif
GS_INLINE void transpose_in(const float* __restrict X, int64_t ld, float* __restrict Kt, int64_t T, int64_t hs) {
  int64_t j0 = 0;
#ifdef GS_HAVE_SHUFFLEVECTOR
  const int64_t hs4 = hs / 4 * 4;
  for (; j0 + 4 <= T; j0 += 4) {
    for (int64_t e = 0; e < hs4; e += 4) {
      v4f r0, r1, r2, r3;
      std::memcpy(&r0, X + j0 * ld + e, sizeof r0);
      std::memcpy(&r1, X + (j0 + 1) * ld + e, sizeof r1);
      std::memcpy(&r2, X + (j0 + 2) * ld + e, sizeof r2);
      std::memcpy(&r3, X + (j0 + 3) * ld + e, sizeof r3);
      const v4f t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5), t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
      const v4f t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5), t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
      const v4f o0 = __builtin_shufflevector(t0, t2, 0, 1, 4, 5), o1 = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
      const v4f o2 = __builtin_shufflevector(t1, t3, 0, 1, 4, 5), o3 = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
      std::memcpy(Kt + e * T + j0, &o0, sizeof o0);
      std::memcpy(Kt + (e + 1) * T + j0, &o1, sizeof o1);
      std::memcpy(Kt + (e + 2) * T + j0, &o2, sizeof o2);
      std::memcpy(Kt + (e + 3) * T + j0, &o3, sizeof o3);
    }
    for (int64_t e = hs4; e < hs; e++)
      for (int64_t j = j0; j < j0 + 4; j++) Kt[e * T + j] = X[j * ld + e];
  }
#endif
  for (int64_t e = 0; e < hs; e++)
    for (int64_t j = j0; j < T; j++) Kt[e * T + j] = X[j * ld + e];
}

// The shape of the register blocks, per instruction set: W floats per vector (the compilers' vector
// extension gives each ISA variant its own instructions, and an array of these stays in registers),
// and for dK/dV (accumulate_kv_cols) at most ACC accumulator vectors, EV per column. Sized so that
// the sums and the rows they share fit the register file (32 zmm; 16 ymm or xmm; 15 for SIMD128
// under V8) — a wider vector split in two registers spills (issue 18: AVX2 backward 3.8× slower).
// The sums and their order are the same for every shape: each float is summed on its own.
template <int W_, int ACC, int EV_MAX>
struct Shape {
  static constexpr int W = W_;
  typedef float V __attribute__((vector_size(W_ * sizeof(float))));
  // Vectors per column of dK/dV for head size HS, and columns at once.
  template <int HS>
  static constexpr int kv_vectors() {
    return HS / W < EV_MAX ? HS / W : EV_MAX;
  }
  template <int HS>
  static constexpr int kv_cols() {
    return ACC / (2 * kv_vectors<HS>());
  }
};
// Registers held, block_mm: BR sums + 4 rows of B; accumulate_kv_cols: ACC sums + 2·EV rows.
using shape_avx512 = Shape<16, 16, 4>;  // zmm: 8 + 4; 16 + 8
using shape_avx2 = Shape<8, 8, 2>;      // ymm: 8 + 4; 8 + 4
// SSE2 or SIMD128, xmm: 16 + 8 (some spill, but each broadcast of A serves 8 floats: faster than 4
// floats without spills, forward and under V8 backward too); 8 + 4.
using shape_generic = Shape<8, 4, 1>;

template <class V>
GS_INLINE V loadv(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
GS_INLINE void storev(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
// The first w (less than a vector) floats at p, zeros after.
template <class V>
GS_INLINE V load_part(const float* p, int64_t w) {
  V v = {};
  for (int64_t c = 0; c < w; c++) v[c] = p[c];
  return v;
}

// Row p of B: a whole vector, or its first w floats.
template <class V, bool FULL>
GS_INLINE V row(const float* B, int64_t ldb, int64_t p, int64_t w) {
  return FULL ? loadv<V>(B + p * ldb) : load_part<V>(B + p * ldb, w);
}

// C[r·ldc + c] = Σ_{p<K} A[r·lda + p]·B[p·ldb + c] for r < BR, c < w (Sh::W when FULL): the block's
// BR rows share each load of B, and their sums stay in registers. Scores are Q·Kᵀ (p = e over the
// head, c = j), outputs and dq are P·V and dS·K (p = j over the keys, c = e).
template <class Sh, bool FULL>
GS_INLINE void block_mm(const float* A, int64_t lda, const float* B, int64_t ldb, int64_t K, float* C,
                        int64_t ldc, int64_t w) {
  using V = typename Sh::V;
  V acc[BR];
  GS_UNROLL(8)
  for (int r = 0; r < BR; r++) acc[r] = V{};
  // Four p per step, summed among themselves before they join acc (a shorter chain of roundings than
  // adding one p at a time: the outputs of causal attention can be small sums of large terms).
  int64_t p = 0;
  for (; p + 4 <= K; p += 4) {
    const V b0 = row<V, FULL>(B, ldb, p, w), b1 = row<V, FULL>(B, ldb, p + 1, w);
    const V b2 = row<V, FULL>(B, ldb, p + 2, w), b3 = row<V, FULL>(B, ldb, p + 3, w);
    GS_UNROLL(8)
    for (int r = 0; r < BR; r++) {
      const float* a = A + r * lda + p;
      acc[r] += a[0] * b0 + a[1] * b1 + a[2] * b2 + a[3] * b3;
    }
  }
  for (; p < K; p++) {
    const V b0 = row<V, FULL>(B, ldb, p, w);
    GS_UNROLL(8)
    for (int r = 0; r < BR; r++) acc[r] += A[r * lda + p] * b0;
  }
  GS_UNROLL(8)
  for (int r = 0; r < BR; r++) {
    if (FULL) {
      storev(C + r * ldc, acc[r]);
    } else {
      for (int64_t c = 0; c < w; c++) C[r * ldc + c] = acc[r][c];
    }
  }
}

// S[r·T + j] = Σ_e Q[r·ldq + e]·Kt[e·T + j] for r < BR, j < n. Columns up to the next multiple of a
// vector may be computed too while it stays within T (callers read only j < n): a whole vector is
// cheaper than a partial one.
template <class Sh>
GS_INLINE void block_dots(const float* Q, int64_t ldq, const float* Kt, int64_t T, int64_t hs, float* Sc,
                          int64_t n) {
  constexpr int W = Sh::W;
  int64_t j0 = 0;
  for (; j0 < n && j0 + W <= T; j0 += W) block_mm<Sh, true>(Q, ldq, Kt + j0, T, hs, Sc + j0, T, W);
  if (j0 < n) block_mm<Sh, false>(Q, ldq, Kt + j0, T, hs, Sc + j0, T, n - j0);
}

// O[r·hs + e] = Σ_{j<n} Wt[r·T + j]·X[j·ld + e] for r < BR, e < hs, a vector of columns at a time.
template <class Sh>
GS_INLINE void block_axpy(const float* Wt, int64_t T, const float* X, int64_t ld, int64_t n, float* O,
                          int64_t hs) {
  constexpr int W = Sh::W;
  int64_t e0 = 0;
  for (; e0 + W <= hs; e0 += W) block_mm<Sh, true>(Wt, T, X + e0, ld, n, O + e0, hs, W);
  if (e0 < hs) block_mm<Sh, false>(Wt, T, X + e0, ld, n, O + e0, hs, hs - e0);
}

GS_INLINE float max_of(const float* s, int64_t n) {
  float m[8];
  for (int l = 0; l < 8; l++) m[l] = -INFINITY;
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++) m[l] = s[j + l] > m[l] ? s[j + l] : m[l];
  float r = -INFINITY;
  for (int l = 0; l < 8; l++) r = m[l] > r ? m[l] : r;
  for (; j < n; j++) r = s[j] > r ? s[j] : r;
  return r;
}

// e^(s - x0) as 2^((s - x0)·log2 e) (exp2_f: half exp_f's operations); at most 2^-125 below, which
// beside the row's largest term (1) is as good as 0.
GS_INLINE float exp_minus(float s, float x0) {
  float y = (s - x0) * 1.44269504088896341f;
  y = y < -125.0f ? -125.0f : y;
  return exp2_f(y > 128.0f ? 128.0f : y);
}

// s[j] = exp(s[j] - x0) for j < n, in whole vectors (W floats) while they fit in `room` floats: the
// lanes past n get the exp of whatever they held (callers overwrite or never read them). Causal rows
// are short (n = i + 1), and a scalar tail of up to W - 1 exps per row cost about as much as the
// vector part.
template <int W>
GS_INLINE void exp_shift(float* s, int64_t n, int64_t room, float x0) {
  int64_t j = 0;
  for (; j < n && j + W <= room; j += W)
    for (int l = 0; l < W; l++) s[j + l] = exp_minus(s[j + l], x0);
  for (; j < n; j++) s[j] = exp_minus(s[j], x0);
}

// s[j] = 0 for n <= j < i1, fewer than BR of them: a fixed loop (the compiler made a memset call of
// the open one, which cost more than the few stores).
GS_INLINE void zero_masked(float* s, int64_t n, int64_t i1) {
  for (int k = 0; k < BR - 1; k++)
    if (n + k < i1) s[n + k] = 0.0f;
}

// Σ s[j] for j < n: 16 partial sums, added in order, then the rest in order.
GS_INLINE float sum_of(const float* s, int64_t n) {
  float acc[16];
  for (int l = 0; l < 16; l++) acc[l] = 0.0f;
  int64_t j = 0;
  for (; j + 16 <= n; j += 16)
    for (int l = 0; l < 16; l++) acc[l] += s[j + l];
  float r = 0.0f;
  for (int l = 0; l < 16; l++) r += acc[l];
  for (; j < n; j++) r += s[j];
  return r;
}

// q[r·hs + e] = scale·query(i0 + r)[e] for the rows i0 <= i < i1 of a block, zeros for its rows past i1.
GS_INLINE void scaled_queries(const float* __restrict base, int64_t ld, int64_t i0, int64_t i1, int64_t hs,
                              float scale, float* __restrict q) {
  for (int64_t i = i0; i < i1; i++)
    for (int64_t e = 0; e < hs; e++) q[(i - i0) * hs + e] = base[i * ld + e] * scale;
  for (int64_t r = i1 - i0; r < BR; r++)
    for (int64_t e = 0; e < hs; e++) q[r * hs + e] = 0.0f;
}

// Σ_e a[e]·b[e] in 8 interleaved partial sums (a vector's worth of independent chains), added in order.
GS_INLINE float dot_row(const float* __restrict a, const float* __restrict b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t e = 0;
  for (; e + 8 <= n; e += 8)
    for (int l = 0; l < 8; l++) acc[l] += a[e + l] * b[e + l];
  float r = 0.0f;
  for (int l = 0; l < 8; l++) r += acc[l];
  for (; e < n; e++) r += a[e] * b[e];
  return r;
}

// HS > 0 fixes the head size at compile time (fully unrolled row loops); 0 reads it from d. Rows go
// in blocks of BR: their scores and outputs are computed together (block_dots, block_axpy).
template <class Sh, int HS>
GS_INLINE void fwd_head(const float* qkv, float* out, float* lse, int64_t b, int64_t h, const Dims& d,
                        float* buf, uint32_t* bits) {
  const int64_t T = d.T, hs = HS > 0 ? HS : d.hs, C = d.nh * hs, C3 = 3 * C;
  const float* base = qkv + b * T * C3 + h * hs;
  float* Kt = buf;            // hs × T
  float* S = buf + hs * T;    // BR × T: a block's scores, then probabilities (unnormalised)
  float* q = S + BR * T;      // BR × hs: the scaled query rows
  float* ob = q + BR * hs;    // BR × hs: the block's unnormalised outputs
  transpose_in(base + C, C3, Kt, T, hs);
  const float* V = base + 2 * C;
  float inv[BR];
  for (int64_t i0 = 0; i0 < T; i0 += BR) {
    const int64_t i1 = i0 + BR < T ? i0 + BR : T;
    scaled_queries(base, C3, i0, i1, hs, d.scale, q);
    block_dots<Sh>(q, hs, Kt, T, hs, S, i1);
    for (int64_t r = 0; r < BR; r++) {
      float* s = S + r * T;
      const int64_t i = i0 + r, n = i + 1;
      if (i >= i1) {  // a row past T: zero weights, nothing stored
        for (int64_t j = 0; j < i1; j++) s[j] = 0.0f;
        continue;
      }
      const float mx = max_of(s, n);
      exp_shift<Sh::W>(s, n, T, mx);
      const float sum = sum_of(s, n);
      zero_masked(s, n, i1);  // masked: the block's columns up to i1
      inv[r] = 1.0f / sum;
      lse[(b * d.nh + h) * T + i] = mx + std::log(sum);  // of the scores before dropout
      if (d.threshold) drop_row(s, n, mask_row(d, b, h, i), d, bits);
    }
    block_axpy<Sh>(S, T, V, C3, i1, ob, hs);
    for (int64_t i = i0; i < i1; i++) {
      float* o = out + (b * T + i) * C + h * hs;
      for (int64_t e = 0; e < hs; e++) o[e] = ob[(i - i0) * hs + e] * inv[i - i0];
    }
  }
}

// dk[e] (=, when init, else +=) Σ_r ds[r·T]·q[r·hs + e], and dv[e] likewise with p[r·T] and
// dy[r·ldy + e]: one column of dK and dV, in registers when HS > 0.
template <int HS>
GS_INLINE void accumulate_kv(float* dk, float* dv, bool init, const float* ds, const float* p, int64_t T,
                             const float* q, const float* dy, int64_t ldy, int64_t rows, int64_t hs) {
  if (init)
    for (int64_t e = 0; e < hs; e++) dk[e] = dv[e] = 0.0f;
  if constexpr (HS > 0) {
    float ak[HS], av[HS];
    for (int e = 0; e < HS; e++) {
      ak[e] = dk[e];
      av[e] = dv[e];
    }
    for (int64_t r = 0; r < rows; r++) {
      const float a = ds[r * T], c = p[r * T];
      for (int e = 0; e < HS; e++) {
        ak[e] += a * q[r * HS + e];
        av[e] += c * dy[r * ldy + e];
      }
    }
    for (int e = 0; e < HS; e++) {
      dk[e] = ak[e];
      dv[e] = av[e];
    }
  } else {
    for (int64_t r = 0; r < rows; r++) {
      const float a = ds[r * T], c = p[r * T];
      const float* __restrict qr = q + r * hs;
      const float* __restrict dyr = dy + r * ldy;
      float* __restrict k = dk;
      float* __restrict v = dv;
      for (int64_t e = 0; e < hs; e++) {
        k[e] += a * qr[e];
        v[e] += c * dyr[e];
      }
    }
  }
}

// accumulate_kv for Sh::kv_cols<HS>() consecutive columns j at once, column c at dk + c·ld (the same
// sums, in the same order), so that each row of q and dy is loaded once for those columns; HS is a
// multiple of Sh::W, a chunk of Sh::kv_vectors<HS>() vectors of each column at a time.
template <class Sh, int HS>
GS_INLINE void accumulate_kv_cols(float* dk, float* dv, int64_t ld, bool init, const float* ds, const float* p,
                                  int64_t T, const float* q, const float* dy, int64_t ldy, int64_t rows) {
  using V = typename Sh::V;
  constexpr int W = Sh::W, NV = Sh::template kv_vectors<HS>(), J = Sh::template kv_cols<HS>();
  static_assert(HS % (W * NV) == 0, "the head size is a whole number of chunks");
  for (int e0 = 0; e0 < HS; e0 += W * NV) {
    V ak[J][NV], av[J][NV];
    GS_UNROLL(4)
    for (int c = 0; c < J; c++)
      GS_UNROLL(4)
      for (int v = 0; v < NV; v++) {
        ak[c][v] = init ? V{} : loadv<V>(dk + c * ld + e0 + W * v);
        av[c][v] = init ? V{} : loadv<V>(dv + c * ld + e0 + W * v);
      }
    for (int64_t r = 0; r < rows; r++) {
      V qr[NV], dyr[NV];
      GS_UNROLL(4)
      for (int v = 0; v < NV; v++) {
        qr[v] = loadv<V>(q + r * HS + e0 + W * v);
        dyr[v] = loadv<V>(dy + r * ldy + e0 + W * v);
      }
      GS_UNROLL(4)
      for (int c = 0; c < J; c++) {
        const float a = ds[r * T + c], w = p[r * T + c];
        GS_UNROLL(4)
        for (int v = 0; v < NV; v++) {
          ak[c][v] += a * qr[v];
          av[c][v] += w * dyr[v];
        }
      }
    }
    GS_UNROLL(4)
    for (int c = 0; c < J; c++)
      GS_UNROLL(4)
      for (int v = 0; v < NV; v++) {
        storev(dk + c * ld + e0 + W * v, ak[c][v]);
        storev(dv + c * ld + e0 + W * v, av[c][v]);
      }
  }
}

constexpr int CH = 64;  // rows per chunk in the backward pass (a multiple of BR)

// Scratch floats of bwd_head: K and V transposed, a chunk's P and dS, its scaled queries, and a
// block's dy or dq rows.
inline int64_t bwd_scratch(int64_t T, int64_t hs) { return 2 * hs * T + 2 * CH * T + (CH + BR) * hs; }

// Rows go in chunks of CH: each block of BR rows computes its probabilities P and d(scores) dS
// (block_dots) and its dq (block_axpy); then dK and dV take the whole chunk's rows at once, in
// registers, written straight into dqkv (so each is loaded and stored once per chunk, not per block).
template <class Sh, int HS>
GS_INLINE void bwd_head(const float* qkv, const float* out, const float* dout, const float* lse, float* dqkv,
                        int64_t b, int64_t h, const Dims& d, float* buf, uint32_t* bits) {
  const int64_t T = d.T, hs = HS > 0 ? HS : d.hs, C = d.nh * hs, C3 = 3 * C;
  const float* base = qkv + b * T * C3 + h * hs;
  float* dbase = dqkv + b * T * C3 + h * hs;
  float* Kt = buf;              // hs × T
  float* Vt = Kt + hs * T;      // hs × T
  float* P = Vt + hs * T;       // CH × T: probabilities of a chunk of rows
  float* DS = P + CH * T;       // CH × T: d(scores), scaled
  float* q = DS + CH * T;       // CH × hs: the chunk's scaled query rows
  float* rows = q + CH * hs;    // BR × hs: a short block's dy rows, then a block's dq
  transpose_in(base + C, C3, Kt, T, hs);
  transpose_in(base + 2 * C, C3, Vt, T, hs);
  const float* lrow = lse + (b * d.nh + h) * T;
  for (int64_t c0 = 0; c0 < T; c0 += CH) {
    const int64_t c1 = c0 + CH < T ? c0 + CH : T;
    for (int64_t i0 = c0; i0 < c1; i0 += BR) {
      const int64_t i1 = i0 + BR < T ? i0 + BR : T;
      float* qb = q + (i0 - c0) * hs;
      float* Pb = P + (i0 - c0) * T;
      float* DSb = DS + (i0 - c0) * T;
      // The block's scores and dy·vᵀ for columns j < i1, all BR rows at once (rows past i1 are unused).
      scaled_queries(base, C3, i0, i1, hs, d.scale, qb);
      block_dots<Sh>(qb, hs, Kt, T, hs, Pb, i1);
      if (i1 - i0 == BR) {
        block_dots<Sh>(dout + (b * T + i0) * C + h * hs, C, Vt, T, hs, DSb, i1);
      } else {  // the last, short block: dy rows past T do not exist
        for (int64_t r = 0; r < BR; r++)
          for (int64_t e = 0; e < hs; e++)
            rows[r * hs + e] = i0 + r < i1 ? dout[(b * T + i0 + r) * C + h * hs + e] : 0.0f;
        block_dots<Sh>(rows, hs, Vt, T, hs, DSb, i1);
      }
      // D_i = dy_i·y_i = Σ_j p̃_ij dp̃_ij, the softmax-backward correction (y = Σ_j p̃_ij v_j).
      float D[BR];
      for (int64_t r = 0; r < i1 - i0; r++) D[r] = dot_row(dout + (b * T + i0 + r) * C + h * hs, out + (b * T + i0 + r) * C + h * hs, hs);
      for (int64_t i = i0; i < i1; i++) {
        const int64_t n = i + 1, r = i - i0;
        float* p = Pb + r * T;
        float* ds = DSb + r * T;
        exp_shift<Sh::W>(p, n, T, lrow[i]);
        if (d.threshold) {
          // With the dropped p̃ = p·z (z = mask·keep_scale): dp = z·dp̃, ds = p·(dp − D), and dV takes p̃.
          philox_elements(mask_row(d, b, h, i), n, d.k0, d.k1, bits);
          const uint32_t threshold = d.threshold;
          const float keep = d.keep_scale, Dr = D[r];
          for (int64_t j = 0; j < n; j++) {
            const float z = bits[j] >= threshold ? keep : 0.0f;
            ds[j] = p[j] * (z * ds[j] - Dr);
            p[j] *= z;
          }
        } else {
          const float Dr = D[r];
          for (int64_t j = 0; j < n; j++) ds[j] = p[j] * (ds[j] - Dr);
        }
        zero_masked(p, n, i1);  // masked: the block's columns up to i1
        zero_masked(ds, n, i1);
      }
      // dq_i = scale · Σ_j ds_ij k_j for the block's rows (rows past i1 have garbage ds and are not stored).
      block_axpy<Sh>(DSb, T, base + C, C3, i1, rows, hs);
      for (int64_t i = i0; i < i1; i++) {
        float* dq = dbase + i * C3;
        for (int64_t e = 0; e < hs; e++) dq[e] = rows[(i - i0) * hs + e] * d.scale;
      }
    }
    // dK_j += Σ_i ds_ij (scale·q_i), dV_j += Σ_i p̃_ij dy_i over the chunk's rows i >= the start of j's
    // block (the block's rows before j hold zeros there), for columns j < c1; a column's first chunk
    // (the one holding row j) starts its sums.
    const float* dyc = dout + (b * T + c0) * C + h * hs;
    int64_t j = 0;
    if constexpr (HS > 0) {
      constexpr int J = Sh::template kv_cols<HS>();
      static_assert(BR % J == 0, "a group of columns lies in one block");
      for (; j + J <= c1; j += J) {
        const int64_t r0 = (j > c0 ? j / BR * BR : c0) - c0;
        accumulate_kv_cols<Sh, HS>(dbase + j * C3 + C, dbase + j * C3 + 2 * C, C3, j >= c0, DS + r0 * T + j,
                                   P + r0 * T + j, T, q + r0 * hs, dyc + r0 * C, C, c1 - c0 - r0);
      }
    }
    for (; j < c1; j++) {
      const int64_t r0 = (j > c0 ? j / BR * BR : c0) - c0;
      accumulate_kv<HS>(dbase + j * C3 + C, dbase + j * C3 + 2 * C, j >= c0, DS + r0 * T + j, P + r0 * T + j, T,
                        q + r0 * hs, dyc + r0 * C, C, c1 - c0 - r0, hs);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// variants: SUFFIX names the ISA and its register-block shape.

struct Fns {
  void (*fwd)(const float*, float*, float*, int64_t, int64_t, const Dims&, float*, uint32_t*);
  void (*bwd)(const float*, const float*, const float*, const float*, float*, int64_t, int64_t, const Dims&,
              float*, uint32_t*);
};

#define GS_ATTN_VARIANT(SUFFIX, ATTR)                                                                     \
  ATTR void fwd_##SUFFIX(const float* qkv, float* out, float* lse, int64_t b, int64_t h, const Dims& d,   \
                         float* buf, uint32_t* bits) {                                                  \
    if (d.hs == 32) fwd_head<shape_##SUFFIX, 32>(qkv, out, lse, b, h, d, buf, bits);                                   \
    else if (d.hs == 64) fwd_head<shape_##SUFFIX, 64>(qkv, out, lse, b, h, d, buf, bits);                              \
    else fwd_head<shape_##SUFFIX, 0>(qkv, out, lse, b, h, d, buf, bits);                                                \
  }                                                                                                     \
  ATTR void bwd_##SUFFIX(const float* qkv, const float* out, const float* dout, const float* lse,         \
                         float* dqkv, int64_t b, int64_t h, const Dims& d, float* buf, uint32_t* bits) { \
    if (d.hs == 32) bwd_head<shape_##SUFFIX, 32>(qkv, out, dout, lse, dqkv, b, h, d, buf, bits);                       \
    else if (d.hs == 64) bwd_head<shape_##SUFFIX, 64>(qkv, out, dout, lse, dqkv, b, h, d, buf, bits);                  \
    else bwd_head<shape_##SUFFIX, 0>(qkv, out, dout, lse, dqkv, b, h, d, buf, bits);                                    \
  }                                                                                                     \
  const Fns fns_##SUFFIX = {fwd_##SUFFIX, bwd_##SUFFIX};

GS_FOR_EACH_ISA(GS_ATTN_VARIANT)

const Fns& fns() {
  static const Fns* f = GS_PICK_ISA(fns);
  return *f;
}

// Per-thread scratch, grown as needed and kept for the next call.
template <typename T>
T* scratch(int64_t n) {
  thread_local std::vector<T> buf;
  if (static_cast<int64_t>(buf.size()) < n) buf.resize(static_cast<size_t>(n));
  return buf.data();
}

// A task's scratch: floats for the kernel, a row of mask bits for dropout.
struct Scratch {
  float* buf;
  uint32_t* bits;
};

// sc = [B, T, nh, hs, scale, key0, key1, threshold, keep_scale]: positive counts, finite scales, the
// dropout slots 0 (or absent) when there is none.
bool parse_dims(const double* sc, int64_t sclen, Dims* d) {
  int64_t c[4];
  if (sclen < 5) return false;
  for (int i = 0; i < 4; i++)
    if (!as_count(sc[i], &c[i]) || c[i] == 0) return false;
  if (!std::isfinite(sc[4])) return false;
  *d = Dims{c[0], c[1], c[2], c[3], static_cast<float>(sc[4]), 0, 0, 0, 1.0f};
  if (sclen >= 9 && sc[7] != 0) {
    if (!as_u32(sc[5], &d->k0) || !as_u32(sc[6], &d->k1) || !as_u32(sc[7], &d->threshold) ||
        !std::isfinite(sc[8]))
      return false;
    d->keep_scale = static_cast<float>(sc[8]);
  }
  return true;
}

// Runs f(b, h, scratch) over every (batch, head), on the pool when the work is worth it.
template <class F>
void over_heads(const Dims& d, int64_t bufLen, const F& f) {
  const int64_t tasks = d.B * d.nh;
  const double work = static_cast<double>(tasks) * static_cast<double>(d.T) * static_cast<double>(d.T) *
                      static_cast<double>(d.hs);
  const int threads = threads_for(work, 65536.0);
  const int64_t bitsLen = d.threshold ? d.T : 0;
  if (threads == 1 || tasks == 1) {
    const Scratch s{scratch<float>(bufLen), scratch<uint32_t>(bitsLen)};
    for (int64_t t = 0; t < tasks; t++) f(t / d.nh, t % d.nh, s);
    return;
  }
  struct Ctx {
    const F* f;
    int64_t nh, bufLen, bitsLen;
  } ctx{&f, d.nh, bufLen, bitsLen};
  run_tasks(
      tasks,
      [](void* vc, int64_t t, int) {
        const Ctx& c = *static_cast<const Ctx*>(vc);
        (*c.f)(t / c.nh, t % c.nh, Scratch{scratch<float>(c.bufLen), scratch<uint32_t>(c.bitsLen)});
      },
      &ctx, threads);
}

}  // namespace

bool k_causal_attention(const Arr& qkv, const Arr& out, const Arr& lse, const double* sc, int64_t sclen) {
  Dims d;
  if (!parse_dims(sc, sclen, &d)) return false;
  const double C = static_cast<double>(d.nh) * static_cast<double>(d.hs);
  const double BT = static_cast<double>(d.B) * static_cast<double>(d.T);
  if (BT * 3 * C > 1e15 || qkv.kind != F32 || out.kind != F32 || lse.kind != F32 ||
      static_cast<double>(qkv.len) < BT * 3 * C || static_cast<double>(out.len) < BT * C ||
      static_cast<double>(lse.len) < BT * static_cast<double>(d.nh))
    return false;
  const float* Q = static_cast<const float*>(qkv.p);
  float* O = static_cast<float*>(out.p);
  float* L = static_cast<float*>(lse.p);
  auto fn = fns().fwd;
  over_heads(d, d.hs * d.T + BR * d.T + 2 * BR * d.hs,
             [&](int64_t b, int64_t h, const Scratch& s) { fn(Q, O, L, b, h, d, s.buf, s.bits); });
  return true;
}

bool k_causal_attention_backward(const Arr& qkv, const Arr& out, const Arr& dout, const Arr& lse,
                                 const Arr& dqkv, const double* sc, int64_t sclen) {
  Dims d;
  if (!parse_dims(sc, sclen, &d)) return false;
  const double C = static_cast<double>(d.nh) * static_cast<double>(d.hs);
  const double BT = static_cast<double>(d.B) * static_cast<double>(d.T);
  if (BT * 3 * C > 1e15 || qkv.kind != F32 || out.kind != F32 || dout.kind != F32 || lse.kind != F32 ||
      dqkv.kind != F32 || static_cast<double>(qkv.len) < BT * 3 * C ||
      static_cast<double>(dqkv.len) < BT * 3 * C || static_cast<double>(out.len) < BT * C ||
      static_cast<double>(dout.len) < BT * C || static_cast<double>(lse.len) < BT * static_cast<double>(d.nh))
    return false;
  const float *Q = static_cast<const float*>(qkv.p), *O = static_cast<const float*>(out.p);
  const float *G = static_cast<const float*>(dout.p), *L = static_cast<const float*>(lse.p);
  float* DQ = static_cast<float*>(dqkv.p);
  auto fn = fns().bwd;
  const int64_t bufLen = bwd_scratch(d.T, d.hs);
  over_heads(d, bufLen, [&](int64_t b, int64_t h, const Scratch& s) { fn(Q, O, G, L, DQ, b, h, d, s.buf, s.bits); });
  return true;
}

}  // namespace gs
