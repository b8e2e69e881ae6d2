// Kernel entry points. Each returns false when it does not handle the arguments (an element kind it
// lacks, or indices/strides that would read out of bounds); the JS wrapper then runs cpu-js.
// kernel_table.cc registers each one in the kernel table (served by the addon and the wasm build);
// src/backend/native-kernels.ts says how the JS side packs its arguments (storages as arguments,
// numbers in the scratch `sc`, in argument order).
#pragma once
#include <cstdint>

#include "common.h"

namespace gs {

// Codes shared with src/backend/native-kernels.ts (keep the orders in sync).
enum UnaryOp {
  U_NEG, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_TANH, U_SIGMOID, U_RELU, U_ABS, U_SIN,
  U_COS, U_ERF, U_LOG1P, U_EXPM1, U_RECIPROCAL, U_SIGN, U_FLOOR, U_CEIL, U_ROUND, U_NOT,
  U_COUNT
};
enum BinaryOp {
  B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE,
  B_AND, B_OR, B_COUNT
};
enum ReduceOp { R_SUM, R_MAX, R_MIN, R_PROD, R_COUNT };

// Strided views travel in a Float64Array "scratch": nd, shape[nd], then per view offset, strides[nd].
bool k_unary(int op, const Arr& x, const Arr& out);
bool k_binary(int op, const Arr& a, const Arr& b, const Arr& out, const double* sc, int64_t sclen);
bool k_where(const Arr& c, const Arr& a, const Arr& b, const Arr& out, const double* sc,
             int64_t sclen);
bool k_copy(const Arr& src, const Arr& dst, const double* sc, int64_t sclen);
bool k_cast(const Arr& src, const Arr& dst);
bool k_reduce(int op, const Arr& x, const Arr& out, int64_t outer, int64_t size, int64_t inner);
bool k_arg_reduce(bool argmax, const Arr& x, const Arr& out, int64_t outer, int64_t size,
                  int64_t inner);
bool k_index_select(const Arr& x, const Arr& idx, const Arr& out, int64_t outer, int64_t size,
                    int64_t inner);
bool k_index_add(const Arr& dst, const Arr& idx, const Arr& src, int64_t outer, int64_t size,
                 int64_t inner);
bool k_gather(const Arr& x, const Arr& idx, const Arr& out, int64_t outer, int64_t size,
              int64_t m, int64_t inner);
bool k_scatter_add(const Arr& dst, const Arr& idx, const Arr& src, int64_t outer, int64_t size,
                   int64_t m, int64_t inner);

// Fused kernels (float32; false for other kinds). Optional storages have kind NONE.
bool k_fast_unary_f32(int op, const float* x, float* out, int64_t n);
bool k_softmax(const Arr& x, const Arr& out, int64_t rows, int64_t cols, bool log);
bool k_layer_norm(const Arr& x, const Arr& w, const Arr& b, const Arr& out, const Arr& mean, const Arr& rstd,
                  int64_t rows, int64_t cols, double eps);
bool k_layer_norm_backward(const Arr& g, const Arr& x, const Arr& w, const Arr& mean, const Arr& rstd,
                           const Arr& dx, const Arr& dw, const Arr& db, int64_t rows, int64_t cols);
bool k_cross_entropy(const Arr& logits, const Arr& targets, const Arr& losses, const Arr& probs, int64_t rows,
                     int64_t cols, int64_t ignore);
bool k_cross_entropy_backward(const Arr& probs, const Arr& targets, const Arr& g, const Arr& dlogits, int64_t rows,
                              int64_t cols, int64_t ignore);
bool k_gelu(const Arr& x, const Arr& out, bool tanh_approx);
bool k_gelu_backward(const Arr& g, const Arr& x, const Arr& dx, bool tanh_approx);
// dx = y > 0 ? g : 0 (ReLU's backward from its output), float32 or float64.
bool k_relu_backward(const Arr& g, const Arr& y, const Arr& dx);

// Causal attention (attention.cc); sc = [B, T, nh, hs, scale].
bool k_causal_attention(const Arr& qkv, const Arr& out, const Arr& lse, const double* sc, int64_t sclen);
bool k_causal_attention_backward(const Arr& qkv, const Arr& out, const Arr& dout, const Arr& lse,
                                 const Arr& dqkv, const double* sc, int64_t sclen);

// Adam / AdamW step (optim.cc); vmax has kind NONE without amsgrad. sc = [pOffset, gOffset, n,
// stepSize, bc2Sqrt, shrink, l2, beta1, beta2, eps, sign].
bool k_adam_step(const Arr& p, const Arr& g, const Arr& m, const Arr& v, const Arr& vmax, const double* sc,
                 int64_t sclen);
// The same over a list of L tensors in one pass (adamSteps): a = [p…, g…, m…, v…, vmax… (none without
// amsgrad)]; sc = [L, L, L, L, L or 0, L, pOffset…, L, gOffset…, L, n…, stepSize, bc2Sqrt, shrink, l2, beta1,
// beta2, eps, sign].
bool k_adam_steps(const Arr* a, size_t count, const double* sc, int64_t sclen);

// Recurrent gate kernels, one time step (rnn.cc): float32 or float64; optional storages have kind NONE.
// Forward: sc = [mode (0 rnn_tanh, 1 rnn_relu, 2 lstm, 3 gru), B, H, t, xpOff, hPrev, hOut, cPrev, cOut,
// actOff, auxOff]. Backward: sc = [mode, B, H, t, actOff, auxOff, hPrev, hOut, cPrev, dxpOff, dhhOff].
bool k_recurrent_gates_forward(const Arr& xp, const Arr& hh, const Arr& bx, const Arr& bh, const Arr& h,
                               const Arr& c, const Arr& act, const Arr& aux, const Arr& lengths,
                               const double* sc, int64_t sclen);
bool k_recurrent_gates_backward(const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& dh,
                                const Arr& dc, const Arr& dxp, const Arr& dhh, const Arr& dhPrev,
                                const Arr& dcPrev, const Arr& lengths, const double* sc, int64_t sclen);

// Recurrent layers, a whole sequence of one direction (rnn_sequence.cc), float32 or float64; optional
// storages have kind NONE. sc = [mode, T, B, H, reverse] for both.
bool k_recurrent_sequence_forward(const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& wHh,
                                  const Arr& bx, const Arr& bh, const Arr& lengths, const double* sc, int64_t sclen);
bool k_recurrent_sequence_backward(const Arr& act, const Arr& aux, const Arr& h, const Arr& c, const Arr& wHh,
                                   const Arr& g, const Arr& dhh, const Arr& dh0, const Arr& dc0, const Arr& lengths,
                                   const double* sc, int64_t sclen);

// Dropout with a Philox4x32-10 mask (random.cc), float32 or float64: out = x·(draw >= threshold ? scale : 0).
// sc = [key0, key1, threshold, scale].
bool k_dropout(const Arr& x, const Arr& out, const double* sc, int64_t sclen);

// An exact non-negative integer below 2^50 (what a size or offset from JS must be).
inline bool as_count(double v, int64_t* out) {
  if (!(v >= 0 && v < 1125899906842624.0) || v != static_cast<double>(static_cast<int64_t>(v)))
    return false;
  *out = static_cast<int64_t>(v);
  return true;
}
inline bool as_int(double v, int64_t* out) {
  if (!(v > -1125899906842624.0 && v < 1125899906842624.0) ||
      v != static_cast<double>(static_cast<int64_t>(v)))
    return false;
  *out = static_cast<int64_t>(v);
  return true;
}

}  // namespace gs
