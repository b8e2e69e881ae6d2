/**
 * The gate kernels of the fused recurrent layers (RNN tanh/ReLU, LSTM, GRU) in WGSL, one thread per
 * (row, unit), with the semantics of cpu-js's (rnn-gates-js.ts). Each mode binds only the buffers it
 * reads or writes (at most 7, under WebGPU's default of 8 storage buffers per stage). Padded rows
 * (t >= lengths[b]) come as a bit mask in the parameters, computed on the host from `lengths`; a batch
 * wider than one mask runs as several dispatches of MASK_ROWS rows each.
 */
import type { GateBackwardArgs, GateForwardArgs, RecurrentMode, Storage } from "../types.js";
import { GpuBuffer, gpuBufferOf } from "./buffer.js";
import { groupsFor, type GpuContext } from "./context.js";
import { bindings, cachedCode, MAIN_64, PARAM_WORDS } from "./wgsl.js";
import { perElement, type WorkTable } from "./work.js";

/** Work of each kernel (work.ts): one (row, unit) a thread, its gates read and written (about 12 words). */
export const WORK: WorkTable = {
  recurrentGatesForward: perElement(12, 20),
  recurrentGatesBackward: perElement(16, 30),
};

/** Parameter words before the padding mask. */
const FIXED_WORDS = 16;
/** Rows one dispatch covers when some rows may be padding (one mask bit each). */
const MASK_ROWS = (PARAM_WORDS - FIXED_WORDS) * 32;

/** Named bindings: `names[i]` is bound as b<i>; returns the declarations and each name's WGSL array. */
function named<N extends string>(
  names: readonly N[],
  buffers: Record<N, GpuBuffer>,
): { decl: string; v: Record<N, string>; list: GpuBuffer[] } {
  const list = names.map((n) => buffers[n]);
  const v = Object.fromEntries(names.map((n, i) => [n, `b${i}`])) as Record<N, string>;
  return { decl: bindings(list), v, list };
}

// Row b (absolute), unit j, and whether the row is padding at this step.
const ROW_PRELUDE = `
  let i = thread_id(wid, nwg, lid);
  if (i >= pu(0u)) { return; }
  let H = pu(1u);
  let local = i / H;
  let b = pu(2u) + local;
  let j = i % H;
  let padded = pu(3u) != 0u && ((pu(${FIXED_WORDS}u + local / 32u) >> (local % 32u)) & 1u) != 0u;`;

/** Padding bits of rows [begin, begin + count) at step t; null when no row is padding. */
function paddingMask(lengths: Int32Array | null, t: number, begin: number, count: number): number[] | null {
  if (lengths === null) return null;
  const words = new Array<number>(Math.ceil(count / 32)).fill(0);
  let any = false;
  for (let r = 0; r < count; r++)
    if (t >= lengths[begin + r]) {
      words[r >> 5] |= 1 << (r & 31);
      any = true;
    }
  return any ? words.map((w) => w >>> 0) : null;
}

/** Runs `code` once per block of rows (one block unless padding masks need several). */
function runRows(
  ctx: GpuContext,
  kernel: string,
  code: string,
  buffers: GpuBuffer[],
  fixed: number[],
  B: number,
  H: number,
  t: number,
  lengths: Int32Array | null,
): void {
  const block = lengths === null ? B : MASK_ROWS;
  for (let begin = 0; begin < B; begin += block) {
    const rows = Math.min(block, B - begin);
    const mask = paddingMask(lengths, t, begin, rows);
    const params = [rows * H, H, begin, mask === null ? 0 : 1, ...fixed];
    while (params.length < FIXED_WORDS) params.push(0);
    ctx.run({
      kernel,
      code,
      buffers,
      params: mask === null ? params : [...params, ...mask],
      groups: groupsFor(rows * H),
    });
  }
}

const buf = (s: Storage | null, fallback: GpuBuffer, kernel: string) =>
  s === null ? fallback : gpuBufferOf(s, kernel);

// ---- forward ------------------------------------------------------------------------------------------

// Parameter words 4..: hasBias, xp, hh, bx, bh, hPrev, hOut, cPrev, cOut, act, aux (element offsets).
const FORWARD_BASES = `
  let hasBias = pu(4u) != 0u;
  let xb = pu(5u); let qb = pu(6u); let bxb = pu(7u); let bhb = pu(8u);
  let hp = pu(9u) + b * H + j; let ho = pu(10u) + b * H + j;
  let cp = pu(11u) + b * H + j; let co = pu(12u) + b * H + j;
  let ab = pu(13u); let nb = pu(14u);`;

function forwardCode(mode: RecurrentMode, decl: string, v: Record<string, string>): string {
  const head = `${decl}\n${MAIN_64} {${ROW_PRELUDE}${FORWARD_BASES}`;
  if (mode === "rnn_tanh" || mode === "rnn_relu") {
    const act = mode === "rnn_relu" ? "select(0.0, pre, pre > 0.0)" : "tanh_s(pre)";
    return `${head}
  if (padded) { ${v.h}[ho] = ${v.h}[hp]; return; }
  var pre = ${v.xp}[xb + b * H + j] + ${v.hh}[qb + b * H + j];
  if (hasBias) { pre = pre + ${v.bx}[bxb + j] + ${v.bh}[bhb + j]; }
  ${v.h}[ho] = ${act};
}`;
  }
  if (mode === "lstm")
    return `${head}
  if (padded) { ${v.h}[ho] = ${v.h}[hp]; ${v.c}[co] = ${v.c}[cp]; return; }
  let x0 = xb + b * 4u * H + j; let q0 = qb + b * 4u * H + j; let a0 = ab + b * 4u * H + j;
  var ui = ${v.xp}[x0] + ${v.hh}[q0];
  var uf = ${v.xp}[x0 + H] + ${v.hh}[q0 + H];
  var ug = ${v.xp}[x0 + 2u * H] + ${v.hh}[q0 + 2u * H];
  var uo = ${v.xp}[x0 + 3u * H] + ${v.hh}[q0 + 3u * H];
  if (hasBias) {
    ui += ${v.bx}[bxb + j] + ${v.bh}[bhb + j];
    uf += ${v.bx}[bxb + H + j] + ${v.bh}[bhb + H + j];
    ug += ${v.bx}[bxb + 2u * H + j] + ${v.bh}[bhb + 2u * H + j];
    uo += ${v.bx}[bxb + 3u * H + j] + ${v.bh}[bhb + 3u * H + j];
  }
  let ig = sigmoid_s(ui); let fg = sigmoid_s(uf); let gg = tanh_s(ug); let og = sigmoid_s(uo);
  let cn = fg * ${v.c}[cp] + ig * gg;
  let tcn = tanh_s(cn);
  ${v.c}[co] = cn;
  ${v.aux}[nb + b * H + j] = tcn;
  ${v.h}[ho] = og * tcn;
  ${v.act}[a0] = ig; ${v.act}[a0 + H] = fg; ${v.act}[a0 + 2u * H] = gg; ${v.act}[a0 + 3u * H] = og;
}`;
  return `${head}
  if (padded) { ${v.h}[ho] = ${v.h}[hp]; return; }
  let x0 = xb + b * 3u * H + j; let q0 = qb + b * 3u * H + j; let a0 = ab + b * 3u * H + j;
  var xr = ${v.xp}[x0] + ${v.hh}[q0];
  var xz = ${v.xp}[x0 + H] + ${v.hh}[q0 + H];
  var xn = ${v.xp}[x0 + 2u * H];
  var hn = ${v.hh}[q0 + 2u * H];
  if (hasBias) {
    xr += ${v.bx}[bxb + j] + ${v.bh}[bhb + j];
    xz += ${v.bx}[bxb + H + j] + ${v.bh}[bhb + H + j];
    xn += ${v.bx}[bxb + 2u * H + j];
    hn += ${v.bh}[bhb + 2u * H + j];
  }
  let r = sigmoid_s(xr); let z = sigmoid_s(xz);
  let n = tanh_s(xn + r * hn);
  ${v.h}[ho] = (1.0 - z) * n + z * ${v.h}[hp];
  ${v.act}[a0] = r; ${v.act}[a0 + H] = z; ${v.act}[a0 + 2u * H] = n;
  ${v.aux}[nb + b * H + j] = hn;
}`;
}

const FORWARD_BUFFERS: Record<RecurrentMode, readonly string[]> = {
  rnn_tanh: ["xp", "hh", "bx", "bh", "h"],
  rnn_relu: ["xp", "hh", "bx", "bh", "h"],
  lstm: ["xp", "hh", "bx", "bh", "h", "c", "act", "aux"],
  gru: ["xp", "hh", "bx", "bh", "h", "act", "aux"],
};

export function recurrentGatesForward(ctx: GpuContext, mode: RecurrentMode, a: GateForwardArgs): void {
  const k = "recurrentGatesForward";
  const xp = gpuBufferOf(a.xp, k);
  const all: Record<string, GpuBuffer> = {
    xp,
    hh: gpuBufferOf(a.hh, k),
    bx: buf(a.bx, xp, k),
    bh: buf(a.bh, xp, k),
    h: gpuBufferOf(a.h, k),
    c: buf(a.c, xp, k),
    act: gpuBufferOf(a.act, k),
    aux: buf(a.aux, xp, k),
  };
  const { decl, v, list } = named(FORWARD_BUFFERS[mode], all);
  const o = (name: string, off: number) => all[name].offset + off;
  const hasBias = a.bx !== null && a.bh !== null;
  runRows(
    ctx,
    `${k}:${mode}`,
    cachedCode(`${k}:${mode}`, () => forwardCode(mode, decl, v)),
    list,
    [
      hasBias ? 1 : 0,
      o("xp", a.xpOff),
      o("hh", 0),
      o("bx", 0),
      o("bh", 0),
      o("h", a.hPrev),
      o("h", a.hOut),
      o("c", a.cPrev),
      o("c", a.cOut),
      o("act", a.actOff),
      o("aux", a.auxOff),
    ],
    a.B,
    a.H,
    a.t,
    a.lengths,
  );
}

// ---- backward -----------------------------------------------------------------------------------------

// Parameter words 4..: act, aux, hPrev, hOut, cPrev, dh, dc, dxp, dhh, dhPrev, dcPrev (element offsets).
const BACKWARD_BASES = `
  let ab = pu(4u); let nb = pu(5u);
  let hp = pu(6u) + b * H + j; let ho = pu(7u) + b * H + j; let cp = pu(8u) + b * H + j;
  let k0 = b * H + j;
  let dhj = B_DH[pu(9u) + k0];
  let dcb = pu(10u); let db = pu(11u); let eb = pu(12u);
  let dhp = pu(13u) + k0; let dcp = pu(14u) + k0;`;

function backwardCode(mode: RecurrentMode, decl: string, v: Record<string, string>): string {
  const head = `${decl}\n${MAIN_64} {${ROW_PRELUDE}${BACKWARD_BASES.replace("B_DH", v.dh)}`;
  if (mode === "rnn_tanh" || mode === "rnn_relu") {
    const deriv = mode === "rnn_relu" ? "select(0.0, 1.0, y > 0.0)" : "1.0 - y * y";
    return `${head}
  let d0 = db + b * H + j;
  if (padded) { ${v.dhPrev}[dhp] = dhj; ${v.dxp}[d0] = 0.0; return; }
  let y = ${v.h}[ho];
  ${v.dxp}[d0] = dhj * (${deriv});
  ${v.dhPrev}[dhp] = 0.0;
}`;
  }
  if (mode === "lstm")
    return `${head}
  let d0 = db + b * 4u * H + j;
  if (padded) {
    ${v.dhPrev}[dhp] = dhj; ${v.dcPrev}[dcp] = ${v.dc}[dcb + k0];
    ${v.dxp}[d0] = 0.0; ${v.dxp}[d0 + H] = 0.0; ${v.dxp}[d0 + 2u * H] = 0.0; ${v.dxp}[d0 + 3u * H] = 0.0;
    return;
  }
  let a0 = ab + b * 4u * H + j;
  let ig = ${v.act}[a0]; let fg = ${v.act}[a0 + H]; let gg = ${v.act}[a0 + 2u * H]; let og = ${v.act}[a0 + 3u * H];
  let tcn = ${v.aux}[nb + k0];
  let dcj = ${v.dc}[dcb + k0] + dhj * og * (1.0 - tcn * tcn);
  let cprev = ${v.c}[cp];
  ${v.dxp}[d0] = dcj * gg * ig * (1.0 - ig);
  ${v.dxp}[d0 + H] = dcj * cprev * fg * (1.0 - fg);
  ${v.dxp}[d0 + 2u * H] = dcj * ig * (1.0 - gg * gg);
  ${v.dxp}[d0 + 3u * H] = dhj * tcn * og * (1.0 - og);
  ${v.dcPrev}[dcp] = dcj * fg;
  ${v.dhPrev}[dhp] = 0.0;
}`;
  return `${head}
  let d0 = db + b * 3u * H + j; let e0 = eb + b * 3u * H + j;
  if (padded) {
    ${v.dhPrev}[dhp] = dhj;
    ${v.dxp}[d0] = 0.0; ${v.dxp}[d0 + H] = 0.0; ${v.dxp}[d0 + 2u * H] = 0.0;
    ${v.dhh}[e0] = 0.0; ${v.dhh}[e0 + H] = 0.0; ${v.dhh}[e0 + 2u * H] = 0.0;
    return;
  }
  let a0 = ab + b * 3u * H + j;
  let r = ${v.act}[a0]; let z = ${v.act}[a0 + H]; let n = ${v.act}[a0 + 2u * H];
  let dpn = dhj * (1.0 - z) * (1.0 - n * n);
  let dpz = dhj * (${v.h}[hp] - n) * z * (1.0 - z);
  let dpr = dpn * ${v.aux}[nb + k0] * r * (1.0 - r);
  ${v.dxp}[d0] = dpr; ${v.dxp}[d0 + H] = dpz; ${v.dxp}[d0 + 2u * H] = dpn;
  ${v.dhh}[e0] = dpr; ${v.dhh}[e0 + H] = dpz; ${v.dhh}[e0 + 2u * H] = dpn * r;
  ${v.dhPrev}[dhp] = dhj * z;
}`;
}

const BACKWARD_BUFFERS: Record<RecurrentMode, readonly string[]> = {
  rnn_tanh: ["h", "dh", "dxp", "dhPrev"],
  rnn_relu: ["h", "dh", "dxp", "dhPrev"],
  lstm: ["act", "aux", "c", "dh", "dc", "dxp", "dhPrev", "dcPrev"],
  gru: ["act", "aux", "h", "dh", "dxp", "dhh", "dhPrev"],
};

export function recurrentGatesBackward(ctx: GpuContext, mode: RecurrentMode, a: GateBackwardArgs): void {
  const k = "recurrentGatesBackward";
  const dh = gpuBufferOf(a.dh, k);
  const all: Record<string, GpuBuffer> = {
    act: gpuBufferOf(a.act, k),
    aux: buf(a.aux, dh, k),
    h: gpuBufferOf(a.h, k),
    c: buf(a.c, dh, k),
    dh,
    dc: buf(a.dc, dh, k),
    dxp: gpuBufferOf(a.dxp, k),
    dhh: gpuBufferOf(a.dhh, k),
    dhPrev: gpuBufferOf(a.dhPrev, k),
    dcPrev: buf(a.dcPrev, dh, k),
  };
  const { decl, v, list } = named(BACKWARD_BUFFERS[mode], all);
  const o = (name: string, off: number) => all[name].offset + off;
  runRows(
    ctx,
    `${k}:${mode}`,
    cachedCode(`${k}:${mode}`, () => backwardCode(mode, decl, v)),
    list,
    [
      o("act", a.actOff),
      o("aux", a.auxOff),
      o("h", a.hPrev),
      o("h", a.hOut),
      o("c", a.cPrev),
      o("dh", 0),
      o("dc", 0),
      o("dxp", a.dxpOff),
      o("dhh", a.dhhOff),
      o("dhPrev", 0),
      o("dcPrev", 0),
    ],
    a.B,
    a.H,
    a.t,
    a.lengths,
  );
}
