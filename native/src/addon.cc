// Node-API bindings. Every kernel takes its typed arrays as arguments and reads its numbers (op code,
// sizes, strides, matmul parameters) from a Float64Array that the JS wrapper registers once with
// setScratch(), so a call costs one N-API transition plus a lookup per typed array. Each kernel
// returns true, or false when the JS side should run cpu-js instead.
//
// Each kernel is one row of KERNELS below (name, storages, which may be null, entry); one generic
// callback serves them all. src/backend/native-kernels.ts declares how the JS side packs each one.
#include <napi.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "gemm.h"
#include "isa.h"
#include "ops.h"
#include "pool.h"

namespace {

using gs::Arr;

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

// A kernel's entry: its storages in argument order, and the scratch with its length.
using Entry = bool (*)(const Arr* a, const double* sc, int64_t n);

struct Kernel {
  const char* name;
  size_t storages;
  unsigned optional;  // bit i set: storage i may be null (it arrives with kind NONE)
  Entry run;
};

constexpr size_t MAX_STORAGES = 11;

inline bool op_code(const double* sc, int64_t n, int count, int* op) {
  int64_t v;
  if (n < 1 || !gs::as_count(sc[0], &v) || v >= count) return false;
  *op = static_cast<int>(v);
  return true;
}

// Reads sc[from..from+n) as counts.
inline bool counts(const double* sc, int64_t sclen, int from, int n, int64_t* out) {
  if (sclen < from + n) return false;
  for (int i = 0; i < n; i++)
    if (!gs::as_count(sc[from + i], &out[i])) return false;
  return true;
}

bool matmul(const Arr* a, const double* sc, int64_t n) {
  int64_t c[13];
  if (!counts(sc, n, 0, 13, c)) return false;
  if (a[0].kind != a[1].kind || a[0].kind != a[2].kind || (a[0].kind != gs::F32 && a[0].kind != gs::F64))
    return false;
  gs::MatmulParams p{c[0], c[1], c[2], c[3], c[4] != 0, c[5] != 0, c[6], c[7], c[8], c[9], c[10], c[11], c[12]};
  const double batch = static_cast<double>(p.batch), m = static_cast<double>(p.m),
               nn = static_cast<double>(p.n), k = static_cast<double>(p.k);
  if (batch * m * nn > static_cast<double>(a[2].len)) return false;
  if (batch * m * nn == 0) return true;
  if (k > 0) {
    // The last element each operand reads must lie inside it.
    const double ra = p.transA ? k : m, ca = p.transA ? m : k;
    const double rb = p.transB ? nn : k, cb = p.transB ? k : nn;
    const double lastA = static_cast<double>(p.aOffset) + (batch - 1) * static_cast<double>(p.aBatchStride) +
                         (ra - 1) * static_cast<double>(p.lda) + (ca - 1);
    const double lastB = static_cast<double>(p.bOffset) + (batch - 1) * static_cast<double>(p.bBatchStride) +
                         (rb - 1) * static_cast<double>(p.ldb) + (cb - 1);
    if (lastA >= static_cast<double>(a[0].len) || lastB >= static_cast<double>(a[1].len)) return false;
  }
  if (a[0].kind == gs::F32)
    gs::matmul_f32(static_cast<const float*>(a[0].p), static_cast<const float*>(a[1].p),
                   static_cast<float*>(a[2].p), p);
  else
    gs::matmul_f64(static_cast<const double*>(a[0].p), static_cast<const double*>(a[1].p),
                   static_cast<double*>(a[2].p), p);
  return true;
}

// The kernels, in the order of src/backend/native-kernels.ts. The comment on each row is its scratch.
const Kernel KERNELS[] = {
    // [op]
    {"unary", 2, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int op;
       return op_code(sc, n, gs::U_COUNT, &op) && gs::k_unary(op, a[0], a[1]);
     }},
    // [op, nd, shape, aOff, aStrides, bOff, bStrides]
    {"binary", 3, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int op;
       return op_code(sc, n, gs::B_COUNT, &op) && gs::k_binary(op, a[0], a[1], a[2], sc + 1, n - 1);
     }},
    // [nd, shape, cOff, cStrides, aOff, aStrides, bOff, bStrides]
    {"where", 4, 0, [](const Arr* a, const double* sc, int64_t n) { return gs::k_where(a[0], a[1], a[2], a[3], sc, n); }},
    // [nd, shape, srcOff, srcStrides, dstOff, dstStrides]
    {"copy", 2, 0, [](const Arr* a, const double* sc, int64_t n) { return gs::k_copy(a[0], a[1], sc, n); }},
    {"cast", 2, 0, [](const Arr* a, const double*, int64_t) { return gs::k_cast(a[0], a[1]); }},
    // [op, outer, size, inner]
    {"reduce", 2, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int op;
       int64_t c[3];
       return op_code(sc, n, gs::R_COUNT, &op) && counts(sc, n, 1, 3, c) &&
              gs::k_reduce(op, a[0], a[1], c[0], c[1], c[2]);
     }},
    // [0 argmax | 1 argmin, outer, size, inner]
    {"argReduce", 2, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int op;
       int64_t c[3];
       return op_code(sc, n, 2, &op) && counts(sc, n, 1, 3, c) &&
              gs::k_arg_reduce(op == 0, a[0], a[1], c[0], c[1], c[2]);
     }},
    // [batch, m, n, k, transA, transB, lda, ldb, aOffset, bOffset, aBatchStride, bBatchStride]
    {"matmul", 3, 0, matmul},
    // [outer, size, inner]
    {"indexSelect", 3, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int64_t c[3];
       return counts(sc, n, 0, 3, c) && gs::k_index_select(a[0], a[1], a[2], c[0], c[1], c[2]);
     }},
    {"indexAdd", 3, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int64_t c[3];
       return counts(sc, n, 0, 3, c) && gs::k_index_add(a[0], a[1], a[2], c[0], c[1], c[2]);
     }},
    // [outer, size, m, inner]
    {"gather", 3, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int64_t c[4];
       return counts(sc, n, 0, 4, c) && gs::k_gather(a[0], a[1], a[2], c[0], c[1], c[2], c[3]);
     }},
    {"scatterAdd", 3, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int64_t c[4];
       return counts(sc, n, 0, 4, c) && gs::k_scatter_add(a[0], a[1], a[2], c[0], c[1], c[2], c[3]);
     }},
    // [rows, cols, log]
    {"softmax", 2, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int64_t c[3];
       return counts(sc, n, 0, 3, c) && gs::k_softmax(a[0], a[1], c[0], c[1], c[2] != 0);
     }},
    // (x, weight?, bias?, out, mean, rstd); [rows, cols, eps]
    {"layerNorm", 6, 0b110,
     [](const Arr* a, const double* sc, int64_t n) {
       int64_t c[2];
       return counts(sc, n, 0, 2, c) && n >= 3 && sc[2] >= 0 &&
              gs::k_layer_norm(a[0], a[1], a[2], a[3], a[4], a[5], c[0], c[1], sc[2]);
     }},
    // (g, x, weight?, mean, rstd, dx, dw?, db?); [rows, cols]
    {"layerNormBackward", 8, 0b11000100,
     [](const Arr* a, const double* sc, int64_t n) {
       int64_t c[2];
       return counts(sc, n, 0, 2, c) &&
              gs::k_layer_norm_backward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], c[0], c[1]);
     }},
    // [rows, cols, ignoreIndex]
    {"crossEntropy", 4, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int64_t c[2], ignore;
       return counts(sc, n, 0, 2, c) && n >= 3 && gs::as_int(sc[2], &ignore) &&
              gs::k_cross_entropy(a[0], a[1], a[2], a[3], c[0], c[1], ignore);
     }},
    // [approximateTanh]
    {"gelu", 2, 0, [](const Arr* a, const double* sc, int64_t n) { return n >= 1 && gs::k_gelu(a[0], a[1], sc[0] != 0); }},
    {"geluBackward", 3, 0,
     [](const Arr* a, const double* sc, int64_t n) { return n >= 1 && gs::k_gelu_backward(a[0], a[1], a[2], sc[0] != 0); }},
    // (qkv, out, lse) / (qkv, out, dout, lse, dqkv); [B, T, nh, hs, scale]
    {"causalAttention", 3, 0,
     [](const Arr* a, const double* sc, int64_t n) { return gs::k_causal_attention(a[0], a[1], a[2], sc, n); }},
    {"causalAttentionBackward", 5, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       return gs::k_causal_attention_backward(a[0], a[1], a[2], a[3], a[4], sc, n);
     }},
    // (param, grad, expAvg, expAvgSq, maxExpAvgSq?); [pOffset, gOffset, n, stepSize, bc2Sqrt, shrink, l2,
    // beta1, beta2, eps, sign]
    {"adamStep", 5, 0b10000,
     [](const Arr* a, const double* sc, int64_t n) { return gs::k_adam_step(a[0], a[1], a[2], a[3], a[4], sc, n); }},
    // (xp, hh, bx?, bh?, h, c?, act, aux?, lengths?); [mode, B, H, t, xpOff, hPrev, hOut, cPrev, cOut, actOff,
    // auxOff]
    {"recurrentGatesForward", 9, 0b110101100,
     [](const Arr* a, const double* sc, int64_t n) {
       return gs::k_recurrent_gates_forward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], sc, n);
     }},
    // (act, aux?, h, c?, dh, dc?, dxp, dhh, dhPrev, dcPrev?, lengths?); [mode, B, H, t, actOff, auxOff,
    // hPrev, hOut, cPrev, dxpOff, dhhOff]
    {"recurrentGatesBackward", 11, 0b11000101010,
     [](const Arr* a, const double* sc, int64_t n) {
       return gs::k_recurrent_gates_backward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
                                             sc, n);
     }},
};

// The one N-API callback behind every kernel: reads the row's storages (null where optional), then
// runs its entry with the scratch.
napi_value Call(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  size_t argc = MAX_STORAGES;
  napi_value argv[MAX_STORAGES];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, &data) != napi_ok) return boolean(env, false);
  const Kernel* k = static_cast<const Kernel*>(data);
  Instance* inst = instance(env);
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
  for (const Kernel& k : KERNELS) {
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
