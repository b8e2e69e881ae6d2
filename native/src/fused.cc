// Fused kernels (softmax, layerNorm and its backward, cross-entropy, GELU and its backward) and the
// float32 transcendental unary ops, on the vectorisable math of vmath.h. Each body is compiled twice:
// for baseline x86-64/arm64 and, on x86-64, for AVX2+FMA, chosen at run time.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "isa.h"
#include "ops.h"
#include "pool.h"
#include "vmath.h"

namespace gs {
namespace {

using namespace vm;

constexpr int L = 8;  // accumulator lanes

// ---------------------------------------------------------------------------------------------
// bodies (always inlined into each instruction-set variant below)

template <class F>
GS_INLINE void map_body(const float* x, float* o, int64_t n, F f) {
  for (int64_t i = 0; i < n; i++) o[i] = f(x[i]);
}

GS_INLINE float row_max(const float* x, int64_t n) {
  float m[L];
  for (int l = 0; l < L; l++) m[l] = -INFINITY;
  int64_t j = 0;
  for (; j + L <= n; j += L)
    for (int l = 0; l < L; l++) m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
  float r = -INFINITY;
  for (int l = 0; l < L; l++) r = m[l] > r ? m[l] : r;
  for (; j < n; j++) r = x[j] > r ? x[j] : r;
  return r;
}

// e[j] = exp(x[j] - mx); returns Σ e[j] (in double). The exps first, then their sum: one loop of both
// kept WebAssembly's exps scalar (its double sums do not vectorise with them); same values, same order.
GS_INLINE double exp_sum(const float* x, float* e, int64_t n, float mx) {
  for (int64_t j = 0; j < n; j++) e[j] = exp_f(x[j] - mx);
  double s[L] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + L <= n; j += L)
    for (int l = 0; l < L; l++) s[l] += static_cast<double>(e[j + l]);
  double r = 0;
  for (int l = 0; l < L; l++) r += s[l];
  for (; j < n; j++) r += static_cast<double>(e[j]);
  return r;
}

GS_INLINE void softmax_body(const float* x, float* out, int64_t r0, int64_t r1, int64_t cols, bool log) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    float mx = row_max(xr, cols);
    if (mx == -INFINITY || mx == INFINITY) mx = 0;  // as cpu-js: all -inf rows give nan / -inf
    const double sum = exp_sum(xr, o, cols, mx);
    if (log) {
      const double lse = std::log(sum) + mx;
      for (int64_t j = 0; j < cols; j++) o[j] = static_cast<float>(static_cast<double>(xr[j]) - lse);
    } else {
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t j = 0; j < cols; j++) o[j] *= inv;
    }
  }
}

GS_INLINE void xent_body(const float* x, const int32_t* targets, float* losses, float* probs, int64_t r0,
                         int64_t r1, int64_t cols, int64_t ignore, int64_t total) {
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * cols;
    float* p = probs + r * cols;
    const float mx = row_max(xr, cols);
    const double sum = exp_sum(xr, p, cols, mx);
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t j = 0; j < cols; j++) p[j] *= inv;
    const int64_t t = targets[r];
    double loss;
    if (t == ignore)
      loss = 0;
    else if (r * cols + t < 0 || r * cols + t >= total)
      loss = NAN;  // a target out of range reads where cpu-js reads (undefined past the ends)
    else
      loss = std::log(sum) + mx - static_cast<double>(xr[t]);
    losses[r] = static_cast<float>(loss);
  }
}

// layerNorm in float32 arithmetic, as PyTorch's CPU kernel. A row's sums go in LF interleaved float
// partial sums, held as LF / VW vectors of the instruction set's VW floats (one AVX-512 vector, two
// AVX2 ones, four SSE2, NEON or SIMD128 ones: the same lanes, so the same sums, on every set), and
// are combined by halving (hsum).
constexpr int LF = 16;
constexpr int VW_generic = 4, VW_avx2 = 8, VW_avx512 = 16;  // floats per vector, by variant suffix

typedef float f32x4 __attribute__((vector_size(16)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef float f32x16 __attribute__((vector_size(64)));
// The low and high halves of a vector (memcpy: no shuffle builtin that GCC before 12 and clang share).
template <class H, class V>
GS_INLINE H half(const V& v, int which) {
  H h;
  std::memcpy(&h, reinterpret_cast<const char*>(&v) + which * sizeof h, sizeof h);
  return h;
}
GS_INLINE float hsum4(f32x4 b) { return (b[0] + b[2]) + (b[1] + b[3]); }
GS_INLINE float hsum8(f32x8 a) { return hsum4(half<f32x4>(a, 0) + half<f32x4>(a, 1)); }
GS_INLINE f32x8 fold16(f32x16 v) { return half<f32x8>(v, 0) + half<f32x8>(v, 1); }

// (A vector_size that depends on a template parameter is dropped by GCC: one typedef per width.)
template <int VW>
struct VecOf;
template <>
struct VecOf<4> {
  typedef f32x4 T;
};
template <>
struct VecOf<8> {
  typedef f32x8 T;
};
template <>
struct VecOf<16> {
  typedef f32x16 T;
};

template <int VW>
struct Lanes {
  typedef typename VecOf<VW>::T V;
  static constexpr int N = LF / VW;
  static GS_INLINE V load(const float* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static GS_INLINE void store(float* p, V v) { std::memcpy(p, &v, sizeof v); }
  // Σ of the LF lanes of v[0..N): lane l + 8 onto lane l, then l + 4 onto l, then (0 + 2) + (1 + 3).
  static GS_INLINE float hsum(const V* v) {
    if constexpr (VW == 16) return hsum8(fold16(v[0]));
    else if constexpr (VW == 8) return hsum8(v[0] + v[1]);
    else return hsum4((v[0] + v[2]) + (v[1] + v[3]));
  }
};

// The variance in two passes, Σ(x − mean)², not E[x²] − mean²; with Σ(x − mean) too, mean being a
// rounded mean and c = Σ(x − mean)/cols its correction (the corrected two-pass algorithm), so that a
// row far from 0 loses no more than the rounding of x − mean.
template <int VW, bool W, bool B>
GS_INLINE void ln_rows(const float* __restrict x, const float* __restrict w, const float* __restrict b,
                       float* __restrict out, float* __restrict mean, float* __restrict rstd, int64_t r0, int64_t r1,
                       int64_t cols, double eps) {
  using Ln = Lanes<VW>;
  using V = typename Ln::V;
  constexpr int N = Ln::N;
  const float n = static_cast<float>(cols), e = static_cast<float>(eps);
  for (int64_t r = r0; r < r1; r++) {
    const float* __restrict xr = x + r * cols;
    float* __restrict o = out + r * cols;
    V s[N] = {};
    int64_t j = 0;
    for (; j + LF <= cols; j += LF)
      for (int k = 0; k < N; k++) s[k] += Ln::load(xr + j + k * VW);
    float sum = Ln::hsum(s);
    for (; j < cols; j++) sum += xr[j];
    const float mu = sum / n;
    V q[N] = {}, t[N] = {};
    for (j = 0; j + LF <= cols; j += LF)
      for (int k = 0; k < N; k++) {
        const V d = Ln::load(xr + j + k * VW) - mu;
        q[k] += d * d;
        t[k] += d;
      }
    float sq = Ln::hsum(q), sd = Ln::hsum(t);
    for (; j < cols; j++) {
      const float d = xr[j] - mu;
      sq += d * d;
      sd += d;
    }
    const float c = sd / n, v = sq / n - c * c;  // v < 0 only by rounding (NaN stays NaN)
    const float rs = 1.0f / std::sqrt((v < 0.0f ? 0.0f : v) + e);
    const float shift = -c * rs;
    mean[r] = mu + c;
    rstd[r] = rs;
    for (j = 0; j < cols; j++) {
      float y = (xr[j] - mu) * rs + shift;
      if (W) y *= w[j];
      if (B) y += b[j];
      o[j] = y;
    }
  }
}

template <int VW>
GS_INLINE void ln_body(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd,
                       int64_t r0, int64_t r1, int64_t cols, double eps) {
  if (w && b) ln_rows<VW, true, true>(x, w, b, out, mean, rstd, r0, r1, cols, eps);
  else if (w) ln_rows<VW, true, false>(x, w, b, out, mean, rstd, r0, r1, cols, eps);
  else if (b) ln_rows<VW, false, true>(x, w, b, out, mean, rstd, r0, r1, cols, eps);
  else ln_rows<VW, false, false>(x, w, b, out, mean, rstd, r0, r1, cols, eps);
}

// Rows per block of layerNorm's backward: Σ g·xhat and Σ g over a block's rows are float sums (one
// per column), added into the chunk's double sums once per block.
constexpr int64_t LNB_BLOCK = 64;

// Rows [r0, r1): dx, and Σ over these rows of g·xhat and g into dwAcc / dbAcc (double; DW, DB say
// whether they are wanted), through the float block sums pw / pb (cols each). The column sums join
// the pass that sums the row, so xhat is computed twice per element rather than three times.
template <int VW, bool W, bool DW, bool DB>
GS_INLINE void lnb_rows(const float* __restrict g, const float* __restrict x, const float* __restrict w,
                        const float* __restrict mean, const float* __restrict rstd, float* __restrict dx,
                        double* __restrict dwAcc, double* __restrict dbAcc, float* __restrict pw,
                        float* __restrict pb, int64_t r0, int64_t r1, int64_t cols) {
  using Ln = Lanes<VW>;
  using V = typename Ln::V;
  constexpr int N = Ln::N;
  const float n = static_cast<float>(cols);
  for (int64_t b0 = r0; b0 < r1; b0 += LNB_BLOCK) {
    const int64_t b1 = b0 + LNB_BLOCK < r1 ? b0 + LNB_BLOCK : r1;
    for (int64_t j = 0; j < cols; j++) {
      if (DW) pw[j] = 0.0f;
      if (DB) pb[j] = 0.0f;
    }
    for (int64_t r = b0; r < b1; r++) {
      const float* __restrict gr = g + r * cols;
      const float* __restrict xr = x + r * cols;
      float* __restrict d = dx + r * cols;
      const float mu = mean[r], rs = rstd[r];
      V sg[N] = {}, sgx[N] = {};
      int64_t j = 0;
      for (; j + LF <= cols; j += LF)
        for (int k = 0; k < N; k++) {
          const int64_t jk = j + k * VW;
          const V xhat = (Ln::load(xr + jk) - mu) * rs;
          const V gj = Ln::load(gr + jk);
          const V gy = W ? gj * Ln::load(w + jk) : gj;
          sg[k] += gy;
          sgx[k] += gy * xhat;
          if (DW) Ln::store(pw + jk, Ln::load(pw + jk) + gj * xhat);
          if (DB) Ln::store(pb + jk, Ln::load(pb + jk) + gj);
        }
      float sumG = Ln::hsum(sg), sumGX = Ln::hsum(sgx);
      for (; j < cols; j++) {
        const float xhat = (xr[j] - mu) * rs;
        const float gj = gr[j];
        const float gy = W ? gj * w[j] : gj;
        sumG += gy;
        sumGX += gy * xhat;
        if (DW) pw[j] += gj * xhat;
        if (DB) pb[j] += gj;
      }
      const float mg = sumG / n, mgx = sumGX / n;
      for (j = 0; j < cols; j++) {
        const float xhat = (xr[j] - mu) * rs;
        const float gy = W ? gr[j] * w[j] : gr[j];
        d[j] = rs * (gy - mg - xhat * mgx);
      }
    }
    for (int64_t j = 0; j < cols; j++) {
      if (DW) dwAcc[j] += static_cast<double>(pw[j]);
      if (DB) dbAcc[j] += static_cast<double>(pb[j]);
    }
  }
}

template <int VW, bool W>
GS_INLINE void lnb_sums(const float* g, const float* x, const float* w, const float* mean, const float* rstd,
                        float* dx, double* dwAcc, double* dbAcc, float* pw, float* pb, int64_t r0, int64_t r1,
                        int64_t cols) {
  if (dwAcc && dbAcc) lnb_rows<VW, W, true, true>(g, x, w, mean, rstd, dx, dwAcc, dbAcc, pw, pb, r0, r1, cols);
  else if (dwAcc) lnb_rows<VW, W, true, false>(g, x, w, mean, rstd, dx, dwAcc, dbAcc, pw, pb, r0, r1, cols);
  else if (dbAcc) lnb_rows<VW, W, false, true>(g, x, w, mean, rstd, dx, dwAcc, dbAcc, pw, pb, r0, r1, cols);
  else lnb_rows<VW, W, false, false>(g, x, w, mean, rstd, dx, dwAcc, dbAcc, pw, pb, r0, r1, cols);
}

template <int VW>
GS_INLINE void lnb_body(const float* g, const float* x, const float* w, const float* mean, const float* rstd,
                        float* dx, double* dwAcc, double* dbAcc, float* pw, float* pb, int64_t r0, int64_t r1,
                        int64_t cols) {
  if (w) lnb_sums<VW, true>(g, x, w, mean, rstd, dx, dwAcc, dbAcc, pw, pb, r0, r1, cols);
  else lnb_sums<VW, false>(g, x, w, mean, rstd, dx, dwAcc, dbAcc, pw, pb, r0, r1, cols);
}

constexpr float INV_SQRT_2 = 0.70710678118654752440f;
constexpr float INV_SQRT_2PI = 0.39894228040143267794f;

// GELU (tanh) with u = √(2/π)·(v + 0.044715·v³): e^(-2u) = 2^(v·(A + B·v²)), ln 2 folded into A and B
// so that one exp2_f (fewer operations than exp_f) gives it.
constexpr double GELU_A = -2.0 * 1.44269504088896340736 * 0.79788456080286535588;
constexpr float GELU_M2U_A = static_cast<float>(GELU_A), GELU_M2U_B = static_cast<float>(GELU_A * 0.044715);
// 2·du/dv = 2√(2/π)·(1 + 3·0.044715·v²), and the backward's cap on -2u (80) in log2 units.
constexpr float GELU_DU2_0 = static_cast<float>(2.0 * 0.79788456080286535588);
constexpr float GELU_DU2_2 = static_cast<float>(2.0 * 0.79788456080286535588 * 3.0 * 0.044715);
constexpr float GELU_BWD_MAX = static_cast<float>(80.0 * 1.44269504088896340736);

// -2u·log2(e) for GELU's v, clamped to [-125, hi] (exp2_f's range; 2^-125 is as good as 0 beside 1).
GS_INLINE float gelu_m2u_log2e(float v, float hi) {
  float y = v * (GELU_M2U_A + GELU_M2U_B * (v * v));
  y = y < -125.0f ? -125.0f : y;
  return y > hi ? hi : y;
}

GS_INLINE void gelu_body(const float* x, float* o, int64_t n, bool tanh_approx) {
  if (tanh_approx) {
    // 0.5·v·(1 + tanh(u)) = v·sigmoid(2u) = v / (1 + e^(-2u)): no cancellation in the left tail.
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      o[i] = v / (1.0f + exp2_f(gelu_m2u_log2e(v, 128.0f)));
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      o[i] = 0.5f * v * one_plus_erf_f(v * INV_SQRT_2);
    }
  }
}

GS_INLINE void gelub_body(const float* g, const float* x, float* dx, int64_t n, bool tanh_approx) {
  if (tanh_approx) {
    // With s = sigmoid(2u): 0.5(1 + tanh u) = s and 1 - tanh²u = 4s(1 - s).
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      const float e = exp2_f(gelu_m2u_log2e(v, GELU_BWD_MAX));  // e^(-2u), at most e^80
      const float s = 1.0f / (1.0f + e);
      const float du2 = GELU_DU2_0 + GELU_DU2_2 * (v * v);  // 2·du/dv
      const float d = s + s * ((e * s) * (v * du2));
      dx[i] = g[i] * (abs_f(v) == INFINITY ? NAN : d);  // ±inf: nan, as the formula gives in cpu-js
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      dx[i] = g[i] * (0.5f * one_plus_erf_f(v * INV_SQRT_2) + v * INV_SQRT_2PI * exp_f(-0.5f * v * v));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// variants

using MapFn = void (*)(const float*, float*, int64_t);
struct Fns {
  MapFn exp, expm1, tanh, sigmoid, erf;
  void (*softmax)(const float*, float*, int64_t, int64_t, int64_t, bool);
  void (*xent)(const float*, const int32_t*, float*, float*, int64_t, int64_t, int64_t, int64_t, int64_t);
  void (*ln)(const float*, const float*, const float*, float*, float*, float*, int64_t, int64_t, int64_t, double);
};

#define GS_VARIANT_SET(SUFFIX, ATTR)                                                                    \
  ATTR void exp_##SUFFIX(const float* x, float* o, int64_t n) {                                         \
    map_body(x, o, n, [](float v) { return exp_f(v); });                                                \
  }                                                                                                     \
  ATTR void expm1_##SUFFIX(const float* x, float* o, int64_t n) {                                       \
    map_body(x, o, n, [](float v) { return expm1_f(v); });                                              \
  }                                                                                                     \
  ATTR void tanh_##SUFFIX(const float* x, float* o, int64_t n) {                                        \
    map_body(x, o, n, [](float v) { return tanh_f(v); });                                               \
  }                                                                                                     \
  ATTR void sigmoid_##SUFFIX(const float* x, float* o, int64_t n) {                                     \
    map_body(x, o, n, [](float v) { return sigmoid_f(v); });                                            \
  }                                                                                                     \
  ATTR void erf_##SUFFIX(const float* x, float* o, int64_t n) {                                         \
    map_body(x, o, n, [](float v) { return erf_f(v); });                                                \
  }                                                                                                     \
  ATTR void softmax_##SUFFIX(const float* x, float* o, int64_t r0, int64_t r1, int64_t c, bool lg) {    \
    softmax_body(x, o, r0, r1, c, lg);                                                                  \
  }                                                                                                     \
  ATTR void xent_##SUFFIX(const float* x, const int32_t* t, float* ls, float* p, int64_t r0, int64_t r1, \
                          int64_t c, int64_t ig, int64_t total) {                                       \
    xent_body(x, t, ls, p, r0, r1, c, ig, total);                                                       \
  }                                                                                                     \
  ATTR void ln_##SUFFIX(const float* x, const float* w, const float* b, float* o, float* m, float* rs,  \
                        int64_t r0, int64_t r1, int64_t c, double eps) {                                \
    ln_body<VW_##SUFFIX>(x, w, b, o, m, rs, r0, r1, c, eps);                                            \
  }                                                                                                     \
  const Fns fns_##SUFFIX = {exp_##SUFFIX,  expm1_##SUFFIX, tanh_##SUFFIX, sigmoid_##SUFFIX,              \
                            erf_##SUFFIX,  softmax_##SUFFIX, xent_##SUFFIX, ln_##SUFFIX};

GS_FOR_EACH_ISA_TO_AVX2(GS_VARIANT_SET)

const Fns& fns() {
  static const Fns* f = GS_PICK_ISA_TO_AVX2(fns);
  return *f;
}

// GELU is arithmetic-bound (an exp and a division per element), and so is layerNorm's backward (two
// row sums and two column sums per element, 16 lanes instead of 8): their AVX-512 builds are faster
// than the AVX2 ones (the backward by 2-13% at the GPT step's [768, 128]), unlike the kernels above
// (layerNorm's forward too: no faster on AVX-512).
struct ArithFns {
  void (*gelu)(const float*, float*, int64_t, bool);
  void (*gelub)(const float*, const float*, float*, int64_t, bool);
  void (*lnb)(const float*, const float*, const float*, const float*, const float*, float*, double*, double*,
              float*, float*, int64_t, int64_t, int64_t);
};

#define GS_ARITH_VARIANT(SUFFIX, ATTR)                                                                   \
  ATTR void gelu_##SUFFIX(const float* x, float* o, int64_t n, bool t) { gelu_body(x, o, n, t); }       \
  ATTR void gelub_##SUFFIX(const float* g, const float* x, float* dx, int64_t n, bool t) {              \
    gelub_body(g, x, dx, n, t);                                                                         \
  }                                                                                                     \
  ATTR void lnb_##SUFFIX(const float* g, const float* x, const float* w, const float* m, const float* rs, \
                         float* dx, double* dw, double* db, float* pw, float* pb, int64_t r0, int64_t r1,  \
                         int64_t c) {                                                                   \
    lnb_body<VW_##SUFFIX>(g, x, w, m, rs, dx, dw, db, pw, pb, r0, r1, c);                               \
  }                                                                                                     \
  const ArithFns arith_fns_##SUFFIX = {gelu_##SUFFIX, gelub_##SUFFIX, lnb_##SUFFIX};

GS_FOR_EACH_ISA(GS_ARITH_VARIANT)

const ArithFns& arith_fns() {
  static const ArithFns* f = GS_PICK_ISA(arith_fns);
  return *f;
}

constexpr int64_t GRAIN = 16384;  // elements per thread below which a kernel stays on one thread

template <class F>
void rows_parallel(int64_t rows, int64_t cols, const F& f) {
  parallel_for(rows, std::max<int64_t>(1, GRAIN / std::max<int64_t>(cols, 1)), f);
}

inline bool f32(const Arr& a, int64_t need) { return a.kind == F32 && a.len >= need; }
inline bool f32_opt(const Arr& a, int64_t need) { return a.kind == NONE || f32(a, need); }
inline const float* cptr(const Arr& a) { return a.kind == NONE ? nullptr : static_cast<const float*>(a.p); }

}  // namespace

bool k_fast_unary_f32(int op, const float* x, float* out, int64_t n) {
  const Fns& f = fns();
  MapFn m = op == U_EXP ? f.exp
            : op == U_EXPM1 ? f.expm1
            : op == U_TANH ? f.tanh
            : op == U_SIGMOID ? f.sigmoid
            : op == U_ERF ? f.erf
            : nullptr;
  if (m == nullptr) return false;
  parallel_for(n, GRAIN, [&](int64_t b, int64_t e) { m(x + b, out + b, e - b); });
  return true;
}

bool k_softmax(const Arr& x, const Arr& out, int64_t rows, int64_t cols, bool log) {
  const double n = static_cast<double>(rows) * static_cast<double>(cols);
  if (n > 1e15 || !f32(x, rows * cols) || !f32(out, rows * cols)) return false;
  if (rows * cols == 0) return true;
  const float* X = static_cast<const float*>(x.p);
  float* O = static_cast<float*>(out.p);
  auto fn = fns().softmax;
  rows_parallel(rows, cols, [&](int64_t r0, int64_t r1) { fn(X, O, r0, r1, cols, log); });
  return true;
}

bool k_cross_entropy(const Arr& logits, const Arr& targets, const Arr& losses, const Arr& probs, int64_t rows,
                     int64_t cols, int64_t ignore) {
  const double n = static_cast<double>(rows) * static_cast<double>(cols);
  if (n > 1e15 || !f32(logits, rows * cols) || !f32(probs, rows * cols) || !f32(losses, rows) ||
      targets.kind != I32 || targets.len < rows || cols == 0)
    return false;
  const float* X = static_cast<const float*>(logits.p);
  const int32_t* T = static_cast<const int32_t*>(targets.p);
  float* Ls = static_cast<float*>(losses.p);
  float* P = static_cast<float*>(probs.p);
  auto fn = fns().xent;
  const int64_t total = logits.len;
  rows_parallel(rows, cols, [&](int64_t r0, int64_t r1) { fn(X, T, Ls, P, r0, r1, cols, ignore, total); });
  return true;
}

bool k_cross_entropy_backward(const Arr& probs, const Arr& targets, const Arr& g, const Arr& dlogits, int64_t rows,
                              int64_t cols, int64_t ignore) {
  const double n = static_cast<double>(rows) * static_cast<double>(cols);
  if (n > 1e15 || !f32(probs, rows * cols) || !f32(dlogits, rows * cols) || !f32(g, rows) || targets.kind != I32 ||
      targets.len < rows)
    return false;
  const float* P = static_cast<const float*>(probs.p);
  const int32_t* T = static_cast<const int32_t*>(targets.p);
  const float* G = static_cast<const float*>(g.p);
  float* D = static_cast<float*>(dlogits.p);
  // The arithmetic of the composition it replaces: (p − onehot) rounded, times g (times 0 where ignored).
  rows_parallel(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const bool ignored = T[r] == ignore;
      const float gr = ignored ? G[r] * 0.0f : G[r];
      const int64_t hot = ignored ? 0 : T[r];
      const float* p = P + r * cols;
      float* d = D + r * cols;
      for (int64_t j = 0; j < cols; j++) d[j] = p[j] * gr;  // (p − 0)·g is p·g exactly
      if (hot >= 0 && hot < cols) d[hot] = (p[hot] - 1.0f) * gr;
    }
  });
  return true;
}

bool k_layer_norm(const Arr& x, const Arr& w, const Arr& b, const Arr& out, const Arr& mean, const Arr& rstd,
                  int64_t rows, int64_t cols, double eps) {
  const double n = static_cast<double>(rows) * static_cast<double>(cols);
  if (n > 1e15 || !f32(x, rows * cols) || !f32(out, rows * cols) || !f32_opt(w, cols) || !f32_opt(b, cols) ||
      !f32(mean, rows) || !f32(rstd, rows) || cols == 0)
    return false;
  const float* X = static_cast<const float*>(x.p);
  const float *W = cptr(w), *B = cptr(b);
  float* O = static_cast<float*>(out.p);
  float* M = static_cast<float*>(mean.p);
  float* R = static_cast<float*>(rstd.p);
  auto fn = fns().ln;
  rows_parallel(rows, cols, [&](int64_t r0, int64_t r1) { fn(X, W, B, O, M, R, r0, r1, cols, eps); });
  return true;
}

bool k_layer_norm_backward(const Arr& g, const Arr& x, const Arr& w, const Arr& mean, const Arr& rstd,
                           const Arr& dx, const Arr& dw, const Arr& db, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  if (static_cast<double>(rows) * static_cast<double>(cols) > 1e15 || !f32(g, n) || !f32(x, n) || !f32(dx, n) ||
      !f32_opt(w, cols) || !f32(mean, rows) || !f32(rstd, rows) || !f32_opt(dw, cols) || !f32_opt(db, cols) ||
      cols == 0)
    return false;
  const float *G = static_cast<const float*>(g.p), *X = static_cast<const float*>(x.p), *W = cptr(w);
  const float *M = static_cast<const float*>(mean.p), *R = static_cast<const float*>(rstd.p);
  float* DX = static_cast<float*>(dx.p);
  const bool wantW = dw.kind != NONE, wantB = db.kind != NONE;
  const int64_t chunks =
      std::max<int64_t>(1, std::min<int64_t>(num_threads(), n / GRAIN));
  // Each chunk of rows sums its own dw/db columns (float per block of rows, double per chunk); the
  // chunks are added in order afterwards.
  std::vector<double> acc(static_cast<size_t>((wantW || wantB) ? chunks * 2 * cols : 0), 0.0);
  std::vector<float> part(acc.size());
  auto fn = arith_fns().lnb;
  struct Ctx {
    decltype(fn) f;
    const float *G, *X, *W, *M, *R;
    float* DX;
    double* acc;
    float* part;
    bool wantW, wantB;
    int64_t rows, cols, chunks;
  } ctx{fn, G, X, W, M, R, DX, acc.data(), part.data(), wantW, wantB, rows, cols, chunks};
  run_tasks(
      chunks,
      [](void* vc, int64_t t, int) {
        const Ctx& c = *static_cast<const Ctx*>(vc);
        const int64_t r0 = c.rows * t / c.chunks, r1 = c.rows * (t + 1) / c.chunks;
        double* dwAcc = c.wantW ? c.acc + t * 2 * c.cols : nullptr;
        double* dbAcc = c.wantB ? c.acc + t * 2 * c.cols + c.cols : nullptr;
        float* pw = c.wantW ? c.part + t * 2 * c.cols : nullptr;
        float* pb = c.wantB ? c.part + t * 2 * c.cols + c.cols : nullptr;
        c.f(c.G, c.X, c.W, c.M, c.R, c.DX, dwAcc, dbAcc, pw, pb, r0, r1, c.cols);
      },
      &ctx);
  for (int which = 0; which < 2; which++) {
    const Arr& dst = which == 0 ? dw : db;
    if (dst.kind == NONE) continue;
    float* D = static_cast<float*>(dst.p);
    for (int64_t j = 0; j < cols; j++) {
      double s = 0;
      for (int64_t t = 0; t < chunks; t++) s += acc[static_cast<size_t>(t * 2 * cols + which * cols + j)];
      D[j] = static_cast<float>(s);
    }
  }
  return true;
}

bool k_gelu(const Arr& x, const Arr& out, bool tanh_approx) {
  if (x.kind != F32 || !f32(out, x.len)) return false;
  const float* X = static_cast<const float*>(x.p);
  float* O = static_cast<float*>(out.p);
  auto fn = arith_fns().gelu;
  parallel_for(x.len, GRAIN, [&](int64_t b, int64_t e) { fn(X + b, O + b, e - b, tanh_approx); });
  return true;
}

bool k_gelu_backward(const Arr& g, const Arr& x, const Arr& dx, bool tanh_approx) {
  if (x.kind != F32 || !f32(g, x.len) || !f32(dx, x.len)) return false;
  const float* G = static_cast<const float*>(g.p);
  const float* X = static_cast<const float*>(x.p);
  float* D = static_cast<float*>(dx.p);
  auto fn = arith_fns().gelub;
  parallel_for(x.len, GRAIN, [&](int64_t b, int64_t e) { fn(G + b, X + b, D + b, e - b, tanh_approx); });
  return true;
}

namespace {
template <typename T>
void relu_backward_t(const Arr& g, const Arr& y, const Arr& dx) {
  const T* G = static_cast<const T*>(g.p);
  const T* Y = static_cast<const T*>(y.p);
  T* D = static_cast<T*>(dx.p);
  // Memory-bound like the binary kernels: one thread until a chunk is worth waking another.
  parallel_for(y.len, 32768, [&](int64_t b, int64_t e) {
    // Both loaded unconditionally: a select the compiler vectorises, not a branch on the sign
    // (which mispredicts half the time on a ReLU's output).
    for (int64_t i = b; i < e; i++) {
      const T g = G[i], y = Y[i];
      D[i] = y > T(0) ? g : T(0);
    }
  });
}
}  // namespace

bool k_relu_backward(const Arr& g, const Arr& y, const Arr& dx) {
  if ((y.kind != F32 && y.kind != F64) || g.kind != y.kind || dx.kind != y.kind || g.len < y.len ||
      dx.len < y.len)
    return false;
  if (y.kind == F32) relu_backward_t<float>(g, y, dx);
  else relu_backward_t<double>(g, y, dx);
  return true;
}

}  // namespace gs
