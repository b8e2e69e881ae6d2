// The Adam / AdamW update of src/optim/adam.ts in one pass over a float32 parameter, its gradient and
// its state, vectorised and split over the pool for large parameters. The arithmetic is the
// TypeScript loop's in float32 (as PyTorch's CPU and fused Adam do it): the loop works in double,
// whose square root and division cost four times as much per element and made this kernel the
// second largest item of a small model's step; results agree within float32 rounding. Each body is
// compiled for AVX-512, AVX2+FMA and baseline, chosen at run time.
#include <cmath>
#include <cstdlib>
#include <cstring>

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

}  // namespace

bool k_adam_step(const Arr& p, const Arr& g, const Arr& m, const Arr& v, const Arr& vmax, const double* sc,
                 int64_t sclen) {
  int64_t c[3];
  if (sclen < 11) return false;
  for (int i = 0; i < 3; i++)
    if (!as_count(sc[i], &c[i])) return false;
  const int64_t po = c[0], go = c[1], n = c[2];
  if (p.kind != F32 || g.kind != F32 || m.kind != F32 || v.kind != F32 || (vmax.kind != NONE && vmax.kind != F32) ||
      po + n > p.len || go + n > g.len || n > m.len || n > v.len || (vmax.kind == F32 && n > vmax.len))
    return false;
  const AdamHyper h{sc[3], sc[4], sc[5], sc[6], sc[7], sc[8], sc[9], sc[10]};
  const AdamF32 k{static_cast<float>(h.stepSize), static_cast<float>(1 / h.bc2Sqrt), static_cast<float>(h.shrink),
                  static_cast<float>(h.l2),       static_cast<float>(h.beta1),       static_cast<float>(h.beta2),
                  static_cast<float>(1 - h.beta1), static_cast<float>(1 - h.beta2),  static_cast<float>(h.eps),
                  static_cast<float>(h.sign)};
  float* P = static_cast<float*>(p.p) + po;
  const float* G = static_cast<const float*>(g.p) + go;
  float* M = static_cast<float*>(m.p);
  float* V = static_cast<float*>(v.p);
  float* VM = vmax.kind == F32 ? static_cast<float*>(vmax.p) : nullptr;
  // The update reads and writes each element once, so aliasing (p and its gradient sharing a buffer)
  // would change results: decline it.
  const char* lo[5] = {reinterpret_cast<const char*>(P), reinterpret_cast<const char*>(G),
                       reinterpret_cast<const char*>(M), reinterpret_cast<const char*>(V),
                       reinterpret_cast<const char*>(VM)};
  const int count = VM ? 5 : 4;
  const int64_t bytes = n * 4;
  for (int a = 0; a < count; a++)
    for (int b = a + 1; b < count; b++)
      if (lo[a] < lo[b] + bytes && lo[b] < lo[a] + bytes) return false;
  const AdamFn fn = VM ? fns().ams : fns().plain;
  parallel_for(n, GRAIN, [&](int64_t b, int64_t e) {
    fn(P + b, G + b, M + b, V + b, VM ? VM + b : nullptr, e - b, k);
  });
  return true;
}

}  // namespace gs
