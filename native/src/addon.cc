// Node-API bindings. Every kernel takes its typed arrays as arguments and reads its numbers (op code,
// sizes, strides, matmul parameters) from a Float64Array that the JS wrapper registers once with
// setScratch(), so a call costs one N-API transition plus a lookup per typed array. Each kernel
// returns true, or false when the JS side should run cpu-js instead.
#include <napi.h>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "gemm.h"
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

// Reads `N` typed arrays (argument i may be null where bit i of `optional` is set); the scratch
// comes back through `sc`/`sclen`.
template <size_t N>
inline bool args(napi_env env, napi_callback_info info, Arr (&arrs)[N], const double** sc,
                 int64_t* sclen, unsigned optional = 0) {
  size_t argc = N;
  napi_value argv[N];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < N) return false;
  for (size_t i = 0; i < N; i++) {
    if (optional & (1u << i)) {
      napi_valuetype t;
      if (napi_typeof(env, argv[i], &t) == napi_ok && (t == napi_null || t == napi_undefined)) {
        arrs[i] = Arr{nullptr, 0, gs::NONE};
        continue;
      }
    }
    if (!get_arr(env, argv[i], &arrs[i])) return false;
  }
  Instance* inst = instance(env);
  if (inst == nullptr || inst->scratch == nullptr) return false;
  *sc = inst->scratch;
  *sclen = inst->scratch_len;
  return true;
}

inline bool op_code(const double* sc, int count, int* op) {
  int64_t v;
  if (!gs::as_count(sc[0], &v) || v >= count) return false;
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

// unary(x, out); sc = [op]
napi_value Unary(napi_env env, napi_callback_info info) {
  Arr a[2];
  const double* sc;
  int64_t n;
  int op;
  if (!args(env, info, a, &sc, &n) || !op_code(sc, gs::U_COUNT, &op)) return boolean(env, false);
  return boolean(env, gs::k_unary(op, a[0], a[1]));
}

// binary(a, b, out); sc = [op, nd, shape, aOff, aStrides, bOff, bStrides]
napi_value Binary(napi_env env, napi_callback_info info) {
  Arr a[3];
  const double* sc;
  int64_t n;
  int op;
  if (!args(env, info, a, &sc, &n) || !op_code(sc, gs::B_COUNT, &op)) return boolean(env, false);
  return boolean(env, gs::k_binary(op, a[0], a[1], a[2], sc + 1, n - 1));
}

// where(cond, a, b, out); sc = [nd, shape, cOff, cStrides, aOff, aStrides, bOff, bStrides]
napi_value Where(napi_env env, napi_callback_info info) {
  Arr a[4];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n)) return boolean(env, false);
  return boolean(env, gs::k_where(a[0], a[1], a[2], a[3], sc, n));
}

// copy(src, dst); sc = [nd, shape, srcOff, srcStrides, dstOff, dstStrides]
napi_value Copy(napi_env env, napi_callback_info info) {
  Arr a[2];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n)) return boolean(env, false);
  return boolean(env, gs::k_copy(a[0], a[1], sc, n));
}

// cast(src, dst)
napi_value Cast(napi_env env, napi_callback_info info) {
  Arr a[2];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n)) return boolean(env, false);
  return boolean(env, gs::k_cast(a[0], a[1]));
}

// reduce(x, out); sc = [op, outer, size, inner]
napi_value Reduce(napi_env env, napi_callback_info info) {
  Arr a[2];
  const double* sc;
  int64_t n, c[3];
  int op;
  if (!args(env, info, a, &sc, &n) || !op_code(sc, gs::R_COUNT, &op) || !counts(sc, n, 1, 3, c))
    return boolean(env, false);
  return boolean(env, gs::k_reduce(op, a[0], a[1], c[0], c[1], c[2]));
}

// argReduce(x, out); sc = [0 argmax | 1 argmin, outer, size, inner]
napi_value ArgReduce(napi_env env, napi_callback_info info) {
  Arr a[2];
  const double* sc;
  int64_t n, c[3];
  int op;
  if (!args(env, info, a, &sc, &n) || !op_code(sc, 2, &op) || !counts(sc, n, 1, 3, c))
    return boolean(env, false);
  return boolean(env, gs::k_arg_reduce(op == 0, a[0], a[1], c[0], c[1], c[2]));
}

// indexSelect(x, idx, out) / indexAdd(dst, idx, src); sc = [outer, size, inner]
napi_value IndexSelect(napi_env env, napi_callback_info info) {
  Arr a[3];
  const double* sc;
  int64_t n, c[3];
  if (!args(env, info, a, &sc, &n) || !counts(sc, n, 0, 3, c)) return boolean(env, false);
  return boolean(env, gs::k_index_select(a[0], a[1], a[2], c[0], c[1], c[2]));
}
napi_value IndexAdd(napi_env env, napi_callback_info info) {
  Arr a[3];
  const double* sc;
  int64_t n, c[3];
  if (!args(env, info, a, &sc, &n) || !counts(sc, n, 0, 3, c)) return boolean(env, false);
  return boolean(env, gs::k_index_add(a[0], a[1], a[2], c[0], c[1], c[2]));
}

// gather(x, idx, out) / scatterAdd(dst, idx, src); sc = [outer, size, m, inner]
napi_value Gather(napi_env env, napi_callback_info info) {
  Arr a[3];
  const double* sc;
  int64_t n, c[4];
  if (!args(env, info, a, &sc, &n) || !counts(sc, n, 0, 4, c)) return boolean(env, false);
  return boolean(env, gs::k_gather(a[0], a[1], a[2], c[0], c[1], c[2], c[3]));
}
napi_value ScatterAdd(napi_env env, napi_callback_info info) {
  Arr a[3];
  const double* sc;
  int64_t n, c[4];
  if (!args(env, info, a, &sc, &n) || !counts(sc, n, 0, 4, c)) return boolean(env, false);
  return boolean(env, gs::k_scatter_add(a[0], a[1], a[2], c[0], c[1], c[2], c[3]));
}

// matmul(a, b, out); sc = [batch, m, n, k, transA, transB, lda, ldb, aOffset, bOffset,
// aBatchStride, bBatchStride]
napi_value Matmul(napi_env env, napi_callback_info info) {
  Arr a[3];
  const double* sc;
  int64_t n, c[12];
  if (!args(env, info, a, &sc, &n) || !counts(sc, n, 0, 12, c)) return boolean(env, false);
  if (a[0].kind != a[1].kind || a[0].kind != a[2].kind || (a[0].kind != gs::F32 && a[0].kind != gs::F64))
    return boolean(env, false);
  gs::MatmulParams p{c[0], c[1], c[2], c[3], c[4] != 0, c[5] != 0, c[6], c[7], c[8], c[9], c[10], c[11]};
  const double batch = static_cast<double>(p.batch), m = static_cast<double>(p.m),
               nn = static_cast<double>(p.n), k = static_cast<double>(p.k);
  if (batch * m * nn > static_cast<double>(a[2].len)) return boolean(env, false);
  if (batch * m * nn == 0) return boolean(env, true);
  if (k > 0) {
    // The last element each operand reads must lie inside it.
    const double ra = p.transA ? k : m, ca = p.transA ? m : k;
    const double rb = p.transB ? nn : k, cb = p.transB ? k : nn;
    const double lastA = static_cast<double>(p.aOffset) + (batch - 1) * static_cast<double>(p.aBatchStride) +
                         (ra - 1) * static_cast<double>(p.lda) + (ca - 1);
    const double lastB = static_cast<double>(p.bOffset) + (batch - 1) * static_cast<double>(p.bBatchStride) +
                         (rb - 1) * static_cast<double>(p.ldb) + (cb - 1);
    if (lastA >= static_cast<double>(a[0].len) || lastB >= static_cast<double>(a[1].len))
      return boolean(env, false);
  }
  if (a[0].kind == gs::F32)
    gs::matmul_f32(static_cast<const float*>(a[0].p), static_cast<const float*>(a[1].p),
                   static_cast<float*>(a[2].p), p);
  else
    gs::matmul_f64(static_cast<const double*>(a[0].p), static_cast<const double*>(a[1].p),
                   static_cast<double*>(a[2].p), p);
  return boolean(env, true);
}

// softmax(x, out); sc = [rows, cols, log]
napi_value Softmax(napi_env env, napi_callback_info info) {
  Arr a[2];
  const double* sc;
  int64_t n, c[3];
  if (!args(env, info, a, &sc, &n) || !counts(sc, n, 0, 3, c)) return boolean(env, false);
  return boolean(env, gs::k_softmax(a[0], a[1], c[0], c[1], c[2] != 0));
}

// layerNorm(x, weight?, bias?, out, mean, rstd); sc = [rows, cols, eps]
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  Arr a[6];
  const double* sc;
  int64_t n, c[2];
  if (!args(env, info, a, &sc, &n, 0b110) || !counts(sc, n, 0, 2, c) || n < 3 || !(sc[2] >= 0))
    return boolean(env, false);
  return boolean(env, gs::k_layer_norm(a[0], a[1], a[2], a[3], a[4], a[5], c[0], c[1], sc[2]));
}

// layerNormBackward(g, x, weight?, mean, rstd, dx, dw?, db?); sc = [rows, cols]
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  Arr a[8];
  const double* sc;
  int64_t n, c[2];
  if (!args(env, info, a, &sc, &n, 0b11000100) || !counts(sc, n, 0, 2, c)) return boolean(env, false);
  return boolean(env, gs::k_layer_norm_backward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], c[0], c[1]));
}

// crossEntropy(logits, targets, losses, probs); sc = [rows, cols, ignoreIndex]
napi_value CrossEntropy(napi_env env, napi_callback_info info) {
  Arr a[4];
  const double* sc;
  int64_t n, c[2], ignore;
  if (!args(env, info, a, &sc, &n) || !counts(sc, n, 0, 2, c) || n < 3 || !gs::as_int(sc[2], &ignore))
    return boolean(env, false);
  return boolean(env, gs::k_cross_entropy(a[0], a[1], a[2], a[3], c[0], c[1], ignore));
}

// gelu(x, out) / geluBackward(g, x, dx); sc = [approximateTanh]
napi_value Gelu(napi_env env, napi_callback_info info) {
  Arr a[2];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n)) return boolean(env, false);
  return boolean(env, gs::k_gelu(a[0], a[1], sc[0] != 0));
}
napi_value GeluBackward(napi_env env, napi_callback_info info) {
  Arr a[3];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n)) return boolean(env, false);
  return boolean(env, gs::k_gelu_backward(a[0], a[1], a[2], sc[0] != 0));
}

// causalAttention(qkv, out, lse) / causalAttentionBackward(qkv, out, dout, lse, dqkv);
// sc = [B, T, nh, hs, scale]
napi_value CausalAttention(napi_env env, napi_callback_info info) {
  Arr a[3];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n)) return boolean(env, false);
  return boolean(env, gs::k_causal_attention(a[0], a[1], a[2], sc, n));
}
napi_value CausalAttentionBackward(napi_env env, napi_callback_info info) {
  Arr a[5];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n)) return boolean(env, false);
  return boolean(env, gs::k_causal_attention_backward(a[0], a[1], a[2], a[3], a[4], sc, n));
}

// adamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq?); sc = [n, pOffset, gOffset, stepSize,
// bc2Sqrt, shrink, l2, beta1, beta2, eps, sign]
napi_value AdamStep(napi_env env, napi_callback_info info) {
  Arr a[5];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n, 0b10000)) return boolean(env, false);
  return boolean(env, gs::k_adam_step(a[0], a[1], a[2], a[3], a[4], sc, n));
}

// recurrentGatesForward(xp, hh, bx?, bh?, h, c?, act, aux?, lengths?); sc = [mode, B, H, t, xpOff,
// hPrev, hOut, cPrev, cOut, actOff, auxOff]
napi_value RecurrentGatesForward(napi_env env, napi_callback_info info) {
  Arr a[9];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n, 0b110101100)) return boolean(env, false);
  return boolean(env, gs::k_recurrent_gates_forward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], sc, n));
}

// recurrentGatesBackward(act, aux?, h, c?, dh, dc?, dxp, dhh, dhPrev, dcPrev?, lengths?); sc = [mode,
// B, H, t, actOff, auxOff, hPrev, hOut, cPrev, dxpOff, dhhOff]
napi_value RecurrentGatesBackward(napi_env env, napi_callback_info info) {
  Arr a[11];
  const double* sc;
  int64_t n;
  if (!args(env, info, a, &sc, &n, 0b11000101010)) return boolean(env, false);
  return boolean(env, gs::k_recurrent_gates_backward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9],
                                                     a[10], sc, n));
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
  napi_property_descriptor props[] = {
      {"setScratch", nullptr, SetScratch, nullptr, nullptr, nullptr, attr, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, attr, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, attr, nullptr},
      {"where", nullptr, Where, nullptr, nullptr, nullptr, attr, nullptr},
      {"copy", nullptr, Copy, nullptr, nullptr, nullptr, attr, nullptr},
      {"cast", nullptr, Cast, nullptr, nullptr, nullptr, attr, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, attr, nullptr},
      {"argReduce", nullptr, ArgReduce, nullptr, nullptr, nullptr, attr, nullptr},
      {"indexSelect", nullptr, IndexSelect, nullptr, nullptr, nullptr, attr, nullptr},
      {"indexAdd", nullptr, IndexAdd, nullptr, nullptr, nullptr, attr, nullptr},
      {"gather", nullptr, Gather, nullptr, nullptr, nullptr, attr, nullptr},
      {"scatterAdd", nullptr, ScatterAdd, nullptr, nullptr, nullptr, attr, nullptr},
      {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, attr, nullptr},
      {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, attr, nullptr},
      {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, attr, nullptr},
      {"layerNormBackward", nullptr, LayerNormBackward, nullptr, nullptr, nullptr, attr, nullptr},
      {"crossEntropy", nullptr, CrossEntropy, nullptr, nullptr, nullptr, attr, nullptr},
      {"gelu", nullptr, Gelu, nullptr, nullptr, nullptr, attr, nullptr},
      {"geluBackward", nullptr, GeluBackward, nullptr, nullptr, nullptr, attr, nullptr},
      {"causalAttention", nullptr, CausalAttention, nullptr, nullptr, nullptr, attr, nullptr},
      {"causalAttentionBackward", nullptr, CausalAttentionBackward, nullptr, nullptr, nullptr, attr, nullptr},
      {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, attr, nullptr},
      {"recurrentGatesForward", nullptr, RecurrentGatesForward, nullptr, nullptr, nullptr, attr, nullptr},
      {"recurrentGatesBackward", nullptr, RecurrentGatesBackward, nullptr, nullptr, nullptr, attr, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  exports.Set("threads", Napi::Number::New(env, gs::num_threads()));
  exports.Set("gemmKernel", Napi::String::New(env, gs::gemm_kernel_name()));
  exports.Set("abi", Napi::Number::New(env, 3));
  return exports;
}

}  // namespace

NODE_API_MODULE(gradstack_native, Init)
