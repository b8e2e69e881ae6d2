// Strided multi-view iteration (the C++ twin of cpu-js's collapse/forEachRun).
#pragma once
#include <algorithm>
#include <cstdint>

#include "common.h"
#include "ops.h"

namespace gs {

template <int NV>
struct Iter {
  int nd = 0;
  int64_t total = 0;  // elements in the shape
  int64_t shape[MAXD];
  int64_t str[NV][MAXD];
  int64_t off[NV];
  int64_t inner(int v) const { return str[v][nd - 1]; }
};

// Reads `nd, shape[nd], NV × (offset, strides[nd])` from sc, checks every view stays inside its
// storage (lens[v] elements), and merges dims that are contiguous for all views. False when
// malformed or out of bounds.
template <int NV>
bool parse_views(const double* sc, int64_t sclen, const int64_t* lens, Iter<NV>& it) {
  int64_t nd;
  if (sclen < 1 || !as_count(sc[0], &nd) || nd > 64 || sclen < 1 + nd + NV * (1 + nd)) return false;
  int64_t shape[64];
  double total = 1;
  for (int64_t d = 0; d < nd; d++) {
    if (!as_count(sc[1 + d], &shape[d])) return false;
    total *= static_cast<double>(shape[d]);
  }
  if (total > 1125899906842624.0) return false;
  it.total = static_cast<int64_t>(total);
  int64_t offs[NV], strides[NV][64];
  for (int v = 0; v < NV; v++) {
    const double* s = sc + 1 + nd + v * (1 + nd);
    if (!as_int(s[0], &offs[v])) return false;
    for (int64_t d = 0; d < nd; d++)
      if (!as_int(s[1 + d], &strides[v][d])) return false;
  }
  if (it.total == 0) {
    it.nd = 1;
    it.shape[0] = 0;
    return true;
  }
  for (int v = 0; v < NV; v++) {
    double lo = static_cast<double>(offs[v]), hi = lo;
    for (int64_t d = 0; d < nd; d++) {
      double ext = static_cast<double>(shape[d] - 1) * static_cast<double>(strides[v][d]);
      (ext > 0 ? hi : lo) += ext;
    }
    if (lo < 0 || hi >= static_cast<double>(lens[v])) return false;
    it.off[v] = offs[v];
  }
  int n = 0;
  for (int64_t d = 0; d < nd; d++) {
    if (shape[d] == 1) continue;
    bool merge = n > 0;
    for (int v = 0; v < NV && merge; v++) merge = it.str[v][n - 1] == strides[v][d] * shape[d];
    if (merge) {
      it.shape[n - 1] *= shape[d];
      for (int v = 0; v < NV; v++) it.str[v][n - 1] = strides[v][d];
    } else {
      if (n == MAXD) return false;
      it.shape[n] = shape[d];
      for (int v = 0; v < NV; v++) it.str[v][n] = strides[v][d];
      n++;
    }
  }
  if (n == 0) {
    it.shape[0] = 1;
    for (int v = 0; v < NV; v++) it.str[v][0] = 0;
    n = 1;
  }
  it.nd = n;
  return true;
}

// f(offsets, n, pos) for each run of the innermost dim inside flat indices [begin, end): `offsets`
// are the views' element offsets at flat index `pos`; the run continues with stride it.inner(v).
template <int NV, class F>
inline void for_runs(const Iter<NV>& it, int64_t begin, int64_t end, const F& f) {
  const int nd = it.nd;
  int64_t idx[MAXD];
  int64_t offs[NV];
  int64_t rem = begin;
  for (int d = nd - 1; d >= 0; d--) {
    idx[d] = rem % it.shape[d];
    rem /= it.shape[d];
  }
  for (int v = 0; v < NV; v++) {
    offs[v] = it.off[v];
    for (int d = 0; d < nd; d++) offs[v] += idx[d] * it.str[v][d];
  }
  const int64_t last = it.shape[nd - 1];
  int64_t pos = begin;
  while (pos < end) {
    const int64_t n = std::min(last - idx[nd - 1], end - pos);
    f(offs, n, pos);
    pos += n;
    if (pos >= end) break;
    for (int v = 0; v < NV; v++) offs[v] += n * it.str[v][nd - 1];
    idx[nd - 1] += n;
    for (int d = nd - 1; d > 0 && idx[d] == it.shape[d]; d--) {
      idx[d] = 0;
      idx[d - 1]++;
      for (int v = 0; v < NV; v++) offs[v] += it.str[v][d - 1] - it.shape[d] * it.str[v][d];
    }
  }
}

}  // namespace gs
