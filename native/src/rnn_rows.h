// The per-row gate loops of rnn.cc, shared with the whole-sequence kernels of rnn_sequence.cc: the argument
// blocks of one time step and the ISA-dispatched functions that run rows [b0, b1) of it over the hidden
// units [j0, j1) (the per-step kernels pass the whole row, 0 and H; a pool task of the fused sequence
// kernels passes its slice).
#pragma once
#include <cstdint>
#include <initializer_list>

#include "common.h"

namespace gs {
namespace rnn {

// The order of RECURRENT_CODE in src/backend/native.ts.
enum Mode { M_RNN_TANH, M_RNN_RELU, M_LSTM, M_GRU, M_COUNT };

inline int64_t gates_of(int mode) { return mode == M_LSTM ? 4 : mode == M_GRU ? 3 : 1; }

// Pointers already moved to their offsets; optional ones are null.
template <typename T>
struct FwdArgs {
  int mode;
  int64_t B, H, t;
  const int32_t* len;
  const T* xp;  // (B, G·H)
  const T* hh;  // (B, G·H)
  const T* bx;  // (G·H), when hasBx
  const T* bh;  // when hasBh
  bool hasBx, hasBh;
  const T* hp;  // (B, H): h_{t-1}
  T* ho;        // (B, H): h_t
  const T* cp;
  T* co;
  T* act;  // (B, G·H)
  T* aux;  // (B, H)
  int64_t j0, j1;  // the hidden units this call computes
};

template <typename T>
struct BwdArgs {
  int mode;
  int64_t B, H, t;
  const int32_t* len;
  const T* act;  // (B, G·H)
  const T* aux;  // (B, H)
  const T* hp;   // (B, H): h_{t-1}
  const T* ho;   // (B, H): h_t
  const T* cp;   // (B, H): c_{t-1}
  const T* dh;
  const T* dc;
  T* dxp;  // (B, G·H)
  T* dhh;  // (B, G·H), GRU only
  T* dhPrev;
  T* dcPrev;
  int64_t j0, j1;  // the hidden units this call computes
};

struct Fns {
  void (*fwd_f32)(const FwdArgs<float>&, int64_t, int64_t);
  void (*fwd_f64)(const FwdArgs<double>&, int64_t, int64_t);
  void (*bwd_f32)(const BwdArgs<float>&, int64_t, int64_t);
  void (*bwd_f64)(const BwdArgs<double>&, int64_t, int64_t);
};

// The variant for this CPU (defined in rnn.cc).
const Fns& fns();

// ---- argument checks

// A byte range of an argument that the kernel reads or writes.
struct Span {
  const char* p;
  int64_t bytes;
  bool write;
};

inline bool overlap(const Span& a, const Span& b) {
  return a.bytes > 0 && b.bytes > 0 && a.p < b.p + b.bytes && b.p < a.p + a.bytes;
}

// True when no written span overlaps another span, except the pair (allowA, allowB), which may be the
// very same range.
inline bool disjoint(const Span* s, int n, int allowA, int allowB) {
  for (int i = 0; i < n; i++)
    for (int k = i + 1; k < n; k++) {
      if (!(s[i].write || s[k].write) || !overlap(s[i], s[k])) continue;
      const bool allowed = ((i == allowA && k == allowB) || (i == allowB && k == allowA)) && s[i].p == s[k].p &&
                           s[i].bytes == s[k].bytes;
      if (!allowed) return false;
    }
  return true;
}

// Points *p at element `off` of `a` when [off, off + n) lies inside it (an empty typed array may have
// no data pointer, so validity is the return value, not the pointer).
template <typename T, typename P>
inline bool at(const Arr& a, int64_t off, int64_t n, P** p) {
  if (a.kind == NONE || off + n > a.len) return false;
  *p = static_cast<T*>(a.p) + off;
  return true;
}

template <typename T>
inline Span span(const T* p, int64_t n, bool write) {
  return Span{reinterpret_cast<const char*>(p), n * static_cast<int64_t>(sizeof(T)), write};
}

// One float kind shared by every float argument that is present; NONE when there is none or they differ.
inline int float_kind(std::initializer_list<const Arr*> arrs) {
  int k = NONE;
  for (const Arr* a : arrs) {
    if (a->kind == NONE) continue;
    if ((a->kind != F32 && a->kind != F64) || (k != NONE && a->kind != k)) return NONE;
    k = a->kind;
  }
  return k;
}

}  // namespace rnn
}  // namespace gs
