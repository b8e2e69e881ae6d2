/** Element-wise kernels in WGSL: unary, binary with broadcast strides, where, strided copy, cast, fill. */
import type { BinaryOp, Storage, UnaryOp, View } from "../types.js";
import { gpuBufferOf, wgslType } from "./buffer.js";
import { groupsFor, type GpuContext } from "./context.js";
import { stridedOffsets, stridedParams } from "./strided.js";
import { bindings, cachedCode, convert, f32Bits, i32Bits, MAIN_64 } from "./wgsl.js";
import { perElement, type WorkTable } from "./work.js";

/** Work of each kernel (work.ts): one element a thread. */
export const WORK: WorkTable = {
  unary: perElement(2),
  binary: perElement(3),
  where: perElement(4, 0),
  copy: perElement(2, 0),
  cast: perElement(2, 0),
  fill: perElement(1, 0),
};

const FLOAT_UNARY: Record<UnaryOp, (x: string) => string> = {
  neg: (x) => `-${x}`,
  exp: (x) => `exp(${x})`,
  log: (x) => `log(${x})`,
  sqrt: (x) => `sqrt(${x})`,
  rsqrt: (x) => `1.0 / sqrt(${x})`,
  tanh: (x) => `tanh_s(${x})`,
  sigmoid: (x) => `sigmoid_s(${x})`,
  relu: (x) => `select(0.0, ${x}, ${x} > 0.0)`,
  abs: (x) => `abs(${x})`,
  // WGSL bounds sin/cos errors only on [-π, π] (2^-11 absolute): reduce the angle first.
  sin: (x) => `sin(angle_pi(${x}))`,
  cos: (x) => `cos(angle_pi(${x}))`,
  erf: (x) => `erf_f(${x})`,
  log1p: (x) => `log1p_f(${x})`,
  expm1: (x) => `expm1_f(${x})`,
  reciprocal: (x) => `1.0 / ${x}`,
  sign: (x) => `sign_f(${x})`,
  floor: (x) => `floor(${x})`,
  ceil: (x) => `ceil(${x})`,
  round: (x) => `round(${x})`, // WGSL rounds half to even, as PyTorch
  not: (x) => `select(0.0, 1.0, ${x} == 0.0)`,
};

/** Unary ops that integers compute exactly in their own type; the rest go through f32. */
const INT_UNARY: Partial<Record<UnaryOp, (x: string) => string>> = {
  neg: (x) => `-${x}`,
  abs: (x) => `abs(${x})`,
  sign: (x) => `sign(${x})`,
  relu: (x) => `max(${x}, 0)`,
  floor: (x) => x,
  ceil: (x) => x,
  round: (x) => x,
};

function unaryExpr(op: UnaryOp, t: string): { expr: string; type: string } {
  if (op === "not") return { expr: `select(0u, 1u, x == ${t}(0))`, type: "u32" };
  const intOp = INT_UNARY[op];
  if (t === "i32" && intOp) return { expr: intOp("x"), type: "i32" };
  return { expr: FLOAT_UNARY[op](t === "f32" ? "x" : "f32(x)"), type: "f32" };
}

export function unary(ctx: GpuContext, op: UnaryOp, xs: Storage, outs: Storage): void {
  const x = gpuBufferOf(xs, "unary");
  const out = gpuBufferOf(outs, "unary");
  const tx = wgslType(x.dtype);
  const to = wgslType(out.dtype);
  const code = cachedCode(`unary ${op}:${tx}:${to}`, () => {
    const { expr, type } = unaryExpr(op, tx);
    return `${bindings([x, out])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  let x = b0[pu(1u) + i];
  b1[pu(2u) + i] = ${convert(expr, type, to)};
}`;
  });
  ctx.run({
    kernel: `unary ${op}`,
    code,
    buffers: [x, out],
    params: [x.length, x.offset, out.offset],
    groups: groupsFor(x.length),
  });
}

function binaryExpr(op: BinaryOp, t: string): { expr: string; type: string } {
  const isF = t === "f32";
  const bool = (c: string) => ({ expr: `select(0u, 1u, ${c})`, type: "u32" });
  switch (op) {
    case "add":
      return { expr: "a + b", type: t };
    case "sub":
      return { expr: "a - b", type: t };
    case "mul":
      return { expr: "a * b", type: t };
    case "div":
      return isF ? { expr: "a / b", type: t } : { expr: `select(a / b, ${t}(0), b == ${t}(0))`, type: t };
    case "pow":
      return { expr: isF ? "pow_f(a, b)" : "pow_f(f32(a), f32(b))", type: "f32" };
    case "maximum":
      return isF ? { expr: "select(b, a, a > b || is_nan(a))", type: t } : { expr: "max(a, b)", type: t };
    case "minimum":
      return isF ? { expr: "select(b, a, a < b || is_nan(a))", type: t } : { expr: "min(a, b)", type: t };
    case "eq":
      return bool("a == b");
    case "ne":
      return bool("a != b");
    case "lt":
      return bool("a < b");
    case "le":
      return bool("a <= b");
    case "gt":
      return bool("a > b");
    case "ge":
      return bool("a >= b");
    case "and":
      return bool(`a != ${t}(0) && b != ${t}(0)`);
    case "or":
      return bool(`a != ${t}(0) || b != ${t}(0)`);
  }
}

export function binary(
  ctx: GpuContext,
  op: BinaryOp,
  av: View,
  bv: View,
  outs: Storage,
  shape: readonly number[],
): void {
  const a = gpuBufferOf(av.data, "binary");
  const b = gpuBufferOf(bv.data, "binary");
  const out = gpuBufferOf(outs, "binary");
  const [ta, tb, to] = [wgslType(a.dtype), wgslType(b.dtype), wgslType(out.dtype)];
  const params = stridedParams("binary", shape, [
    { offset: a.offset + av.offset, strides: av.strides },
    { offset: b.offset + bv.offset, strides: bv.strides },
  ]);
  params.push(out.offset);
  const code = cachedCode(`binary ${op}:${ta}:${tb}:${to}`, () => {
    // Mixed operand types (rare) compute in f32.
    const t = ta === tb ? ta : "f32";
    const { expr, type } = binaryExpr(op, t);
    return `${bindings([a, b, out])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  ${stridedOffsets(2)}
  let a = ${convert("b0[o0]", ta, t)};
  let b = ${convert("b1[o1]", tb, t)};
  b2[pu(${params.length - 1}u) + i] = ${convert(expr, type, to)};
}`;
  });
  ctx.run({ kernel: `binary ${op}`, code, buffers: [a, b, out], params, groups: groupsFor(params[0]) });
}

export function where(
  ctx: GpuContext,
  cv: View,
  av: View,
  bv: View,
  outs: Storage,
  shape: readonly number[],
): void {
  const c = gpuBufferOf(cv.data, "where");
  const a = gpuBufferOf(av.data, "where");
  const b = gpuBufferOf(bv.data, "where");
  const out = gpuBufferOf(outs, "where");
  const [tc, ta, tb, to] = [c, a, b, out].map((x) => wgslType(x.dtype));
  const params = stridedParams("where", shape, [
    { offset: c.offset + cv.offset, strides: cv.strides },
    { offset: a.offset + av.offset, strides: av.strides },
    { offset: b.offset + bv.offset, strides: bv.strides },
  ]);
  params.push(out.offset);
  const code = cachedCode(
    `where:${tc}:${ta}:${tb}:${to}`,
    () => `${bindings([c, a, b, out])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  ${stridedOffsets(3)}
  b3[pu(${params.length - 1}u) + i] = select(${convert("b2[o2]", tb, to)}, ${convert("b1[o1]", ta, to)}, b0[o0] != ${tc}(0));
}`,
  );
  ctx.run({ kernel: "where", code, buffers: [c, a, b, out], params, groups: groupsFor(params[0]) });
}

export function copy(ctx: GpuContext, sv: View, dv: View, shape: readonly number[]): void {
  const src = gpuBufferOf(sv.data, "copy");
  const dst = gpuBufferOf(dv.data, "copy");
  const params = stridedParams("copy", shape, [
    { offset: src.offset + sv.offset, strides: sv.strides },
    { offset: dst.offset + dv.offset, strides: dv.strides },
  ]);
  const [ts, td] = [wgslType(src.dtype), wgslType(dst.dtype)];
  const code = cachedCode(
    `copy:${ts}:${td}`,
    () => `${bindings([src, dst])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  ${stridedOffsets(2)}
  b1[o1] = ${convert("b0[o0]", ts, td)};
}`,
  );
  ctx.run({ kernel: "copy", code, buffers: [src, dst], params, groups: groupsFor(params[0]) });
}

export function cast(ctx: GpuContext, ss: Storage, ds: Storage): void {
  const src = gpuBufferOf(ss, "cast");
  const dst = gpuBufferOf(ds, "cast");
  const [ts, td] = [wgslType(src.dtype), wgslType(dst.dtype)];
  const code = cachedCode(
    `cast:${ts}:${td}`,
    () => `${bindings([src, dst])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  b1[pu(2u) + i] = ${convert("b0[pu(1u) + i]", ts, td)};
}`,
  );
  ctx.run({
    kernel: "cast",
    code,
    buffers: [src, dst],
    params: [src.length, src.offset, dst.offset],
    groups: groupsFor(src.length),
  });
}

/** Sets elements [begin, end) of `buf` to `value`. */
export function fill(ctx: GpuContext, bs: Storage, value: number, begin: number, end: number): void {
  const b = gpuBufferOf(bs, "fill");
  const t = wgslType(b.dtype);
  const bits = t === "f32" ? f32Bits(value) : t === "i32" ? i32Bits(Math.trunc(value)) : value !== 0 ? 1 : 0;
  const n = Math.max(0, end - begin);
  const code = cachedCode(
    `fill:${t}`,
    () => `${bindings([b])}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  b0[pu(1u) + i] = bitcast<${t}>(pu(2u));
}`,
  );
  ctx.run({ kernel: "fill", code, buffers: [b], params: [n, b.offset + begin, bits], groups: groupsFor(n) });
}
