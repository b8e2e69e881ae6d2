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

struct Kernel {
  const char* name;
  size_t storages;
  unsigned optional;  // bit i set: storage i may be null (it arrives with kind NONE)
  Entry run;
};

constexpr size_t MAX_STORAGES = 11;

extern const Kernel KERNELS[];
extern const size_t KERNEL_COUNT;

}  // namespace gs
