/**
 * The native kernel table: for each kernel the addon exports, how its arguments travel. This is the
 * one place the TypeScript side declares a native kernel; `native.ts` packs every call from it, and
 * native/src/kernel_table.cc has the matching C++ table (served by the addon and the wasm build) (name, number of storages, which may be null).
 *
 * The rule, in argument order: storages become the addon call's arguments; numbers, flags and op
 * codes go to the scratch Float64Array, one slot each; a `View` passes its storage and its offset and
 * strides follow the shape (`nd, shape…, then offset, strides… per view`); an object argument is
 * unpacked field by field in the order listed here.
 */
import type { BinaryOp, KernelName, Kernels, RecurrentMode, ReduceOp, UnaryOp } from "./types.js";

/** How one argument reaches the addon. */
export type ArgKind =
  /** A storage (null where the C++ table marks it optional): an argument of the addon call. */
  | "array"
  /** A number: one scratch slot. */
  | "num"
  /** An optional number: one scratch slot, 0 when undefined. */
  | "num?"
  /** A boolean: 1 or 0 in one scratch slot. */
  | "flag"
  /** A list of storages (or null: an empty list): each an argument of the call; its length one slot. */
  | "arrays"
  /** A list of numbers: its length, then each number, one slot each. */
  | "nums"
  /** A strided View: its storage is an argument; its offset and strides follow the shape. */
  | "view"
  /** The shape of the views before it: nd, the dims, then each view's offset and strides. */
  | "shape"
  /** An op name: its code (from this map) in one scratch slot; a name not in it becomes -1. */
  | { readonly code: Readonly<Record<string, number>> }
  /** An object: its fields, in this order (an absent object reads as undefined fields). */
  | { readonly fields: readonly (readonly [string, ArgKind])[] };

/** Whether a kernel's arguments include a list of storages (its call goes to the C++ list entry). */
export function takesStorageList(kinds: readonly ArgKind[]): boolean {
  return kinds.some(
    (k) =>
      k === "arrays" ||
      (typeof k === "object" && "fields" in k && takesStorageList(k.fields.map(([, f]) => f))),
  );
}

// Op codes: the order of the enums in native/src/ops.h (and of the modes in native/src/rnn.cc).
export const UNARY_OPS = [
  "neg",
  "exp",
  "log",
  "sqrt",
  "rsqrt",
  "tanh",
  "sigmoid",
  "relu",
  "abs",
  "sin",
  "cos",
  "erf",
  "log1p",
  "expm1",
  "reciprocal",
  "sign",
  "floor",
  "ceil",
  "round",
  "not",
] as const satisfies readonly UnaryOp[];
const BINARY = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "maximum",
  "minimum",
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "and",
  "or",
] as const satisfies readonly BinaryOp[];
const REDUCE = ["sum", "max", "min", "prod"] as const satisfies readonly ReduceOp[];
const ARG_REDUCE = ["argmax", "argmin"] as const;
const RECURRENT = ["rnn_tanh", "rnn_relu", "lstm", "gru"] as const satisfies readonly RecurrentMode[];

const code = (names: readonly string[]) => ({ code: Object.fromEntries(names.map((n, i) => [n, i])) });
const nums = (...names: string[]) => names.map((n) => [n, "num"] as const);

const MATMUL: ArgKind = {
  fields: [
    ...nums("batch", "m", "n", "k"),
    ["transA", "flag"],
    ["transB", "flag"],
    ...nums("lda", "ldb", "aOffset", "bOffset", "aBatchStride", "bBatchStride"),
    ["bKey", "num?"],
  ],
};
const ADAM: ArgKind = {
  fields: nums("stepSize", "bc2Sqrt", "shrink", "l2", "beta1", "beta2", "eps", "sign"),
};
// Lists first, then the numbers: the C++ side (optim.cc k_adam_steps) reads the slots in this order.
const ADAM_LIST: ArgKind = {
  fields: [
    ["p", "arrays"],
    ["g", "arrays"],
    ["m", "arrays"],
    ["v", "arrays"],
    ["vmax", "arrays"],
    ["pOffset", "nums"],
    ["gOffset", "nums"],
    ["n", "nums"],
  ],
};
const arrays = (...names: string[]) => names.map((n) => [n, "array"] as const);
const GATE_FORWARD: ArgKind = {
  fields: [
    ...arrays("xp", "hh", "bx", "bh", "h", "c", "act", "aux", "lengths"),
    ...nums("B", "H", "t", "xpOff", "hPrev", "hOut", "cPrev", "cOut", "actOff", "auxOff"),
  ],
};
const GATE_BACKWARD: ArgKind = {
  fields: [
    ...arrays("act", "aux", "h", "c", "dh", "dc", "dxp", "dhh", "dhPrev", "dcPrev", "lengths"),
    ...nums("B", "H", "t", "actOff", "auxOff", "hPrev", "hOut", "cPrev", "dxpOff", "dhhOff"),
  ],
};

/** An optional DropoutMask: four slots, all 0 (threshold 0: no dropout) when it is undefined. */
const DROPOUT: ArgKind = {
  fields: [
    ["key0", "num?"],
    ["key1", "num?"],
    ["threshold", "num?"],
    ["scale", "num?"],
  ],
};

const SEQUENCE = (...storages: string[]): ArgKind => ({
  fields: [...arrays(...storages), ...nums("T", "B", "H"), ["reverse", "flag"]],
});
const SEQUENCE_FORWARD = SEQUENCE("act", "aux", "h", "c", "wHh", "bx", "bh", "lengths");
const SEQUENCE_BACKWARD = SEQUENCE("act", "aux", "h", "c", "wHh", "g", "dhh", "dh0", "dc0", "lengths");

/** Kernels the addon has, each with one entry per argument of its Backend signature (the type checks the count). */
type Table = {
  readonly [K in KernelName]?: readonly ArgKind[] & { length: Parameters<Kernels[K]>["length"] };
};

const A = "array";
const N = "num";

export const NATIVE_KERNELS: Table = {
  unary: [code(UNARY_OPS), A, A],
  binary: [code(BINARY), "view", "view", A, "shape"],
  where: ["view", "view", "view", A, "shape"],
  copy: ["view", "view", "shape"],
  cast: [A, A],
  reduce: [code(REDUCE), A, A, N, N, N],
  argReduce: [code(ARG_REDUCE), A, A, N, N, N],
  matmul: [A, A, A, MATMUL],
  indexSelect: [A, A, A, N, N, N],
  indexAdd: [A, A, A, N, N, N],
  gather: [A, A, A, N, N, N, N],
  scatterAdd: [A, A, A, N, N, N, N],
  softmax: [A, A, N, N, "flag"],
  layerNorm: [A, A, A, A, A, A, N, N, N],
  layerNormBackward: [A, A, A, A, A, A, A, A, N, N],
  crossEntropy: [A, A, A, A, N, N, N],
  crossEntropyBackward: [A, A, A, A, N, N, N],
  gelu: [A, A, "flag"],
  geluBackward: [A, A, A, "flag"],
  reluBackward: [A, A, A],
  matmulBias: [A, A, A, A, MATMUL],
  causalAttention: [A, A, A, N, N, N, N, N, DROPOUT],
  causalAttentionBackward: [A, A, A, A, A, N, N, N, N, N, DROPOUT],
  adamStep: [A, N, A, N, A, A, A, N, ADAM],
  adamSteps: [ADAM_LIST, ADAM],
  recurrentGatesForward: [code(RECURRENT), GATE_FORWARD],
  recurrentGatesBackward: [code(RECURRENT), GATE_BACKWARD],
  recurrentSequenceForward: [code(RECURRENT), SEQUENCE_FORWARD],
  recurrentSequenceBackward: [code(RECURRENT), SEQUENCE_BACKWARD],
  dropout: [A, A, N, N, N, N],
};
