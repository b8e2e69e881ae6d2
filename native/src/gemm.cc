// Cache-blocked, packed GEMM (the usual five loops around a register-blocked micro-kernel).
// Transposes and leading dimensions are absorbed by the packing; the micro-kernel is chosen at run
// time (AVX-512 or AVX2+FMA on x86-64, else a portable kernel the compiler vectorises).
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#if defined(_WIN32)
#include <malloc.h>
#endif
#include <cstring>
#include <utility>

#include "pool.h"

namespace gs {
namespace {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// Per-thread packing buffers, grown on demand (thread_local: a JS worker thread running a kernel
// serially while the pool is busy must not share the main thread's buffers).
inline void* alloc64(size_t bytes) {
#if defined(_WIN32)
  return _aligned_malloc(bytes, 64);
#else
  return std::aligned_alloc(64, bytes);
#endif
}
inline void free64(void* p) {
#if defined(_WIN32)
  _aligned_free(p);
#else
  std::free(p);
#endif
}

template <typename T>
T* scratch(int which, int64_t n) {
  struct Buf {
    T* p = nullptr;
    int64_t cap = 0;
    ~Buf() { free64(p); }
  };
  static thread_local Buf bufs[2];
  Buf& b = bufs[which];
  if (b.cap < n) {
    free64(b.p);
    const size_t bytes = static_cast<size_t>(round_up(n * static_cast<int64_t>(sizeof(T)), 64));
    b.p = static_cast<T*>(alloc64(bytes));
    if (b.p == nullptr) std::abort();  // a few MB at most: out of memory anyway
    b.cap = n;
  }
  return b.p;
}

// Packs op(A)[0:mc, 0:kc] (element (i, p) at A[i·ars + p·acs]) into panels of MR rows: panel q holds
// kc groups of MR values, rows past mc are zero.
template <typename T, int MR>
void pack_a(T* __restrict dst, const T* A, int64_t ars, int64_t acs, int64_t mc, int64_t kc,
            PackAN<T> pack_an) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc) {
    const int mr = static_cast<int>(std::min<int64_t>(MR, mc - i0));
    const T* a = A + i0 * ars;
    if (mr == MR && acs == 1 && pack_an != nullptr) {
      pack_an(dst, a, ars, kc, MR);
    } else if (mr == MR && acs == 1) {
      const T* rows[MR];
      for (int r = 0; r < MR; r++) rows[r] = a + r * ars;
      for (int64_t p = 0; p < kc; p++)
        for (int r = 0; r < MR; r++) dst[p * MR + r] = rows[r][p];
    } else if (mr == MR && ars == 1) {
      for (int64_t p = 0; p < kc; p++)
        for (int r = 0; r < MR; r++) dst[p * MR + r] = a[p * acs + r];
    } else {
      for (int64_t p = 0; p < kc; p++) {
        for (int r = 0; r < mr; r++) dst[p * MR + r] = a[r * ars + p * acs];
        for (int r = mr; r < MR; r++) dst[p * MR + r] = T(0);
      }
    }
  }
}

// Packs op(B)[0:kc, 0:nc] (element (p, j) at B[p·brs + j·bcs]) into panels of NR columns.
template <typename T, int NR>
void pack_b(T* __restrict dst, const T* B, int64_t brs, int64_t bcs, int64_t kc, int64_t nc,
            PackBT<T> pack_bt) {
  for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
    const int nr = static_cast<int>(std::min<int64_t>(NR, nc - j0));
    const T* b = B + j0 * bcs;
    if (nr == NR && brs == 1 && pack_bt != nullptr) {
      pack_bt(dst, b, bcs, kc, NR);
    } else if (nr == NR && bcs == 1) {
      for (int64_t p = 0; p < kc; p++)
        for (int c = 0; c < NR; c++) dst[p * NR + c] = b[p * brs + c];
    } else if (nr == NR && brs == 1) {
      const T* cols[NR];
      for (int c = 0; c < NR; c++) cols[c] = b + c * bcs;
      for (int64_t p = 0; p < kc; p++)
        for (int c = 0; c < NR; c++) dst[p * NR + c] = cols[c][p];
    } else {
      for (int64_t p = 0; p < kc; p++) {
        for (int c = 0; c < nr; c++) dst[p * NR + c] = b[p * brs + c * bcs];
        for (int c = nr; c < NR; c++) dst[p * NR + c] = T(0);
      }
    }
  }
}

// Splits n into ceil(n / max) near-equal blocks, each a multiple of `unit` (except the last).
inline int64_t block_size(int64_t n, int64_t max, int64_t unit) {
  int64_t blocks = ceil_div(n, max);
  return std::min(max, round_up(ceil_div(n, blocks), unit));
}

// A whole op(B) packed ahead of the blocked loops: the block of rows [pc, pc + kc) starts at
// p + pc·npad and holds its panels of NR columns (kc·NR values each) in order; `col0` is the column
// of op(B) where the calling block's columns begin (a multiple of NR).
template <typename T>
struct Prepacked {
  const T* p;
  int64_t npad, col0;
};

// The cache lines of op(X)[0:rows, 0:cols] (element (i, j) at S[i·rs + j·cs]), requested a share at a
// time so that they arrive while micro-kernels compute; only where rows or columns are contiguous runs
// (else, and where the build has no prefetch, it requests nothing).
template <typename T>
class Prefetcher {
 public:
  Prefetcher() = default;
  Prefetcher(const T* S, int64_t rs, int64_t cs, int64_t rows, int64_t cols, int64_t shares) {
    if (cs != 1 && rs == 1) std::swap(rs, cs), std::swap(rows, cols);
    if (!kHasPrefetch || cs != 1 || rows <= 0 || cols <= 0 || shares <= 0) return;
    s_ = S, rs_ = rs, rows_ = rows, bytes_ = cols * static_cast<int64_t>(sizeof(T));
    per_ = ceil_div(rows, shares);
  }
  // Share t of those announced at construction.
  void share(int64_t t) const {
    for (int64_t i = t * per_, end = std::min(rows_, i + per_); i < end; i++) {
      const uintptr_t first = reinterpret_cast<uintptr_t>(s_ + i * rs_);
      for (uintptr_t a = first & ~uintptr_t(63); a < first + bytes_; a += 64)
        prefetch_l2(reinterpret_cast<const void*>(a));
    }
  }

 private:
  const T* s_ = nullptr;
  int64_t rs_ = 0, rows_ = 0, bytes_ = 0, per_ = 0;
};

// Up to this many columns, a kernel that reads op(A) in place is used where there is one: each packed
// A panel would serve only a few column panels, and the packing pass over A cost more than the strided
// reads (1 thread, 768 rows: AVX-512, n = 128 2-12% faster in place, n >= 384 2-5% slower, and a
// transposed op(A) with k = 768-2048, n = 64-128 1-5% faster; AVX2, n = 64-128 8-17% faster, but a
// transposed op(A) up to 15% slower, so AVX2 has no kernel for that).
constexpr int64_t kDirectColumns = 128;
// Likewise B: with up to this many row panels (m <= kStridedBPanels·MR), each packed B panel would serve
// only a few tiles, and a kernel that reads a row-major op(B) in place is used, unless its rows lie far
// apart (over kStridedBMaxStride elements: a panel then touches a page per row). 1 thread: AVX-512,
// m = 32-192 4-30% faster in place, m = 256-512 even, m = 128 with rows 2048 apart and m = 2048 slower;
// AVX2, m = 32-96 1-10% faster.
constexpr int64_t kStridedBPanels = 16;
constexpr int64_t kStridedBMaxStride = 1024;

// C[0:m, 0:n] = op(A) · op(B) on one thread (B packed here, or taken from `pre`). While the tiles
// of one block compute, each requests a share of the operand lines the next packing step reads, so
// that an operand that is not in cache arrives during arithmetic instead of stalling the packing
// loops: the next block of A, and B's next panel (B is packed panel by panel during the first row
// block, where its panels are first used).
template <typename T, int MR, int NR>
void gemm_block(const KernelInfo<T>& K, const T* A, int64_t ars, int64_t acs, const T* B,
                int64_t brs, int64_t bcs, T* C, int64_t ldc, int64_t m, int64_t n, int64_t k,
                const Prepacked<T>* pre) {
  const int64_t KC = block_size(k, K.kc, 1);
  const int64_t MC = block_size(m, K.mc, MR);
  const int64_t NC = block_size(n, K.nc, NR);
  T* Bp = pre != nullptr ? nullptr : scratch<T>(1, KC * round_up(NC, NR));
  // With few row panels, full column panels of a row-major op(B) are read in place.
  const bool b_in_place = K.fn_strided_b != nullptr && pre == nullptr && bcs == 1 &&
                          m <= kStridedBPanels * MR && brs <= kStridedBMaxStride;
  T* Ap = scratch<T>(0, KC * round_up(MC, MR));
  alignas(64) T tmp[MR * NR];
  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = std::min(NC, n - jc);
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc);
      const int beta = pc > 0;
      const T* Bsrc = B + pc * brs + jc * bcs;
      const T* Bb = pre != nullptr ? pre->p + pc * pre->npad + (pre->col0 + jc) * kc : Bp;
      for (int64_t ic = 0; ic < m; ic += MC) {
        const int64_t mc = std::min(MC, m - ic);
        // With few column panels, packing A costs more than it saves: full row panels of op(A) (row-major
        // or transposed) are read in place, and only a short last panel is packed (not with B in place).
        const DirectKernel<T> read_a = acs == 1 ? K.fn_direct : ars == 1 ? K.fn_direct_t : nullptr;
        const int64_t in_place = !b_in_place && read_a != nullptr && nc <= kDirectColumns ? mc / MR * MR : 0;
        if (in_place < mc)
          pack_a<T, MR>(Ap, A + (ic + in_place) * ars + pc * acs, ars, acs, mc - in_place, kc, K.pack_an);
        // What is packed next: the next rows of A, else the first rows of A and the first panel of B
        // in the next k or column block.
        const bool more_rows = ic + MC < m, more_k = pc + KC < k;
        const bool next_block = !more_rows && (more_k || jc + NC < n);
        const int64_t nic = more_rows ? ic + MC : 0, npc = more_rows ? pc : more_k ? pc + KC : 0;
        const int64_t njc = more_rows || more_k ? jc : jc + NC;
        const int64_t nmc = std::min(MC, m - nic), nkc = std::min(KC, k - npc);
        const int64_t row_tiles = ceil_div(mc, MR), tiles = row_tiles * ceil_div(nc, NR);
        Prefetcher<T> next_a, next_b;
        if (more_rows || next_block) next_a = Prefetcher<T>(A + nic * ars + npc * acs, ars, acs, nmc, nkc, tiles);
        if (next_block && pre == nullptr)
          next_b = Prefetcher<T>(B + npc * brs + njc * bcs, brs, bcs, nkc, std::min<int64_t>(NR, n - njc), tiles);
        // B's panels are packed as the first row block reaches them.
        const bool pack_b_here = pre == nullptr && ic == 0;
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t nr = std::min<int64_t>(NR, nc - jr);
          const bool strided_b = b_in_place && nr == NR;
          if (pack_b_here && !strided_b) pack_b<T, NR>(Bp + jr * kc, Bsrc + jr * bcs, brs, bcs, kc, nr, K.pack_bt);
          const T* bp = Bb + jr * kc;
          Prefetcher<T> next_panel;
          if (pack_b_here && jr + NR < nc)
            next_panel =
                Prefetcher<T>(Bsrc + (jr + NR) * bcs, brs, bcs, kc, std::min<int64_t>(NR, nc - jr - NR), row_tiles);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t mr = std::min<int64_t>(MR, mc - ir);
            // Each tile requests its share of what is packed next.
            next_a.share((jr / NR) * row_tiles + ir / MR);
            next_b.share((jr / NR) * row_tiles + ir / MR);
            next_panel.share(ir / MR);
            T* c = C + (ic + ir) * ldc + jc + jr;
            // A short last panel runs the short kernel when there is one (fewer wasted rows).
            const bool direct = ir < in_place;
            const bool short_rows = !direct && !strided_b && mr <= K.mr_short && K.fn_short != nullptr;
            const bool whole = nr == NR && mr == (short_rows ? K.mr_short : MR);
            T* dst = whole ? c : tmp;
            const int64_t ldd = whole ? ldc : NR;
            if (strided_b) K.fn_strided_b(kc, Ap + (ir - in_place) * kc, Bsrc + jr, brs, dst, ldd, whole && beta);
            else if (direct) read_a(kc, A + (ic + ir) * ars + pc * acs, acs == 1 ? ars : acs, bp, dst, ldd, whole && beta);
            else (short_rows ? K.fn_short : K.fn)(kc, Ap + (ir - in_place) * kc, bp, dst, ldd, whole && beta);
            if (!whole)
              for (int64_t r = 0; r < mr; r++)
                for (int64_t j = 0; j < nr; j++)
                  c[r * ldc + j] = beta ? c[r * ldc + j] + tmp[r * NR + j] : tmp[r * NR + j];
          }
        }
      }
    }
  }
}

// Portable micro-kernel; -O3 vectorises the inner loop for whatever the baseline ISA is.
template <typename T, int MR, int NR>
void kernel_generic(int64_t kc, const T* __restrict A, const T* __restrict B, T* __restrict C,
                    int64_t ldc, int beta) {
  T acc[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) acc[r][c] = T(0);
  for (int64_t p = 0; p < kc; p++, A += MR, B += NR)
    for (int r = 0; r < MR; r++) {
      const T a = A[r];
      for (int c = 0; c < NR; c++) acc[r][c] += a * B[c];
    }
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) C[r * ldc + c] = beta ? C[r * ldc + c] + acc[r][c] : acc[r][c];
}

// A few rows (m <= SMALL_M, e.g. one token at a time in generation): no packing, B is streamed once.
constexpr int64_t SMALL_M = 4;

// c[i·ldc] = dot(a[i·k : i·k + k], b) for i < M: b is read once for all M rows.
template <typename T, int M>
inline void dots(const T* __restrict a, int64_t k, const T* __restrict b, T* c, int64_t ldc) {
  constexpr int L = 16;
  T s[M][L];
  for (int i = 0; i < M; i++)
    for (int l = 0; l < L; l++) s[i][l] = T(0);
  int64_t p = 0;
  for (; p + L <= k; p += L)
    for (int i = 0; i < M; i++)
      for (int l = 0; l < L; l++) s[i][l] += a[i * k + p + l] * b[p + l];
  for (int i = 0; i < M; i++) {
    T r = T(0);
    for (int l = 0; l < L; l++) r += s[i][l];
    for (int64_t q = p; q < k; q++) r += a[i * k + q] * b[q];
    c[i * ldc] = r;
  }
}

template <typename T>
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
inline void small_m_body(const T* A, int64_t ars, int64_t acs, const T* B, int64_t brs, int64_t bcs, T* C,
                         int64_t ldc, int64_t m, int64_t n, int64_t k) {
  T* a = scratch<T>(0, m * k);  // the rows of op(A), contiguous
  for (int64_t i = 0; i < m; i++)
    for (int64_t p = 0; p < k; p++) a[i * k + p] = A[i * ars + p * acs];
  if (bcs == 1) {
    // Rows of op(B) are contiguous: C[i, j0:j1] += a[i, p]·B[p, j0:j1], with C's block in L1.
    constexpr int64_t NB = 512;
    for (int64_t j0 = 0; j0 < n; j0 += NB) {
      const int64_t nb = std::min(NB, n - j0);
      for (int64_t i = 0; i < m; i++) std::fill(C + i * ldc + j0, C + i * ldc + j0 + nb, T(0));
      for (int64_t p = 0; p < k; p++) {
        const T* __restrict b = B + p * brs + j0;
        for (int64_t i = 0; i < m; i++) {
          const T av = a[i * k + p];
          T* __restrict c = C + i * ldc + j0;
          for (int64_t j = 0; j < nb; j++) c[j] += av * b[j];
        }
      }
    }
  } else {
    // Columns of op(B) are contiguous (B transposed): dot products.
    for (int64_t j = 0; j < n; j++) {
      const T* b = B + j * bcs;
      for (int64_t i = 0; i < m; i++) dots<T, 1>(a + i * k, k, b, C + i * ldc + j, ldc);
    }
  }
}

template <typename T>
using BlockFn = void (*)(const KernelInfo<T>&, const T*, int64_t, int64_t, const T*, int64_t,
                         int64_t, T*, int64_t, int64_t, int64_t, int64_t, const Prepacked<T>*);

// The small-m path compiled for the baseline and, on x86-64, for AVX2 (it is plain C++ that the
// compiler vectorises, so the wider registers come from the target attribute alone).
template <typename T>
void gemm_small_m(const KernelInfo<T>&, const T* A, int64_t ars, int64_t acs, const T* B, int64_t brs,
                  int64_t bcs, T* C, int64_t ldc, int64_t m, int64_t n, int64_t k, const Prepacked<T>*) {
  small_m_body(A, ars, acs, B, brs, bcs, C, ldc, m, n, k);
}
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GS_SMALL_AVX2 1
template <typename T>
__attribute__((target("avx2,fma"))) void gemm_small_m_avx2(const KernelInfo<T>&, const T* A, int64_t ars,
                                                            int64_t acs, const T* B, int64_t brs, int64_t bcs,
                                                            T* C, int64_t ldc, int64_t m, int64_t n, int64_t k,
                                                            const Prepacked<T>*) {
  small_m_body(A, ars, acs, B, brs, bcs, C, ldc, m, n, k);
}
#endif

template <typename T>
BlockFn<T> small_for(const KernelInfo<T>& k) {
#ifdef GS_SMALL_AVX2
  if (std::strncmp(k.name, "generic", 7) != 0) return gemm_small_m_avx2<T>;  // AVX2 kernels were chosen
#endif
  (void)k;
  return gemm_small_m<T>;
}

// The packed copy of one op(B) kept for calls with the same nonzero MatmulParams::bKey, on the calling
// thread (pool tasks only read it while the caller waits).
template <typename T>
struct PackedBCache {
  int64_t key = 0, brs = 0, bcs = 0, k = 0, n = 0;
  const T* b = nullptr;
  T* p = nullptr;
  int64_t cap = 0;
  ~PackedBCache() { free64(p); }
};

// The whole of op(B) (k×n, element (p, j) at B[p·brs + j·bcs]) in Prepacked's layout, packed again
// only when the key or the operand differs from the last call's.
template <typename T, int NR>
const T* packed_b(const KernelInfo<T>& K, const T* B, int64_t brs, int64_t bcs, int64_t k, int64_t n,
                  int64_t key) {
  static thread_local PackedBCache<T> c;
  if (c.key == key && c.b == B && c.brs == brs && c.bcs == bcs && c.k == k && c.n == n) return c.p;
  const int64_t npad = round_up(n, NR), KC = block_size(k, K.kc, 1);
  if (c.cap < k * npad) {
    free64(c.p);
    c.p = static_cast<T*>(alloc64(static_cast<size_t>(round_up(k * npad * static_cast<int64_t>(sizeof(T)), 64))));
    if (c.p == nullptr) std::abort();
    c.cap = k * npad;
  }
  for (int64_t pc = 0; pc < k; pc += KC)
    pack_b<T, NR>(c.p + pc * npad, B + pc * brs, brs, bcs, std::min(KC, k - pc), n, K.pack_bt);
  c.key = key, c.b = B, c.brs = brs, c.bcs = bcs, c.k = k, c.n = n;
  return c.p;
}

template <typename T>
using PackFn = const T* (*)(const KernelInfo<T>&, const T*, int64_t, int64_t, int64_t, int64_t, int64_t);

template <typename T>
struct Impl {
  KernelInfo<T> k;
  BlockFn<T> block = nullptr;
  BlockFn<T> small = nullptr;
  PackFn<T> pack = nullptr;
};

// The best kernels this build targets: SIMD128 in WebAssembly (chosen at build time), else x86's
// chosen at run time.
bool arch_kernels(KernelInfo<float>* k) {
#if defined(__wasm_simd128__)
  return wasm_kernels_f32(k);
#else
  return x86_kernels_f32(k, cpu_isa());
#endif
}
bool arch_kernels(KernelInfo<double>* k) {
#if defined(__wasm_simd128__)
  return wasm_kernels_f64(k);
#else
  return x86_kernels_f64(k, cpu_isa());
#endif
}

// The driver instantiated for the micro-kernel shapes gemm_x86.cc, gemm_wasm.cc and the generic path use.
template <typename T>
BlockFn<T> block_for(int mr, int nr) {
  if constexpr (sizeof(T) == 4) {
    if (mr == 12 && nr == 32) return gemm_block<T, 12, 32>;  // AVX-512
    if (mr == 6 && nr == 16) return gemm_block<T, 6, 16>;    // AVX2
    if (mr == 4 && nr == 8) return gemm_block<T, 4, 8>;      // generic
#if defined(__wasm_simd128__)
    if (mr == 6 && nr == 8) return gemm_block<T, 6, 8>;  // SIMD128
#endif
  } else {
    if (mr == 12 && nr == 16) return gemm_block<T, 12, 16>;
    if (mr == 6 && nr == 8) return gemm_block<T, 6, 8>;
    if (mr == 4 && nr == 4) return gemm_block<T, 4, 4>;
#if defined(__wasm_simd128__)
    if (mr == 6 && nr == 4) return gemm_block<T, 6, 4>;  // SIMD128
#endif
  }
  return nullptr;
}

template <typename T>
PackFn<T> pack_for(int nr) {
  switch (nr) {
    case 4: return packed_b<T, 4>;
    case 8: return packed_b<T, 8>;
    case 16: return packed_b<T, 16>;
    case 32: return packed_b<T, 32>;
    default: return nullptr;
  }
}

const Impl<float>& impl_f32() {
  static Impl<float> impl = [] {
    Impl<float> r;
    if (!arch_kernels(&r.k) ||
        block_for<float>(r.k.mr, r.k.nr) == nullptr)
      r.k = KernelInfo<float>{4, 8, kernel_generic<float, 4, 8>, 256, 128, 4096, "generic 4x8"};
    r.block = block_for<float>(r.k.mr, r.k.nr);
    r.small = small_for<float>(r.k);
    r.pack = pack_for<float>(r.k.nr);
    return r;
  }();
  return impl;
}

const Impl<double>& impl_f64() {
  static Impl<double> impl = [] {
    Impl<double> r;
    if (!arch_kernels(&r.k) ||
        block_for<double>(r.k.mr, r.k.nr) == nullptr)
      r.k = KernelInfo<double>{4, 4, kernel_generic<double, 4, 4>, 256, 64, 4096, "generic 4x4"};
    r.block = block_for<double>(r.k.mr, r.k.nr);
    r.small = small_for<double>(r.k);
    r.pack = pack_for<double>(r.k.nr);
    return r;
  }();
  return impl;
}

// C[0:rows, 0:cols] (row stride ldc) += bias[0:cols] on every row: the bias epilogue.
template <typename T>
void add_bias(T* C, int64_t ldc, int64_t rows, int64_t cols, const T* __restrict bias) {
  for (int64_t i = 0; i < rows; i++) {
    T* __restrict c = C + i * ldc;
    for (int64_t j = 0; j < cols; j++) c[j] += bias[j];
  }
}

template <typename T>
void matmul_impl(const Impl<T>& impl, const T* a, const T* b, T* out, const MatmulParams& p, const T* bias) {
  const int64_t batch = p.batch, m = p.m, n = p.n, k = p.k;
  if (batch <= 0 || m <= 0 || n <= 0) return;
  if (k <= 0) {
    std::fill(out, out + batch * m * n, T(0));
    if (bias != nullptr) add_bias(out, n, batch * m, n, bias);
    return;
  }
  const int64_t ars = p.transA ? 1 : p.lda, acs = p.transA ? p.lda : 1;
  const int64_t brs = p.transB ? 1 : p.ldb, bcs = p.transB ? p.ldb : 1;
  const int mr = impl.k.mr, nr = impl.k.nr;

  // Work split: whole batch items when they divide evenly among threads (or are many), else each
  // item is cut along its larger dimension.
  const double flops = 2.0 * static_cast<double>(batch) * m * n * k;
  const int threads = threads_for(flops, 1.0e6);
  int64_t parts = 1;
  // Unpacked for a few rows: any m <= SMALL_M with B's rows contiguous (axpy), one row with B
  // transposed (dot products; more rows are faster packed).
  const bool small = k > 0 && (p.transB ? m == 1 : m <= SMALL_M);
  const BlockFn<T> block = small ? impl.small : impl.block;
  bool split_m = !small && m >= n;
  if (threads > 1 && !(batch % threads == 0 || batch >= 4 * threads)) {
    const int64_t units = split_m ? ceil_div(m, mr) : ceil_div(n, small ? 64 : nr);
    parts = std::min<int64_t>(threads, units);
  }
  // A keyed B (the same for every batch item) is packed once and reused while its key repeats.
  const T* packed = nullptr;
  if (p.bKey != 0 && !small && impl.pack != nullptr && (batch == 1 || p.bBatchStride == 0))
    packed = impl.pack(impl.k, b + p.bOffset, brs, bcs, k, n, p.bKey);
  struct Ctx {
    const Impl<T>* impl;
    BlockFn<T> block;
    const T *a, *b;
    T* out;
    const MatmulParams* p;
    int64_t ars, acs, brs, bcs, parts, unit;
    bool split_m;
    const T* packed;
    const T* bias;
  } ctx{&impl, block, a, b, out, &p, ars, acs, brs, bcs, parts, split_m ? mr : (small ? 64 : nr), split_m, packed,
        bias};
  auto task = [](void* vc, int64_t t, int) {
    const Ctx& c = *static_cast<const Ctx*>(vc);
    const MatmulParams& p = *c.p;
    const int64_t bi = t / c.parts, part = t % c.parts;
    const T* A = c.a + p.aOffset + bi * p.aBatchStride;
    const T* B = c.b + p.bOffset + bi * p.bBatchStride;
    T* C = c.out + bi * p.m * p.n;
    int64_t m0 = 0, m1 = p.m, n0 = 0, n1 = p.n;
    if (c.parts > 1) {
      const int64_t dim = c.split_m ? p.m : p.n, units = ceil_div(dim, c.unit);
      const int64_t lo = std::min(dim, units * part / c.parts * c.unit);
      const int64_t hi = std::min(dim, units * (part + 1) / c.parts * c.unit);
      if (c.split_m) m0 = lo, m1 = hi;
      else n0 = lo, n1 = hi;
    }
    if (m1 <= m0 || n1 <= n0) return;
    const Prepacked<T> pre{c.packed, round_up(p.n, c.impl->k.nr), n0};
    c.block(c.impl->k, A + m0 * c.ars, c.ars, c.acs, B + n0 * c.bcs, c.brs, c.bcs, C + m0 * p.n + n0, p.n,
            m1 - m0, n1 - n0, p.k, c.packed != nullptr ? &pre : nullptr);
    if (c.bias != nullptr) add_bias(C + m0 * p.n + n0, p.n, m1 - m0, n1 - n0, c.bias + n0);
  };
  run_tasks(batch * parts, task, &ctx, threads);
}

}  // namespace

namespace {
// The bias after a narrow product: its output is a few columns or a few rows, so one more pass is cheap.
template <typename T>
void narrow_bias(T* out, const MatmulParams& p, const T* bias) {
  if (bias == nullptr) return;
  const int64_t rows = p.batch * p.m;
  parallel_for(rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(p.n, 1)),
               [&](int64_t r0, int64_t r1) { add_bias(out + r0 * p.n, p.n, r1 - r0, p.n, bias); });
}
}  // namespace

void matmul_f32(const float* a, const float* b, float* out, const MatmulParams& p, const float* bias) {
  if (gemm_narrow_f32(a, b, out, p)) return narrow_bias(out, p, bias);
  matmul_impl(impl_f32(), a, b, out, p, bias);
}
void matmul_f64(const double* a, const double* b, double* out, const MatmulParams& p, const double* bias) {
  if (gemm_narrow_f64(a, b, out, p)) return narrow_bias(out, p, bias);
  matmul_impl(impl_f64(), a, b, out, p, bias);
}

const char* gemm_kernel_name() {
  // A fixed buffer, not std::string: the WebAssembly build links no libc++ string code.
  static char name[96];
  if (name[0] == '\0') {
    std::strncat(name, impl_f32().k.name, 40);
    std::strcat(name, " / ");
    std::strncat(name, impl_f64().k.name, 40);
  }
  return name;
}


// ---- the packed-B entry points of gemm.h (for the fused recurrent layers) ----

namespace {
template <typename T>
const Impl<T>& impl_of() {
  if constexpr (sizeof(T) == 4) return impl_f32();
  else return impl_f64();
}

// The layout of packed_b: each block of KC rows holds its panels of NR columns in order.
template <typename T, int NR>
void pack_whole_b(const KernelInfo<T>& K, const T* B, int64_t brs, int64_t bcs, int64_t k, int64_t n, T* dst) {
  const int64_t npad = round_up(n, NR), KC = block_size(k, K.kc, 1);
  for (int64_t pc = 0; pc < k; pc += KC)
    pack_b<T, NR>(dst + pc * npad, B + pc * brs, brs, bcs, std::min(KC, k - pc), n, K.pack_bt);
}
}  // namespace

template <typename T>
int64_t gemm_panel() {
  return impl_of<T>().k.nr;
}

template <typename T>
int64_t gemm_packed_len(int64_t k, int64_t n) {
  return k * round_up(n, impl_of<T>().k.nr);
}

template <typename T>
void gemm_pack_b(const T* B, int64_t brs, int64_t bcs, int64_t k, int64_t n, T* dst) {
  const KernelInfo<T>& K = impl_of<T>().k;
  switch (K.nr) {
    case 4: pack_whole_b<T, 4>(K, B, brs, bcs, k, n, dst); break;
    case 8: pack_whole_b<T, 8>(K, B, brs, bcs, k, n, dst); break;
    case 16: pack_whole_b<T, 16>(K, B, brs, bcs, k, n, dst); break;
    case 32: pack_whole_b<T, 32>(K, B, brs, bcs, k, n, dst); break;
    default: std::abort();  // block_for has no driver for other panel widths either
  }
}

template <typename T>
void gemm_packed(const T* A, int64_t ars, int64_t acs, const T* packed, int64_t k, int64_t n, int64_t col0,
                 int64_t ncols, T* C, int64_t ldc, int64_t m) {
  if (m <= 0 || ncols <= 0) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; i++) std::fill(C + i * ldc, C + i * ldc + ncols, T(0));
    return;
  }
  const Impl<T>& impl = impl_of<T>();
  const Prepacked<T> pre{packed, round_up(n, impl.k.nr), col0};
  impl.block(impl.k, A, ars, acs, packed, 0, 0, C, ldc, m, ncols, k, &pre);
}

template int64_t gemm_panel<float>();
template int64_t gemm_panel<double>();
template int64_t gemm_packed_len<float>(int64_t, int64_t);
template int64_t gemm_packed_len<double>(int64_t, int64_t);
template void gemm_pack_b<float>(const float*, int64_t, int64_t, int64_t, int64_t, float*);
template void gemm_pack_b<double>(const double*, int64_t, int64_t, int64_t, int64_t, double*);
template void gemm_packed<float>(const float*, int64_t, int64_t, const float*, int64_t, int64_t, int64_t,
                                 int64_t, float*, int64_t, int64_t);
template void gemm_packed<double>(const double*, int64_t, int64_t, const double*, int64_t, int64_t, int64_t,
                                  int64_t, double*, int64_t, int64_t);

}  // namespace gs
