// Node-API bindings. Every kernel takes its typed arrays as arguments and reads its numbers (op code,
// sizes, strides, matmul parameters) from a Float64Array that the JS wrapper registers once with
// setScratch(), so a call costs one N-API transition plus a lookup per typed array. Each kernel
// returns true, or false when the JS side should run cpu-js instead.
//
// Each kernel is one row of KERNELS (kernel_table.cc, shared with the WebAssembly build: name,
// storages, which may be null, entry); one generic callback serves them all. src/backend/native-kernels.ts declares how the JS side packs each one.
#include <napi.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "gemm.h"
#include "isa.h"
#include "kernel_table.h"
#include "ops.h"
#include "pool.h"

namespace gs {
// host_arena.cc: hostAlloc/hostArenaStats, memory for typed arrays reused once V8 collects them.
void register_host_arena(napi_env env, napi_value exports);
}  // namespace gs

namespace {

using gs::Arr;
using gs::KERNELS;
using gs::Kernel;
using gs::MAX_STORAGES;

struct Instance {
  napi_ref scratch_ref = nullptr;
  double* scratch = nullptr;
  int64_t scratch_len = 0;
};

inline Instance* instance(napi_env env) {
  void* p = nullptr;
  napi_get_instance_data(env, &p);
  return static_cast<Instance*>(p);
}

inline bool get_arr(napi_env env, napi_value v, Arr* a) {
  napi_typedarray_type t;
  size_t len = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &t, &len, &data, nullptr, nullptr) != napi_ok) return false;
  switch (t) {
    case napi_float32_array: a->kind = gs::F32; break;
    case napi_float64_array: a->kind = gs::F64; break;
    case napi_int32_array: a->kind = gs::I32; break;
    case napi_uint8_array: a->kind = gs::U8; break;
    default: return false;
  }
  a->p = data;
  a->len = static_cast<int64_t>(len);
  return true;
}

inline napi_value boolean(napi_env env, bool b) {
  napi_value r;
  napi_get_boolean(env, b, &r);
  return r;
}

// A kernel over lists: every argument is a storage or null, as many as the lists hold together.
napi_value CallList(napi_env env, napi_callback_info info, const Kernel* k, Instance* inst) {
  size_t argc = gs::MAX_LIST_STORAGES;
  static thread_local napi_value argv[gs::MAX_LIST_STORAGES];
  static thread_local Arr a[gs::MAX_LIST_STORAGES];
  if (inst == nullptr || inst->scratch == nullptr ||
      napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc > gs::MAX_LIST_STORAGES)
    return boolean(env, false);
  for (size_t i = 0; i < argc; i++) {
    napi_valuetype t;
    if (napi_typeof(env, argv[i], &t) == napi_ok && (t == napi_null || t == napi_undefined))
      a[i] = Arr{nullptr, 0, gs::NONE};
    else if (!get_arr(env, argv[i], &a[i]))
      return boolean(env, false);
  }
  return boolean(env, k->run_list(a, argc, inst->scratch, inst->scratch_len));
}

// The one N-API callback behind every kernel: reads the row's storages (null where optional), then
// runs its entry with the scratch.
napi_value Call(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  size_t argc = MAX_STORAGES;
  napi_value argv[MAX_STORAGES];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &data) != napi_ok) return boolean(env, false);
  const Kernel* k = static_cast<const Kernel*>(data);
  Instance* inst = instance(env);
  if (k->run_list != nullptr) return CallList(env, info, k, inst);
  if (argc < k->storages || inst == nullptr || inst->scratch == nullptr) return boolean(env, false);
  Arr a[MAX_STORAGES];
  for (size_t i = 0; i < k->storages; i++) {
    if (k->optional & (1u << i)) {
      napi_valuetype t;
      if (napi_typeof(env, argv[i], &t) == napi_ok && (t == napi_null || t == napi_undefined)) {
        a[i] = Arr{nullptr, 0, gs::NONE};
        continue;
      }
    }
    if (!get_arr(env, argv[i], &a[i])) return boolean(env, false);
  }
  return boolean(env, k->run(a, inst->scratch, inst->scratch_len));
}

napi_value SetScratch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Arr a;
  Instance* inst = instance(env);
  if (argc < 1 || inst == nullptr || !get_arr(env, argv[0], &a) || a.kind != gs::F64 || a.len < 64)
    return boolean(env, false);
  if (inst->scratch_ref != nullptr) napi_delete_reference(env, inst->scratch_ref);
  napi_create_reference(env, argv[0], 1, &inst->scratch_ref);  // keeps the buffer alive
  inst->scratch = static_cast<double*>(a.p);
  inst->scratch_len = a.len;
  return boolean(env, true);
}

// Keeps freed memory in the malloc heap for the next allocation. V8 backs typed arrays with calloc,
// and glibc serves large blocks with fresh mmaps (above a threshold that starts at 128 KiB and only
// adapts upwards as such blocks are freed) and trims the heap top back to the OS, so a loop that makes
// a large array per call faults its pages in again every time (about 12 µs per 4 KiB page on some
// VMs: `a.add(b)` on 1M floats went from 38 ms to 2.8 ms per call). Every block now comes from the heap:
// glibc's mmap threshold stops at 32 MiB, so mmap is switched off altogether (a translation model's
// 45 MB logits took 400 ms to allocate and fill, 16 ms from the heap), and the heap top is kept up to
// 1 GiB.
void keep_freed_memory() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  keep_freed_memory();
  Instance* inst = new Instance();
  napi_set_instance_data(
      env, inst, [](napi_env, void* data, void*) { delete static_cast<Instance*>(data); }, nullptr);
  const napi_property_attributes attr = napi_enumerable;
  napi_property_descriptor set_scratch = {"setScratch", nullptr, SetScratch, nullptr, nullptr, nullptr, attr, nullptr};
  napi_define_properties(env, exports, 1, &set_scratch);
  gs::register_host_arena(env, exports);
  for (size_t i = 0; i < gs::KERNEL_COUNT; i++) {
    const Kernel& k = KERNELS[i];
    napi_property_descriptor d = {k.name, nullptr, Call, nullptr, nullptr, nullptr, attr, const_cast<Kernel*>(&k)};
    napi_define_properties(env, exports, 1, &d);
  }
  exports.Set("threads", Napi::Number::New(env, gs::num_threads()));
  exports.Set("gemmKernel", Napi::String::New(env, gs::gemm_kernel_name()));
  exports.Set("isa", Napi::String::New(env, gs::isa_name(gs::cpu_isa())));
  exports.Set("abi", Napi::Number::New(env, 4));
  return exports;
}

}  // namespace

NODE_API_MODULE(gradstack_native, Init)
