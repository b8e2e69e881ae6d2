// The rows of the kernel table (kernel_table.h): argument checks and the call into each kernel.
#include "kernel_table.h"

#include "gemm.h"
#include "ops.h"

namespace gs {
namespace {

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

// matmul's checks and call; `bias` (a[3] of matmulBias) is null for plain matmul.
bool matmul_with(const Arr* a, const Arr* bias, const double* sc, int64_t n) {
  int64_t c[13];
  if (!counts(sc, n, 0, 13, c)) return false;
  if (a[0].kind != a[1].kind || a[0].kind != a[2].kind || (a[0].kind != gs::F32 && a[0].kind != gs::F64))
    return false;
  gs::MatmulParams p{c[0], c[1], c[2], c[3], c[4] != 0, c[5] != 0, c[6], c[7], c[8], c[9], c[10], c[11], c[12]};
  const double batch = static_cast<double>(p.batch), m = static_cast<double>(p.m),
               nn = static_cast<double>(p.n), k = static_cast<double>(p.k);
  if (batch * m * nn > static_cast<double>(a[2].len)) return false;
  if (bias != nullptr && (bias->kind != a[0].kind || bias->len < p.n)) return false;
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
  const void* b = bias != nullptr ? bias->p : nullptr;
  if (a[0].kind == gs::F32)
    gs::matmul_f32(static_cast<const float*>(a[0].p), static_cast<const float*>(a[1].p),
                   static_cast<float*>(a[2].p), p, static_cast<const float*>(b));
  else
    gs::matmul_f64(static_cast<const double*>(a[0].p), static_cast<const double*>(a[1].p),
                   static_cast<double*>(a[2].p), p, static_cast<const double*>(b));
  return true;
}

bool matmul(const Arr* a, const double* sc, int64_t n) { return matmul_with(a, nullptr, sc, n); }

// (a, b, bias, out): the storages of matmul_with's checks are a, b and out.
bool matmul_bias(const Arr* a, const double* sc, int64_t n) {
  const Arr abo[3] = {a[0], a[1], a[3]};
  return matmul_with(abo, &a[2], sc, n);
}

}  // namespace

// The kernels, in the order of src/backend/native-kernels.ts. The comment on each row is its scratch.
extern const Kernel KERNELS[] = {
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
    // (probs, targets, g, dlogits); [rows, cols, ignoreIndex]
    {"crossEntropyBackward", 4, 0,
     [](const Arr* a, const double* sc, int64_t n) {
       int64_t c[2], ignore;
       return counts(sc, n, 0, 2, c) && n >= 3 && gs::as_int(sc[2], &ignore) &&
              gs::k_cross_entropy_backward(a[0], a[1], a[2], a[3], c[0], c[1], ignore);
     }},
    // [approximateTanh]
    {"gelu", 2, 0, [](const Arr* a, const double* sc, int64_t n) { return n >= 1 && gs::k_gelu(a[0], a[1], sc[0] != 0); }},
    {"geluBackward", 3, 0,
     [](const Arr* a, const double* sc, int64_t n) { return n >= 1 && gs::k_gelu_backward(a[0], a[1], a[2], sc[0] != 0); }},
    // (g, y, dx)
    {"reluBackward", 3, 0, [](const Arr* a, const double*, int64_t) { return gs::k_relu_backward(a[0], a[1], a[2]); }},
    // (a, b, bias, out); matmul's scratch
    {"matmulBias", 4, 0, matmul_bias},
    // (qkv, out, lse) / (qkv, out, dout, lse, dqkv); [B, T, nh, hs, scale, key0, key1, threshold, keep_scale]
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
    // lists (params, grads, expAvgs, expAvgSqs, maxExpAvgSqs?); see ops.h
    {"adamSteps", 0, 0, nullptr, gs::k_adam_steps},
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
    // (act, aux?, h, c?, wHh, bx?, bh?, lengths?); [mode, T, B, H, reverse]
    {"recurrentSequenceForward", 8, 0b11101010,
     [](const Arr* a, const double* sc, int64_t n) {
       return gs::k_recurrent_sequence_forward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], sc, n);
     }},
    // (act, aux?, h, c?, wHh, g, dhh?, dh0, dc0?, lengths?); [mode, T, B, H, reverse]
    {"recurrentSequenceBackward", 10, 0b1101001010,
     [](const Arr* a, const double* sc, int64_t n) {
       return gs::k_recurrent_sequence_backward(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], sc, n);
     }},
    // [key0, key1, threshold, scale]
    {"dropout", 2, 0, [](const Arr* a, const double* sc, int64_t n) { return gs::k_dropout(a[0], a[1], sc, n); }},
};

extern const size_t KERNEL_COUNT = sizeof(KERNELS) / sizeof(KERNELS[0]);

}  // namespace gs
