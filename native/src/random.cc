// Counter-based random kernels on Philox4x32-10 (philox.h): element i of a call is word i mod 4 of the
// block at counter (i / 4 low word, high word, 0, 0) under the call's 64-bit key.
#include "ops.h"
#include "philox.h"
#include "pool.h"

namespace gs {
namespace {

template <typename T>
void dropout_range(const T* x, T* out, int64_t n, int64_t b, int64_t e, uint32_t k0, uint32_t k1,
                   uint32_t threshold, T scale) {
  for (int64_t block = b; block < e; block++) {
    const PhiloxBlock r = philox4x32_10(static_cast<uint64_t>(block), k0, k1);
    const int64_t i = block * 4, end = std::min<int64_t>(4, n - i);
    for (int64_t j = 0; j < end; j++) out[i + j] = x[i + j] * (r.w[j] >= threshold ? scale : T(0));
  }
}

template <typename T>
void dropout_all(const Arr& x, const Arr& out, uint32_t k0, uint32_t k1, uint32_t threshold, double scale) {
  const T* X = static_cast<const T*>(x.p);
  T* O = static_cast<T*>(out.p);
  const int64_t n = x.len, blocks = (n + 3) / 4;
  const T s = static_cast<T>(scale);
  // Each block's bits depend on its counter alone, so any split over threads gives the same result.
  parallel_for(blocks, 2048, [&](int64_t b, int64_t e) { dropout_range(X, O, n, b, e, k0, k1, threshold, s); });
}

}  // namespace

bool k_dropout(const Arr& x, const Arr& out, const double* sc, int64_t sclen) {
  uint32_t k0, k1, threshold;
  if (sclen < 4 || !as_u32(sc[0], &k0) || !as_u32(sc[1], &k1) || !as_u32(sc[2], &threshold)) return false;
  if (x.kind != out.kind || x.len != out.len) return false;
  if (x.kind == F32)
    dropout_all<float>(x, out, k0, k1, threshold, sc[3]);
  else if (x.kind == F64)
    dropout_all<double>(x, out, k0, k1, threshold, sc[3]);
  else
    return false;
  return true;
}

}  // namespace gs
