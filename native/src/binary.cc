// binary: out = op(a, b) over broadcast strided views.
#include <cmath>
#include <limits>
#include <type_traits>

#include "iter.h"
#include "ops.h"
#include "pool.h"

namespace gs {
namespace {

constexpr int64_t GRAIN_CHEAP = 32768;  // elements below which a kernel stays on one thread
constexpr int64_t GRAIN_COSTLY = 4096;  // ... for pow

template <class T>
inline T js_pow(T x, T y) {
  // Math.pow differs from C's pow where C answers 1: pow(1, NaN) and pow(±1, ±Infinity).
  if (y != y) return std::numeric_limits<T>::quiet_NaN();
  if ((x == 1 || x == -1) && std::isinf(y)) return std::numeric_limits<T>::quiet_NaN();
  return std::pow(x, y);
}

struct OpAdd { template <class T> static T f(T x, T y) { return x + y; } };
struct OpSub { template <class T> static T f(T x, T y) { return x - y; } };
struct OpMul { template <class T> static T f(T x, T y) { return x * y; } };
struct OpDiv { template <class T> static T f(T x, T y) { return x / y; } };
struct OpPow { template <class T> static T f(T x, T y) { return js_pow(x, y); } };
struct OpMax { template <class T> static T f(T x, T y) { return x > y || x != x ? x : y; } };
struct OpMin { template <class T> static T f(T x, T y) { return x < y || x != x ? x : y; } };
struct OpEq { template <class T> static bool f(T x, T y) { return x == y; } };
struct OpNe { template <class T> static bool f(T x, T y) { return x != y; } };
struct OpLt { template <class T> static bool f(T x, T y) { return x < y; } };
struct OpLe { template <class T> static bool f(T x, T y) { return x <= y; } };
struct OpGt { template <class T> static bool f(T x, T y) { return x > y; } };
struct OpGe { template <class T> static bool f(T x, T y) { return x >= y; } };
struct OpAnd { template <class T> static bool f(T x, T y) { return truthy(x) && truthy(y); } };
struct OpOr { template <class T> static bool f(T x, T y) { return truthy(x) || truthy(y); } };

template <class Op, class T, class O>
inline void bin_run(const T* a, int64_t sa, const T* b, int64_t sb, O* o, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) o[i] = static_cast<O>(Op::f(a[i], b[i]));
  } else if (sa == 1 && sb == 0) {
    const T y = *b;
    for (int64_t i = 0; i < n; i++) o[i] = static_cast<O>(Op::f(a[i], y));
  } else if (sa == 0 && sb == 1) {
    const T x = *a;
    for (int64_t i = 0; i < n; i++) o[i] = static_cast<O>(Op::f(x, b[i]));
  } else {
    for (int64_t i = 0; i < n; i++) o[i] = static_cast<O>(Op::f(a[i * sa], b[i * sb]));
  }
}

template <class Op, class T, class O>
bool bin_exec(const T* A, const T* B, O* out, const Iter<2>& it, int64_t grain) {
  const int64_t sa = it.inner(0), sb = it.inner(1);
  parallel_for(it.total, grain, [&](int64_t begin, int64_t end) {
    for_runs(it, begin, end, [&](const int64_t* offs, int64_t n, int64_t pos) {
      bin_run<Op>(A + offs[0], sa, B + offs[1], sb, out + pos, n);
    });
  });
  return true;
}

template <class T, class O>
bool binary_t(int op, const T* A, const T* B, O* out, const Iter<2>& it) {
  constexpr bool arith = std::is_floating_point<T>::value && std::is_same<T, O>::value;
  constexpr bool same = std::is_same<T, O>::value;
  switch (op) {
#define ARITH(CODE, OP, GRAIN)                                   \
  case CODE:                                                     \
    if constexpr (arith) return bin_exec<OP>(A, B, out, it, GRAIN); \
    return false;
    ARITH(B_ADD, OpAdd, GRAIN_CHEAP)
    ARITH(B_SUB, OpSub, GRAIN_CHEAP)
    ARITH(B_MUL, OpMul, GRAIN_CHEAP)
    ARITH(B_DIV, OpDiv, GRAIN_CHEAP)
    ARITH(B_POW, OpPow, GRAIN_COSTLY)
#undef ARITH
    case B_MAXIMUM:
      if constexpr (same) return bin_exec<OpMax>(A, B, out, it, GRAIN_CHEAP);
      return false;
    case B_MINIMUM:
      if constexpr (same) return bin_exec<OpMin>(A, B, out, it, GRAIN_CHEAP);
      return false;
#define CMP(CODE, OP) \
  case CODE:          \
    return bin_exec<OP>(A, B, out, it, GRAIN_CHEAP);
      CMP(B_EQ, OpEq)
      CMP(B_NE, OpNe)
      CMP(B_LT, OpLt)
      CMP(B_LE, OpLe)
      CMP(B_GT, OpGt)
      CMP(B_GE, OpGe)
      CMP(B_AND, OpAnd)
      CMP(B_OR, OpOr)
#undef CMP
    default:
      return false;
  }
}

template <class T>
bool binary_out(int op, const T* A, const T* B, const Arr& out, const Iter<2>& it) {
  if (out.kind == U8) return binary_t<T, uint8_t>(op, A, B, static_cast<uint8_t*>(out.p), it);
  return binary_t<T, T>(op, A, B, static_cast<T*>(out.p), it);
}

}  // namespace

bool k_binary(int op, const Arr& a, const Arr& b, const Arr& out, const double* sc, int64_t sclen) {
  if (a.kind != b.kind || (out.kind != a.kind && out.kind != U8) || op < 0 || op >= B_COUNT)
    return false;
  Iter<2> it;
  const int64_t lens[2] = {a.len, b.len};
  if (!parse_views<2>(sc, sclen, lens, it) || out.len < it.total) return false;
  if (it.total == 0) return true;
  switch (a.kind) {
    case F32: return binary_out(op, static_cast<const float*>(a.p), static_cast<const float*>(b.p), out, it);
    case F64: return binary_out(op, static_cast<const double*>(a.p), static_cast<const double*>(b.p), out, it);
    case I32: return binary_out(op, static_cast<const int32_t*>(a.p), static_cast<const int32_t*>(b.p), out, it);
    case U8: return binary_out(op, static_cast<const uint8_t*>(a.p), static_cast<const uint8_t*>(b.p), out, it);
  }
  return false;
}

}  // namespace gs
