// The Adam / AdamW update of src/optim/adam.ts in one pass over a float32 parameter, its gradient and
// its state, vectorised and split over the pool for large parameters. The arithmetic is the
// TypeScript loop's in float32 (as PyTorch's CPU and fused Adam do it): the loop works in double,
// whose square root and division cost four times as much per element and made this kernel the
// second largest item of a small model's step; results agree within float32 rounding. Each body is
// compiled for AVX-512, AVX2+FMA and baseline, chosen at run time.
#include <algorithm>
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

struct AdamHyper {
  double stepSize, bc2Sqrt, shrink, l2, beta1, beta2, eps, sign;
};

// The hyperparameters rounded once to float32, as the update uses them.
struct AdamF32 {
  float stepSize, invBc2Sqrt, shrink, l2, beta1, beta2, c1, c2, eps, sign;
};

template <bool AMS>
GS_INLINE void adam_body(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                         float* __restrict vmax, int64_t n, const AdamF32& k) {
  for (int64_t i = 0; i < n; i++) {
    const float pi = p[i] * k.shrink;
    const float gi = k.sign * g[i] + k.l2 * pi;
    const float mi = k.beta1 * m[i] + k.c1 * gi;
    const float vi = k.beta2 * v[i] + k.c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float vm = vi;
    if (AMS) {
      const float old = vmax[i];
      vm = old > vi || old != old ? old : vi;  // Math.max: NaN wins
      vmax[i] = vm;
    }
    p[i] = pi - (k.stepSize * mi) / (std::sqrt(vm) * k.invBc2Sqrt + k.eps);
  }
}

using AdamFn = void (*)(float*, const float*, float*, float*, float*, int64_t, const AdamF32&);
struct Fns {
  AdamFn plain, ams;
};

#define GS_OPTIM_VARIANT(SUFFIX, ATTR)                                                                \
  ATTR void adam_##SUFFIX(float* p, const float* g, float* m, float* v, float* vmax, int64_t n,       \
                          const AdamF32& k) {                                                        \
    adam_body<false>(p, g, m, v, vmax, n, k);                                                         \
  }                                                                                                   \
  ATTR void adam_ams_##SUFFIX(float* p, const float* g, float* m, float* v, float* vmax, int64_t n,   \
                              const AdamF32& k) {                                                    \
    adam_body<true>(p, g, m, v, vmax, n, k);                                                          \
  }                                                                                                   \
  const Fns fns_##SUFFIX = {adam_##SUFFIX, adam_ams_##SUFFIX};

GS_FOR_EACH_ISA(GS_OPTIM_VARIANT)

const Fns& fns() {
  static const Fns* f = GS_PICK_ISA(fns);
  return *f;
}

constexpr int64_t GRAIN = 1 << 16;  // elements per thread below which the update stays on one thread

// One tensor's update, checked: its arrays, where it starts in p and g, and its length.
struct AdamTensor {
  float *P, *M, *V, *VM;
  const float* G;
  int64_t n;
};

// Validates one tensor's arrays (float32, in bounds, no two overlapping: the update reads and writes
// each element once, so a parameter sharing memory with its gradient would change results).
bool adam_tensor(const Arr& p, const Arr& g, const Arr& m, const Arr& v, const Arr& vmax, double po_, double go_,
                 double n_, AdamTensor* t) {
  int64_t po, go, n;
  if (!as_count(po_, &po) || !as_count(go_, &go) || !as_count(n_, &n)) return false;
  if (p.kind != F32 || g.kind != F32 || m.kind != F32 || v.kind != F32 || (vmax.kind != NONE && vmax.kind != F32) ||
      po + n > p.len || go + n > g.len || n > m.len || n > v.len || (vmax.kind == F32 && n > vmax.len))
    return false;
  *t = AdamTensor{static_cast<float*>(p.p) + po, static_cast<float*>(m.p), static_cast<float*>(v.p),
                  vmax.kind == F32 ? static_cast<float*>(vmax.p) : nullptr, static_cast<const float*>(g.p) + go, n};
  const char* lo[5] = {reinterpret_cast<const char*>(t->P), reinterpret_cast<const char*>(t->G),
                       reinterpret_cast<const char*>(t->M), reinterpret_cast<const char*>(t->V),
                       reinterpret_cast<const char*>(t->VM)};
  const int count = t->VM ? 5 : 4;
  const int64_t bytes = n * 4;
  for (int a = 0; a < count; a++)
    for (int b = a + 1; b < count; b++)
      if (lo[a] < lo[b] + bytes && lo[b] < lo[a] + bytes) return false;
  return true;
}

// The hyperparameters of sc[0..8) rounded once to float32, as the update uses them.
AdamF32 adam_f32(const double* sc) {
  const AdamHyper h{sc[0], sc[1], sc[2], sc[3], sc[4], sc[5], sc[6], sc[7]};
  return AdamF32{static_cast<float>(h.stepSize), static_cast<float>(1 / h.bc2Sqrt), static_cast<float>(h.shrink),
                 static_cast<float>(h.l2),       static_cast<float>(h.beta1),       static_cast<float>(h.beta2),
                 static_cast<float>(1 - h.beta1), static_cast<float>(1 - h.beta2),  static_cast<float>(h.eps),
                 static_cast<float>(h.sign)};
}

// Elements [b, e) of tensor t: each element's arithmetic is the same however the work is split.
void adam_range(const AdamTensor& t, int64_t b, int64_t e, const AdamF32& k) {
  const AdamFn fn = t.VM ? fns().ams : fns().plain;
  fn(t.P + b, t.G + b, t.M + b, t.V + b, t.VM ? t.VM + b : nullptr, e - b, k);
}

}  // namespace

bool k_adam_step(const Arr& p, const Arr& g, const Arr& m, const Arr& v, const Arr& vmax, const double* sc,
                 int64_t sclen) {
  AdamTensor t;
  if (sclen < 11 || !adam_tensor(p, g, m, v, vmax, sc[0], sc[1], sc[2], &t)) return false;
  const AdamF32 k = adam_f32(sc + 3);
  parallel_for(t.n, GRAIN, [&](int64_t b, int64_t e) { adam_range(t, b, e, k); });
  return true;
}

bool k_adam_steps(const Arr* a, size_t count, const double* sc, int64_t sclen) {
  // sc = [L (p), L (g), L (m), L (v), L or 0 (vmax), L, pOffset…, L, gOffset…, L, n…, 8 hyperparameters]
  int64_t L, Lvm;
  if (sclen < 5 || !as_count(sc[0], &L) || !as_count(sc[4], &Lvm)) return false;
  if (sc[1] != L || sc[2] != L || sc[3] != L || (Lvm != 0 && Lvm != L)) return false;
  if (static_cast<int64_t>(count) != 4 * L + Lvm || sclen < 8 + 3 * (1 + L) + 8) return false;
  const double *po = sc + 6, *go = po + L + 1, *nn = go + L + 1;
  if (po[-1] != L || go[-1] != L || nn[-1] != L) return false;
  const Arr none{nullptr, 0, NONE};
  std::vector<AdamTensor> ts(static_cast<size_t>(L));
  std::vector<int64_t> start(static_cast<size_t>(L) + 1, 0);  // each tensor's first element in the whole run
  for (int64_t i = 0; i < L; i++) {
    const Arr& vmax = Lvm ? a[4 * L + i] : none;
    if (!adam_tensor(a[i], a[L + i], a[2 * L + i], a[3 * L + i], vmax, po[i], go[i], nn[i], &ts[i])) return false;
    start[i + 1] = start[i] + ts[i].n;
  }
  const AdamF32 k = adam_f32(nn + L);
  // One pass over all the tensors' elements, split evenly over the pool.
  parallel_for(start[L], GRAIN, [&](int64_t b, int64_t e) {
    int64_t i = std::upper_bound(start.begin(), start.end(), b) - start.begin() - 1;
    for (; b < e; i++) {
      const int64_t end = std::min(e, start[i + 1]);
      if (end > b) adam_range(ts[i], b - start[i], end - start[i], k);
      b = std::max(b, end);
    }
  });
  return true;
}

}  // namespace gs
