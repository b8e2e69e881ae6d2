// Whole-sequence kernels of the fused recurrent layers (src/ops/fused/recurrent.ts): one call runs all T
// steps of one direction of an RNN, LSTM or GRU layer, forward or backward, with the semantics of the
// step-by-step reference src/backend/rnn-sequence-js.ts (SequenceForwardArgs and SequenceBackwardArgs in
// src/backend/types.ts document the arguments).
//
// W_hh is packed once per call (by all the threads, rnn_gemm.h). Usually the pool's tasks split the batch:
// each task runs every time step on its own rows (the recurrent product of its rows of h_{t-1} times W_hh,
// then the gate nonlinearities or gradients of those rows), and since no row depends on another, the tasks
// never wait for each other: the whole sequence is one pool job. When the batch is too small for that
// (Split), each time step is one job whose task i owns the hidden units [u0, u1) of every row: it computes
// its columns of the recurrent product for every gate and applies the gates to those units, so the step's
// GEMM and its gates share one wake-up of the workers; the next step needs all units, which the end of the
// job provides.
//
// Backward, step t first finishes dL/dh_t: the gradient from above, plus the part of dL/dh_t that skips
// W_hh (from step t's successor's gates), plus that successor's gate gradients times W_hh, in the
// reference's order of additions.
#include <algorithm>
#include <cstdlib>
#if defined(_WIN32)
#include <malloc.h>
#endif

#include "gemm.h"
#include "ops.h"
#include "pool.h"
#include "rnn_gemm.h"
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

// How the threads share a sequence. Batch slices of at least MIN_ROWS rows: a slice's steps need nothing
// from the other slices, so the whole sequence is one pool job whose tasks each loop over the time steps
// on their own rows, with no wait between steps (and one wake-up of the workers pays for all T steps).
// When the batch is too small to give that many threads a slice as the steps could use (a small batch,
// many threads), each step is one job instead, whose tasks own slices of the hidden units, starting at
// multiples of the GEMM's panel width: that job computes its units' columns of every gate, then their gates.
constexpr int64_t MIN_ROWS = 8;

// The rows [r0, r1) and hidden units [u0, u1) one task computes.
struct Block {
  int64_t r0, r1, u0, u1;
  bool empty() const { return r1 <= r0 || u1 <= u0; }
};

struct Split {
  int64_t B, H, panel, parts;
  bool by_rows;
  Split(int64_t T, int64_t B_, int64_t H_, int64_t panel_, double step_flops) : B(B_), H(H_), panel(panel_) {
    const int64_t per_step = std::min<int64_t>(threads_for(step_flops, 1.0e6), (H + panel - 1) / panel);
    const int64_t slices = std::min<int64_t>(threads_for(step_flops * T, 1.0e6), B / MIN_ROWS);
    by_rows = slices >= per_step || per_step <= 1;
    parts = std::max<int64_t>(1, by_rows ? slices : per_step);
  }
  int64_t rows_max() const { return by_rows ? (B + parts - 1) / parts : B; }
  // Task i's block: a batch slice and all units, or all rows and a slice of the units.
  Block block(int64_t i) const {
    if (by_rows) return Block{B * i / parts, B * (i + 1) / parts, 0, H};
    const int64_t panels = (H + panel - 1) / panel;
    return Block{0, B, std::min(H, panels * i / parts * panel), std::min(H, panels * (i + 1) / parts * panel)};
  }
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

// Per-task scratch for the packed rows of A, each task's on a 64-byte boundary.
template <typename T>
int64_t a_stride(const RecGemm<T>& rg, const Split& sp, int64_t k) {
  return (rg.a_len(sp.rows_max(), k) + 15) / 16 * 16;
}

// ---- forward

template <typename T>
struct Forward {
  Header hd;
  Split sp;
  const RecGemm<T>* rg;
  FwdArgs<T> base{};     // mode, sizes, lengths and biases; the rest is set per step
  const T* w = nullptr;  // W_hh (G·H×H)
  T* packed = nullptr;   // G packed (H×H) blocks of W_hhᵀ, one per gate
  int64_t plen = 0, astride = 0;
  T *apack = nullptr, *hh = nullptr, *act = nullptr, *aux = nullptr, *h = nullptr, *c = nullptr;
  int64_t t = 0;  // the step of a per-step job
};

// Step t on rows [r0, r1) and units [u0, u1): hh = h_{t-1} · W_gᵀ for each gate g, then the gates.
template <typename T>
void forward_step(const Forward<T>& f, int64_t t, const Block& k, T* ap) {
  const Header& d = f.hd;
  const RecGemm<T>& rg = *f.rg;
  const int64_t GH = d.G * d.H, m = k.r1 - k.r0;
  const T* hp = f.h + d.prev(t) * d.BH;
  rg.pack_a(hp + k.r0 * d.H, d.H, m, d.H, ap);
  for (int64_t g = 0; g < d.G; g++)
    rg.run(ap, m, d.H, f.packed + g * f.plen, d.H, k.u0, k.u1 - k.u0, f.hh + k.r0 * GH + g * d.H + k.u0, GH);
  FwdArgs<T> a = f.base;
  a.t = t;
  a.xp = f.act + t * d.B * GH;
  a.act = f.act + t * d.B * GH;
  a.hh = f.hh;
  a.hp = hp;
  a.ho = f.h + d.cur(t) * d.BH;
  if (d.mode == M_LSTM) {
    a.cp = f.c + d.prev(t) * d.BH;
    a.co = f.c + d.cur(t) * d.BH;
  }
  if (f.aux != nullptr) a.aux = f.aux + t * d.BH;
  a.j0 = k.u0;
  a.j1 = k.u1;
  if constexpr (sizeof(T) == 4) fns().fwd_f32(a, k.r0, k.r1);
  else fns().fwd_f64(a, k.r0, k.r1);
}

template <typename T>
void forward_task(void* ctx, int64_t i, int) {
  const Forward<T>& f = *static_cast<const Forward<T>*>(ctx);
  const Split& sp = f.sp;
  const Block k = sp.block(i);
  if (k.empty()) return;
  T* ap = f.apack + i * f.astride;
  if (!sp.by_rows) return forward_step(f, f.t, k, ap);
  for (int64_t s = 0; s < f.hd.T; s++) forward_step(f, f.hd.time(s), k, ap);
}

template <typename T>
void pack_gate_task(void* ctx, int64_t g, int) {
  const Forward<T>& f = *static_cast<const Forward<T>*>(ctx);
  const int64_t H = f.hd.H;
  // W_hhᵀ's block of gate g: element (p, j) at W[(g·H + j)·H + p].
  f.rg->pack_b(f.w + g * H * H, 1, H, H, H, 0, H, f.packed + g * f.plen);
}

template <typename T>
bool forward(const Header& d, const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& w,
             const Arr& bx, const Arr& bh, const Arr& lengths) {
  const int64_t GH = d.G * d.H;
  const bool lstm = d.mode == M_LSTM, gated = lstm || d.mode == M_GRU;
  const RecGemm<T>& rg = rec_gemm<T>();
  Forward<T> f{d, Split(d.T, d.B, d.H, rg.panel, 2.0 * d.B * d.H * GH), &rg};
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
  f.plen = (rg.b_len(d.H, d.H) + 15) / 16 * 16;
  f.astride = a_stride(rg, f.sp, d.H);
  Scratch<T> packed(d.G * f.plen), hh(d.B * GH), apack(f.sp.parts * f.astride);
  if (packed.p == nullptr || hh.p == nullptr || apack.p == nullptr) return false;
  f.packed = packed.p;
  f.hh = hh.p;
  f.apack = apack.p;
  f.w = wp;
  run_tasks(d.G, pack_gate_task<T>, &f, static_cast<int>(f.sp.parts));
  if (f.sp.by_rows) {
    run_tasks(f.sp.parts, forward_task<T>, &f, static_cast<int>(f.sp.parts));
    return true;
  }
  for (int64_t s = 0; s < d.T; s++) {
    f.t = d.time(s);
    run_tasks(f.sp.parts, forward_task<T>, &f, static_cast<int>(f.sp.parts));
  }
  return true;
}

// ---- backward

template <typename T>
struct Backward {
  Header hd;
  Split sp;
  const RecGemm<T>* rg;
  BwdArgs<T> base{};
  const T* w = nullptr;  // W_hh (G·H×H)
  T* packed = nullptr;   // W_hh packed
  int64_t astride = 0;
  const T *aux = nullptr, *h = nullptr, *c = nullptr, *g = nullptr;
  T *act = nullptr, *dhh = nullptr;  // dxp is act (in place); dhh is act too except for the GRU
  T *apack = nullptr, *rec = nullptr, *dh = nullptr, *carry = nullptr, *dcA = nullptr, *dcB = nullptr;
  T* out = nullptr;        // dL/dh0 goes here
  int64_t t = 0, tn = -1;  // a per-step job's time and the previously processed step's (-1: none)
};

// rec[r0:r1, u0:u1] = dhh_{tn}[r0:r1] · W_hh[:, u0:u1].
template <typename T>
void recurrent_columns(const Backward<T>& b, int64_t tn, const Block& k, T* ap) {
  const Header& d = b.hd;
  const int64_t GH = d.G * d.H, m = k.r1 - k.r0;
  b.rg->pack_a(b.dhh + tn * d.B * GH + k.r0 * GH, GH, m, GH, ap);
  b.rg->run(ap, m, GH, b.packed, d.H, k.u0, k.u1 - k.u0, b.rec + k.r0 * d.H + k.u0, d.H);
}

// Step t on rows [r0, r1) and units [u0, u1), tn the step processed before it (-1: none): dL/dh_t, then
// the gate gradients, with the cell-state gradients dc (of c_t) and dcPrev (of c_{t-1}).
template <typename T>
void backward_step(const Backward<T>& b, int64_t t, int64_t tn, const Block& k, T* dc, T* dcPrev, T* ap) {
  const Header& d = b.hd;
  const int64_t GH = d.G * d.H;
  const bool first = tn < 0;
  if (!first) recurrent_columns(b, tn, k, ap);
  // dL/dh_t = (from above) + (carry + rec): the reference adds in that order.
  const T* gt = b.g + t * d.BH;
  for (int64_t r = k.r0; r < k.r1; r++)
    for (int64_t j = r * d.H + k.u0; j < r * d.H + k.u1; j++) {
      const T next = first ? b.carry[j] : T(b.carry[j] + b.rec[j]);
      b.dh[j] = T(gt[j] + next);
    }
  BwdArgs<T> a = b.base;
  a.t = t;
  a.act = b.act + t * d.B * GH;
  a.dxp = b.act + t * d.B * GH;
  a.dhh = b.dhh + t * d.B * GH;
  if (b.aux != nullptr) a.aux = b.aux + t * d.BH;
  a.hp = b.h + d.prev(t) * d.BH;
  a.ho = b.h + d.cur(t) * d.BH;
  if (d.mode == M_LSTM) a.cp = b.c + d.prev(t) * d.BH;
  a.dh = b.dh;
  a.dc = dc;
  a.dhPrev = b.carry;
  a.dcPrev = dcPrev;
  a.j0 = k.u0;
  a.j1 = k.u1;
  if constexpr (sizeof(T) == 4) fns().bwd_f32(a, k.r0, k.r1);
  else fns().bwd_f64(a, k.r0, k.r1);
}

// dL/dh0 = carry + dhh_{tn} · W_hh, tn the last step processed.
template <typename T>
void initial_state(const Backward<T>& b, int64_t tn, const Block& k, T* ap) {
  const int64_t H = b.hd.H;
  recurrent_columns(b, tn, k, ap);
  for (int64_t r = k.r0; r < k.r1; r++)
    for (int64_t j = r * H + k.u0; j < r * H + k.u1; j++) b.out[j] = T(b.carry[j] + b.rec[j]);
}

template <typename T>
void backward_task(void* ctx, int64_t i, int) {
  const Backward<T>& b = *static_cast<const Backward<T>*>(ctx);
  const Split& sp = b.sp;
  const Block k = sp.block(i);
  if (k.empty()) return;
  T* ap = b.apack + i * b.astride;
  if (!sp.by_rows) {
    // A per-step job (t, tn) or, with t = -1, the last one. The caller swaps dcA and dcB between steps.
    if (b.t < 0) return initial_state(b, b.tn, k, ap);
    return backward_step(b, b.t, b.tn, k, b.dcA, b.dcB, ap);
  }
  // The whole sequence on this task's rows. The cell-state gradients of c_t and c_{t-1} trade places after
  // each step (the caller finds dL/dc0 by T's parity).
  T *dc = b.dcA, *dcPrev = b.dcB;
  int64_t tn = -1;
  for (int64_t s = b.hd.T - 1; s >= 0; s--) {
    const int64_t t = b.hd.time(s);
    backward_step(b, t, tn, k, dc, dcPrev, ap);
    tn = t;
    std::swap(dc, dcPrev);
  }
  initial_state(b, tn, k, ap);
}

// Task i's share of the panels of the packed W_hh (all of it when the packing cannot be split).
template <typename T>
void pack_task(void* ctx, int64_t i, int) {
  const Backward<T>& b = *static_cast<const Backward<T>*>(ctx);
  const int64_t H = b.hd.H, GH = b.hd.G * H, panels = (H + b.rg->panel - 1) / b.rg->panel;
  const int64_t parts = b.rg->by_panels ? b.sp.parts : 1;
  const int64_t j0 = std::min(H, panels * i / parts * b.rg->panel);
  const int64_t j1 = std::min(H, panels * (i + 1) / parts * b.rg->panel);
  if (j1 > j0) b.rg->pack_b(b.w, H, 1, GH, H, j0, j1, b.packed);
}

template <typename T>
bool backward(const Header& d, const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& w,
              const Arr& g, const Arr& dhh, const Arr& dh0, const Arr& dc0, const Arr& lengths) {
  const int64_t GH = d.G * d.H, steps = d.T * d.B * GH;
  const bool lstm = d.mode == M_LSTM, gru = d.mode == M_GRU, gated = lstm || gru;
  const RecGemm<T>& rg = rec_gemm<T>();
  Backward<T> b{d, Split(d.T, d.B, d.H, rg.panel, 2.0 * d.B * d.H * GH), &rg};
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
  b.astride = a_stride(rg, b.sp, GH);
  Scratch<T> packed(rg.b_len(GH, d.H)), work(5 * d.BH), apack(b.sp.parts * b.astride);
  if (packed.p == nullptr || work.p == nullptr || apack.p == nullptr) return false;
  b.w = wp;
  b.packed = packed.p;
  run_tasks(rg.by_panels ? b.sp.parts : 1, pack_task<T>, &b, static_cast<int>(b.sp.parts));
  b.apack = apack.p;
  b.rec = work.p;
  b.dh = work.p + d.BH;
  b.carry = work.p + 2 * d.BH;
  b.dcA = work.p + 3 * d.BH;
  b.dcB = work.p + 4 * d.BH;
  std::fill(b.carry, b.carry + d.BH, T(0));
  // The only outside gradient on a cell state is the one on the final cN (slot T of g).
  if (lstm) std::copy(b.g + d.T * d.BH, b.g + (d.T + 1) * d.BH, b.dcA);
  const int parts = static_cast<int>(b.sp.parts);
  if (b.sp.by_rows) {
    run_tasks(parts, backward_task<T>, &b, parts);
    if (d.T % 2 != 0) std::swap(b.dcA, b.dcB);
  } else {
    for (int64_t s = d.T - 1; s >= 0; s--) {
      b.t = d.time(s);
      run_tasks(parts, backward_task<T>, &b, parts);
      b.tn = b.t;
      std::swap(b.dcA, b.dcB);
    }
    b.t = -1;
    run_tasks(parts, backward_task<T>, &b, parts);
  }
  if (lstm) std::copy(b.dcA, b.dcA + d.BH, dc0p);
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
