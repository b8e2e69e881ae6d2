// The Adam / AdamW update of src/optim/adam.ts in one pass over a float32 parameter, its gradient and
// its state, with the same arithmetic as the TypeScript loop (in double, each state rounded to
// float32 where the loop stores it), vectorised and split over the pool for large parameters. Each
// body is compiled for AVX-512, AVX2+FMA and baseline, chosen at run time.
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

template <bool AMS>
GS_INLINE void adam_body(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v,
                         float* __restrict vmax, int64_t n, const AdamHyper& k) {
  const double b1 = k.beta1, b2 = k.beta2, c1 = 1 - k.beta1, c2 = 1 - k.beta2;
  for (int64_t i = 0; i < n; i++) {
    const double pi = static_cast<double>(p[i]) * k.shrink;
    const double gi = k.sign * static_cast<double>(g[i]) + k.l2 * pi;
    const double mi = b1 * static_cast<double>(m[i]) + c1 * gi;
    const double vi = b2 * static_cast<double>(v[i]) + c2 * gi * gi;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    double vm = vi;
    if (AMS) {
      const double old = static_cast<double>(vmax[i]);
      vm = old > vi || old != old ? old : vi;  // Math.max: NaN wins
      vmax[i] = static_cast<float>(vm);
    }
    p[i] = static_cast<float>(pi - (k.stepSize * mi) / (std::sqrt(vm) / k.bc2Sqrt + k.eps));
  }
}

using AdamFn = void (*)(float*, const float*, float*, float*, float*, int64_t, const AdamHyper&);
struct Fns {
  AdamFn plain, ams;
};

#define GS_OPTIM_VARIANT(SUFFIX, ATTR)                                                                \
  ATTR void adam_##SUFFIX(float* p, const float* g, float* m, float* v, float* vmax, int64_t n,       \
                          const AdamHyper& k) {                                                      \
    adam_body<false>(p, g, m, v, vmax, n, k);                                                         \
  }                                                                                                   \
  ATTR void adam_ams_##SUFFIX(float* p, const float* g, float* m, float* v, float* vmax, int64_t n,   \
                              const AdamHyper& k) {                                                  \
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
  const AdamHyper k{sc[3], sc[4], sc[5], sc[6], sc[7], sc[8], sc[9], sc[10]};
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
