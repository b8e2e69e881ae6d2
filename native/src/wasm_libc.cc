// The pieces of the C and C++ runtime that the WebAssembly build supplies itself, because wasi-libc's
// and libc++'s are not compiled for shared memory (wasm-ld refuses to link them into the threaded
// build): malloc and friends, operator new/delete, errno, and libc++'s abort hook. Linking these
// first keeps stdio and the rest of libc out of the module too.
//
// The allocator, in place of wasi-libc's malloc. Blocks come in size classes four to a power of two (at most 19% unused), each
// class with its own free list; blocks are never split or merged, so a freed block is reused by the
// next request of its class, which is what a training step does (the same sizes every step). New
// blocks are cut from the end of the heap, which grows the memory; at the 4 GiB limit malloc returns
// null. One spin lock guards it (uncontended without threads).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <__verbose_abort>

extern "C" unsigned char __heap_base;

namespace {

constexpr uintptr_t HEADER = 16;   // a block's class index, kept in front of it (16: SIMD alignment)
constexpr uintptr_t PAGE = 65536;  // the wasm page
constexpr int CLASSES = 4 * 32;

struct FreeBlock {
  FreeBlock* next;
};

FreeBlock* free_lists[CLASSES];
uintptr_t heap_top = 0;  // first byte not yet handed out
volatile int lock_word = 0;

struct Lock {
  Lock() {
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE) != 0) {
    }
  }
  ~Lock() { __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE); }
};

// The class of a request of n bytes (header included) and the size of its blocks.
inline int class_of(uint64_t n) {
  if (n <= 64) return 0;
  const int e = 63 - __builtin_clzll(n - 1);            // 2^e < n <= 2^(e+1)
  const uint64_t quarter = uint64_t(1) << (e - 2);        // classes 2^e + (q + 1)·2^(e-2)
  const int q = static_cast<int>((n - 1 - (uint64_t(1) << e)) / quarter);  // 0..3
  return (e - 5) * 4 + q;
}
inline uint64_t class_size(int c) {
  if (c == 0) return 64;
  const int e = c / 4 + 5, q = c % 4;
  return (uint64_t(1) << e) + (uint64_t(q + 1) << (e - 2));
}

void* carve(uint64_t size) {
  if (heap_top == 0) heap_top = (reinterpret_cast<uintptr_t>(&__heap_base) + HEADER - 1) & ~(HEADER - 1);
  const uint64_t end = static_cast<uint64_t>(heap_top) + size;
  const uint64_t have = static_cast<uint64_t>(__builtin_wasm_memory_size(0)) * PAGE;
  if (end > have) {
    const uint64_t pages = (end - have + PAGE - 1) / PAGE;
    if (end > (uint64_t(1) << 32) || __builtin_wasm_memory_grow(0, static_cast<size_t>(pages)) == static_cast<size_t>(-1))
      return nullptr;
  }
  void* p = reinterpret_cast<void*>(heap_top);
  heap_top = static_cast<uintptr_t>(end);
  return p;
}

}  // namespace

extern "C" {

void* malloc(size_t n) {
  const int c = class_of(static_cast<uint64_t>(n) + HEADER);
  if (c >= CLASSES) return nullptr;
  Lock lock;
  unsigned char* block;
  if (free_lists[c] != nullptr) {
    block = reinterpret_cast<unsigned char*>(free_lists[c]);
    free_lists[c] = free_lists[c]->next;
  } else {
    block = static_cast<unsigned char*>(carve(class_size(c)));
    if (block == nullptr) return nullptr;
  }
  *reinterpret_cast<int*>(block) = c;
  return block + HEADER;
}

void free(void* p) {
  if (p == nullptr) return;
  unsigned char* block = static_cast<unsigned char*>(p) - HEADER;
  const int c = *reinterpret_cast<int*>(block);
  Lock lock;
  reinterpret_cast<FreeBlock*>(block)->next = free_lists[c];
  free_lists[c] = reinterpret_cast<FreeBlock*>(block);
}

void* calloc(size_t count, size_t size) {
  const uint64_t n = static_cast<uint64_t>(count) * size;
  if (n > UINT32_MAX) return nullptr;
  void* p = malloc(static_cast<size_t>(n));
  if (p != nullptr) std::memset(p, 0, static_cast<size_t>(n));
  return p;
}

void* realloc(void* p, size_t n) {
  if (p == nullptr) return malloc(n);
  const int c = *reinterpret_cast<int*>(static_cast<unsigned char*>(p) - HEADER);
  const uint64_t have = class_size(c) - HEADER;
  if (n <= have) return p;
  void* q = malloc(n);
  if (q != nullptr) {
    std::memcpy(q, p, static_cast<size_t>(have));
    free(p);
  }
  return q;
}

// Every block is 16-byte aligned, which is all the kernels ask for (gemm.cc asks 64 for its
// packing buffers, a cache-line nicety that wasm engines do not honour anyway).
void* aligned_alloc(size_t, size_t n) { return malloc(n); }
int posix_memalign(void** out, size_t, size_t n) {
  *out = malloc(n);
  return *out == nullptr ? 12 /* ENOMEM */ : 0;
}

}  // extern "C"

// Math functions set errno on range errors; nothing reads it.
extern "C" {
int errno = 0;
}

// No exceptions in this build: a failed allocation traps (the kernels' buffers are small; tensor
// memory comes from gs_alloc, which returns null instead, for JS to report).
void* operator new(size_t n) {
  void* p = malloc(n);
  if (p == nullptr) __builtin_trap();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }

namespace std {
inline namespace __2 {
void __libcpp_verbose_abort(const char*, ...) { __builtin_trap(); }
}  // namespace __2
}  // namespace std
