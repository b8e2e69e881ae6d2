// Shared definitions for the gradstack native backend.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace gs {

// Element kinds, matching the typed arrays of src/backend/types.ts.
enum Kind : int { F32 = 0, F64 = 1, I32 = 2, U8 = 3, BAD = -1, NONE = -2 /* null */ };

inline int kind_size(int k) { return k == F32 || k == I32 ? 4 : k == F64 ? 8 : 1; }

// A typed array seen from C++: data pointer (byteOffset applied), element count and kind.
struct Arr {
  void* p = nullptr;
  int64_t len = 0;
  int kind = BAD;
};

constexpr int MAXD = 16;  // dims a strided view may have after collapsing

// JavaScript's ToInt32 / ToUint8 (what storing a double into an Int32Array / Uint8Array does).
inline int32_t js_to_int32(double d) {
  if (d > -2147483649.0 && d < 2147483648.0) return static_cast<int32_t>(d);  // trunc, in range
  if (!std::isfinite(d)) return 0;
  double t = std::trunc(d);
  double r = std::fmod(t, 4294967296.0);
  if (r < 0) r += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(r));
}
inline uint8_t js_to_uint8(double d) {
  if (d >= 0 && d < 256.0) return static_cast<uint8_t>(d);
  return static_cast<uint8_t>(static_cast<uint32_t>(js_to_int32(d)) & 0xff);
}

// Store a double the way a JS typed-array assignment would.
template <typename O> inline O store_as(double d);
template <> inline float store_as<float>(double d) { return static_cast<float>(d); }
template <> inline double store_as<double>(double d) { return d; }
template <> inline int32_t store_as<int32_t>(double d) { return js_to_int32(d); }
template <> inline uint8_t store_as<uint8_t>(double d) { return js_to_uint8(d); }

// JS truthiness of a number (NaN and 0 are falsy).
template <typename T> inline bool truthy(T x) { return x != 0 && x == x; }

}  // namespace gs
