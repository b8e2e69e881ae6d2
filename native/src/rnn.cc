// The gate kernels of the fused recurrent layers (src/ops/fused/recurrent.ts): one time step of the RNN (tanh
// or ReLU), LSTM or GRU nonlinearities on contiguous (B, ·) blocks, forward and backward, with the
// semantics of the TypeScript reference src/backend/rnn-gates-js.ts (GateForwardArgs and
// GateBackwardArgs in src/backend/types.ts document the arguments): rows b with t >= lengths[b] carry
// the previous state unchanged, null biases add nothing, and the gate activations may overwrite the
// pre-activations they come from (act == xp) and the gate gradients the activations (dxp == act), since
// every element is read before it is written. Any other overlap of an output with another argument is
// declined (the caller then runs the TypeScript kernel), so the loops may be vectorised.
//
// float32: forward in float on vmath.h's exp/tanh/sigmoid (a few ulp from the TypeScript kernels, which
// compute in double and round once); backward in double like the TypeScript kernels (the same operations
// in the same order: the same float32 results, as a test checks). float64: double throughout, with libm's
// exp and tanh (within a few ulp of the TypeScript kernels: fused multiply-adds may round differently). Each
// body is compiled for AVX-512, AVX2+FMA and baseline, chosen at run time. One call is one time step
// (B·G·H elements, e.g. 32×1024): it stays on the calling thread unless a step is large.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "isa.h"
#include "ops.h"
#include "pool.h"
#include "rnn_rows.h"
#include "vmath.h"

#if defined(__clang__)
#define GS_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#elif defined(__GNUC__)
#define GS_IVDEP _Pragma("GCC ivdep")
#else
#define GS_IVDEP
#endif

namespace gs {
namespace {

using namespace rnn;

// Forward arithmetic: float on vmath for float32 storage, double on libm for float64.
struct MathF {
  using C = float;
  static GS_INLINE float sigmoid(float x) { return vm::sigmoid_f(x); }
  static GS_INLINE float tanh(float x) { return vm::tanh_f(x); }
};
struct MathD {
  using C = double;
  static GS_INLINE double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
  static GS_INLINE double tanh(double x) { return std::tanh(x); }
};
template <typename T> struct MathOf;
template <> struct MathOf<float> { using M = MathF; };
template <> struct MathOf<double> { using M = MathD; };

GS_INLINE bool padded(const int32_t* len, int64_t t, int64_t b) { return len != nullptr && t >= len[b]; }

template <typename T>
GS_INLINE void copy_row(T* dst, const T* src, int64_t n) {
  for (int64_t j = 0; j < n; j++) dst[j] = src[j];
}
template <typename T>
GS_INLINE void zero_row(T* dst, int64_t n) {
  for (int64_t j = 0; j < n; j++) dst[j] = T(0);
}

// ---------------------------------------------------------------------------------------------
// forward rows

template <typename T, bool BX, bool BH, bool RELU>
GS_INLINE void rnn_fwd_row(const FwdArgs<T>& a, int64_t b) {
  using M = typename MathOf<T>::M;
  using C = typename M::C;
  const int64_t H = a.H;
  const T* __restrict x = a.xp + b * H;
  const T* __restrict q = a.hh + b * H;
  const T* __restrict bx = a.bx;
  const T* __restrict bh = a.bh;
  T* __restrict ho = a.ho + b * H;
  for (int64_t j = a.j0; j < a.j1; j++) {
    C pre = C(x[j]) + C(q[j]);
    if (BX) pre += C(bx[j]);
    if (BH) pre += C(bh[j]);
    ho[j] = T(RELU ? (pre > C(0) ? pre : C(0)) : M::tanh(pre));
  }
}

template <typename T, bool BIAS>
GS_INLINE void lstm_fwd_row(const FwdArgs<T>& a, int64_t b) {
  using M = typename MathOf<T>::M;
  using C = typename M::C;
  const int64_t H = a.H, G = 4 * H;
  // xp and act may be the same memory: each element's pre-activation is read before its activation
  // is written (a true dependence), and no other element is, so the iterations are independent.
  const T* x = a.xp + b * G;
  T* ac = a.act + b * G;
  const T* __restrict q = a.hh + b * G;
  const T* __restrict bx = a.bx;
  const T* __restrict bh = a.bh;
  const T* __restrict cp = a.cp + b * H;
  T* __restrict co = a.co + b * H;
  T* __restrict tc = a.aux + b * H;
  T* __restrict ho = a.ho + b * H;
  GS_IVDEP
  for (int64_t j = a.j0; j < a.j1; j++) {
    C pi = C(x[j]) + C(q[j]);
    C pf = C(x[H + j]) + C(q[H + j]);
    C pg = C(x[2 * H + j]) + C(q[2 * H + j]);
    C po = C(x[3 * H + j]) + C(q[3 * H + j]);
    if (BIAS) {
      pi += C(bx[j]) + C(bh[j]);
      pf += C(bx[H + j]) + C(bh[H + j]);
      pg += C(bx[2 * H + j]) + C(bh[2 * H + j]);
      po += C(bx[3 * H + j]) + C(bh[3 * H + j]);
    }
    const C i = M::sigmoid(pi);
    const C f = M::sigmoid(pf);
    const C g = M::tanh(pg);
    const C o = M::sigmoid(po);
    const C cn = f * C(cp[j]) + i * g;
    const C tcn = M::tanh(cn);
    co[j] = T(cn);
    tc[j] = T(tcn);
    ho[j] = T(o * tcn);
    ac[j] = T(i);
    ac[H + j] = T(f);
    ac[2 * H + j] = T(g);
    ac[3 * H + j] = T(o);
  }
}

template <typename T, bool BIAS>
GS_INLINE void gru_fwd_row(const FwdArgs<T>& a, int64_t b) {
  using M = typename MathOf<T>::M;
  using C = typename M::C;
  const int64_t H = a.H, G = 3 * H;
  const T* x = a.xp + b * G;  // may be act (see lstm_fwd_row)
  T* ac = a.act + b * G;
  const T* __restrict q = a.hh + b * G;
  const T* __restrict bx = a.bx;
  const T* __restrict bh = a.bh;
  const T* __restrict hp = a.hp + b * H;
  T* __restrict ho = a.ho + b * H;
  T* __restrict hn = a.aux + b * H;
  GS_IVDEP
  for (int64_t j = a.j0; j < a.j1; j++) {
    C xr = C(x[j]) + C(q[j]);
    C xz = C(x[H + j]) + C(q[H + j]);
    C xn = C(x[2 * H + j]);
    C hnj = C(q[2 * H + j]);
    if (BIAS) {
      xr += C(bx[j]) + C(bh[j]);
      xz += C(bx[H + j]) + C(bh[H + j]);
      xn += C(bx[2 * H + j]);
      hnj += C(bh[2 * H + j]);
    }
    const C r = M::sigmoid(xr);
    const C z = M::sigmoid(xz);
    const C n = M::tanh(xn + r * hnj);
    ho[j] = T((C(1) - z) * n + z * C(hp[j]));
    ac[j] = T(r);
    ac[H + j] = T(z);
    ac[2 * H + j] = T(n);
    hn[j] = T(hnj);
  }
}

template <typename T>
GS_INLINE void fwd_rows(const FwdArgs<T>& a, int64_t b0, int64_t b1) {
  const int64_t H = a.H;
  const bool bias = a.hasBx && a.hasBh;
  for (int64_t b = b0; b < b1; b++) {
    if (padded(a.len, a.t, b)) {
      const int64_t r = b * H + a.j0, n = a.j1 - a.j0;
      copy_row(a.ho + r, a.hp + r, n);
      if (a.mode == M_LSTM) copy_row(a.co + r, a.cp + r, n);
      continue;
    }
    switch (a.mode) {
      case M_LSTM:
        if (bias) lstm_fwd_row<T, true>(a, b);
        else lstm_fwd_row<T, false>(a, b);
        break;
      case M_GRU:
        if (bias) gru_fwd_row<T, true>(a, b);
        else gru_fwd_row<T, false>(a, b);
        break;
      default: {
        const bool relu = a.mode == M_RNN_RELU, bx = a.hasBx, bh = a.hasBh;
        if (relu) {
          if (bx && bh) rnn_fwd_row<T, true, true, true>(a, b);
          else if (bx) rnn_fwd_row<T, true, false, true>(a, b);
          else if (bh) rnn_fwd_row<T, false, true, true>(a, b);
          else rnn_fwd_row<T, false, false, true>(a, b);
        } else {
          if (bx && bh) rnn_fwd_row<T, true, true, false>(a, b);
          else if (bx) rnn_fwd_row<T, true, false, false>(a, b);
          else if (bh) rnn_fwd_row<T, false, true, false>(a, b);
          else rnn_fwd_row<T, false, false, false>(a, b);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// backward rows (arithmetic in double, in the TypeScript kernels' order)

template <typename T, bool RELU>
GS_INLINE void rnn_bwd_row(const BwdArgs<T>& a, int64_t b) {
  const int64_t H = a.H;
  const T* __restrict y = a.ho + b * H;
  const T* __restrict dh = a.dh + b * H;
  T* __restrict d = a.dxp + b * H;
  T* __restrict dp = a.dhPrev + b * H;
  for (int64_t j = a.j0; j < a.j1; j++) {
    const double v = double(y[j]);
    d[j] = T(double(dh[j]) * (RELU ? (v > 0 ? 1.0 : 0.0) : 1 - v * v));
    dp[j] = T(0);
  }
}

template <typename T>
GS_INLINE void lstm_bwd_row(const BwdArgs<T>& a, int64_t b) {
  const int64_t H = a.H, G = 4 * H;
  // act and dxp may be the same memory (see lstm_fwd_row).
  const T* ac = a.act + b * G;
  T* d = a.dxp + b * G;
  const T* __restrict tc = a.aux + b * H;
  const T* __restrict cp = a.cp + b * H;
  const T* __restrict dh = a.dh + b * H;
  const T* __restrict dc = a.dc + b * H;
  T* __restrict dcp = a.dcPrev + b * H;
  T* __restrict dhp = a.dhPrev + b * H;
  GS_IVDEP
  for (int64_t j = a.j0; j < a.j1; j++) {
    const double i = double(ac[j]);
    const double f = double(ac[H + j]);
    const double g = double(ac[2 * H + j]);
    const double o = double(ac[3 * H + j]);
    const double tcn = double(tc[j]);
    const double dhj = double(dh[j]);
    const double dcj = double(dc[j]) + dhj * o * (1 - tcn * tcn);
    d[j] = T(dcj * g * i * (1 - i));
    d[H + j] = T(dcj * double(cp[j]) * f * (1 - f));
    d[2 * H + j] = T(dcj * i * (1 - g * g));
    d[3 * H + j] = T(dhj * tcn * o * (1 - o));
    dcp[j] = T(dcj * f);
    dhp[j] = T(0);
  }
}

template <typename T>
GS_INLINE void gru_bwd_row(const BwdArgs<T>& a, int64_t b) {
  const int64_t H = a.H, G = 3 * H;
  const T* ac = a.act + b * G;  // may be dxp
  T* d = a.dxp + b * G;
  T* __restrict e = a.dhh + b * G;
  const T* __restrict hn = a.aux + b * H;
  const T* __restrict hp = a.hp + b * H;
  const T* __restrict dh = a.dh + b * H;
  T* __restrict dhp = a.dhPrev + b * H;
  GS_IVDEP
  for (int64_t j = a.j0; j < a.j1; j++) {
    const double r = double(ac[j]);
    const double z = double(ac[H + j]);
    const double n = double(ac[2 * H + j]);
    const double dhj = double(dh[j]);
    const double dpn = dhj * (1 - z) * (1 - n * n);
    const double dpz = dhj * (double(hp[j]) - n) * z * (1 - z);
    const double dpr = dpn * double(hn[j]) * r * (1 - r);
    d[j] = T(dpr);
    d[H + j] = T(dpz);
    d[2 * H + j] = T(dpn);
    e[j] = T(dpr);
    e[H + j] = T(dpz);
    e[2 * H + j] = T(dpn * r);
    dhp[j] = T(dhj * z);
  }
}

template <typename T>
GS_INLINE void bwd_rows(const BwdArgs<T>& a, int64_t b0, int64_t b1) {
  const int64_t H = a.H, G = gates_of(a.mode) * H;
  for (int64_t b = b0; b < b1; b++) {
    if (padded(a.len, a.t, b)) {
      const int64_t r = b * H + a.j0, n = a.j1 - a.j0;
      copy_row(a.dhPrev + r, a.dh + r, n);
      if (a.mode == M_LSTM) copy_row(a.dcPrev + r, a.dc + r, n);
      for (int64_t g = 0; g < G; g += H) {
        zero_row(a.dxp + b * G + g + a.j0, n);
        if (a.mode == M_GRU) zero_row(a.dhh + b * G + g + a.j0, n);
      }
      continue;
    }
    switch (a.mode) {
      case M_LSTM: lstm_bwd_row(a, b); break;
      case M_GRU: gru_bwd_row(a, b); break;
      case M_RNN_RELU: rnn_bwd_row<T, true>(a, b); break;
      default: rnn_bwd_row<T, false>(a, b);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// variants

#define GS_RNN_VARIANT(SUFFIX, ATTR)                                                                          \
  ATTR void fwd_f32_##SUFFIX(const FwdArgs<float>& a, int64_t b0, int64_t b1) { fwd_rows(a, b0, b1); }  \
  ATTR void fwd_f64_##SUFFIX(const FwdArgs<double>& a, int64_t b0, int64_t b1) { fwd_rows(a, b0, b1); } \
  ATTR void bwd_f32_##SUFFIX(const BwdArgs<float>& a, int64_t b0, int64_t b1) { bwd_rows(a, b0, b1); }  \
  ATTR void bwd_f64_##SUFFIX(const BwdArgs<double>& a, int64_t b0, int64_t b1) { bwd_rows(a, b0, b1); } \
  const Fns fns_##SUFFIX = {fwd_f32_##SUFFIX, fwd_f64_##SUFFIX, bwd_f32_##SUFFIX, bwd_f64_##SUFFIX};

GS_FOR_EACH_ISA(GS_RNN_VARIANT)

// Elements (B·G·H) per thread below which a step stays on the calling thread. The char-LSTM step
// (B = 32, H = 256: 32768 elements) is about 40 µs forward and 8 µs backward on one thread; split over
// two threads of a loaded 2-core machine it took hundreds of µs. So only large steps (from 2·GRAIN
// elements, e.g. an LSTM with B = 64, H = 1024) use the pool.
constexpr int64_t GRAIN = 1 << 17;

template <class F>
void over_rows(int64_t B, int64_t rowElems, const F& f) {
  parallel_for(B, std::max<int64_t>(1, GRAIN / std::max<int64_t>(rowElems, 1)), f);
}

// ---------------------------------------------------------------------------------------------
// argument checks

// sc = [mode, B, H, t, then 7 counts]; false unless all are valid.
inline bool header(const double* sc, int64_t sclen, int* mode, int64_t* B, int64_t* H, int64_t* t, int64_t* o) {
  int64_t m;
  if (sclen < 11 || !as_count(sc[0], &m) || m >= M_COUNT || !as_count(sc[1], B) || !as_count(sc[2], H) ||
      !as_int(sc[3], t))
    return false;
  for (int i = 0; i < 7; i++)
    if (!as_count(sc[4 + i], &o[i])) return false;
  *mode = static_cast<int>(m);
  // B·G·H and every offset below 2^50 keep the sums below in int64.
  return static_cast<double>(*B) * static_cast<double>(*H) * 4 < 1125899906842624.0;
}

template <typename T>
bool forward(int mode, int64_t B, int64_t H, int64_t t, const int64_t* o, const Arr& xp, const Arr& hh,
             const Arr& bx, const Arr& bh, const Arr& h, const Arr& c, const Arr& act, const Arr& aux,
             const Arr& lengths) {
  const int64_t G = gates_of(mode) * H, BH = B * H, BG = B * G;
  const bool lstm = mode == M_LSTM, gated = lstm || mode == M_GRU;
  FwdArgs<T> a{};
  a.j0 = 0;
  a.j1 = H;
  a.mode = mode;
  a.B = B;
  a.H = H;
  a.t = t;
  a.len = lengths.kind == NONE ? nullptr : static_cast<const int32_t*>(lengths.p);
  if ((lengths.kind != NONE && lengths.len < B) || !at<T>(xp, o[0], BG, &a.xp) || !at<T>(hh, 0, BG, &a.hh) ||
      (bx.kind != NONE && !at<T>(bx, 0, G, &a.bx)) || (bh.kind != NONE && !at<T>(bh, 0, G, &a.bh)) ||
      !at<T>(h, o[1], BH, &a.hp) || !at<T>(h, o[2], BH, &a.ho))
    return false;
  if (gated && (!at<T>(act, o[5], BG, &a.act) || !at<T>(aux, o[6], BH, &a.aux))) return false;
  if (lstm && (!at<T>(c, o[3], BH, &a.cp) || !at<T>(c, o[4], BH, &a.co))) return false;
  a.hasBx = bx.kind != NONE;
  a.hasBh = bh.kind != NONE;
  const int64_t nb = a.len ? B * 4 : 0;
  Span s[] = {
      span(a.xp, BG, false),                                                   // 0
      span(a.act, gated ? BG : 0, true),                                       // 1: may be xp
      span(a.hh, BG, false),                                                   // 2
      span(a.bx, a.hasBx ? G : 0, false),                                      // 3
      span(a.bh, a.hasBh ? G : 0, false),                                      // 4
      span(a.hp, BH, false),                                                   // 5
      span(a.ho, BH, true),                                                    // 6
      span(a.cp, lstm ? BH : 0, false),                                        // 7
      span(a.co, lstm ? BH : 0, true),                                         // 8
      span(a.aux, gated ? BH : 0, true),                                       // 9
      Span{static_cast<const char*>(lengths.kind == NONE ? nullptr : lengths.p), nb, false},  // 10
  };
  if (!disjoint(s, sizeof(s) / sizeof(s[0]), 0, 1)) return false;
  if (BG == 0) return true;
  const Fns& f = fns();
  over_rows(B, G, [&](int64_t b0, int64_t b1) {
    if constexpr (sizeof(T) == 4) f.fwd_f32(a, b0, b1);
    else f.fwd_f64(a, b0, b1);
  });
  return true;
}

template <typename T>
bool backward(int mode, int64_t B, int64_t H, int64_t t, const int64_t* o, const Arr& act, const Arr& aux,
              const Arr& h, const Arr& c, const Arr& dh, const Arr& dc, const Arr& dxp, const Arr& dhh,
              const Arr& dhPrev, const Arr& dcPrev, const Arr& lengths) {
  const int64_t G = gates_of(mode) * H, BH = B * H, BG = B * G;
  const bool lstm = mode == M_LSTM, gru = mode == M_GRU, gated = lstm || gru;
  BwdArgs<T> a{};
  a.j0 = 0;
  a.j1 = H;
  a.mode = mode;
  a.B = B;
  a.H = H;
  a.t = t;
  a.len = lengths.kind == NONE ? nullptr : static_cast<const int32_t*>(lengths.p);
  if ((lengths.kind != NONE && lengths.len < B) || !at<T>(dh, 0, BH, &a.dh) || !at<T>(dxp, o[5], BG, &a.dxp) ||
      !at<T>(dhPrev, 0, BH, &a.dhPrev))
    return false;
  if (gated ? !at<T>(act, o[0], BG, &a.act) || !at<T>(aux, o[1], BH, &a.aux) : !at<T>(h, o[3], BH, &a.ho))
    return false;
  if (gru && (!at<T>(h, o[2], BH, &a.hp) || !at<T>(dhh, o[6], BG, &a.dhh))) return false;
  if (lstm && (!at<T>(c, o[4], BH, &a.cp) || !at<T>(dc, 0, BH, &a.dc) || !at<T>(dcPrev, 0, BH, &a.dcPrev)))
    return false;
  const int64_t nb = a.len ? B * 4 : 0;
  Span s[] = {
      span(a.act, gated ? BG : 0, false),                                      // 0
      span(a.dxp, BG, true),                                                   // 1: may be act
      span(a.aux, gated ? BH : 0, false),                                      // 2
      span(a.hp, gru ? BH : 0, false),                                         // 3
      span(a.ho, gated ? 0 : BH, false),                                       // 4
      span(a.cp, lstm ? BH : 0, false),                                        // 5
      span(a.dh, BH, false),                                                   // 6
      span(a.dc, lstm ? BH : 0, false),                                        // 7
      span(a.dhh, gru ? BG : 0, true),                                         // 8
      span(a.dhPrev, BH, true),                                                // 9
      span(a.dcPrev, lstm ? BH : 0, true),                                     // 10
      Span{static_cast<const char*>(lengths.kind == NONE ? nullptr : lengths.p), nb, false},  // 11
  };
  if (!disjoint(s, sizeof(s) / sizeof(s[0]), 0, 1)) return false;
  if (BG == 0) return true;
  const Fns& f = fns();
  over_rows(B, G, [&](int64_t b0, int64_t b1) {
    if constexpr (sizeof(T) == 4) f.bwd_f32(a, b0, b1);
    else f.bwd_f64(a, b0, b1);
  });
  return true;
}

}  // namespace

const rnn::Fns& rnn::fns() {
  static const Fns* f = GS_PICK_ISA(fns);
  return *f;
}

bool k_recurrent_gates_forward(const Arr& xp, const Arr& hh, const Arr& bx, const Arr& bh, const Arr& h,
                               const Arr& c, const Arr& act, const Arr& aux, const Arr& lengths,
                               const double* sc, int64_t sclen) {
  int mode;
  int64_t B, H, t, o[7];
  if (!header(sc, sclen, &mode, &B, &H, &t, o) || (lengths.kind != NONE && lengths.kind != I32)) return false;
  const int k = float_kind({&xp, &hh, &bx, &bh, &h, &c, &act, &aux});
  if (k == F32) return forward<float>(mode, B, H, t, o, xp, hh, bx, bh, h, c, act, aux, lengths);
  if (k == F64) return forward<double>(mode, B, H, t, o, xp, hh, bx, bh, h, c, act, aux, lengths);
  return false;
}

bool k_recurrent_gates_backward(const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& dh,
                                const Arr& dc, const Arr& dxp, const Arr& dhh, const Arr& dhPrev,
                                const Arr& dcPrev, const Arr& lengths, const double* sc, int64_t sclen) {
  int mode;
  int64_t B, H, t, o[7];
  if (!header(sc, sclen, &mode, &B, &H, &t, o) || (lengths.kind != NONE && lengths.kind != I32)) return false;
  const int k = float_kind({&act, &aux, &h, &c, &dh, &dc, &dxp, &dhh, &dhPrev, &dcPrev});
  if (k == F32)
    return backward<float>(mode, B, H, t, o, act, aux, h, c, dh, dc, dxp, dhh, dhPrev, dcPrev, lengths);
  if (k == F64)
    return backward<double>(mode, B, H, t, o, act, aux, h, c, dh, dc, dxp, dhh, dhPrev, dcPrev, lengths);
  return false;
}

}  // namespace gs
