/**
 * Causal self-attention, flash-style: no T×T matrix in GPU memory. Forward: a workgroup takes 64 query
 * rows of one (batch, head), one row a thread, and walks the key/value rows in tiles staged in
 * workgroup memory, keeping a running max, sum and weighted value sum (online softmax); it writes each
 * row's output and log-sum-exp. Backward recomputes the probabilities from the log-sum-exp in two
 * kernels, each writing only its own rows (no atomics): one thread a query row for dq (and
 * D_i = dout_i·out_i, kept for the second), then one thread a key row for dk and dv.
 * The head size is compiled in (pipelines are cached per head size); the tile height keeps the staged
 * tiles within WebGPU's default 16 KiB of workgroup memory. With dropout (its own pipelines), each
 * thread recomputes the mask of the probabilities it touches from the Philox key (random.ts): a query
 * row's keys are consecutive elements of the stream (one Philox call per four), a key row's queries
 * are T apart (one call each). Past 256 rows the walk is cut in slices, each in its own workgroups,
 * whose partial results attention-split.ts combines (no thread walks more than 256 rows).
 */
import type { DropoutMask, Storage } from "../types.js";
import { gpuBufferOf, type GpuBuffer } from "./buffer.js";
import type { GpuContext } from "./context.js";
import { PHILOX_WGSL } from "./random.js";
import { bindings, cachedCode, f32Bits } from "./wgsl.js";
import type { WorkOf, WorkTable } from "./work.js";
import { combineSlices, slicesOf, sumSlices, type Slices, WORK as SPLIT_WORK } from "./attention-split.js";

/** Rows (query rows forward and for dq, key rows for dk/dv) per workgroup: one a thread. */
const ROWS = 64;
/** Bytes of workgroup memory the two staged tiles may use. */
const TILE_BYTES = 12 * 1024;

/** Rows per staged tile: a power of two up to 32 whose two tiles of `hs` floats fit TILE_BYTES. */
function tileRows(hs: number): number {
  let rows = 32;
  while (rows > 1 && 2 * rows * hs * 4 > TILE_BYTES) rows /= 2;
  if (2 * rows * hs * 4 > TILE_BYTES)
    throw new Error(`webgpu causalAttention: a head size of ${hs} exceeds ${TILE_BYTES / 8} floats`);
  return rows;
}

/**
 * The work of a flash kernel (work.ts) on [ceil(T / ROWS), nh, B × slices] workgroups: each walks the
 * tiles of the other rows it sees in its slice (keys up to its last query row; or queries from its first
 * key row, `fromOwn`), staging them (`tileWords` rows of hs) with its threads, then each thread takes
 * every staged row; `ownWords` rows of hs are read or written once a row; `flopsPerPair` a (query, key)
 * pair over hs.
 */
function flashWork(ownWords: number, tileWords: number, flopsPerPair: number, fromOwn: boolean): WorkOf {
  return (p, [gx, , gz]) => {
    const [T, C, nh] = p;
    const [span, slices] = [p[SPAN_AT], p[SPAN_AT + 1]];
    const hs = C / nh;
    const bc = tileRows(hs);
    let staged = 0;
    let longest = 0;
    for (let x = 0; x < gx; x++)
      for (let s = 0; s < slices; s++) {
        const [first, end] = fromOwn
          ? [Math.max(x * ROWS, s * span), Math.min(T, (s + 1) * span)]
          : [s * span, Math.min(T, (x + 1) * ROWS, (s + 1) * span)];
        const rows = Math.max(0, end - first);
        staged += rows;
        longest = Math.max(longest, Math.ceil(rows / bc) * (Math.ceil((bc * hs) / ROWS) + bc));
      }
    const B = gz / slices;
    return {
      groupSize: ROWS,
      loop: longest,
      bytes: 4 * nh * (B * staged * tileWords * hs + gz * T * ownWords * hs),
      flops: B * nh * ((T * (T + 1)) / 2) * flopsPerPair * hs,
    };
  };
}
export const WORK: WorkTable = {
  // q read, out written; k and v staged; q·k and p·v.
  causalAttention: flashWork(2, 2, 4, false),
  // q, dout, out read, dq written; k and v staged; q·k, dout·v, ds·k.
  "causalAttentionBackward:dq": flashWork(4, 2, 6, false),
  // k, v read, dk, dv written; q and dout staged; k·q, v·dout, p·dout, ds·q.
  "causalAttentionBackward:dkv": flashWork(4, 2, 8, true),
  ...SPLIT_WORK,
};

/** Parameter index of the slices' span and count, after every kernel's own. */
const SPAN_AT = 10;

const HEADER = `@compute @workgroup_size(${ROWS})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u)`;

// Shared by the kernels: sizes, this thread's (batch, head, row), where rows of q|k|v start.
// Parameters: T, C, nh, scale, then element offsets.
const PRELUDE = `
  let T = pu(0u); let C = pu(1u); let nh = pu(2u); let scale = pf(3u);
  // Workgroup z is (batch, slice): a slice takes the other rows [slice · span, (slice + 1) · span)
  // (attention-split.ts; one slice of T rows when T is short) and writes its own partial results.
  let span = pu(${SPAN_AT}u); let slices = pu(${SPAN_AT + 1}u);
  let part = wid.z; let b = wid.z / slices; let slice = wid.z % slices; let h = wid.y;
  let r0 = wid.x * ${ROWS}u;
  let row = r0 + lid.x;
  let valid = row < T;
  let safeRow = min(row, T - 1u);
  // Element (t, d) of q is at qkv0 + t·3C + d; k adds C, v adds 2C.
  let qkv0 = pu(4u) + b * T * 3u * C + h * HS;
  let lse0 = pu(6u) + (b * nh + h) * T;
  let out0 = pu(5u) + b * T * C + h * HS;`;

/** Parameter index of the dropout words (key0, key1, threshold, keep scale), after the slices'. */
const DROP_AT = 12;

/**
 * WGSL of dropout: probability (i, j) of head `head` is element head·T² + i·T + j of the Philox stream
 * (types.ts AttentionKernels), a 64-bit (lo, hi) here; T < 65536 keeps T² within 32 bits.
 */
const DROPOUT_WGSL = `${PHILOX_WGSL}
fn add64(a: vec2u, b: u32) -> vec2u {
  let lo = a.x + b;
  return vec2u(lo, a.y + select(0u, 1u, lo < b));
}
fn mask_element(head: u32, T: u32, i: u32, j: u32) -> vec2u {
  let T2 = T * T;
  return add64(add64(vec2u(head * T2, mulhi32(head, T2)), i * T), j);
}
// The four words of the Philox block holding element e.
fn mask_block(e: vec2u) -> vec4u {
  return philox(vec4u((e.x >> 2u) | (e.y << 30u), e.y >> 2u, 0u, 0u), vec2u(pu(${DROP_AT}u), pu(${DROP_AT + 1}u)));
}
// The multiplier of a probability whose Philox word is w: the keep scale when kept, else 0.
fn mask_z(w: u32) -> f32 { return select(0.0, pf(${DROP_AT + 3}u), w >= pu(${DROP_AT + 2}u)); }`;

/**
 * WGSL walking a query row's mask along its keys j = 0, 1, … (consecutive elements): `start` before
 * the walk, `z` the current key's multiplier, `next` after each key.
 */
const rowMask = {
  start: `
  var me = mask_element(b * nh + h, T, safeRow, slice * span);
  var mw = mask_block(me);`,
  z: "mask_z(mw[me.x & 3u])",
  next: `
        me = add64(me, 1u);
        if ((me.x & 3u) == 0u) { mw = mask_block(me); }`,
};

/** WGSL that stages rows [start, start + BC) of two row blocks (zeros past T) into S1 and S2. */
function stage(src1: string, src2: string): string {
  return `
    for (var e = lid.x; e < BC * HS; e += ${ROWS}u) {
      let t = start + e / HS;
      var x1 = 0.0; var x2 = 0.0;
      if (t < T) { x1 = ${src1}; x2 = ${src2}; }
      S1[e] = x1; S2[e] = x2;
    }`;
}

/**
 * WGSL: for each tile of rows [start, start + BC) from `first` while start < `end` (workgroup-uniform),
 * stage the tile (S1, S2 and `extra`), then run `body` for each staged row r (at `start + r`, named
 * `other`) that `when` admits.
 */
function overTiles(o: {
  first: string;
  end: string;
  src1: string;
  src2: string;
  extra?: string;
  other: string;
  when: string;
  body: string;
}): string {
  return `
  for (var start = ${o.first}; start < ${o.end}; start += BC) {${stage(o.src1, o.src2)}${o.extra ?? ""}
    workgroupBarrier();
    for (var r = 0u; r < BC; r++) {
      let ${o.other} = start + r;
      if (${o.when}) {${o.body}
      }
    }
    workgroupBarrier();
  }`;
}

/** The key tiles a query row may see (keys 0 to the workgroup's last row; the row's own j <= row). */
function overKeys(body: string): string {
  return overTiles({
    first: "slice * span",
    end: `min(min(T, r0 + ${ROWS}u), (slice + 1u) * span)`,
    src1: "b0[qkv0 + t * 3u * C + C + e % HS]",
    src2: "b0[qkv0 + t * 3u * C + 2u * C + e % HS]",
    other: "j",
    when: "valid && j <= row",
    body,
  });
}

/** A kernel: bindings, the head size and tile height as constants, the staged tiles, the prelude, `body`. */
function kernel(hs: number, bc: number, decl: string, body: string, moreTiles = ""): string {
  return `${decl}
const HS = ${hs}u;
const BC = ${bc}u;
var<workgroup> S1: array<f32, ${bc * hs}>;
var<workgroup> S2: array<f32, ${bc * hs}>;${moreTiles}
${HEADER} {${PRELUDE}${body}
}`;
}

/** The declarations of a kernel, with dropout's functions when it drops. */
function declare(decl: string, drop: boolean): string {
  return drop ? `${decl}\n${DROPOUT_WGSL}` : decl;
}

function forwardCode(hs: number, bc: number, decl: string, drop: boolean): string {
  // b0 qkv, b1 out, b2 lse. The sum l is of the probabilities before dropout; acc of the dropped ones.
  return kernel(
    hs,
    bc,
    declare(decl, drop),
    `
  var q: array<f32, HS>;
  var acc: array<f32, HS>;
  for (var d = 0u; d < HS; d++) { q[d] = b0[qkv0 + safeRow * 3u * C + d]; acc[d] = 0.0; }
  var m = neg_inf();
  var l = 0.0;${drop ? rowMask.start : ""}
${overKeys(`
        var s = 0.0;
        for (var d = 0u; d < HS; d++) { s = fma(q[d], S1[r * HS + d], s); }
        s = s * scale;
        if (s > m) {
          // A new running max rescales what was summed so far (nothing before the first key).
          let corr = select(exp(m - s), 0.0, m == neg_inf());
          l = l * corr;
          for (var d = 0u; d < HS; d++) { acc[d] = acc[d] * corr; }
          m = s;
        }
        let p = exp(s - m);
        l = l + p;${
          drop
            ? `
        let pz = p * ${rowMask.z};${rowMask.next}`
            : `
        let pz = p;`
        }
        for (var d = 0u; d < HS; d++) { acc[d] = fma(pz, S2[r * HS + d], acc[d]); }`)}
  if (valid) {
    // Split, the slice's own output and log-sum-exp (a slice of no keys: 0 / 0 and -inf; unread).
    let outW = pu(5u) + part * T * C + h * HS;
    for (var d = 0u; d < HS; d++) { b1[outW + row * C + d] = acc[d] / l; }
    b2[pu(6u) + (part * nh + h) * T + row] = m + log(l);
  }`,
  );
}

function queryGradCode(hs: number, bc: number, decl: string, drop: boolean): string {
  // b0 qkv, b1 out, b2 dout, b3 lse, b4 dqkv, b5 D (B, nh, T). With dropout, dp of the undropped
  // probability is z·(dy·v): ds = p·(z·dp̃ − D), D = dy·out as without.
  return kernel(
    hs,
    bc,
    declare(decl, drop),
    `
  var q: array<f32, HS>;
  var g: array<f32, HS>;
  var dq: array<f32, HS>;
  var D = 0.0;
  let g0 = pu(9u) + b * T * C + h * HS;
  for (var d = 0u; d < HS; d++) {
    q[d] = b0[qkv0 + safeRow * 3u * C + d];
    g[d] = b2[g0 + safeRow * C + d];
    D = fma(g[d], b1[out0 + safeRow * C + d], D);
    dq[d] = 0.0;
  }
  let L = b3[lse0 + safeRow];${drop ? rowMask.start : ""}
${overKeys(`
        var s = 0.0; var dp = 0.0;
        for (var d = 0u; d < HS; d++) { s = fma(q[d], S1[r * HS + d], s); dp = fma(g[d], S2[r * HS + d], dp); }${
          drop
            ? `
        dp = dp * ${rowMask.z};${rowMask.next}`
            : ""
        }
        let ds = exp(s * scale - L) * (dp - D) * scale;
        for (var d = 0u; d < HS; d++) { dq[d] = fma(ds, S1[r * HS + d], dq[d]); }`)}
  if (valid) {
    // Split, the slice's partial dq goes to rows of C (not 3C) of its own matrix.
    let stride = select(3u * C, C, slices > 1u);
    let dqW = pu(7u) + part * T * stride + h * HS;
    for (var d = 0u; d < HS; d++) { b4[dqW + row * stride + d] = dq[d]; }
    if (slice == 0u) { b5[pu(8u) + (b * nh + h) * T + row] = D; }
  }`,
  );
}

function keyValueGradCode(hs: number, bc: number, decl: string, drop: boolean): string {
  // b0 qkv, b1 dout, b2 lse, b3 dqkv, b4 D. This thread's row is a key row; with dropout, its mask
  // elements for queries i = row, row + 1, … are T apart (one Philox block each).
  const rowScalars = `
var<workgroup> Ls: array<f32, ${bc}>;
var<workgroup> Ds: array<f32, ${bc}>;`;
  return kernel(
    hs,
    bc,
    declare(decl, drop),
    `
  var k: array<f32, HS>;
  var v: array<f32, HS>;
  var dk: array<f32, HS>;
  var dv: array<f32, HS>;
  for (var d = 0u; d < HS; d++) {
    k[d] = b0[qkv0 + safeRow * 3u * C + C + d];
    v[d] = b0[qkv0 + safeRow * 3u * C + 2u * C + d];
    dk[d] = 0.0; dv[d] = 0.0;
  }
  let D0 = pu(8u) + (b * nh + h) * T;${
    drop
      ? `
  var me = mask_element(b * nh + h, T, max(safeRow, slice * span), safeRow);`
      : ""
  }
  // Only queries at or after a key see it: start at this workgroup's first key row.
${overTiles({
  first: "max(r0, slice * span)",
  end: "min(T, (slice + 1u) * span)",
  src1: "b0[qkv0 + t * 3u * C + e % HS]",
  src2: "b1[out0 + t * C + e % HS]",
  extra: `
    for (var e = lid.x; e < BC; e += ${ROWS}u) {
      let t = start + e;
      Ls[e] = select(0.0, b2[lse0 + min(t, T - 1u)], t < T);
      Ds[e] = select(0.0, b4[D0 + min(t, T - 1u)], t < T);
    }`,
  other: "i",
  when: "valid && i >= row && i < T",
  body: `
        var s = 0.0; var dp = 0.0;
        for (var d = 0u; d < HS; d++) { s = fma(S1[r * HS + d], k[d], s); dp = fma(S2[r * HS + d], v[d], dp); }
        let p = exp(s * scale - Ls[r]);${
          drop
            ? `
        let z = mask_z(mask_block(me)[me.x & 3u]);
        me = add64(me, T);
        let pz = p * z;
        let ds = p * (z * dp - Ds[r]) * scale;`
            : `
        let pz = p;
        let ds = p * (dp - Ds[r]) * scale;`
        }
        for (var d = 0u; d < HS; d++) {
          dv[d] = fma(pz, S2[r * HS + d], dv[d]);
          dk[d] = fma(ds, S1[r * HS + d], dk[d]);
        }`,
})}
  if (valid) {
    // Split, the slice's partial dk and dv go to rows of 2C (dk, then dv) of its own matrix.
    let stride = select(3u * C, 2u * C, slices > 1u);
    let base = pu(7u) + (part * T + row) * stride + select(C, 0u, slices > 1u) + h * HS;
    for (var d = 0u; d < HS; d++) { b3[base + d] = dk[d]; b3[base + C + d] = dv[d]; }
  }`,
    rowScalars,
  );
}

function checkShapes(
  name: string,
  B: number,
  nh: number,
  T: number,
  drop: boolean,
  buffers: GpuBuffer[],
): void {
  for (const x of buffers)
    if (x.dtype !== "float32") throw new Error(`webgpu ${name}: float32 only, got ${x.dtype}`);
  if (B > 65535 || nh > 65535)
    throw new Error(`webgpu ${name}: a batch of ${B} or ${nh} heads exceeds 65535`);
  if (drop && T > 65535) throw new Error(`webgpu ${name}: dropout over ${T} positions exceeds 65535`);
}

/** A call's parameters, then the slices' span and count, then the dropout words when it drops. */
function withDropout(params: number[], { span, slices }: Slices, dropout: DropoutMask | undefined): number[] {
  const words = [...params, ...new Array<number>(SPAN_AT - params.length).fill(0), span, slices];
  if (!dropout?.threshold) return words;
  return [...words, dropout.key0 >>> 0, dropout.key1 >>> 0, dropout.threshold >>> 0, f32Bits(dropout.scale)];
}

export function causalAttention(
  ctx: GpuContext,
  qkvs: Storage,
  outs: Storage,
  lses: Storage,
  B: number,
  T: number,
  nh: number,
  hs: number,
  scale: number,
  dropout?: DropoutMask,
): void {
  const k = "causalAttention";
  const [qkv, out, lse] = [qkvs, outs, lses].map((s) => gpuBufferOf(s, k));
  const drop = Boolean(dropout?.threshold);
  checkShapes(k, B, nh, T, drop, [qkv, out, lse]);
  if (T === 0 || hs === 0) return;
  const bc = tileRows(hs);
  const variant = drop ? ":drop" : "";
  const sl = slicesOf(T, B);
  const split = sl.slices > 1;
  // Split over keys, each slice's output and log-sum-exp, then their combination.
  const o = split ? ctx.allocUninit("float32", B * sl.slices * T * nh * hs) : out;
  const l = split ? ctx.allocUninit("float32", B * sl.slices * nh * T) : lse;
  ctx.run({
    kernel: k,
    code: cachedCode(`${k}:${hs}${variant}`, () => forwardCode(hs, bc, bindings([qkv, o, l]), drop)),
    buffers: [qkv, o, l],
    params: withDropout([T, nh * hs, nh, f32Bits(scale), qkv.offset, o.offset, l.offset], sl, dropout),
    groups: [Math.ceil(T / ROWS), nh, B * sl.slices],
  });
  if (!split) return;
  combineSlices(ctx, [o, l], [out, lse], { B, T, nh, hs, ...sl });
  ctx.release(o);
  ctx.release(l);
}

export function causalAttentionBackward(
  ctx: GpuContext,
  qkvs: Storage,
  outs: Storage,
  douts: Storage,
  lses: Storage,
  dqkvs: Storage,
  B: number,
  T: number,
  nh: number,
  hs: number,
  scale: number,
  dropout?: DropoutMask,
): void {
  const k = "causalAttentionBackward";
  const [qkv, out, dout, lse, dqkv] = [qkvs, outs, douts, lses, dqkvs].map((s) => gpuBufferOf(s, k));
  const drop = Boolean(dropout?.threshold);
  checkShapes(k, B, nh, T, drop, [qkv, out, dout, lse, dqkv]);
  if (T === 0 || hs === 0) return;
  const bc = tileRows(hs);
  // D_i = dout_i·out_i, from the first kernel to the second: the first writes every row (slice 0 does),
  // so the buffer is not zeroed (a zeroing dispatch a layer).
  const D = ctx.allocUninit("float32", B * nh * T);
  // Parameter 5 is where the prelude's out0 points: out for dq (dout's offset is parameter 9), dout for dk/dv.
  const common = [T, nh * hs, nh, f32Bits(scale), qkv.offset];
  const sl = slicesOf(T, B);
  const split = sl.slices > 1;
  const shape = { B, T, nh, hs, ...sl };
  const groups: [number, number, number] = [Math.ceil(T / ROWS), nh, B * sl.slices];
  const variant = drop ? ":drop" : "";
  // Split, dq over slices of keys (rows of C) and dk, dv over slices of queries (rows of 2C), then sums.
  const dq = split ? ctx.allocUninit("float32", B * sl.slices * T * nh * hs) : dqkv;
  ctx.run({
    kernel: `${k}:dq`,
    code: cachedCode(`${k}:dq:${hs}${variant}`, () =>
      queryGradCode(hs, bc, bindings([qkv, out, dout, lse, dq, D]), drop),
    ),
    buffers: [qkv, out, dout, lse, dq, D],
    params: withDropout([...common, out.offset, lse.offset, dq.offset, D.offset, dout.offset], sl, dropout),
    groups,
  });
  if (split) {
    sumSlices(ctx, dq, dqkv, shape, 0, 1);
    ctx.release(dq);
  }
  const dkv = split ? ctx.allocUninit("float32", B * sl.slices * T * 2 * nh * hs) : dqkv;
  ctx.run({
    kernel: `${k}:dkv`,
    code: cachedCode(`${k}:dkv:${hs}${variant}`, () =>
      keyValueGradCode(hs, bc, bindings([qkv, dout, lse, dkv, D]), drop),
    ),
    buffers: [qkv, dout, lse, dkv, D],
    params: withDropout([...common, dout.offset, lse.offset, dkv.offset, D.offset], sl, dropout),
    groups,
  });
  if (split) {
    sumSlices(ctx, dkv, dqkv, shape, 1, 2);
    ctx.release(dkv);
  }
  ctx.release(D); // later users of the buffer are recorded after both kernels
}
