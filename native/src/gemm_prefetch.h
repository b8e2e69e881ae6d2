// Software prefetch of the operand block that the blocked GEMM packs next, spread over the micro-kernel
// calls of the current block: in a training step's backward the activations come from memory, and
// packing them without this stalls the core (the GPT step's GEMMs ran ~15% slower cold than warm).
#pragma once
#include <algorithm>
#include <cstdint>

namespace gs {

#if defined(__GNUC__) || defined(__clang__)
// Into L2 (prefetcht1): the block is packed after the current one, which has L1 to itself.
inline void prefetch_l2(const void* p) { __builtin_prefetch(p, 0, 2); }
#else
inline void prefetch_l2(const void*) {}
#endif

// Rows of bytes in memory: `rows` runs of `bytes` bytes, `stride` bytes apart.
struct Region {
  const char* base = nullptr;
  int64_t rows = 0, bytes = 0, stride = 0;
};

// The storage rows that hold the block [r0, r1) × [c0, c1) of a matrix whose element (r, c) is at
// M[r·rs + c·cs]: whichever index is contiguous (stride 1) runs along the rows; none when neither is.
template <typename T>
Region region_of(const T* M, int64_t rs, int64_t cs, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  Region g;
  if (r1 <= r0 || c1 <= c0) return g;
  const T* origin = M + r0 * rs + c0 * cs;
  if (cs == 1) g = {reinterpret_cast<const char*>(origin), r1 - r0, (c1 - c0) * int64_t(sizeof(T)), rs * int64_t(sizeof(T))};
  else if (rs == 1)
    g = {reinterpret_cast<const char*>(origin), c1 - c0, (r1 - r0) * int64_t(sizeof(T)), cs * int64_t(sizeof(T))};
  return g;
}

// Issues the cache lines of up to two regions a few at a time (step), in order.
class Prefetcher {
 public:
  static constexpr int64_t LINE = 64;

  // Starts over with `a` then `b`, to be covered in about `steps` calls of step().
  void reset(const Region& a, const Region& b, int64_t steps) {
    regions_[0] = a, regions_[1] = b;
    which_ = 0, row_ = 0, off_ = 0;
    const int64_t lines = lines_of(a) + lines_of(b);
    per_step_ = steps > 0 ? (lines + steps - 1) / steps : lines;
  }

  void step() {
    for (int64_t n = per_step_; n > 0 && which_ < 2;) {
      const Region& g = regions_[which_];
      if (row_ >= g.rows) {
        which_++, row_ = 0, off_ = 0;
        continue;
      }
      const char* row = g.base + row_ * g.stride;
      // Line-aligned addresses from the row's first byte through its last.
      const int64_t first = reinterpret_cast<uintptr_t>(row) % LINE;
      for (; n > 0 && off_ < g.bytes + first; off_ += LINE, n--) prefetch_l2(row - first + off_);
      if (off_ >= g.bytes + first) row_++, off_ = 0;
    }
  }

 private:
  static int64_t lines_of(const Region& g) { return g.rows * (g.bytes / LINE + 2); }

  Region regions_[2];
  int which_ = 2;
  int64_t row_ = 0, off_ = 0, per_step_ = 0;
};

}  // namespace gs
