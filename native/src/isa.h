// The one instruction-set helper. A vectorised file writes its kernel bodies once as templates,
// compiles them once per instruction set with GS_FOR_EACH_ISA (a table of function pointers per set,
// named <table>_<isa>), and picks the table for this CPU once with GS_PICK_ISA(table).
//
//   #define GS_MY_VARIANT(SUFFIX, ATTR) ATTR void f_##SUFFIX(...) { body(...); } \
//     const Fns fns_##SUFFIX = {f_##SUFFIX};
//   GS_FOR_EACH_ISA(GS_MY_VARIANT)
//   const Fns& fns() { static const Fns* f = GS_PICK_ISA(fns); return *f; }
//
// GEMM (gemm.cc) reads cpu_isa() too, to pick its micro-kernels and block sizes.
#pragma once
#include <cstdlib>
#include <cstring>

namespace gs {

enum class Isa { Generic, Avx2, Avx512 };

// The best instruction set of this CPU: AVX-512 (F and VL), AVX2+FMA or generic, capped by
// GRADSTACK_ISA=generic|avx2 (tests use it to cover every variant). Decided once per process.
inline Isa cpu_isa() {
  static const Isa isa = [] {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    const char* env = std::getenv("GRADSTACK_ISA");
    const char* cap = env ? env : "";
    __builtin_cpu_init();
    if (std::strcmp(cap, "generic") == 0 || !__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
      return Isa::Generic;
    if (std::strcmp(cap, "avx2") != 0 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))
      return Isa::Avx512;
    return Isa::Avx2;
#else
    return Isa::Generic;
#endif
  }();
  return isa;
}

inline const char* isa_name(Isa isa) {
#if defined(__wasm_simd128__)
  if (isa == Isa::Generic) return "simd128";  // WebAssembly: the baseline is SIMD128, chosen at build time
#endif
  return isa == Isa::Avx512 ? "avx512" : isa == Isa::Avx2 ? "avx2" : "generic";
}

// The variant for this CPU among those compiled.
template <class T>
const T* pick_isa(const T* generic, const T* avx2, const T* avx512) {
  switch (cpu_isa()) {
    case Isa::Avx512: return avx512;
    case Isa::Avx2: return avx2;
    default: return generic;
  }
}

}  // namespace gs

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GS_ISA_ATTR_AVX2 __attribute__((target("avx2,fma")))
#define GS_ISA_ATTR_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma,prefer-vector-width=512")))
// Expands DEFINE(suffix, function attribute) for every instruction set this compiler can target.
#define GS_FOR_EACH_ISA(DEFINE) \
  DEFINE(generic, )             \
  DEFINE(avx2, GS_ISA_ATTR_AVX2) \
  DEFINE(avx512, GS_ISA_ATTR_AVX512)
// The same without AVX-512, for files whose AVX-512 build is no faster (the AVX2 one runs there).
#define GS_FOR_EACH_ISA_TO_AVX2(DEFINE) \
  DEFINE(generic, )                     \
  DEFINE(avx2, GS_ISA_ATTR_AVX2)
#define GS_PICK_ISA(NAME) ::gs::pick_isa(&NAME##_generic, &NAME##_avx2, &NAME##_avx512)
#define GS_PICK_ISA_TO_AVX2(NAME) ::gs::pick_isa(&NAME##_generic, &NAME##_avx2, &NAME##_avx2)
#else
#define GS_FOR_EACH_ISA(DEFINE) DEFINE(generic, )
#define GS_FOR_EACH_ISA_TO_AVX2(DEFINE) DEFINE(generic, )
#define GS_PICK_ISA(NAME) (&NAME##_generic)
#define GS_PICK_ISA_TO_AVX2(NAME) (&NAME##_generic)
#endif
