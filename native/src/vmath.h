// Branch-free float32 exp, expm1, tanh, sigmoid, erf and erfc that compilers vectorise (the libm
// versions are scalar calls; tanhf and erff cost 10-17 ns each). Accuracy: a few ulp (erf/erfc
// about 5e-7 relative at worst). NaN propagates, infinities and the extremes behave as in libm.
// Coefficients: Taylor series for exp/expm1; least-squares fits (relative error) made for this file
// for erf(x)/x in x² on [0, 1] and erfc(x)·exp(x²) in 1/x on [1, 6.5].
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__GNUC__) || defined(__clang__)
#define GS_INLINE inline __attribute__((always_inline))
#else
#define GS_INLINE inline
#endif

namespace gs {
namespace vm {

GS_INLINE float bits_to_float(int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}
GS_INLINE int32_t float_to_bits(float f) {
  int32_t i;
  std::memcpy(&i, &f, sizeof i);
  return i;
}
GS_INLINE float copysign_f(float mag, float sign) {
  return bits_to_float((float_to_bits(mag) & 0x7fffffff) | (float_to_bits(sign) & int32_t(0x80000000)));
}
GS_INLINE float abs_f(float x) { return bits_to_float(float_to_bits(x) & 0x7fffffff); }

// e^x = 2^n · e^r with n = round(x / ln 2) and |r| <= ln2 / 2.
GS_INLINE float exp_f(float x) {
  float xc = x < -104.0f ? -104.0f : x;  // e^-104 underflows to 0
  xc = xc > 89.0f ? 89.0f : xc;           // e^89 overflows to inf
  const float t = xc * 1.44269504088896341f + 12582912.0f;  // 1.5·2^23 + n: its ulp is 1
  float n = t - 12582912.0f;                                  // round to nearest
  n = xc == xc ? n : 0.0f;
  float r = xc - n * 0.693145751953125f;  // ln 2 in two parts: the first exact for |n| < 2^8
  r = r - n * 1.42860682030941723e-6f;
  float p = 1.98412698412698413e-4f;  // 1/7!
  p = p * r + 1.38888888888888889e-3f;
  p = p * r + 8.33333333333333333e-3f;
  p = p * r + 4.16666666666666667e-2f;
  p = p * r + 1.66666666666666667e-1f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
#if defined(__wasm__)
  // The same integer from t's bits: V8 lowers WebAssembly's saturating float-to-int conversion to
  // about six x86 instructions, this to one (softmax and cross-entropy 1.2× faster, same bits).
  const int32_t ni = xc == xc ? float_to_bits(t) - 0x4B400000 : 0;
#else
  const int32_t ni = static_cast<int32_t>(n);
#endif
  const int32_t n1 = ni >> 1, n2 = ni - n1;  // 2^n in two factors keeps both normal
  return p * bits_to_float((n1 + 127) << 23) * bits_to_float((n2 + 127) << 23);
}

// 2^y for y in [-125, 128] (callers clamp; 128 gives inf), NaN for NaN: fewer operations than exp_f
// for callers that can fold ln 2 into their own constants. 2^y = 2^n · 2^f with n = round(y),
// |f| <= 1/2; the polynomial (a minimax fit of 2^f made for this file, within 2 ulp) is scaled by 2
// so that 2^(n-1) stays a normal float over the whole range.
GS_INLINE float exp2_f(float y) {
  const float t = y + 12582912.0f;  // 1.5·2^23 + n: its ulp is 1
  const float f = y - (t - 12582912.0f);
  float p = 3.0691621941514313e-4f;
  p = p * f + 2.6799861807376146e-3f;
  p = p * f + 1.9236978143453598e-2f;
  p = p * f + 1.1100657284259796e-1f;
  p = p * f + 4.8045292496681213e-1f;
  p = p * f + 1.3862943649291992f;
  p = p * f + 2.0f;
  return p * bits_to_float((float_to_bits(t) - 0x4B400000 + 126) << 23);
}

GS_INLINE float expm1_f(float x) {
  // Near 0 the Taylor series keeps the relative accuracy that exp(x) - 1 would lose.
  float p = 2.75573192239858907e-6f;  // 1/9!
  p = p * x + 2.48015873015873016e-5f;
  p = p * x + 1.98412698412698413e-4f;
  p = p * x + 1.38888888888888889e-3f;
  p = p * x + 8.33333333333333333e-3f;
  p = p * x + 4.16666666666666667e-2f;
  p = p * x + 1.66666666666666667e-1f;
  p = p * x + 0.5f;
  const float small = x + x * x * p;
  const float big = exp_f(x) - 1.0f;
  return abs_f(x) < 0.34657359f ? small : big;
}

GS_INLINE float tanh_f(float x) {
  float a = abs_f(x);
  a = a > 9.0f ? 9.0f : a;  // tanh(9) rounds to 1
  const float e = expm1_f(2.0f * a);
  return copysign_f(e / (e + 2.0f), x);
}

GS_INLINE float sigmoid_f(float x) {
  const float e = exp_f(-abs_f(x));
  const float r = 1.0f / (1.0f + e);
  return x >= 0.0f ? r : e * r;
}

// erfc(a) for a >= 0.
GS_INLINE float erfc_pos_f(float a) {
  // a < 1: 1 - erf(a) (erfc >= 0.157 there, so no cancellation).
  const float s = a * a;
  float p = 7.898209878476337e-05f;
  p = p * s - 0.0008024353883229196f;
  p = p * s + 0.00519005348905921f;
  p = p * s - 0.026854809373617172f;
  p = p * s + 0.11283612251281738f;
  p = p * s - 0.3761262893676758f;
  p = p * s + 1.128379225730896f;
  const float near = 1.0f - a * p;
  // a >= 1: exp(-a²)·Q(1/a).
  const float ac = a < 1.0f ? 1.0f : (a > 10.0f ? 10.0f : a);
  const float w = 1.0f / ac;
  float q = -0.05158877745270729f;
  q = q * w + 0.3462604582309723f;
  q = q * w - 1.0296928882598877f;
  q = q * w + 1.764326572418213f;
  q = q * w - 1.8622353076934814f;
  q = q * w + 1.1237934827804565f;
  q = q * w - 0.16970425844192505f;
  q = q * w - 0.25524282455444336f;
  q = q * w - 0.002668650820851326f;
  q = q * w + 0.5643393397331238f;
  q = q * w - 3.5692332858161535e-06f;
  float far = exp_f(-ac * ac) * q;
  far = a > 10.0f ? 0.0f : far;
  return a < 1.0f ? near : far;
}

GS_INLINE float erf_f(float x) {
  const float a = abs_f(x);
  const float s = a * a;
  float p = 7.898209878476337e-05f;
  p = p * s - 0.0008024353883229196f;
  p = p * s + 0.00519005348905921f;
  p = p * s - 0.026854809373617172f;
  p = p * s + 0.11283612251281738f;
  p = p * s - 0.3761262893676758f;
  p = p * s + 1.128379225730896f;
  const float near = x * p;
  const float far = copysign_f(1.0f - erfc_pos_f(a), x);
  return a < 1.0f ? near : far;
}

// 1 + erf(z), accurate in the left tail (where it is erfc(-z)).
GS_INLINE float one_plus_erf_f(float z) {
  const float c = erfc_pos_f(abs_f(z));
  return z < 0.0f ? c : 2.0f - c;
}

}  // namespace vm
}  // namespace gs
