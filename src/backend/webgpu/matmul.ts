/**
 * Batched matmul (MatmulParams: transposes, leading dimensions, offsets, batch strides), in one of two
 * kernels chosen by shape: small outputs (m or n under 64) run a 16×16 tile, one element a thread;
 * larger ones a register-blocked 64×64 tile, 256 threads of 4×4 outputs each, with 64×16 blocks of A and
 * 16×64 of B staged in workgroup memory and loaded so that neighbouring threads read neighbouring
 * addresses whichever way each matrix is stored; where the device has subgroups, `matmulKernel:
 * "subgroups"` runs that tile with quad broadcasts (SUBGROUPS below; not the default until a GPU shows it
 * faster: bench/webgpu-sgemm.ts compares them). Pipelines are cached by their code (context.ts). A
 * product of few tiles over a long k (a weight gradient) is split along k (split-k.ts).
 */
import type { MatmulParams, Storage } from "../types.js";
import { gpuBufferOf } from "./buffer.js";
import type { GpuContext } from "./context.js";
import { bindings, cachedCode } from "./wgsl.js";
import type { WorkOf, WorkTable } from "./work.js";
import { splitK, sumSlices, WORK as SPLIT_WORK } from "./split-k.js";

/**
 * Work of each kernel (work.ts): a thread's serial loop is the k steps of its slice of k (BK or SMALL
 * deep, unrolled); each workgroup loads its tile rows of A and columns of B over that slice.
 */
function tileWork(tile: number, depth: number): WorkOf {
  return ([m, n, k, , , , , , , , , kSlice, slices], [gx, gy, gz]) => {
    const kc = Math.min(k, kSlice);
    return {
      groupSize: 256,
      loop: Math.ceil(kc / depth),
      bytes: 4 * (gx * gy * gz * 2 * tile * kc + m * n * gz),
      flops: (2 * m * n * k * gz) / slices,
    };
  };
}
export const WORK: WorkTable = {
  "matmul:64x64": tileWork(64, 16),
  "matmul:16x16": tileWork(16, 16),
  ...SPLIT_WORK,
};

const SMALL = 16;
const BIG = 64;
const BK = 16;

// A is m×k, B is k×n; with a transpose flag the storage holds the transposed matrix.
const aIndex = (transA: boolean) => (transA ? "aBase + p * lda + row" : "aBase + row * lda + p");
const bIndex = (transB: boolean) => (transB ? "bBase + col * ldb + p" : "bBase + p * ldb + col");

// Parameters: m, n, k, lda, ldb, A offset, B offset, A and B batch strides, out offset, bias offset,
// then k a slice and slices (split-k.ts): workgroup z is (batch, slice), and its product over
// [kBegin, kEnd) goes to output matrix z (the slices' partial sums; the product itself with one slice).
const PARAMS = `
  let m = pu(0u); let n = pu(1u); let k = pu(2u);
  let lda = pu(3u); let ldb = pu(4u);
  let slices = pu(12u);
  let batch = wid.z / slices;
  let kBegin = (wid.z % slices) * pu(11u);
  let kEnd = min(k, kBegin + pu(11u));
  let aBase = pu(5u) + batch * pu(7u);
  let bBase = pu(6u) + batch * pu(8u);
  let cBase = pu(9u) + wid.z * m * n;`;

/** With a bias (matmulBias), b3[bias offset + column] is added to each output as it is stored. */
const plusBias = (bias: boolean, col: string) => (bias ? ` + b3[pu(10u) + ${col}]` : "");

function smallCode(transA: boolean, transB: boolean, decl: string, bias: boolean): string {
  return `${decl}
var<workgroup> As: array<array<f32, ${SMALL}>, ${SMALL}>;
var<workgroup> Bs: array<array<f32, ${SMALL}>, ${SMALL}>;
@compute @workgroup_size(${SMALL}, ${SMALL})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {${PARAMS}
  let outRow = wid.y * ${SMALL}u + lid.y;
  let outCol = wid.x * ${SMALL}u + lid.x;
  var acc = 0.0;
  for (var t = kBegin; t < kEnd; t += ${SMALL}u) {
    {
      let row = outRow; let p = t + lid.x;
      As[lid.y][lid.x] = select(0.0, b0[${aIndex(transA)}], row < m && p < kEnd);
    }
    {
      let col = outCol; let p = t + lid.y;
      Bs[lid.y][lid.x] = select(0.0, b1[${bIndex(transB)}], col < n && p < kEnd);
    }
    workgroupBarrier();
    for (var q = 0u; q < ${SMALL}u; q++) { acc = fma(As[lid.y][q], Bs[q][lid.x], acc); }
    workgroupBarrier();
  }
  if (outRow < m && outCol < n) { b2[cBase + outRow * n + outCol] = acc${plusBias(bias, "outCol")}; }
}`;
}

/**
 * The (row, p) or (p, col) an element e < 1024 of a staged block comes from: the coordinate that is
 * contiguous in storage varies fastest with e, so a warp's loads coalesce.
 */
function aCoords(transA: boolean): string {
  return transA ? `let p = e / ${BIG}u; let r = e % ${BIG}u;` : `let r = e / ${BK}u; let p = e % ${BK}u;`;
}
function bCoords(transB: boolean): string {
  return transB ? `let c = e / ${BK}u; let p = e % ${BK}u;` : `let p = e / ${BIG}u; let c = e % ${BIG}u;`;
}

/** The 64×64 kernel's thread coordinates (tx, ty) and its 4 A values a0..a3 of step p. */
const TILED = {
  enable: "",
  workgroupVars: "",
  builtins: "",
  coords: "let tx = lid.x % 16u; let ty = lid.x / 16u;",
  aValues: `let a = p * ${BIG}u + ty * 4u;
      let a0 = As[a]; let a1 = As[a + 1u]; let a2 = As[a + 2u]; let a3 = As[a + 3u];`,
};

/**
 * The subgroup variant: the 4 threads of a quad share ty, so each reads one of the 4 A values from
 * workgroup memory and the quad broadcasts them (one shared-memory read instead of four). Threads are
 * numbered by subgroup (a workgroup counter hands each subgroup a base) so that a quad's lanes are 4
 * consecutive (tx, ty) whatever the subgroup size (4 to 128, dividing 256) and lane layout.
 */
const SUBGROUPS = {
  enable: "enable subgroups;\n",
  workgroupVars: "var<workgroup> subgroupBase: atomic<u32>;",
  builtins: ", @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) sgSize: u32",
  coords: `var first = 0u;
  if (subgroupElect()) { first = atomicAdd(&subgroupBase, sgSize); }
  let thread = subgroupBroadcastFirst(first) + lane;
  let tx = thread % 16u; let ty = thread / 16u;`,
  aValues: `let mine = As[p * ${BIG}u + ty * 4u + (lane & 3u)];
      let a0 = quadBroadcast(mine, 0u); let a1 = quadBroadcast(mine, 1u);
      let a2 = quadBroadcast(mine, 2u); let a3 = quadBroadcast(mine, 3u);`,
};

function bigCode(transA: boolean, transB: boolean, decl: string, v: typeof TILED, bias: boolean): string {
  // As[p][r] and Bs[p][c/4] (as vec4): a thread reads 4 rows of A and 4 columns of B per p.
  return `${v.enable}${decl}
var<workgroup> As: array<f32, ${BK * BIG}>;
var<workgroup> Bs: array<vec4<f32>, ${(BK * BIG) / 4}>;
${v.workgroupVars}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u${v.builtins}) {${PARAMS}
  ${v.coords}
  let row0 = wid.y * ${BIG}u; let col0 = wid.x * ${BIG}u;
  var acc: array<vec4<f32>, 4>;
  for (var i = 0u; i < 4u; i++) { acc[i] = vec4<f32>(0.0); }
  for (var t = kBegin; t < kEnd; t += ${BK}u) {
    for (var s = 0u; s < 4u; s++) {
      let e = lid.x + s * 256u;
      {
        ${aCoords(transA)}
        let row = row0 + r; let pp = t + p;
        var v = 0.0;
        if (row < m && pp < kEnd) { let p = pp; v = b0[${aIndex(transA)}]; }
        As[p * ${BIG}u + r] = v;
      }
      {
        ${bCoords(transB)}
        let col = col0 + c; let pp = t + p;
        var v = 0.0;
        if (col < n && pp < kEnd) { let p = pp; v = b1[${bIndex(transB)}]; }
        Bs[(p * ${BIG}u + c) / 4u][c % 4u] = v;
      }
    }
    workgroupBarrier();
    for (var p = 0u; p < ${BK}u; p++) {
      let b = Bs[p * 16u + tx];
      ${v.aValues}
      acc[0] = fma(vec4<f32>(a0), b, acc[0]);
      acc[1] = fma(vec4<f32>(a1), b, acc[1]);
      acc[2] = fma(vec4<f32>(a2), b, acc[2]);
      acc[3] = fma(vec4<f32>(a3), b, acc[3]);
    }
    workgroupBarrier();
  }
  let col = col0 + tx * 4u;
  for (var i = 0u; i < 4u; i++) {
    let row = row0 + ty * 4u + i;
    if (row < m) {
      let c = cBase + row * n + col;
      for (var j = 0u; j < 4u; j++) { if (col + j < n) { b2[c + j] = acc[i][j]${plusBias(bias, "col + j")}; } }
    }
  }
}`;
}

/** Whether a product runs the register-blocked kernel (enough output to fill its 64×64 tiles). */
export function usesBigTile(p: Pick<MatmulParams, "m" | "n">): boolean {
  return p.m >= BIG && p.n >= BIG;
}

/** out = A·B (MatmulParams), plus `biass[j]` on every row's column j when given (matmulBias's epilogue). */
export function matmul(
  ctx: GpuContext,
  as: Storage,
  bs: Storage,
  outs: Storage,
  p: MatmulParams,
  biass: Storage | null = null,
): void {
  const a = gpuBufferOf(as, "matmul");
  const b = gpuBufferOf(bs, "matmul");
  const out = gpuBufferOf(outs, "matmul");
  const bias = biass === null ? null : gpuBufferOf(biass, "matmulBias");
  const buffers = bias === null ? [a, b, out] : [a, b, out, bias];
  for (const x of buffers)
    if (x.dtype !== "float32") throw new Error(`webgpu matmul: float32 only, got ${x.dtype}`);
  if (p.batch > 65535) throw new Error(`webgpu matmul: a batch of ${p.batch} exceeds 65535`);
  const big = usesBigTile(p);
  const tile = big ? BIG : SMALL;
  const sub = big && ctx.matmulKernel === "subgroups";
  const groups = Math.ceil(p.n / tile) * Math.ceil(p.m / tile) * p.batch;
  const outputs = p.batch * p.m * p.n;
  const { slices, kSlice } = splitK(groups, p.k, BK, p.batch, outputs);
  // Split, the slices' partial products go to scratch and a second kernel sums them (adding the bias).
  const partial = slices === 1 ? null : ctx.allocUninit("float32", slices * outputs);
  const target = partial ?? out;
  const withBias = bias !== null && partial === null;
  const name = big ? (sub ? "matmul:64x64:subgroups" : "matmul:64x64") : "matmul:16x16";
  const tileBuffers = withBias ? [a, b, target, bias] : [a, b, target];
  ctx.run({
    kernel: withBias ? `${name}+bias` : name,
    // Every buffer is f32, so the code depends on the kernel, the transposes and the bias only.
    code: cachedCode(`matmul:${big}:${sub}:${p.transA}:${p.transB}:${withBias}`, () => {
      const decl = bindings(tileBuffers);
      if (!big) return smallCode(p.transA, p.transB, decl, withBias);
      return bigCode(p.transA, p.transB, decl, sub ? SUBGROUPS : TILED, withBias);
    }),
    buffers: tileBuffers,
    params: [
      p.m,
      p.n,
      p.k,
      p.lda,
      p.ldb,
      a.offset + p.aOffset,
      b.offset + p.bOffset,
      p.aBatchStride,
      p.bBatchStride,
      target.offset,
      bias !== null && withBias ? bias.offset : 0,
      kSlice,
      slices,
    ],
    groups: [Math.ceil(p.n / tile), Math.ceil(p.m / tile), p.batch * slices],
  });
  if (partial === null) return;
  sumSlices(ctx, partial, out, bias, { slices, outputs, mn: p.m * p.n, n: p.n });
  ctx.release(partial); // later users of the buffer are recorded after both kernels
}
