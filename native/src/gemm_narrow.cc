// Narrow GEMM: products with a short side (n <= 16: a classifier's 10 outputs; k <= 16: the gradient
// through them; m <= 16 with B's rows contiguous: a weight gradient of such a layer). The packed,
// cache-blocked path spends most of such a product packing and filling 32-column panels with a few
// useful columns; here A is never packed (each tile broadcasts op(A)'s elements straight from A),
// B is read in place when its rows are contiguous (else transposed once into a small scratch), and
// a tile of R rows × V vectors of C stays in registers over the whole of k, its last vector masked.
// AVX2 and AVX-512 kernels for float32 and float64, chosen at run time; elsewhere (the portable
// build, WebAssembly) gemm_narrow declines and the blocked path runs.
#include "gemm.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "pool.h"

namespace gs {
namespace {

// Shapes whose short side is at most this take the narrow path.
constexpr int64_t SHORT_SIDE = 16;
// m <= this with B's rows contiguous is the small-m path of gemm.cc (a few axpys per row).
constexpr int64_t GEMM_SMALL_M = 4;

// One tile: C[0:r, 0:cols] = op(A)[0:r, 0:k] · B[0:k, 0:cols] with op(A)(i, p) = A[i·ars + p·acs]
// and B's row p at B + p·ldb (cols <= V·W; a masked last vector covers the columns past cols).
template <typename T>
struct Tile {
  int64_t k;
  const T* A;
  int64_t ars, acs;
  const T* B;
  int64_t ldb;
  T* C;
  int64_t ldc;
  int cols;
};

template <typename T>
using TileFn = void (*)(const Tile<T>&);

// The kernel of one instruction set and element type: R rows (template) × V vectors of W lanes,
// TAIL when the last vector is partial. MASK/MLOAD/MSTORE build, load and store with a lane mask.
#define GS_NARROW_KERNELS(NAME, ATTR, T_, VEC, W_, RMAX_, ZERO, LOADU, STOREU, BCAST, FMA, MASK_T, MASK, MLOAD, \
                          MSTORE)                                                                            \
  struct NAME {                                                                                              \
    using T = T_;                                                                                            \
    static constexpr int W = W_, RMAX = RMAX_, VMAX = 2, BLOCK = VMAX * W; /* columns of C per tile */                                                     \
    template <int R, int V, bool TAIL>                                                                       \
    ATTR static void run(const Tile<T>& t) {                                                                 \
      VEC acc[R][V];                                                                                         \
      _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) _Pragma("GCC unroll 2") for (int v = 0; v < V;   \
                                                                                        v++) acc[r][v] =     \
          ZERO();                                                                                            \
      const MASK_T last = MASK(t.cols - (V - 1) * W);                                                        \
      const T* A = t.A;                                                                                      \
      const T* B = t.B;                                                                                      \
      const int64_t ars = t.ars;                                                                             \
      for (int64_t p = 0; p < t.k; p++, A += t.acs, B += t.ldb) {                                            \
        VEC b[V];                                                                                            \
        _Pragma("GCC unroll 2") for (int v = 0; v < V; v++) b[v] =                                           \
            TAIL && v == V - 1 ? MLOAD(B + v * W, last) : LOADU(B + v * W);                                  \
        _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) {                                               \
          const VEC a = BCAST(A + r * ars);                                                                  \
          _Pragma("GCC unroll 2") for (int v = 0; v < V; v++) acc[r][v] = FMA(a, b[v], acc[r][v]);          \
        }                                                                                                    \
      }                                                                                                      \
      _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) _Pragma("GCC unroll 2") for (int v = 0; v < V;   \
                                                                                        v++) {               \
        T* c = t.C + r * t.ldc + v * W;                                                                      \
        if (TAIL && v == V - 1) MSTORE(c, last, acc[r][v]);                                                  \
        else STOREU(c, acc[r][v]);                                                                           \
      }                                                                                                      \
    }                                                                                                        \
  };

#define GS_NARROW_AVX2 __attribute__((target("avx2,fma")))
#define GS_NARROW_AVX512 __attribute__((target("avx512f,avx2,fma")))

// AVX2 lane masks: lanes below `n` set.
GS_NARROW_AVX2 inline __m256i mask8x32(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
GS_NARROW_AVX2 inline __m256i mask4x64(int n) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
}
GS_NARROW_AVX2 inline __m256 mload8f(const float* p, __m256i m) { return _mm256_maskload_ps(p, m); }
GS_NARROW_AVX2 inline void mstore8f(float* p, __m256i m, __m256 v) { _mm256_maskstore_ps(p, m, v); }
GS_NARROW_AVX2 inline __m256d mload4d(const double* p, __m256i m) { return _mm256_maskload_pd(p, m); }
GS_NARROW_AVX2 inline void mstore4d(double* p, __m256i m, __m256d v) { _mm256_maskstore_pd(p, m, v); }
GS_NARROW_AVX2 inline __m256 bcast8f(const float* p) { return _mm256_broadcast_ss(p); }
GS_NARROW_AVX2 inline __m256d bcast4d(const double* p) { return _mm256_broadcast_sd(p); }

GS_NARROW_AVX512 inline __mmask16 mask16(int n) { return static_cast<__mmask16>((1u << n) - 1); }
GS_NARROW_AVX512 inline __mmask8 mask8(int n) { return static_cast<__mmask8>((1u << n) - 1); }
GS_NARROW_AVX512 inline __m512 mload16f(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
GS_NARROW_AVX512 inline __m512d mload8d(const double* p, __mmask8 m) { return _mm512_maskz_loadu_pd(m, p); }
GS_NARROW_AVX512 inline __m512 bcast16f(const float* p) { return _mm512_set1_ps(*p); }
GS_NARROW_AVX512 inline __m512d bcast8d(const double* p) { return _mm512_set1_pd(*p); }

// Register budget: R·V accumulators + V B vectors + one broadcast (16 ymm / 32 zmm registers).
GS_NARROW_KERNELS(Avx2F32, GS_NARROW_AVX2, float, __m256, 8, 6, _mm256_setzero_ps, _mm256_loadu_ps,
                  _mm256_storeu_ps, bcast8f, _mm256_fmadd_ps, __m256i, mask8x32, mload8f, mstore8f)
GS_NARROW_KERNELS(Avx2F64, GS_NARROW_AVX2, double, __m256d, 4, 6, _mm256_setzero_pd, _mm256_loadu_pd,
                  _mm256_storeu_pd, bcast4d, _mm256_fmadd_pd, __m256i, mask4x64, mload4d, mstore4d)
GS_NARROW_KERNELS(Avx512F32, GS_NARROW_AVX512, float, __m512, 16, 12, _mm512_setzero_ps, _mm512_loadu_ps,
                  _mm512_storeu_ps, bcast16f, _mm512_fmadd_ps, __mmask16, mask16, mload16f, _mm512_mask_storeu_ps)
GS_NARROW_KERNELS(Avx512F64, GS_NARROW_AVX512, double, __m512d, 8, 12, _mm512_setzero_pd, _mm512_loadu_pd,
                  _mm512_storeu_pd, bcast8d, _mm512_fmadd_pd, __mmask8, mask8, mload8d, _mm512_mask_storeu_pd)

// The tile kernel for r rows (1..K::RMAX), v vectors (1..2), a partial last vector or not.
template <class K, int R = K::RMAX>
TileFn<typename K::T> tile_for(int r, int v, bool tail) {
  if constexpr (R > 1) {
    if (r < R) return tile_for<K, R - 1>(r, v, tail);
  }
  if (v == 1) return tail ? &K::template run<R, 1, true> : &K::template run<R, 1, false>;
  return tail ? &K::template run<R, 2, true> : &K::template run<R, 2, false>;
}

template <class K>
struct TileTable {
  TileFn<typename K::T> fn[K::RMAX + 1][3][2];
  TileTable() {
    for (int r = 1; r <= K::RMAX; r++)
      for (int v = 1; v <= 2; v++)
        for (int tail = 0; tail < 2; tail++) fn[r][v][tail] = tile_for<K>(r, v, tail != 0);
  }
};

// The products this path takes (see the header comment); B must be row-contiguous unless it is small.
bool is_narrow(const MatmulParams& p) {
  if (p.batch <= 0 || p.m <= 0 || p.n <= 0 || p.k <= 0) return false;
  if (p.n <= SHORT_SIDE || p.k <= SHORT_SIDE) return true;
  return p.m <= SHORT_SIDE && p.m > GEMM_SMALL_M && !p.transB;
}

template <class K>
bool narrow(const typename K::T* a, const typename K::T* b, typename K::T* out, const MatmulParams& p) {
  using T = typename K::T;
  static const TileTable<K> table;
  const int64_t batch = p.batch, m = p.m, n = p.n, k = p.k;
  const int64_t ars = p.transA ? 1 : p.lda, acs = p.transA ? p.lda : 1;
  // op(B) with contiguous rows: B itself, or each batch item's B transposed into scratch (small here:
  // n or k is short).
  const bool copyB = p.transB;
  const int64_t bItems = copyB && p.bBatchStride != 0 ? batch : 1;
  static thread_local std::vector<T> scratch;
  if (copyB) {
    scratch.resize(static_cast<size_t>(bItems * k * n));
    for (int64_t bi = 0; bi < bItems; bi++) {
      const T* src = b + p.bOffset + bi * p.bBatchStride;
      T* dst = scratch.data() + bi * k * n;
      for (int64_t j = 0; j < n; j++)
        for (int64_t q = 0; q < k; q++) dst[q * n + j] = src[j * p.ldb + q];
    }
  }
  const int64_t rowTiles = (m + K::RMAX - 1) / K::RMAX, colTiles = (n + K::BLOCK - 1) / K::BLOCK;
  const int64_t tiles = batch * rowTiles * colTiles;
  struct Ctx {
    const MatmulParams* p;
    const T *a, *b;
    T* out;
    int64_t ars, acs, ldb, bStride, rowTiles, colTiles, tiles, chunks;
    bool colsInner;
    const TileTable<K>* table;
  } ctx{&p,
        a,
        copyB ? scratch.data() : b + p.bOffset,
        out,
        ars,
        acs,
        copyB ? n : p.ldb,
        copyB ? (bItems > 1 ? k * n : 0) : p.bBatchStride,
        rowTiles,
        colTiles,
        tiles,
        1,
        // Tiles in order along C's rows when B is small (k short): C is written row panel by row
        // panel; else down its columns, so that one column block of a large B stays in cache.
        k <= SHORT_SIDE,
        &table};
  // Each task takes a contiguous run of tiles.
  auto task = [](void* vc, int64_t chunk, int) {
    const Ctx& c = *static_cast<const Ctx*>(vc);
    const MatmulParams& p = *c.p;
    const int64_t t0 = c.tiles * chunk / c.chunks, t1 = c.tiles * (chunk + 1) / c.chunks;
    for (int64_t t = t0; t < t1; t++) {
      const int64_t bi = t / (c.rowTiles * c.colTiles), rest = t % (c.rowTiles * c.colTiles);
      const int64_t row = c.colsInner ? rest / c.colTiles : rest % c.rowTiles;
      const int64_t col = c.colsInner ? rest % c.colTiles : rest / c.rowTiles;
      const int64_t i0 = row * K::RMAX, j0 = col * K::BLOCK;
      const int r = static_cast<int>(std::min<int64_t>(K::RMAX, p.m - i0));
      const int cols = static_cast<int>(std::min<int64_t>(K::BLOCK, p.n - j0));
      const int v = (cols + K::W - 1) / K::W;
      const Tile<T> tile{p.k,   c.a + p.aOffset + bi * p.aBatchStride + i0 * c.ars,
                         c.ars, c.acs,
                         c.b + bi * c.bStride + j0,
                         c.ldb, c.out + bi * p.m * p.n + i0 * p.n + j0,
                         p.n,   cols};
      c.table->fn[r][v][cols % K::W != 0](tile);
    }
  };
  // The blocked path's rule for threads: about a million multiply-adds each.
  const int threads = threads_for(2.0 * static_cast<double>(batch) * m * n * k, 1.0e6);
  ctx.chunks = std::min<int64_t>(threads, tiles);
  run_tasks(ctx.chunks, task, &ctx, static_cast<int>(ctx.chunks));
  return true;
}

// The kernels of this CPU's instruction set, if the shape is narrow.
template <class K512, class K2>
bool narrow_for_cpu(const typename K2::T* a, const typename K2::T* b, typename K2::T* out, const MatmulParams& p) {
  if (!is_narrow(p)) return false;
  switch (cpu_isa()) {
    case Isa::Avx512: return narrow<K512>(a, b, out, p);
    case Isa::Avx2: return narrow<K2>(a, b, out, p);
    default: return false;
  }
}

}  // namespace

bool gemm_narrow_f32(const float* a, const float* b, float* out, const MatmulParams& p) {
  return narrow_for_cpu<Avx512F32, Avx2F32>(a, b, out, p);
}

bool gemm_narrow_f64(const double* a, const double* b, double* out, const MatmulParams& p) {
  return narrow_for_cpu<Avx512F64, Avx2F64>(a, b, out, p);
}

}  // namespace gs

#else
namespace gs {
bool gemm_narrow_f32(const float*, const float*, float*, const MatmulParams&) { return false; }
bool gemm_narrow_f64(const double*, const double*, double*, const MatmulParams&) { return false; }
}  // namespace gs
#endif
