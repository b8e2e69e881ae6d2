// The native recurrent gate kernels (native/src/rnn.cc) against their TypeScript reference
// (jsGateKernels), one time step at a time: LSTM, GRU, tanh and ReLU RNN, float32 and float64, with and
// without padded rows (lengths) and biases, with act aliasing xp (forward) and dxp aliasing act
// (backward) as the fused layers call them, at odd sizes (vector tails) and at a size that runs on the
// thread pool. Every array is compared whole, so a stray write shows. Runs only when the native backend
// is active (GRADSTACK_BACKEND=native, or the default when the addon is built); skips on cpu-js.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";

import * as gs from "../../src/index.js";
import { kernels } from "../../src/backend/index.js";
import type {
  Backend,
  GateBackwardArgs,
  GateForwardArgs,
  RecurrentGateKernels,
} from "../../src/backend/types.js";
import { GATES, recurrentLayer, type RecurrentMode } from "../../src/ops/fused/recurrent.js";
import { cpuJs } from "../../src/backend/cpu-js.js";

/** The TypeScript gate kernels: cpu-js's, the reference (and the native wrapper's fallback). */
const jsGateKernels: RecurrentGateKernels = cpuJs;

type F = Float32Array | Float64Array;
type DT = "float32" | "float64";
const MODES: RecurrentMode[] = ["lstm", "gru", "rnn_tanh", "rnn_relu"];
const DTYPES: DT[] = ["float32", "float64"];

/** The active backend's gate kernels, or why this file does not test them. */
function nativeGates(): { k: RecurrentGateKernels } | { skip: string } {
  const k: Backend = kernels();
  if (k.name !== "cpu-native")
    return { skip: `the native backend is not active (backend ${k.name}): no native gate kernels to test` };
  if (
    !k.nativeKernels.includes("recurrentGatesForward") ||
    !k.nativeKernels.includes("recurrentGatesBackward")
  )
    return {
      skip: "the native addon has no recurrent gate kernels (an older build: run `npm run build:native`)",
    };
  return { k: k as RecurrentGateKernels };
}

function ntest(name: string, fn: (k: RecurrentGateKernels) => void): void {
  test(name, (t: TestContext) => {
    const g = nativeGates();
    if ("skip" in g) {
      t.skip(g.skip);
      return;
    }
    fn(g.k);
  });
}

let seed = 20240611;
function rnd(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
}
function rand(dtype: DT, n: number, lo = -2, hi = 2): F {
  const a = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd();
  return a;
}

/** Counts the TypeScript kernels' runs during fn (the native wrapper falls back to them when it declines). */
function countFallbacks(fn: () => void): number {
  const { recurrentGatesForward: fwd, recurrentGatesBackward: bwd } = jsGateKernels;
  let n = 0;
  jsGateKernels.recurrentGatesForward = (m, a) => {
    n++;
    fwd(m, a);
  };
  jsGateKernels.recurrentGatesBackward = (m, a) => {
    n++;
    bwd(m, a);
  };
  try {
    fn();
  } finally {
    jsGateKernels.recurrentGatesForward = fwd;
    jsGateKernels.recurrentGatesBackward = bwd;
  }
  return n;
}

/** A deep copy of an argument object that keeps which fields share an array; returns the copies too. */
function cloneArgs<A extends object>(a: A): { args: A; arrays: Map<string, F> } {
  const copies = new Map<unknown, F>();
  const arrays = new Map<string, F>();
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(a)) {
    if (v instanceof Float32Array || v instanceof Float64Array) {
      let c = copies.get(v);
      if (c === undefined) {
        c = v.slice();
        copies.set(v, c);
        arrays.set(key, c);
      }
      out[key] = c;
    } else out[key] = v;
  }
  return { args: out as A, arrays };
}

function assertArraysClose(got: Map<string, F>, want: Map<string, F>, tol: number, what: string): number {
  let worst = 0;
  assert.deepEqual([...got.keys()], [...want.keys()], `${what}: the same arrays`);
  for (const [key, w] of want) {
    const g = got.get(key)!;
    assert.equal(g.length, w.length);
    for (let i = 0; i < w.length; i++) {
      if (Number.isNaN(g[i]) && Number.isNaN(w[i])) continue;
      const d = Math.abs(g[i] - w[i]);
      if (!(d <= tol * (1 + Math.abs(w[i]))))
        assert.fail(`${what}: ${key}[${i}] = ${g[i]}, want ${w[i]} (difference ${d})`);
      worst = Math.max(worst, d);
    }
  }
  return worst;
}

interface Case {
  mode: RecurrentMode;
  dtype: DT;
  B: number;
  H: number;
  lengths: boolean;
  bias: boolean;
  alias: boolean;
}

const T = 3;
const t = 1;

/** Padded rows (t >= lengths[b]) and live ones. */
const lengthsOf = (B: number) => Int32Array.from({ length: B }, (_, b) => [0, t, t + 1, T][b % 4]);

function forwardArgs(c: Case): GateForwardArgs {
  const { mode, dtype, B, H } = c;
  const G = GATES[mode] * H;
  const BH = B * H;
  const BG = B * G;
  const gated = mode === "lstm" || mode === "gru";
  const xp = rand(dtype, T * BG + 3);
  const act = c.alias ? xp : rand(dtype, T * BG + 7);
  return {
    B,
    H,
    t,
    lengths: c.lengths ? lengthsOf(B) : null,
    xp,
    xpOff: t * BG + 1,
    hh: rand(dtype, BG),
    bx: c.bias ? rand(dtype, G, -0.5, 0.5) : null,
    bh: c.bias ? rand(dtype, G, -0.5, 0.5) : null,
    h: rand(dtype, (T + 1) * BH, -1, 1),
    hPrev: t * BH,
    hOut: (t + 1) * BH,
    c: mode === "lstm" ? rand(dtype, (T + 1) * BH) : null,
    cPrev: t * BH,
    cOut: (t + 1) * BH,
    act,
    actOff: c.alias ? t * BG + 1 : t * BG + 5,
    aux: gated ? rand(dtype, T * BH + 4) : null,
    auxOff: t * BH + 2,
  };
}

function backwardArgs(c: Case): GateBackwardArgs {
  const { mode, dtype, B, H } = c;
  const G = GATES[mode] * H;
  const BH = B * H;
  const BG = B * G;
  const gated = mode === "lstm" || mode === "gru";
  const act = rand(dtype, T * BG + 5, -1, 1);
  const actOff = t * BG + 2;
  const dxp = c.alias ? act : rand(dtype, T * BG + 6);
  const dxpOff = c.alias ? actOff : t * BG + 3;
  // The GRU has its own dhh; the others pass dxp (and never write dhh), as the layer does.
  const dhh = mode === "gru" ? rand(dtype, T * BG + 2) : dxp;
  return {
    B,
    H,
    t,
    lengths: c.lengths ? lengthsOf(B) : null,
    act,
    actOff,
    aux: gated ? rand(dtype, T * BH + 3, -1, 1) : null,
    auxOff: t * BH + 1,
    h: rand(dtype, (T + 1) * BH, -1, 1),
    hPrev: t * BH,
    hOut: (t + 1) * BH,
    c: mode === "lstm" ? rand(dtype, (T + 1) * BH) : null,
    cPrev: t * BH,
    dh: rand(dtype, BH),
    dc: mode === "lstm" ? rand(dtype, BH) : null,
    dxp,
    dxpOff,
    dhh,
    dhhOff: mode === "gru" ? t * BG + 1 : dxpOff,
    dhPrev: rand(dtype, BH),
    dcPrev: mode === "lstm" ? rand(dtype, BH) : null,
  };
}

/** Runs one step both ways on copies of the same arguments; the native run must not fall back. */
function compare<A extends object>(
  a: A,
  run: (k: RecurrentGateKernels, args: A) => void,
  k: RecurrentGateKernels,
  tol: number,
  what: string,
): number {
  const ref = cloneArgs(a);
  const nat = cloneArgs(a);
  run(jsGateKernels, ref.args);
  const fallbacks = countFallbacks(() => run(k, nat.args));
  assert.equal(fallbacks, 0, `${what}: the native kernel declined the call`);
  return assertArraysClose(nat.arrays, ref.arrays, tol, what);
}

function cases(sizes: [number, number][]): Case[] {
  const out: Case[] = [];
  for (const mode of MODES)
    for (const dtype of DTYPES)
      for (const [B, H] of sizes)
        for (const lengths of [false, true])
          for (const bias of [false, true])
            for (const alias of [true, false]) out.push({ mode, dtype, B, H, lengths, bias, alias });
  return out;
}

const label = (c: Case) =>
  `${c.mode} ${c.dtype} B=${c.B} H=${c.H} lengths=${c.lengths} bias=${c.bias} alias=${c.alias}`;

// float32 forward runs in float on vectorised exp/tanh (a few ulp); the rest repeats the reference's
// double arithmetic.
const FWD_TOL: Record<DT, number> = { float32: 2e-6, float64: 1e-13 };
const BWD_TOL: Record<DT, number> = { float32: 1e-6, float64: 1e-13 };

ntest(
  "native gate kernels equal the TypeScript ones: forward, every mode, dtype, lengths, bias, alias",
  (k) => {
    for (const c of cases([
      [5, 13],
      [3, 1],
      [4, 32],
    ]))
      compare(
        forwardArgs(c),
        (g, a) => g.recurrentGatesForward(c.mode, a),
        k,
        FWD_TOL[c.dtype],
        `forward ${label(c)}`,
      );
  },
);

ntest(
  "native gate kernels equal the TypeScript ones: backward, every mode, dtype, lengths, bias, alias",
  (k) => {
    for (const c of cases([
      [5, 13],
      [3, 1],
      [4, 32],
    ]))
      compare(
        backwardArgs(c),
        (g, a) => g.recurrentGatesBackward(c.mode, a),
        k,
        BWD_TOL[c.dtype],
        `backward ${label(c)}`,
      );
  },
);

ntest("native gate kernels at a size that runs on the thread pool", (k) => {
  for (const mode of MODES)
    for (const lengths of [false, true]) {
      const c: Case = { mode, dtype: "float32", B: 64, H: 1024, lengths, bias: true, alias: true };
      compare(
        forwardArgs(c),
        (g, a) => g.recurrentGatesForward(mode, a),
        k,
        FWD_TOL.float32,
        `forward ${label(c)}`,
      );
      compare(
        backwardArgs(c),
        (g, a) => g.recurrentGatesBackward(mode, a),
        k,
        BWD_TOL.float32,
        `backward ${label(c)}`,
      );
    }
});

ntest("an empty step (B = 0 or H = 0) is a no-op", (k) => {
  for (const mode of MODES)
    for (const [B, H] of [
      [0, 4],
      [3, 0],
    ]) {
      const c: Case = { mode, dtype: "float32", B, H, lengths: true, bias: true, alias: true };
      compare(forwardArgs(c), (g, a) => g.recurrentGatesForward(mode, a), k, 0, `forward ${label(c)}`);
      compare(backwardArgs(c), (g, a) => g.recurrentGatesBackward(mode, a), k, 0, `backward ${label(c)}`);
    }
});

ntest("overlaps other than act = xp and dxp = act, and short arrays, run the TypeScript kernels", (k) => {
  const base: Case = { mode: "lstm", dtype: "float32", B: 3, H: 5, lengths: false, bias: true, alias: true };
  const declined = (a: object, run: (g: RecurrentGateKernels, a: never) => void, what: string) => {
    const ref = cloneArgs(a);
    const nat = cloneArgs(a);
    run(jsGateKernels, ref.args as never);
    assert.equal(
      countFallbacks(() => run(k, nat.args as never)),
      1,
      `${what}: expected the TypeScript kernel`,
    );
    assertArraysClose(nat.arrays, ref.arrays, 0, what);
  };
  const fwd = (g: RecurrentGateKernels, a: GateForwardArgs) => g.recurrentGatesForward("lstm", a);
  const bwd = (g: RecurrentGateKernels, a: GateBackwardArgs) => g.recurrentGatesBackward("lstm", a);
  // act one element after xp: element j's activation would overwrite element j+1's input first.
  const f1 = forwardArgs(base);
  declined({ ...f1, actOff: f1.xpOff + 1 }, fwd, "act shifted against xp");
  // h_t written over h_{t-1}.
  declined({ ...forwardArgs(base), hOut: 1 * 15 + 2 }, fwd, "hOut overlapping hPrev");
  // dc_{t-1} written over dc_t.
  const b1 = backwardArgs(base);
  declined({ ...b1, dcPrev: b1.dc }, bwd, "dcPrev = dc");
  // dh_{t-1} written over dh_t.
  const b2 = backwardArgs({ ...base, alias: false });
  declined({ ...b2, dhPrev: b2.dh }, bwd, "dhPrev = dh");
  // A bias shorter than G·H.
  const f2 = forwardArgs(base);
  declined({ ...f2, bx: f2.bx!.subarray(0, 7) }, fwd, "short bias");
  // Mixed float kinds.
  const f3 = forwardArgs(base);
  declined({ ...f3, hh: Float64Array.from(f3.hh) }, fwd, "float64 hh with float32 states");
});

ntest(
  "the fused layers give the same results with the native gate kernels as with the TypeScript ones",
  () => {
    const backendObj: RecurrentGateKernels = kernels();
    for (const mode of MODES)
      for (const dtype of DTYPES) {
        const run = (useNative: boolean) => {
          gs.manualSeed(3);
          const G = GATES[mode] * 6;
          const r = (shape: number[], scale = 1) => gs.randn(shape, { dtype }).mul(scale).requiresGrad_();
          const xs = [
            r([4, 3, 5]),
            r([G, 5], 0.5),
            r([G, 6], 0.5),
            r([G], 0.3),
            r([G], 0.3),
            r([3, 6]),
            r([3, 6]),
          ];
          const saved = { f: backendObj.recurrentGatesForward, b: backendObj.recurrentGatesBackward };
          if (!useNative) {
            backendObj.recurrentGatesForward = jsGateKernels.recurrentGatesForward;
            backendObj.recurrentGatesBackward = jsGateKernels.recurrentGatesBackward;
          }
          try {
            const out = recurrentLayer(
              mode,
              xs[0],
              xs[1],
              xs[2],
              xs[3],
              xs[4],
              xs[5],
              mode === "lstm" ? xs[6] : null,
              {
                lengths: Int32Array.from([4, 2, 3]),
              },
            );
            out.output
              .mul(gs.linspace(-1, 1, out.output.numel(), { dtype }).reshape(out.output.shape))
              .sum()
              .backward();
            return [out.output, ...(mode === "lstm" ? xs : xs.slice(0, 6)).map((x) => x.grad!)];
          } finally {
            backendObj.recurrentGatesForward = saved.f;
            backendObj.recurrentGatesBackward = saved.b;
          }
        };
        const a = run(true);
        const b = run(false);
        const tol = dtype === "float64" ? 1e-12 : 2e-5;
        a.forEach((x, i) => {
          const d = x.sub(b[i]).abs().max().item();
          assert.ok(
            d <= tol * (1 + b[i].abs().max().item()),
            `${mode} ${dtype} tensor ${i}: difference ${d}`,
          );
        });
      }
  },
);
