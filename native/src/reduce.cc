// reduce, argReduce, indexSelect, indexAdd, gather, scatterAdd.
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "isa.h"
#include "ops.h"
#include "pool.h"
#include "vmath.h"

namespace gs {
namespace {

constexpr int64_t GRAIN = 32768;  // elements touched below which a kernel stays on one thread
constexpr int64_t CHUNK = 256;    // inner positions one task accumulates at a time

// Reductions accumulate in double, as cpu-js does, and store with JS conversion rules.
template <int OP>
inline double r_init() {
  return OP == R_SUM ? 0.0 : OP == R_PROD ? 1.0 : OP == R_MAX ? -INFINITY : INFINITY;
}
template <int OP>
inline double r_step(double acc, double v) {
  if constexpr (OP == R_SUM) return acc + v;
  if constexpr (OP == R_PROD) return acc * v;
  if constexpr (OP == R_MAX) return v > acc || v != v ? v : acc;
  return v < acc || v != v ? v : acc;
}

// One contiguous row of `size` values (inner == 1), with independent lanes so the loop vectorises.
template <int OP, class X>
inline double reduce_row(const X* x, int64_t size) {
  if constexpr (OP == R_PROD) {
    // In order: a reassociated product of integers past 2^53 would round differently.
    double acc = 1.0;
    for (int64_t r = 0; r < size; r++) acc *= static_cast<double>(x[r]);
    return acc;
  }
  constexpr int L = 8;
  double lane[L];
  for (int j = 0; j < L; j++) lane[j] = r_init<OP>();
  int64_t r = 0;
  if constexpr (OP == R_MAX || OP == R_MIN) {
    bool nan = false;
    for (; r + L <= size; r += L)
      for (int j = 0; j < L; j++) {
        const double v = static_cast<double>(x[r + j]);
        nan |= v != v;
        lane[j] = OP == R_MAX ? (v > lane[j] ? v : lane[j]) : (v < lane[j] ? v : lane[j]);
      }
    if (nan) return std::numeric_limits<double>::quiet_NaN();
  } else {
    for (; r + L <= size; r += L)
      for (int j = 0; j < L; j++) lane[j] = r_step<OP>(lane[j], static_cast<double>(x[r + j]));
  }
  double acc = lane[0];
  for (int j = 1; j < L; j++) acc = r_step<OP>(acc, lane[j]);
  for (; r < size; r++) acc = r_step<OP>(acc, static_cast<double>(x[r]));
  return acc;
}

// acc[i] += Σ over `size` rows (`inner` apart) of row[i], i < n: the column sums of one chunk, in double.
// Compiled per instruction set for float input (a bias gradient sums a (rows, features) gradient over
// its rows): the widening adds are the loop's cost, 2 lanes in SSE2 against 8 in AVX-512.
template <class X>
GS_INLINE void column_sums(const X* base, int64_t size, int64_t inner, int64_t n, double* __restrict acc) {
  for (int64_t r = 0; r < size; r++) {
    const X* __restrict row = base + r * inner;
    for (int64_t i = 0; i < n; i++) acc[i] += static_cast<double>(row[i]);
  }
}

using ColumnSums = void (*)(const float*, int64_t, int64_t, int64_t, double*);
#define GS_COLUMN_SUMS_VARIANT(SUFFIX, ATTR)                                                                \
  ATTR void column_sums_f32_##SUFFIX(const float* base, int64_t size, int64_t inner, int64_t n, double* acc) { \
    column_sums(base, size, inner, n, acc);                                                                 \
  }                                                                                                         \
  const ColumnSums column_sums_##SUFFIX = column_sums_f32_##SUFFIX;
GS_FOR_EACH_ISA(GS_COLUMN_SUMS_VARIANT)

ColumnSums column_sums_f32() {
  static const ColumnSums f = *GS_PICK_ISA(column_sums);
  return f;
}

template <int OP, class X, class O>
void reduce_op(const X* x, O* out, int64_t outer, int64_t size, int64_t inner) {
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, GRAIN / std::max<int64_t>(size, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; o++) out[o] = store_as<O>(reduce_row<OP>(x + o * size, size));
    });
    return;
  }
  const int64_t chunks = (inner + CHUNK - 1) / CHUNK;
  const int64_t per_task = std::max<int64_t>(1, size * std::min(inner, CHUNK));
  parallel_for(outer * chunks, std::max<int64_t>(1, GRAIN / per_task), [&](int64_t b, int64_t e) {
    double acc[CHUNK];
    for (int64_t t = b; t < e; t++) {
      const int64_t o = t / chunks, i0 = (t % chunks) * CHUNK;
      const int64_t n = std::min(CHUNK, inner - i0);
      for (int64_t i = 0; i < n; i++) acc[i] = r_init<OP>();
      const X* base = x + o * size * inner + i0;
      if constexpr (OP == R_SUM && std::is_same_v<X, float>) {
        column_sums_f32()(base, size, inner, n, acc);
      } else {
        for (int64_t r = 0; r < size; r++) {
          const X* row = base + r * inner;
          for (int64_t i = 0; i < n; i++) acc[i] = r_step<OP>(acc[i], static_cast<double>(row[i]));
        }
      }
      O* dst = out + o * inner + i0;
      for (int64_t i = 0; i < n; i++) dst[i] = store_as<O>(acc[i]);
    }
  });
}

template <class X, class O>
bool reduce_xo(int op, const X* x, O* out, int64_t outer, int64_t size, int64_t inner) {
  switch (op) {
    case R_SUM: reduce_op<R_SUM>(x, out, outer, size, inner); return true;
    case R_MAX: reduce_op<R_MAX>(x, out, outer, size, inner); return true;
    case R_MIN: reduce_op<R_MIN>(x, out, outer, size, inner); return true;
    case R_PROD: reduce_op<R_PROD>(x, out, outer, size, inner); return true;
  }
  return false;
}

template <class X>
bool reduce_x(int op, const X* x, const Arr& out, int64_t outer, int64_t size, int64_t inner) {
  switch (out.kind) {
    case F32: return reduce_xo(op, x, static_cast<float*>(out.p), outer, size, inner);
    case F64: return reduce_xo(op, x, static_cast<double*>(out.p), outer, size, inner);
    case I32: return reduce_xo(op, x, static_cast<int32_t*>(out.p), outer, size, inner);
    case U8: return reduce_xo(op, x, static_cast<uint8_t*>(out.p), outer, size, inner);
  }
  return false;
}

// argmax/argmin: the first extreme, or the first NaN, over r (as cpu-js).
template <bool MAX, class X>
void arg_t(const X* x, int32_t* out, int64_t outer, int64_t size, int64_t inner) {
  const int64_t per = std::max<int64_t>(1, size);
  parallel_for(outer * inner, std::max<int64_t>(1, GRAIN / per), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      const int64_t o = t / inner, i = t % inner;
      const X* p = x + o * size * inner + i;
      int64_t best = 0;
      if (size > 0) {
        X bv = p[0];
        if (bv == bv) {
          for (int64_t r = 1; r < size; r++) {
            const X v = p[r * inner];
            if ((MAX ? v > bv : v < bv) || v != v) {
              best = r;
              bv = v;
              if (v != v) break;
            }
          }
        }
      }
      out[t] = static_cast<int32_t>(best);
    }
  });
}

template <class X>
void arg_x(bool argmax, const X* x, int32_t* out, int64_t outer, int64_t size, int64_t inner) {
  if (argmax)
    arg_t<true>(x, out, outer, size, inner);
  else
    arg_t<false>(x, out, outer, size, inner);
}

// Element sizes: index selection moves bits; index adds need the arithmetic of the kind (integers
// wrap, as a JS store of the double sum does).
template <class T>
inline T add_js(T a, T b) {
  if constexpr (std::is_floating_point<T>::value)
    return a + b;
  else
    return static_cast<T>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

bool indices_ok(const int32_t* idx, int64_t n, int64_t size) {
  bool ok = true;
  for (int64_t i = 0; i < n; i++) ok &= idx[i] >= 0 && idx[i] < size;
  return ok;
}

template <class T>
void index_add_t(T* dst, const int32_t* idx, const T* src, int64_t outer, int64_t size, int64_t m,
                 int64_t inner) {
  // Rows picked twice must not race: split over outer, or else over chunks of inner.
  const int64_t work = outer * m * inner;
  const int64_t chunks = (inner + CHUNK - 1) / CHUNK;
  parallel_for(outer * chunks, std::max<int64_t>(1, GRAIN * outer * chunks / std::max<int64_t>(work, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t t = b; t < e; t++) {
                   const int64_t o = t / chunks, i0 = (t % chunks) * CHUNK;
                   const int64_t n = std::min(CHUNK, inner - i0);
                   for (int64_t j = 0; j < m; j++) {
                     T* d = dst + (o * size + idx[j]) * inner + i0;
                     const T* s = src + (o * m + j) * inner + i0;
                     for (int64_t i = 0; i < n; i++) d[i] = add_js(d[i], s[i]);
                   }
                 }
               });
}

template <class T>
void scatter_add_t(T* dst, const int32_t* idx, const T* src, int64_t outer, int64_t size, int64_t m,
                   int64_t inner) {
  const int64_t work = outer * m * inner;
  const int64_t chunks = (inner + CHUNK - 1) / CHUNK;
  parallel_for(outer * chunks, std::max<int64_t>(1, GRAIN * outer * chunks / std::max<int64_t>(work, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t t = b; t < e; t++) {
                   const int64_t o = t / chunks, i0 = (t % chunks) * CHUNK;
                   const int64_t n = std::min(CHUNK, inner - i0);
                   T* d = dst + o * size * inner + i0;
                   for (int64_t j = 0; j < m; j++) {
                     const int64_t k = (o * m + j) * inner + i0;
                     const T* s = src + k;
                     const int32_t* ix = idx + k;
                     for (int64_t i = 0; i < n; i++) d[ix[i] * inner + i] = add_js(d[ix[i] * inner + i], s[i]);
                   }
                 }
               });
}

template <class T>
void gather_t(const T* x, const int32_t* idx, T* out, int64_t outer, int64_t size, int64_t m,
              int64_t inner) {
  parallel_for(outer * m, std::max<int64_t>(1, GRAIN / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      const int64_t o = t / m;
      const T* xs = x + o * size * inner;
      const int32_t* ix = idx + t * inner;
      T* dst = out + t * inner;
      for (int64_t i = 0; i < inner; i++) dst[i] = xs[ix[i] * inner + i];
    }
  });
}

bool mul_ok(int64_t a, int64_t b, int64_t c, int64_t limit) {
  return static_cast<double>(a) * static_cast<double>(b) * static_cast<double>(c) <= static_cast<double>(limit);
}

}  // namespace

bool k_reduce(int op, const Arr& x, const Arr& out, int64_t outer, int64_t size, int64_t inner) {
  if (!mul_ok(outer, size, inner, x.len) || !mul_ok(outer, 1, inner, out.len)) return false;
  if (outer * inner == 0) return true;
  switch (x.kind) {
    case F32: return reduce_x(op, static_cast<const float*>(x.p), out, outer, size, inner);
    case F64: return reduce_x(op, static_cast<const double*>(x.p), out, outer, size, inner);
    case I32: return reduce_x(op, static_cast<const int32_t*>(x.p), out, outer, size, inner);
    case U8: return reduce_x(op, static_cast<const uint8_t*>(x.p), out, outer, size, inner);
  }
  return false;
}

bool k_arg_reduce(bool argmax, const Arr& x, const Arr& out, int64_t outer, int64_t size, int64_t inner) {
  if (out.kind != I32 || !mul_ok(outer, size, inner, x.len) || !mul_ok(outer, 1, inner, out.len))
    return false;
  if (outer * inner == 0) return true;
  int32_t* o = static_cast<int32_t*>(out.p);
  switch (x.kind) {
    case F32: arg_x(argmax, static_cast<const float*>(x.p), o, outer, size, inner); return true;
    case F64: arg_x(argmax, static_cast<const double*>(x.p), o, outer, size, inner); return true;
    case I32: arg_x(argmax, static_cast<const int32_t*>(x.p), o, outer, size, inner); return true;
    case U8: arg_x(argmax, static_cast<const uint8_t*>(x.p), o, outer, size, inner); return true;
  }
  return false;
}

bool k_index_select(const Arr& x, const Arr& idx, const Arr& out, int64_t outer, int64_t size, int64_t inner) {
  const int64_t m = idx.len;
  if (idx.kind != I32 || x.kind != out.kind || !mul_ok(outer, size, inner, x.len) ||
      !mul_ok(outer, m, inner, out.len))
    return false;
  const int32_t* ix = static_cast<const int32_t*>(idx.p);
  if (!indices_ok(ix, m, size)) return false;
  if (outer * m * inner == 0) return true;
  const size_t row = static_cast<size_t>(inner) * kind_size(x.kind);
  const char* xs = static_cast<const char*>(x.p);
  char* os = static_cast<char*>(out.p);
  parallel_for(outer * m, std::max<int64_t>(1, GRAIN / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      const int64_t o = t / m, j = t % m;
      std::memcpy(os + t * row, xs + (o * size + ix[j]) * row, row);
    }
  });
  return true;
}

bool k_index_add(const Arr& dst, const Arr& idx, const Arr& src, int64_t outer, int64_t size, int64_t inner) {
  const int64_t m = idx.len;
  if (idx.kind != I32 || dst.kind != src.kind || !mul_ok(outer, size, inner, dst.len) ||
      !mul_ok(outer, m, inner, src.len))
    return false;
  const int32_t* ix = static_cast<const int32_t*>(idx.p);
  if (!indices_ok(ix, m, size)) return false;
  if (outer * m * inner == 0) return true;
  switch (dst.kind) {
    case F32: index_add_t(static_cast<float*>(dst.p), ix, static_cast<const float*>(src.p), outer, size, m, inner); return true;
    case F64: index_add_t(static_cast<double*>(dst.p), ix, static_cast<const double*>(src.p), outer, size, m, inner); return true;
    case I32: index_add_t(static_cast<int32_t*>(dst.p), ix, static_cast<const int32_t*>(src.p), outer, size, m, inner); return true;
    case U8: index_add_t(static_cast<uint8_t*>(dst.p), ix, static_cast<const uint8_t*>(src.p), outer, size, m, inner); return true;
  }
  return false;
}

bool k_gather(const Arr& x, const Arr& idx, const Arr& out, int64_t outer, int64_t size, int64_t m, int64_t inner) {
  if (idx.kind != I32 || x.kind != out.kind || !mul_ok(outer, size, inner, x.len) ||
      !mul_ok(outer, m, inner, out.len) || !mul_ok(outer, m, inner, idx.len))
    return false;
  const int32_t* ix = static_cast<const int32_t*>(idx.p);
  const int64_t n = outer * m * inner;
  if (!indices_ok(ix, n, size)) return false;
  if (n == 0) return true;
  switch (kind_size(x.kind)) {
    case 1: gather_t(static_cast<const uint8_t*>(x.p), ix, static_cast<uint8_t*>(out.p), outer, size, m, inner); break;
    case 4: gather_t(static_cast<const uint32_t*>(x.p), ix, static_cast<uint32_t*>(out.p), outer, size, m, inner); break;
    case 8: gather_t(static_cast<const uint64_t*>(x.p), ix, static_cast<uint64_t*>(out.p), outer, size, m, inner); break;
  }
  return true;
}

bool k_scatter_add(const Arr& dst, const Arr& idx, const Arr& src, int64_t outer, int64_t size, int64_t m, int64_t inner) {
  if (idx.kind != I32 || dst.kind != src.kind || !mul_ok(outer, size, inner, dst.len) ||
      !mul_ok(outer, m, inner, src.len) || !mul_ok(outer, m, inner, idx.len))
    return false;
  const int32_t* ix = static_cast<const int32_t*>(idx.p);
  const int64_t n = outer * m * inner;
  if (!indices_ok(ix, n, size)) return false;
  if (n == 0) return true;
  switch (dst.kind) {
    case F32: scatter_add_t(static_cast<float*>(dst.p), ix, static_cast<const float*>(src.p), outer, size, m, inner); return true;
    case F64: scatter_add_t(static_cast<double*>(dst.p), ix, static_cast<const double*>(src.p), outer, size, m, inner); return true;
    case I32: scatter_add_t(static_cast<int32_t*>(dst.p), ix, static_cast<const int32_t*>(src.p), outer, size, m, inner); return true;
    case U8: scatter_add_t(static_cast<uint8_t*>(dst.p), ix, static_cast<const uint8_t*>(src.p), outer, size, m, inner); return true;
  }
  return false;
}

}  // namespace gs
