/**
 * Gradient clipping over a list of tensors (clip-js.ts is the reference) in a few dispatches instead of
 * a few per tensor: `listNorm` reduces as many tensors a dispatch as the device binds, each workgroup
 * striding over every tensor of its dispatch into one partial, then one workgroup reduces the partials
 * in order (deterministic) and finishes the norm; `clipScale` scales as many tensors a dispatch, one
 * element a thread, reading the norm on the GPU (nothing is read back).
 */
import type { FloatStorage, TensorList } from "../types.js";
import { gpuBufferOf, type GpuBuffer } from "./buffer.js";
import { chunksByBindings } from "./bind-chunks.js";
import { groupsFor, type GpuContext } from "./context.js";
import { bindings, cachedCode, f32Bits, MAIN_64 } from "./wgsl.js";
import type { WorkTable } from "./work.js";

/** Tensors a dispatch at most (listNorm's words: 3 + 2 each, clipScale's 2 + 2 each, of 63). */
const MAX_PER_DISPATCH = 16;
/** listNorm's first pass: elements a thread aims at, and workgroups a dispatch at most. */
const PER_THREAD = 16;
const MAX_GROUPS = 1024;
/** Threads of the one workgroup that reduces the partials (up to 16k of them in 64 steps). */
const FINISH_THREADS = 256;
/** Parameter words before the per-tensor pairs. */
const NORM_WORDS = 3;
const SCALE_WORDS = 2;

/** The sum of every other word from `from` (the tensors' lengths or ends). */
const everyOther = (p: readonly number[], from: number) => {
  let s = 0;
  for (let i = from; i < p.length; i += 2) s += p[i];
  return s;
};

/** Work of each kernel (work.ts). */
export const WORK: WorkTable = {
  // Parameters: groups, partials' start, p, then (offset, n) a tensor; each thread strides over each tensor.
  listNorm: (p) => {
    let loop = 0;
    for (let i = NORM_WORDS + 1; i < p.length; i += 2) loop += Math.ceil(p[i] / (64 * p[0]));
    const n = everyOther(p, NORM_WORDS + 1);
    return { groupSize: 64, loop, bytes: 4 * (n + p[0]), flops: 2 * n };
  },
  "listNorm:finish": ([count]) => ({
    groupSize: FINISH_THREADS,
    loop: Math.ceil(count / FINISH_THREADS),
    bytes: 4 * (count + 1),
    flops: count,
  }),
  // Parameters: maxNorm, the norm's offset, then (end, offset) a tensor: the last end is the elements.
  clipScale: (p) => {
    const n = p[p.length - 2];
    return { groupSize: 64, loop: 1, bytes: 8 * n, flops: n };
  },
};

type Kind = "inf" | "1" | "2" | "p";
const kindOf = (normType: number): Kind =>
  normType === Infinity ? "inf" : normType === 1 ? "1" : normType === 2 ? "2" : "p";

/** One tensor of a list: its buffer, where its elements start in it, and how many. */
interface Entry {
  x: GpuBuffer;
  start: number;
  n: number;
}

/** The list's tensors with elements (an empty one would take a binding for nothing). */
function entriesOf(t: TensorList, kernel: string): Entry[] {
  return t.x.flatMap((s, i) => {
    const x = gpuBufferOf(s, kernel);
    return t.n[i] === 0 ? [] : [{ x, start: x.offset + t.offset[i], n: t.n[i] }];
  });
}

export function listNorm(ctx: GpuContext, t: TensorList, normType: number, outS: FloatStorage): void {
  const out = gpuBufferOf(outS, "listNorm");
  const kind = kindOf(normType);
  const chunks = chunksByBindings(ctx, entriesOf(t, "listNorm"), (e) => [e.x], [out], MAX_PER_DISPATCH);
  const groups = chunks.map((c) => {
    const n = c.reduce((s, e) => s + e.n, 0);
    return Math.min(MAX_GROUPS, Math.max(1, Math.ceil(n / (64 * PER_THREAD))));
  });
  const count = groups.reduce((s, g) => s + g, 0);
  // The partials take a binding of their own, so the chunks leave one: `out` stands in for it above.
  const partials = ctx.allocUninit("float32", Math.max(1, count));
  let base = 0;
  chunks.forEach((c, i) => {
    const buffers = [partials, ...c.map((e) => e.x)];
    const params = [groups[i], base, f32Bits(normType)];
    for (const e of c) params.push(e.start, e.n);
    ctx.run({
      kernel: "listNorm",
      code: cachedCode(`listNorm:${c.length}:${kind}`, () => partialsCode(c.length, kind, buffers)),
      buffers,
      params,
      groups: groups[i],
    });
    base += groups[i];
  });
  ctx.run({
    kernel: "listNorm:finish",
    code: cachedCode(`listNorm:finish:${kind}`, () => finishCode(kind, [partials, out])),
    buffers: [partials, out],
    params: [count, f32Bits(normType), out.offset],
    groups: 1,
  });
  ctx.release(partials); // later users of the buffer are recorded after both kernels
}

export function clipScale(ctx: GpuContext, t: TensorList, normS: FloatStorage, maxNorm: number): void {
  const norm = gpuBufferOf(normS, "clipScale");
  for (const c of chunksByBindings(ctx, entriesOf(t, "clipScale"), (e) => [e.x], [norm], MAX_PER_DISPATCH)) {
    const buffers = [norm, ...c.map((e) => e.x)];
    const params = [f32Bits(maxNorm), norm.offset];
    let end = 0;
    for (const e of c) params.push((end += e.n), e.start);
    ctx.run({
      kernel: "clipScale",
      code: cachedCode(`clipScale:${c.length}`, () => scaleCode(c.length, buffers)),
      buffers,
      params,
      groups: groupsFor(end),
    });
  }
}

/** A tensor's term of the norm's sum (or max), and how two partials combine. */
function termOf(kind: Kind): { term: string; combine: string } {
  const sum = "a + b";
  switch (kind) {
    case "inf":
      return { term: "abs(x)", combine: "select(a, b, b > a || is_nan(b))" };
    case "1":
      return { term: "abs(x)", combine: sum };
    case "2":
      return { term: "x * x", combine: sum };
    case "p":
      return { term: "select(pow_f(abs(x), pf(2u)), 0.0, x == 0.0)", combine: sum };
  }
}

/** The workgroup's sum (or max) of every thread's `acc` into part[0]. */
const tree = (threads: number) => `part[lid.x] = acc;
  workgroupBarrier();
  for (var s = ${threads / 2}u; s > 0u; s >>= 1u) {
    if (lid.x < s) { part[lid.x] = combine(part[lid.x], part[lid.x + s]); }
    workgroupBarrier();
  }`;

function partialsCode(count: number, kind: Kind, buffers: readonly GpuBuffer[]): string {
  const { term, combine } = termOf(kind);
  const loops = Array.from({ length: count }, (_, t) => {
    const [start, n] = [`pu(${NORM_WORDS + 2 * t}u)`, `pu(${NORM_WORDS + 2 * t + 1}u)`];
    return `for (var j = first; j < ${n}; j += stride) { acc = combine(acc, term(b${t + 1}[${start} + j])); }`;
  });
  return `${bindings(buffers)}
var<workgroup> part: array<f32, 64>;
fn term(x: f32) -> f32 { return ${term}; }
fn combine(a: f32, b: f32) -> f32 { return ${combine}; }
${MAIN_64} {
  let g = group_id(wid, nwg);
  let stride = pu(0u) * 64u;
  let first = g * 64u + lid.x;
  var acc = 0.0;
  ${loops.join("\n  ")}
  ${tree(64)}
  if (lid.x == 0u) { b0[pu(1u) + g] = part[0]; }
}`;
}

function finishCode(kind: Kind, buffers: readonly GpuBuffer[]): string {
  const { combine } = termOf(kind);
  const finish =
    kind === "2"
      ? "sqrt(r)"
      : kind === "p"
        ? "select(pow_f(r, 1.0 / pf(1u)), r, r == 0.0 || r == pos_inf())"
        : "r";
  return `${bindings(buffers)}
var<workgroup> part: array<f32, ${FINISH_THREADS}>;
fn combine(a: f32, b: f32) -> f32 { return ${combine}; }
@compute @workgroup_size(${FINISH_THREADS})
fn main(@builtin(local_invocation_id) lid: vec3u) {
  var acc = 0.0;
  for (var j = lid.x; j < pu(0u); j += ${FINISH_THREADS}u) { acc = combine(acc, b0[j]); }
  ${tree(FINISH_THREADS)}
  if (lid.x == 0u) {
    let r = part[0];
    b1[pu(2u)] = ${finish};
  }
}`;
}

function scaleCode(count: number, buffers: readonly GpuBuffer[]): string {
  const blocks = Array.from({ length: count }, (_, t) => {
    const [end, start] = [`pu(${SCALE_WORDS + 2 * t}u)`, `pu(${SCALE_WORDS + 2 * t + 1}u)`];
    const before = t === 0 ? "0u" : `pu(${SCALE_WORDS + 2 * t - 2}u)`;
    return `if (i < ${end}) { let k = ${start} + i - ${before}; b${t + 1}[k] = b${t + 1}[k] * s; return; }`;
  });
  return `${bindings(buffers)}
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  let norm = b0[pu(1u)];
  let c = pf(0u) / (norm + 1e-6);
  // As min(c, 1): nothing to do at 1 or more, and a NaN norm makes every element NaN.
  if (!is_nan(norm) && c >= 1.0) { return; }
  let s = select(c, nan_f32(), is_nan(norm));
  ${blocks.join("\n  ")}
}`;
}
