// The kernel table: one row per kernel (name, how many storages, which may be null, entry), in the
// order of src/backend/native-kernels.ts. The Node addon (addon.cc) and the WebAssembly build
// (wasm_exports.cc) both serve their kernels from this one table.
#pragma once
#include <cstddef>
#include <cstdint>

#include "common.h"

namespace gs {

// A kernel's entry: its storages in argument order, and the scratch with its length.
using Entry = bool (*)(const Arr* a, const double* sc, int64_t n);
// A kernel over lists of storages (adamSteps): every argument is a storage (null ones arrive with kind
// NONE), `count` of them; the scratch says how they split into lists.
using ListEntry = bool (*)(const Arr* a, size_t count, const double* sc, int64_t n);

struct Kernel {
  const char* name;
  size_t storages;
  unsigned optional;  // bit i set: storage i may be null (it arrives with kind NONE)
  Entry run;
  ListEntry run_list = nullptr;  // set (and run null) for a kernel over lists
};

constexpr size_t MAX_STORAGES = 11;
// Storages one call of a list kernel may pass (adamSteps: 5 lists of at most 128 tensors).
constexpr size_t MAX_LIST_STORAGES = 640;

extern const Kernel KERNELS[];
extern const size_t KERNEL_COUNT;

}  // namespace gs
