// unary, where, copy, cast (binary is in binary.cc).
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "iter.h"
#include "ops.h"
#include "pool.h"

namespace gs {
namespace {

constexpr int64_t GRAIN_CHEAP = 32768;  // elements below which a kernel stays on one thread
constexpr int64_t GRAIN_COSTLY = 4096;  // ... for transcendental functions

// ---------------------------------------------------------------------------------------------
// unary

#define GS_UNARY_OPS(X)                                                      \
  X(U_NEG, -x, GRAIN_CHEAP)                                                  \
  X(U_EXP, std::exp(x), GRAIN_COSTLY)                                        \
  X(U_LOG, std::log(x), GRAIN_COSTLY)                                        \
  X(U_SQRT, std::sqrt(x), GRAIN_CHEAP)                                       \
  X(U_RSQRT, T(1) / std::sqrt(x), GRAIN_CHEAP)                               \
  X(U_TANH, std::tanh(x), GRAIN_COSTLY)                                      \
  X(U_SIGMOID,                                                               \
    x >= 0 ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x)), \
    GRAIN_COSTLY)                                                            \
  X(U_RELU, x > 0 ? x : T(0), GRAIN_CHEAP)                                   \
  X(U_ABS, std::abs(x), GRAIN_CHEAP)                                         \
  X(U_SIN, std::sin(x), GRAIN_COSTLY)                                        \
  X(U_COS, std::cos(x), GRAIN_COSTLY)                                        \
  X(U_ERF, std::erf(x), GRAIN_COSTLY)                                        \
  X(U_LOG1P, std::log1p(x), GRAIN_COSTLY)                                    \
  X(U_EXPM1, std::expm1(x), GRAIN_COSTLY)                                    \
  X(U_RECIPROCAL, T(1) / x, GRAIN_CHEAP)                                     \
  X(U_SIGN, x > 0 ? T(1) : x < 0 ? T(-1) : T(0), GRAIN_CHEAP)                \
  X(U_FLOOR, std::floor(x), GRAIN_CHEAP)                                     \
  X(U_CEIL, std::ceil(x), GRAIN_CHEAP)                                       \
  X(U_ROUND, std::nearbyint(x), GRAIN_CHEAP) /* half to even, like PyTorch */ \
  X(U_NOT, truthy(x) ? T(0) : T(1), GRAIN_CHEAP)

template <class T, class F>
void unary_loop(const T* x, T* out, int64_t n, int64_t grain, F f) {
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) out[i] = f(x[i]);
  });
}

template <class T>
bool unary_t(int op, const T* x, T* out, int64_t n) {
  switch (op) {
#define X(OP, EXPR, GRAIN)                                      \
  case OP:                                                      \
    unary_loop(x, out, n, GRAIN, [](T x) -> T { return EXPR; }); \
    return true;
    GS_UNARY_OPS(X)
#undef X
    default:
      return false;
  }
}

// Same-size element types: where/copy/indexSelect move bits, whatever the kind.
template <int SIZE> struct Bits;
template <> struct Bits<1> { using T = uint8_t; };
template <> struct Bits<4> { using T = uint32_t; };
template <> struct Bits<8> { using T = uint64_t; };

template <class T>
void where_t(const uint8_t* C, const T* A, const T* B, T* out, const Iter<3>& it) {
  const int64_t sc = it.inner(0), sa = it.inner(1), sb = it.inner(2);
  parallel_for(it.total, GRAIN_CHEAP, [&](int64_t begin, int64_t end) {
    for_runs(it, begin, end, [&](const int64_t* offs, int64_t n, int64_t pos) {
      const uint8_t* c = C + offs[0];
      const T* a = A + offs[1];
      const T* b = B + offs[2];
      T* o = out + pos;
      if (sc == 1 && sa == 1 && sb == 1)
        for (int64_t i = 0; i < n; i++) o[i] = c[i] ? a[i] : b[i];
      else
        for (int64_t i = 0; i < n; i++) o[i] = c[i * sc] ? a[i * sa] : b[i * sb];
    });
  });
}

template <class T>
void copy_t(const T* S, T* D, const Iter<2>& it, bool parallel) {
  const int64_t ss = it.inner(0), sd = it.inner(1);
  auto body = [&](int64_t begin, int64_t end) {
    for_runs(it, begin, end, [&](const int64_t* offs, int64_t n, int64_t) {
      const T* s = S + offs[0];
      T* d = D + offs[1];
      if (ss == 1 && sd == 1)
        std::memmove(d, s, static_cast<size_t>(n) * sizeof(T));
      else
        for (int64_t i = 0; i < n; i++) d[i * sd] = s[i * ss];
    });
  };
  if (parallel)
    parallel_for(it.total, GRAIN_CHEAP, body);
  else
    body(0, it.total);
}

// cast: the conversions of a JS typed-array store.
template <class S, class D>
inline D convert(S x) {
  if constexpr (std::is_same<D, uint8_t>::value) {
    return x != 0 ? 1 : 0;  // to bool (NaN != 0 is true, as in JS)
  } else if constexpr (std::is_same<D, int32_t>::value) {
    if constexpr (std::is_floating_point<S>::value)
      return js_to_int32(static_cast<double>(x));
    else
      return static_cast<int32_t>(x);
  } else {
    return static_cast<D>(x);
  }
}

template <class S, class D>
void cast_t(const S* s, D* d, int64_t n) {
  parallel_for(n, GRAIN_CHEAP, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) d[i] = convert<S, D>(s[i]);
  });
}

template <class S>
void cast_from(const S* s, const Arr& dst, int64_t n) {
  switch (dst.kind) {
    case F32: cast_t(s, static_cast<float*>(dst.p), n); break;
    case F64: cast_t(s, static_cast<double*>(dst.p), n); break;
    case I32: cast_t(s, static_cast<int32_t*>(dst.p), n); break;
    case U8: cast_t(s, static_cast<uint8_t*>(dst.p), n); break;
  }
}

}  // namespace

bool k_unary(int op, const Arr& x, const Arr& out) {
  if (x.kind != out.kind || out.len < x.len) return false;
  if (x.kind == F32) {
    const float* xs = static_cast<const float*>(x.p);
    float* os = static_cast<float*>(out.p);
    return k_fast_unary_f32(op, xs, os, x.len) || unary_t(op, xs, os, x.len);
  }
  if (x.kind == F64) return unary_t(op, static_cast<const double*>(x.p), static_cast<double*>(out.p), x.len);
  if (x.kind == U8 && op == U_NOT) {
    const uint8_t* s = static_cast<const uint8_t*>(x.p);
    uint8_t* d = static_cast<uint8_t*>(out.p);
    parallel_for(x.len, GRAIN_CHEAP, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; i++) d[i] = s[i] ? 0 : 1;
    });
    return true;
  }
  return false;
}

bool k_where(const Arr& c, const Arr& a, const Arr& b, const Arr& out, const double* sc, int64_t sclen) {
  if (c.kind != U8 || a.kind != out.kind || b.kind != out.kind) return false;
  Iter<3> it;
  const int64_t lens[3] = {c.len, a.len, b.len};
  if (!parse_views<3>(sc, sclen, lens, it) || out.len < it.total) return false;
  if (it.total == 0) return true;
  const uint8_t* C = static_cast<const uint8_t*>(c.p);
  switch (kind_size(out.kind)) {
    case 1: where_t(C, static_cast<const uint8_t*>(a.p), static_cast<const uint8_t*>(b.p), static_cast<uint8_t*>(out.p), it); break;
    case 4: where_t(C, static_cast<const uint32_t*>(a.p), static_cast<const uint32_t*>(b.p), static_cast<uint32_t*>(out.p), it); break;
    case 8: where_t(C, static_cast<const uint64_t*>(a.p), static_cast<const uint64_t*>(b.p), static_cast<uint64_t*>(out.p), it); break;
  }
  return true;
}

bool k_copy(const Arr& src, const Arr& dst, const double* sc, int64_t sclen) {
  if (src.kind != dst.kind) return false;
  Iter<2> it;
  const int64_t lens[2] = {src.len, dst.len};
  if (!parse_views<2>(sc, sclen, lens, it)) return false;
  if (it.total == 0) return true;
  // Threads only when the writes are disjoint (no broadcast dst dim) and src does not overlap dst.
  bool parallel = true;
  for (int d = 0; d < it.nd; d++)
    if (it.str[1][d] == 0) parallel = false;
  const size_t es = static_cast<size_t>(kind_size(src.kind));
  const char* s0 = static_cast<const char*>(src.p);
  const char* d0 = static_cast<const char*>(dst.p);
  if (s0 < d0 + dst.len * es && d0 < s0 + src.len * es) parallel = false;
  switch (es) {
    case 1: copy_t(static_cast<const uint8_t*>(src.p), static_cast<uint8_t*>(dst.p), it, parallel); break;
    case 4: copy_t(static_cast<const uint32_t*>(src.p), static_cast<uint32_t*>(dst.p), it, parallel); break;
    case 8: copy_t(static_cast<const uint64_t*>(src.p), static_cast<uint64_t*>(dst.p), it, parallel); break;
  }
  return true;
}

bool k_cast(const Arr& src, const Arr& dst) {
  if (src.kind == BAD || dst.kind == BAD || dst.len < src.len) return false;
  switch (src.kind) {
    case F32: cast_from(static_cast<const float*>(src.p), dst, src.len); break;
    case F64: cast_from(static_cast<const double*>(src.p), dst, src.len); break;
    case I32: cast_from(static_cast<const int32_t*>(src.p), dst, src.len); break;
    case U8: cast_from(static_cast<const uint8_t*>(src.p), dst, src.len); break;
  }
  return true;
}

}  // namespace gs
