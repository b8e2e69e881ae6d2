/**
 * The kernel interface every backend implements.
 *
 * Kernels work on raw typed arrays ("storages"); they know nothing about tensors, autograd or
 * dtype promotion (the tensor and ops layers decide the output dtype and allocate the output).
 * Every kernel is a required member, and `cpu-js` implements them all. Because every CPU backend
 * takes the same typed arrays, a faster backend is `{ ...cpuJs, ...itsOwnKernels }`: it overrides
 * what it accelerates and says which kernels those are in `nativeKernels`.
 */
import type { DeviceStorage } from "./device.js";

export type DType = "float32" | "float64" | "int32" | "bool";

/** The typed array behind a tensor: Float32Array, Float64Array, Int32Array or Uint8Array (bool). */
export type Storage = Float32Array | Float64Array | Int32Array | Uint8Array;

/** A strided read of a storage: element `idx` (one index per output dim) is at `offset + Σ idx[d]·strides[d]`.
 *  A stride of 0 broadcasts that dim. */
export interface View {
  data: Storage;
  offset: number;
  strides: readonly number[];
}

export type UnaryOp =
  | "neg"
  | "exp"
  | "log"
  | "sqrt"
  | "rsqrt"
  | "tanh"
  | "sigmoid"
  | "relu"
  | "abs"
  | "sin"
  | "cos"
  | "erf"
  | "log1p"
  | "expm1"
  | "reciprocal"
  | "sign"
  | "floor"
  | "ceil"
  | "round"
  | "not";

export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "maximum"
  | "minimum"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "and"
  | "or";

export type ReduceOp = "sum" | "max" | "min" | "prod";

/**
 * out[b] = op(A[b]) · op(B[b]) for b < batch, with out contiguous of shape [batch, m, n].
 * A[b] is read at `aOffset + b·aBatchStride`: without transA, element (i, p) is at `i·lda + p`
 * (an m×k matrix); with transA the storage holds a k×m matrix and (i, p) is at `p·lda + i`.
 * B likewise with (p, j), k×n, and ldb. Leading dimensions let a kernel read slices (the q, k, v
 * thirds of a fused projection) without a copy.
 */
export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  lda: number;
  ldb: number;
  aOffset: number;
  bOffset: number;
  aBatchStride: number;
  bBatchStride: number;
  /**
   * Optional, nonzero: B holds the same values as in the previous call with this key, so a backend
   * may reuse its packed copy of B (a recurrent layer multiplies by one W_hh at every time step).
   * Take a fresh key whenever B may have changed.
   */
  bKey?: number;
}

/**
 * Fused kernels for the hottest compositions. Each has a composed definition in ops/ that is its
 * reference (tests check kernel == composition, forward and backward). All work on contiguous rows.
 */
export interface FusedKernels {
  /** Softmax, or log-softmax with `log`, over each row of a [rows, cols] block. */
  softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void;
  /** out = (x - mean)·rstd·w + b per row; also writes each row's mean and rstd (for backward). */
  layerNorm(
    x: Storage,
    weight: Storage | null,
    bias: Storage | null,
    out: Storage,
    mean: Storage,
    rstd: Storage,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  /** Gradients of layerNorm: dx, and dw/db (overwritten) when they are not null. */
  layerNormBackward(
    g: Storage,
    x: Storage,
    weight: Storage | null,
    mean: Storage,
    rstd: Storage,
    dx: Storage,
    dw: Storage | null,
    db: Storage | null,
    rows: number,
    cols: number,
  ): void;
  /**
   * Cross-entropy per row from logits: losses[r] = logsumexp(row) - row[target] (0 where the target
   * is ignoreIndex), and probs = softmax of each row (kept for the backward pass).
   */
  crossEntropy(
    logits: Storage,
    targets: Int32Array,
    losses: Storage,
    probs: Storage,
    rows: number,
    cols: number,
    ignoreIndex: number,
  ): void;
  /**
   * crossEntropy's backward: dlogits[r, j] = (probs[r, j] − [j = target_r])·g[r], with g[r] taken as 0
   * where the target is ignoreIndex (and no one-hot for a target outside [0, cols)).
   */
  crossEntropyBackward(
    probs: Storage,
    targets: Int32Array,
    g: Storage,
    dlogits: Storage,
    rows: number,
    cols: number,
    ignoreIndex: number,
  ): void;
  /** GELU, exact (erf) or with the tanh approximation. */
  gelu(x: Storage, out: Storage, approximateTanh: boolean): void;
  /** dx = g · GELU'(x). */
  geluBackward(g: Storage, x: Storage, dx: Storage, approximateTanh: boolean): void;
  /** ReLU's backward from its output: dx = y > 0 ? g : 0 (PyTorch's threshold_backward). */
  reluBackward(g: Storage, y: Storage, dx: Storage): void;
  /**
   * A linear layer's forward in one call: out = matmul (as the `matmul` kernel, same parameters) with
   * bias[j] added to every row's column j after the products are summed (so it rounds as matmul then
   * add). bias holds n values.
   */
  matmulBias(a: Storage, b: Storage, bias: Storage, out: Storage, p: MatmulParams): void;
}

/**
 * Causal self-attention straight from a fused q|k|v projection. cpu-js has it (plain loops, the
 * reference) but its matmul composition is faster, so it lists "causalAttention" in
 * `preferComposition` and the op runs the composition there.
 * qkv is (B, T, 3C) with C = nh·hs (q, k, v side by side, heads contiguous inside each); out is
 * (B, T, C) with the heads already merged; lse (B, nh, T) keeps each row's log-sum-exp of the scaled
 * scores so the backward pass can recompute the probabilities instead of storing them.
 * With `dropout` (threshold > 0), probability P[b, h, i, j] is kept (times dropout.scale) when element
 * (b·nh + h)·T² + i·T + j of the Philox stream under the key is at least the threshold: the mask that
 * RandomKernels.dropout draws on the (B, nh, T, T) probabilities under the same key. lse stays that of
 * the scores before dropout; backward recomputes the mask from the key (nothing is stored).
 */
export interface AttentionKernels {
  causalAttention(
    qkv: Storage,
    out: Storage,
    lse: Storage,
    B: number,
    T: number,
    nh: number,
    hs: number,
    scale: number,
    dropout?: DropoutMask,
  ): void;
  /** dqkv (B, T, 3C) is overwritten. `dropout` must be the forward call's. */
  causalAttentionBackward(
    qkv: Storage,
    out: Storage,
    dout: Storage,
    lse: Storage,
    dqkv: Storage,
    B: number,
    T: number,
    nh: number,
    hs: number,
    scale: number,
    dropout?: DropoutMask,
  ): void;
}

/**
 * What fixes one dropout mask: the Philox key (key0, key1) and the keep rule (a draw >= threshold keeps
 * the element, times scale). Unsigned 32-bit integers but the scale; threshold 0 keeps everything.
 */
export interface DropoutMask {
  key0: number;
  key1: number;
  threshold: number;
  scale: number;
}

/**
 * Random masks drawn on the device from a counter-based generator (philox.ts): element i of a call is word
 * i mod 4 of Philox4x32-10 at counter (⌊i/4⌋ low 32 bits, high bits, 0, 0) under the call's key, so every
 * backend draws the same bits and nothing but the key has to be kept for backward.
 */
export interface RandomKernels {
  /**
   * Dropout with its mask never stored: out[i] = x[i]·(draw(i) >= threshold ? scale : 0) over contiguous
   * x and out of equal length (float). The same call on the output's gradient is its backward.
   * key0, key1 and threshold are unsigned 32-bit integers.
   */
  dropout(x: Storage, out: Storage, key0: number, key1: number, threshold: number, scale: number): void;
}

/** Float storages: what optimizers update. */
export type FloatStorage = Float32Array | Float64Array;

/** The scalars of one Adam/AdamW step (src/optim/adam.ts derives them from the options and step count). */
export interface AdamParams {
  /** lr / (1 − β1^t). */
  stepSize: number;
  /** √(1 − β2^t). */
  bc2Sqrt: number;
  /** 1 − lr·weightDecay for AdamW, else 1. */
  shrink: number;
  /** weightDecay for Adam (L2 added to the gradient), else 0. */
  l2: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** -1 to maximize, else 1. */
  sign: number;
}

/**
 * The tensors of one multi-tensor Adam/AdamW step: entry i of every list belongs to tensor i (at most
 * ADAM_LIST_MAX tensors a call; vmax null without amsgrad).
 */
export interface AdamTensors {
  p: FloatStorage[];
  g: ArrayLike<number>[];
  m: FloatStorage[];
  v: FloatStorage[];
  vmax: FloatStorage[] | null;
  pOffset: number[];
  gOffset: number[];
  n: number[];
}

/** Tensors one adamSteps call may take (the optimizer splits longer lists). */
export const ADAM_LIST_MAX = 128;

/** Optimizer updates. */
export interface OptimKernels {
  /**
   * The Adam/AdamW update of `n` elements of p (from pOffset) with gradient g (from gOffset) and state
   * m, v (and vmax under amsgrad). The loop of cpu-js (adam-js.ts) is the reference.
   */
  adamStep(
    p: FloatStorage,
    pOffset: number,
    g: ArrayLike<number>,
    gOffset: number,
    m: FloatStorage,
    v: FloatStorage,
    vmax: FloatStorage | null,
    n: number,
    h: AdamParams,
  ): void;
  /**
   * adamStep over a list of tensors with the same scalars, in one call (PyTorch's foreach/fused Adam):
   * each tensor's result is the one adamStep gives it. The tensors' memory must not overlap.
   */
  adamSteps(t: AdamTensors, h: AdamParams): void;
}

/** A list of dense tensors: tensor i is the n[i] elements of x[i] from offset[i]. */
export interface TensorList {
  x: FloatStorage[];
  offset: number[];
  n: number[];
}

/**
 * Gradient clipping over a list of tensors in a few kernel calls (PyTorch's foreach clip_grad_norm_),
 * for gradients on a device the host cannot read (nn/utils-device.ts); clip-js.ts is the reference.
 */
export interface ClipKernels {
  /** out[0] = the norm of order `normType` (a positive number or Infinity) of all of `t`'s elements as one vector. */
  listNorm(t: TensorList, normType: number, out: FloatStorage): void;
  /**
   * Multiplies every element of `t` in place by c = maxNorm / (norm[0] + 1e-6) when c < 1, and by NaN
   * when norm[0] is NaN (as PyTorch's min(c, 1)); the tensors' memory must not overlap.
   */
  clipScale(t: TensorList, norm: FloatStorage, maxNorm: number): void;
}

/** The recurrent layer kinds of ops/fused/recurrent.ts. */
export type RecurrentMode = "rnn_tanh" | "rnn_relu" | "lstm" | "gru";

/** One forward step. Rows b with t >= lengths[b] are padding: they carry the previous state unchanged. */
export interface GateForwardArgs {
  B: number;
  H: number;
  t: number;
  lengths: Int32Array | null;
  /** (B, G·H) at xpOff: x_t·W_ihᵀ. */
  xp: FloatStorage;
  xpOff: number;
  /** (B, G·H) at 0: h_{t-1}·W_hhᵀ. */
  hh: FloatStorage;
  /** (G·H) biases b_ih and b_hh, or null. */
  bx: FloatStorage | null;
  bh: FloatStorage | null;
  /** Hidden states: h_{t-1} is read at hPrev, h_t written at hOut. */
  h: FloatStorage;
  hPrev: number;
  hOut: number;
  /** LSTM cell states, likewise. */
  c: FloatStorage | null;
  cPrev: number;
  cOut: number;
  /**
   * (B, G·H) at actOff: the gate activations, saved for backward (LSTM and GRU). It may be the same
   * memory as xp: a kernel reads an element's pre-activations before it writes its activations.
   */
  act: FloatStorage;
  actOff: number;
  /** (B, H) at auxOff: LSTM tanh(c_t); GRU W_hn·h_{t-1} + b_hn. */
  aux: FloatStorage | null;
  auxOff: number;
}

/** One backward step, given the total gradients dh (and dc) of the step's new state. */
export interface GateBackwardArgs {
  B: number;
  H: number;
  t: number;
  lengths: Int32Array | null;
  act: FloatStorage;
  actOff: number;
  aux: FloatStorage | null;
  auxOff: number;
  h: FloatStorage;
  hPrev: number;
  hOut: number;
  c: FloatStorage | null;
  cPrev: number;
  /** (B, H): dL/dh_t, and dL/dc_t for the LSTM. */
  dh: FloatStorage;
  dc: FloatStorage | null;
  /** Written, (B, G·H) at dxpOff: dL/d(x_t·W_ihᵀ + b_ih). It may be the same memory as act (read first). */
  dxp: FloatStorage;
  dxpOff: number;
  /** Written, (B, G·H) at dhhOff: dL/d(h_{t-1}·W_hhᵀ + b_hh); the same array as dxp except for the GRU. */
  dhh: FloatStorage;
  dhhOff: number;
  /** Written, (B, H): the part of dL/dh_{t-1} that does not pass through W_hh. */
  dhPrev: FloatStorage;
  /** Written, (B, H): dL/dc_{t-1} (LSTM). */
  dcPrev: FloatStorage | null;
}

/**
 * The per-step gate nonlinearities of the fused recurrent layers (ops/fused/recurrent.ts), on raw storages and
 * offsets. The TypeScript ones (rnn-gates-js.ts) are the reference.
 */
export interface RecurrentGateKernels {
  recurrentGatesForward(mode: RecurrentMode, a: GateForwardArgs): void;
  recurrentGatesBackward(mode: RecurrentMode, a: GateBackwardArgs): void;
}

/**
 * A whole sequence of one direction of a recurrent layer (ops/fused/recurrent.ts), G gate blocks of H
 * (LSTM 4, GRU 3, RNN 1). The state buffers hold T+1 slots of (B, H) in time order: forward, slot 0 is
 * the initial state and slot t+1 the state after time t; reversed, slot T is the initial state and slot
 * t the state after time t. Rows b with t >= lengths[b] carry the state unchanged.
 */
export interface SequenceShape {
  T: number;
  B: number;
  H: number;
  reverse: boolean;
  lengths: Int32Array | null;
  /** (G·H, H), PyTorch's weight_hh. */
  wHh: FloatStorage;
}

/** The forward pass of a sequence (see SequenceShape). */
export interface SequenceForwardArgs extends SequenceShape {
  /** (G·H) biases b_ih and b_hh, or null. */
  bx: FloatStorage | null;
  bh: FloatStorage | null;
  /** (T, B, G·H): x_t·W_ihᵀ on entry; the gate activations on return (as GateForwardArgs.act). */
  act: FloatStorage;
  /** Written, (T, B, H): LSTM tanh(c_t), GRU W_hn·h_{t-1} + b_hn; null for the RNN. */
  aux: FloatStorage | null;
  /** (T+1, B, H): the hidden states; the initial one is in its slot on entry, the others are written. */
  h: FloatStorage;
  /** (T+1, B, H): the LSTM cell states, likewise; null otherwise. */
  c: FloatStorage | null;
}

/** Backward through a sequence that `recurrentSequenceForward` ran, given the output's gradient. */
export interface SequenceBackwardArgs extends SequenceShape {
  /** (T, B, G·H): the forward's gate activations on entry; dL/d(x_t·W_ihᵀ + b_ih) on return. */
  act: FloatStorage;
  aux: FloatStorage | null;
  h: FloatStorage;
  c: FloatStorage | null;
  /** (T, B, H) dL/d(output) in time order, then for the LSTM (B, H) dL/dc_N. */
  g: FloatStorage;
  /** Written for the GRU, (T, B, G·H): dL/d(h_{t-1}·W_hhᵀ + b_hh); null otherwise (that is `act` then). */
  dhh: FloatStorage | null;
  /** Written, (B, H): dL/dh0, and for the LSTM dL/dc0 (else null). */
  dh0: FloatStorage;
  dc0: FloatStorage | null;
}

/**
 * The whole-sequence recurrent kernels. The reference (rnn-sequence-js.ts) runs the steps one by one
 * with the backend's own matmul and gate kernels; a native backend runs each step as one fused job.
 */
export interface RecurrentSequenceKernels {
  recurrentSequenceForward(mode: RecurrentMode, a: SequenceForwardArgs): void;
  recurrentSequenceBackward(mode: RecurrentMode, a: SequenceBackwardArgs): void;
}

/** The element-wise, reduction, matmul and indexing kernels every op is built from. */
export interface CoreKernels {
  /** out[i] = op(x[i]) over contiguous storages of equal length. */
  unary(op: UnaryOp, x: Storage, out: Storage): void;
  /** out (contiguous, `shape`) = op(a, b) with a and b read through broadcast views. */
  binary(op: BinaryOp, a: View, b: View, out: Storage, shape: readonly number[]): void;
  /** out = cond ? a : b, all three read through broadcast views. */
  where(cond: View, a: View, b: View, out: Storage, shape: readonly number[]): void;
  /** Strided copy of `shape` elements from src to dst; both storages have the same element kind. */
  copy(src: View, dst: View, shape: readonly number[]): void;
  /** Contiguous conversion between element kinds; to bool means `x != 0`. */
  cast(src: Storage, dst: Storage): void;
  /** out[o, i] = op over r < size of x[o, r, i] (x contiguous, out contiguous of outer·inner). */
  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, size: number, inner: number): void;
  /** Index of the first max (or min) over r, laid out like `reduce`. */
  argReduce(
    op: "argmax" | "argmin",
    x: Storage,
    out: Int32Array,
    outer: number,
    size: number,
    inner: number,
  ): void;
  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void;
  /** out[o, j, i] = x[o, idx[j], i] for x contiguous [outer, size, inner], out [outer, idx.length, inner]. */
  indexSelect(x: Storage, idx: Int32Array, out: Storage, outer: number, size: number, inner: number): void;
  /** dst[o, idx[j], i] += src[o, j, i]: the transpose of indexSelect. */
  indexAdd(dst: Storage, idx: Int32Array, src: Storage, outer: number, size: number, inner: number): void;
  /** out[o, j, i] = x[o, idx[o, j, i], i] for x [outer, size, inner] and idx, out [outer, m, inner]. */
  gather(
    x: Storage,
    idx: Int32Array,
    out: Storage,
    outer: number,
    size: number,
    m: number,
    inner: number,
  ): void;
  /** dst[o, idx[o, j, i], i] += src[o, j, i]: the transpose of gather. */
  scatterAdd(
    dst: Storage,
    idx: Int32Array,
    src: Storage,
    outer: number,
    size: number,
    m: number,
    inner: number,
  ): void;
}

/** Every kernel: what a backend implements (cpu-js all of them; others override a subset). */
export interface Kernels
  extends
    CoreKernels,
    FusedKernels,
    AttentionKernels,
    OptimKernels,
    ClipKernels,
    RandomKernels,
    RecurrentGateKernels,
    RecurrentSequenceKernels {}

/** The name of one kernel, e.g. "matmul" or "layerNorm". */
export type KernelName = keyof Kernels;

/** What a backend says about itself, as data (shown by `gs.backend()` and the benchmarks). */
export interface BackendCapabilities {
  readonly name: string;
  /** Threads the backend uses for large kernels (1 for cpu-js). */
  readonly threads: number;
  /** The instruction set its kernels were chosen for ("avx512", "avx2", "generic"), or "js". */
  readonly isa: string;
  /** Kernels this backend implements itself (possibly for some dtypes only); the others are cpu-js's. */
  readonly nativeKernels: readonly KernelName[];
  /**
   * Fused kernels that are slower here than their composition of other kernels: the fused op runs
   * the composition on this backend (cpu-js: causal attention, whose matmul composition is faster).
   */
  readonly preferComposition: readonly KernelName[];
}

/** A backend: where its tensors' memory lives (device.ts), its kernels, and what it says about itself. */
export interface Backend extends DeviceStorage, Kernels, BackendCapabilities {}
