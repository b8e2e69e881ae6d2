// The C ABI of the WebAssembly build (src/backend/wasm/ calls it): the kernels of kernel_table.cc
// by index, a storage slot per argument, the numbers scratch, and the allocator that owns tensor
// memory. Pointers and lengths are 32-bit here; JS writes the arguments into the slots, then calls.
#include <cstdlib>
#include <cstring>

#include "gemm.h"
#include "isa.h"
#include "kernel_table.h"
#include "pool.h"

namespace {

constexpr int SCRATCH_LEN = 1024;  // doubles, as the Float64Array the addon gets (native.ts)

// Per storage argument: data pointer, element count, kind (common.h; NONE for null).
uint32_t slots[gs::MAX_LIST_STORAGES * 3];
double scratch[SCRATCH_LEN];

}  // namespace

#define GS_EXPORT(name) extern "C" __attribute__((export_name(#name)))

GS_EXPORT(gs_slots) uint32_t* gs_slots() { return slots; }
GS_EXPORT(gs_scratch) double* gs_scratch() { return scratch; }
GS_EXPORT(gs_scratch_len) int gs_scratch_len() { return SCRATCH_LEN; }
GS_EXPORT(gs_max_storages) int gs_max_storages() { return static_cast<int>(gs::MAX_LIST_STORAGES); }
GS_EXPORT(gs_kernel_count) int gs_kernel_count() { return static_cast<int>(gs::KERNEL_COUNT); }
GS_EXPORT(gs_kernel_name) const char* gs_kernel_name(int i) { return gs::KERNELS[i].name; }
GS_EXPORT(gs_kernel_storages) int gs_kernel_storages(int i) { return static_cast<int>(gs::KERNELS[i].storages); }

// Runs kernel i on the slots and the scratch: 1 when it ran, 0 when it declined (JS runs cpu-js).
GS_EXPORT(gs_call) int gs_call(int i) {
  if (i < 0 || static_cast<size_t>(i) >= gs::KERNEL_COUNT) return 0;
  const gs::Kernel& k = gs::KERNELS[i];
  if (k.run == nullptr) return 0;
  gs::Arr a[gs::MAX_STORAGES];
  for (size_t s = 0; s < k.storages; s++) {
    const int kind = static_cast<int>(slots[3 * s + 2]);
    if (kind == gs::NONE && !(k.optional & (1u << s))) return 0;
    a[s] = gs::Arr{reinterpret_cast<void*>(static_cast<uintptr_t>(slots[3 * s])), static_cast<int64_t>(slots[3 * s + 1]),
                   kind};
  }
  return k.run(a, scratch, SCRATCH_LEN) ? 1 : 0;
}

// Runs list kernel i on the first `count` slots (null ones allowed): 1 when it ran, 0 when it declined.
GS_EXPORT(gs_call_list) int gs_call_list(int i, int count) {
  if (i < 0 || static_cast<size_t>(i) >= gs::KERNEL_COUNT || count < 0 ||
      static_cast<size_t>(count) > gs::MAX_LIST_STORAGES)
    return 0;
  const gs::Kernel& k = gs::KERNELS[i];
  if (k.run_list == nullptr) return 0;
  static gs::Arr a[gs::MAX_LIST_STORAGES];
  for (int s = 0; s < count; s++)
    a[s] = gs::Arr{reinterpret_cast<void*>(static_cast<uintptr_t>(slots[3 * s])), static_cast<int64_t>(slots[3 * s + 1]),
                   static_cast<int>(slots[3 * s + 2])};
  return k.run_list(a, static_cast<size_t>(count), scratch, SCRATCH_LEN) ? 1 : 0;
}

// Tensor memory: 16-byte aligned (SIMD128 loads), null when the 4 GiB wasm32 memory is full.
GS_EXPORT(gs_alloc) void* gs_alloc(uint32_t bytes) {
  return bytes > 0xfffffff0u ? nullptr : std::aligned_alloc(16, (bytes + 15) & ~15u);
}
GS_EXPORT(gs_free) void gs_free(void* p) { std::free(p); }
// Clears `bytes` bytes at p (memory.fill): a typed array's fill over shared memory runs about 6×
// slower in V8 (each element stored as a relaxed atomic).
GS_EXPORT(gs_zero) void gs_zero(void* p, uint32_t bytes) { std::memset(p, 0, bytes); }

#if defined(__wasm_atomics__)
// In the shared-memory build every thread (the main instance and each worker's) sets up its own block
// of thread-local variables before running any kernel; wasm-ld leaves that to the embedder.
extern "C" void __wasm_init_tls(void* block);
GS_EXPORT(gs_init_tls) int gs_init_tls() {
  void* block = std::aligned_alloc(__builtin_wasm_tls_align(), __builtin_wasm_tls_size());
  if (block == nullptr) return 0;
  __wasm_init_tls(block);
  return 1;
}
#else
// Without shared memory there are no thread-local blocks to set up.
GS_EXPORT(gs_init_tls) int gs_init_tls() { return 1; }
#endif

GS_EXPORT(gs_threads) int gs_threads() { return gs::num_threads(); }
GS_EXPORT(gs_gemm_kernel) const char* gs_gemm_kernel() { return gs::gemm_kernel_name(); }
// The instruction set the module was built for: "simd128", or "relaxed-simd" for the variant whose
// multiply-adds may fuse.
GS_EXPORT(gs_isa) const char* gs_isa() {
#if defined(__wasm_relaxed_simd__)
  return "relaxed-simd";
#else
  return gs::isa_name(gs::cpu_isa());
#endif
}

// wasi-libc has no thread-exit hooks: thread-local buffers (gemm.cc's packing, attention.cc's rows)
// live as long as the instance, so their destructors are never registered.
extern "C" int __cxa_thread_atexit(void (*)(void*), void*, void*) { return 0; }
