// Whole-sequence kernels of the fused recurrent layers (src/ops/fused/recurrent.ts): one call runs all T
// steps of one direction of an RNN, LSTM or GRU layer, forward or backward, with the semantics of the
// step-by-step reference src/backend/rnn-sequence-js.ts (SequenceForwardArgs and SequenceBackwardArgs in
// src/backend/types.ts document the arguments).
//
// W_hh is packed once per call. Each time step is then ONE pool job: task i owns the hidden units
// [u0, u1) and computes its columns of the recurrent product for every gate, then applies the gate
// nonlinearities (forward) or the gate gradients (backward) to those units, so the step's GEMM and its
// gates share one wake-up of the workers and no step waits on a second job. The tasks of a step touch
// disjoint units; the next step needs all of them, which the end of the job provides.
//
// Backward, step t's task first finishes dL/dh_t for its units: the gradient from above, plus the part
// of dL/dh_t that skips W_hh (from step t's successor's gates), plus that successor's gate gradients
// times W_hh (its columns of the product), in the reference's order of additions.
#include <algorithm>
#include <cstdlib>
#if defined(_WIN32)
#include <malloc.h>
#endif

#include "gemm.h"
#include "ops.h"
#include "pool.h"
#include "rnn_rows.h"

namespace gs {
namespace {

using namespace rnn;

// A scratch array on a 64-byte boundary, as GEMM's packed panels must be (kernels return false, so the
// caller runs the reference, when it cannot be had).
template <typename T>
struct Scratch {
  T* p;
  explicit Scratch(int64_t n) {
    const size_t bytes = (static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(T) + 63) / 64 * 64;
#if defined(_WIN32)
    p = static_cast<T*>(_aligned_malloc(bytes, 64));
#else
    p = static_cast<T*>(std::aligned_alloc(64, bytes));
#endif
  }
  ~Scratch() {
#if defined(_WIN32)
    _aligned_free(p);
#else
    std::free(p);
#endif
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

// The split of H hidden units into `parts` slices that start at multiples of GEMM's panel width.
struct Slices {
  int64_t H, panel, panels, parts;
  Slices(int64_t H_, int64_t panel_, double flops) : H(H_), panel(panel_) {
    panels = (H + panel - 1) / panel;
    parts = std::max<int64_t>(1, std::min<int64_t>(threads_for(flops, 1.0e6), panels));
  }
  int64_t begin(int64_t i) const { return std::min(H, panels * i / parts * panel); }
};

// The scalar header shared by both kernels: [mode, T, B, H, reverse].
struct Header {
  int mode;
  int64_t T, B, H, G, BH;
  bool reverse;
  // Slots of the (T+1, B, H) state buffers (src/ops/fused/recurrent.ts: slotsOf).
  int64_t prev(int64_t t) const { return reverse ? t + 1 : t; }
  int64_t cur(int64_t t) const { return reverse ? t : t + 1; }
  // The time of the s-th step processed forward.
  int64_t time(int64_t s) const { return reverse ? T - 1 - s : s; }
};

inline bool read_header(const double* sc, int64_t sclen, Header* h) {
  int64_t m;
  if (sclen < 5 || !as_count(sc[0], &m) || m >= M_COUNT || !as_count(sc[1], &h->T) || !as_count(sc[2], &h->B) ||
      !as_count(sc[3], &h->H))
    return false;
  h->mode = static_cast<int>(m);
  h->G = gates_of(h->mode);
  h->BH = h->B * h->H;
  h->reverse = sc[4] != 0;
  // (T+1)·B·G·H below 2^50 keeps every offset in int64.
  return (static_cast<double>(h->T) + 1) * h->B * h->H * 4 < 1125899906842624.0;
}

// ---- forward

template <typename T>
struct Forward {
  Header hd;
  Slices sl;
  FwdArgs<T> base;  // mode, sizes, lengths and biases; the rest is set per step
  const T* packed;  // G packed (H×H) blocks of W_hhᵀ, one per gate
  int64_t plen;
  T *hh, *act, *aux, *h, *c;
  int64_t t;
};

template <typename T>
void forward_task(void* ctx, int64_t i, int) {
  const Forward<T>& f = *static_cast<const Forward<T>*>(ctx);
  const Header& d = f.hd;
  const int64_t u0 = f.sl.begin(i), u1 = f.sl.begin(i + 1), GH = d.G * d.H;
  if (u1 <= u0) return;
  const T* hp = f.h + d.prev(f.t) * d.BH;
  // hh[:, g·H + u0 : g·H + u1] = h_{t-1} · W_gᵀ[:, u0:u1] for each gate g.
  for (int64_t g = 0; g < d.G; g++)
    gemm_packed<T>(hp, d.H, 1, f.packed + g * f.plen, d.H, d.H, u0, u1 - u0, f.hh + g * d.H + u0, GH, d.B);
  FwdArgs<T> a = f.base;
  a.t = f.t;
  a.xp = f.act + f.t * d.B * GH;
  a.act = f.act + f.t * d.B * GH;
  a.hh = f.hh;
  a.hp = hp;
  a.ho = f.h + d.cur(f.t) * d.BH;
  if (d.mode == M_LSTM) {
    a.cp = f.c + d.prev(f.t) * d.BH;
    a.co = f.c + d.cur(f.t) * d.BH;
  }
  if (f.aux != nullptr) a.aux = f.aux + f.t * d.BH;
  a.j0 = u0;
  a.j1 = u1;
  if constexpr (sizeof(T) == 4) fns().fwd_f32(a, 0, d.B);
  else fns().fwd_f64(a, 0, d.B);
}

template <typename T>
bool forward(const Header& d, const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& w,
             const Arr& bx, const Arr& bh, const Arr& lengths) {
  const int64_t GH = d.G * d.H;
  const bool lstm = d.mode == M_LSTM, gated = lstm || d.mode == M_GRU;
  Forward<T> f{d, Slices(d.H, gemm_panel<T>(), 2.0 * d.B * d.H * GH), FwdArgs<T>{}, nullptr, 0,
               nullptr, nullptr, nullptr, nullptr, nullptr, 0};
  FwdArgs<T>& a = f.base;
  a.mode = d.mode;
  a.B = d.B;
  a.H = d.H;
  a.len = lengths.kind == NONE ? nullptr : static_cast<const int32_t*>(lengths.p);
  const T* wp = nullptr;
  if ((lengths.kind != NONE && (lengths.kind != I32 || lengths.len < d.B)) || !at<T>(act, 0, d.T * d.B * GH, &f.act) ||
      !at<T>(h, 0, (d.T + 1) * d.BH, &f.h) || !at<T>(w, 0, GH * d.H, &wp) ||
      (bx.kind != NONE && !at<T>(bx, 0, GH, &a.bx)) || (bh.kind != NONE && !at<T>(bh, 0, GH, &a.bh)) ||
      (gated && !at<T>(aux, 0, d.T * d.BH, &f.aux)) || (lstm && !at<T>(c, 0, (d.T + 1) * d.BH, &f.c)))
    return false;
  a.hasBx = bx.kind != NONE;
  a.hasBh = bh.kind != NONE;
  const Span s[] = {
      span(f.act, d.T * d.B * GH, true),
      span(f.aux, gated ? d.T * d.BH : 0, true),
      span(f.h, (d.T + 1) * d.BH, true),
      span(f.c, lstm ? (d.T + 1) * d.BH : 0, true),
      span(wp, GH * d.H, false),
      span(a.bx, a.hasBx ? GH : 0, false),
      span(a.bh, a.hasBh ? GH : 0, false),
      Span{static_cast<const char*>(a.len == nullptr ? nullptr : lengths.p), a.len ? d.B * 4 : 0, false},
  };
  if (!disjoint(s, sizeof(s) / sizeof(s[0]), -1, -1)) return false;
  if (d.BH == 0) return true;
  f.plen = gemm_packed_len<T>(d.H, d.H);
  Scratch<T> packed(d.G * f.plen), hh(d.B * GH);
  if (packed.p == nullptr || hh.p == nullptr) return false;
  for (int64_t g = 0; g < d.G; g++) gemm_pack_b<T>(wp + g * d.H * d.H, 1, d.H, d.H, d.H, packed.p + g * f.plen);
  f.packed = packed.p;
  f.hh = hh.p;
  for (int64_t s = 0; s < d.T; s++) {
    f.t = d.time(s);
    run_tasks(f.sl.parts, forward_task<T>, &f, static_cast<int>(f.sl.parts));
  }
  return true;
}

// ---- backward

template <typename T>
struct Backward {
  Header hd;
  Slices sl;
  BwdArgs<T> base;
  const T* packed;  // W_hh (G·H×H) packed
  const T *aux, *h, *c, *g;
  T *act, *dhh;   // dxp is act (in place); dhh is act too except for the GRU
  T *rec, *dh, *carry, *dc, *dcPrev;
  int64_t t, tn;  // this step's time and the previously processed step's (-1: none)
  T* out;         // the last job: dL/dh0 goes here
};

// rec[:, u0:u1] = dhh_{tn} · W_hh[:, u0:u1].
template <typename T>
void recurrent_columns(const Backward<T>& b, int64_t u0, int64_t u1) {
  const Header& d = b.hd;
  const int64_t GH = d.G * d.H;
  gemm_packed<T>(b.dhh + b.tn * d.B * GH, GH, 1, b.packed, GH, d.H, u0, u1 - u0, b.rec + u0, d.H, d.B);
}

template <typename T>
void backward_task(void* ctx, int64_t i, int) {
  const Backward<T>& b = *static_cast<const Backward<T>*>(ctx);
  const Header& d = b.hd;
  const int64_t u0 = b.sl.begin(i), u1 = b.sl.begin(i + 1), GH = d.G * d.H;
  if (u1 <= u0) return;
  const bool first = b.tn < 0;
  if (!first) recurrent_columns(b, u0, u1);
  // dL/dh_t = (from above) + (carry + rec): the reference adds in that order.
  const T* gt = b.g + b.t * d.BH;
  for (int64_t r = 0; r < d.B; r++)
    for (int64_t j = r * d.H + u0; j < r * d.H + u1; j++) {
      const T next = first ? b.carry[j] : T(b.carry[j] + b.rec[j]);
      b.dh[j] = T(gt[j] + next);
    }
  BwdArgs<T> a = b.base;
  a.t = b.t;
  a.act = b.act + b.t * d.B * GH;
  a.dxp = b.act + b.t * d.B * GH;
  a.dhh = b.dhh + b.t * d.B * GH;
  if (b.aux != nullptr) a.aux = b.aux + b.t * d.BH;
  a.hp = b.h + d.prev(b.t) * d.BH;
  a.ho = b.h + d.cur(b.t) * d.BH;
  if (d.mode == M_LSTM) a.cp = b.c + d.prev(b.t) * d.BH;
  a.dh = b.dh;
  a.dc = b.dc;
  a.dhPrev = b.carry;
  a.dcPrev = b.dcPrev;
  a.j0 = u0;
  a.j1 = u1;
  if constexpr (sizeof(T) == 4) fns().bwd_f32(a, 0, d.B);
  else fns().bwd_f64(a, 0, d.B);
}

// The last job: dL/dh0 = carry + dhh_{t_last} · W_hh.
template <typename T>
void initial_state_task(void* ctx, int64_t i, int) {
  const Backward<T>& b = *static_cast<const Backward<T>*>(ctx);
  const Header& d = b.hd;
  const int64_t u0 = b.sl.begin(i), u1 = b.sl.begin(i + 1);
  if (u1 <= u0) return;
  recurrent_columns(b, u0, u1);
  for (int64_t r = 0; r < d.B; r++)
    for (int64_t j = r * d.H + u0; j < r * d.H + u1; j++) b.out[j] = T(b.carry[j] + b.rec[j]);
}

template <typename T>
bool backward(const Header& d, const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& w,
              const Arr& g, const Arr& dhh, const Arr& dh0, const Arr& dc0, const Arr& lengths) {
  const int64_t GH = d.G * d.H, steps = d.T * d.B * GH;
  const bool lstm = d.mode == M_LSTM, gru = d.mode == M_GRU, gated = lstm || gru;
  Backward<T> b{d, Slices(d.H, gemm_panel<T>(), 2.0 * d.B * d.H * GH), BwdArgs<T>{}, nullptr,
                nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                0, -1, nullptr};
  BwdArgs<T>& a = b.base;
  a.mode = d.mode;
  a.B = d.B;
  a.H = d.H;
  a.len = lengths.kind == NONE ? nullptr : static_cast<const int32_t*>(lengths.p);
  const T* wp = nullptr;
  T* dc0p = nullptr;
  if ((lengths.kind != NONE && (lengths.kind != I32 || lengths.len < d.B)) || !at<T>(act, 0, steps, &b.act) ||
      !at<T>(h, 0, (d.T + 1) * d.BH, &b.h) || !at<T>(w, 0, GH * d.H, &wp) ||
      !at<T>(g, 0, (d.T + (lstm ? 1 : 0)) * d.BH, &b.g) || !at<T>(dh0, 0, d.BH, &b.out) ||
      (gated && !at<T>(aux, 0, d.T * d.BH, &b.aux)) ||
      (lstm && (!at<T>(c, 0, (d.T + 1) * d.BH, &b.c) || !at<T>(dc0, 0, d.BH, &dc0p))) ||
      (gru != (dhh.kind != NONE)) || (gru && !at<T>(dhh, 0, steps, &b.dhh)))
    return false;
  if (!gru) b.dhh = b.act;
  const Span s[] = {
      span(b.act, steps, true),
      span(b.aux, gated ? d.T * d.BH : 0, false),
      span(b.h, (d.T + 1) * d.BH, false),
      span(b.c, lstm ? (d.T + 1) * d.BH : 0, false),
      span(wp, GH * d.H, false),
      span(b.g, (d.T + (lstm ? 1 : 0)) * d.BH, false),
      span(gru ? b.dhh : nullptr, gru ? steps : 0, true),
      span(b.out, d.BH, true),
      span(dc0p, lstm ? d.BH : 0, true),
      Span{static_cast<const char*>(a.len == nullptr ? nullptr : lengths.p), a.len ? d.B * 4 : 0, false},
  };
  if (!disjoint(s, sizeof(s) / sizeof(s[0]), -1, -1)) return false;
  if (d.BH == 0) return true;
  Scratch<T> packed(gemm_packed_len<T>(GH, d.H)), work(5 * d.BH);
  if (packed.p == nullptr || work.p == nullptr) return false;
  gemm_pack_b<T>(wp, d.H, 1, GH, d.H, packed.p);
  b.packed = packed.p;
  b.rec = work.p;
  b.dh = work.p + d.BH;
  b.carry = work.p + 2 * d.BH;
  b.dc = work.p + 3 * d.BH;
  b.dcPrev = work.p + 4 * d.BH;
  std::fill(b.carry, b.carry + d.BH, T(0));
  // The only outside gradient on a cell state is the one on the final cN (slot T of g).
  if (lstm) std::copy(b.g + d.T * d.BH, b.g + (d.T + 1) * d.BH, b.dc);
  for (int64_t s = d.T - 1; s >= 0; s--) {
    b.t = d.time(s);
    run_tasks(b.sl.parts, backward_task<T>, &b, static_cast<int>(b.sl.parts));
    b.tn = b.t;
    std::swap(b.dc, b.dcPrev);
  }
  run_tasks(b.sl.parts, initial_state_task<T>, &b, static_cast<int>(b.sl.parts));
  if (lstm) std::copy(b.dc, b.dc + d.BH, dc0p);
  return true;
}

}  // namespace

bool k_recurrent_sequence_forward(const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& wHh,
                                  const Arr& bx, const Arr& bh, const Arr& lengths, const double* sc, int64_t sclen) {
  Header d;
  if (!read_header(sc, sclen, &d) || d.T < 1) return false;
  const int k = float_kind({&act, &aux, &h, &c, &wHh, &bx, &bh});
  if (k == F32) return forward<float>(d, act, aux, h, c, wHh, bx, bh, lengths);
  if (k == F64) return forward<double>(d, act, aux, h, c, wHh, bx, bh, lengths);
  return false;
}

bool k_recurrent_sequence_backward(const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& wHh,
                                   const Arr& g, const Arr& dhh, const Arr& dh0, const Arr& dc0, const Arr& lengths,
                                   const double* sc, int64_t sclen) {
  Header d;
  if (!read_header(sc, sclen, &d) || d.T < 1) return false;
  const int k = float_kind({&act, &aux, &h, &c, &wHh, &g, &dhh, &dh0, &dc0});
  if (k == F32) return backward<float>(d, act, aux, h, c, wHh, g, dhh, dh0, dc0, lengths);
  if (k == F64) return backward<double>(d, act, aux, h, c, wHh, g, dhh, dh0, dc0, lengths);
  return false;
}

}  // namespace gs
