/**
 * The wasm backend's sgemm beside the native addon's, interleaved in one process on sgemm 1024³ and
 * the GEMM shapes of the GPT, char-LSTM and MLP steps (GPT: forward A·B, backward A·Bᵀ and Aᵀ·B; the
 * others as their steps call them):
 * `GRADSTACK_NUM_THREADS=1 node build/bench/gemm-wasm.js [--rounds=5] [--only=sgemm,gpt,lstm,mlp]
 * [--module=FILE.wasm] [--no-native]`. Each round times native then wasm (the order flips every
 * round) for about 40 ms each, so the machine's load hits both alike; prints per shape the median
 * GFLOP/s over rounds by the process's CPU time (steadier on a loaded machine; with threads it counts
 * them all) and by the wall clock, and wasm/native's median (min–max over rounds). The module is
 * wasm/'s variant for this engine (GRADSTACK_WASM_RELAXED=1 asks for relaxed SIMD on Node 20), or
 * FILE.wasm; threads: GRADSTACK_NUM_THREADS for both.
 */
import { readFileSync } from "node:fs";
import * as gs from "../src/index.js";
import { loadNative } from "../src/backend/native.js";
import type { Backend, MatmulParams } from "../src/backend/types.js";
import { loadWasmSync, loadedWasm } from "../src/backend/wasm/load.js";
import { median } from "./workloads.js";
import { benchArgs } from "./args.js";

const { options } = benchArgs({
  usage: "GRADSTACK_NUM_THREADS=1 node build/bench/gemm-wasm.js [options]",
  options: {
    rounds: { type: "integer", default: 5, description: "rounds, each timing native then wasm (flipping)" },
    only: {
      type: "list",
      default: "sgemm,gpt,lstm,mlp",
      choices: ["sgemm", "gpt", "lstm", "mlp"],
      description: "shape groups",
    },
    module: { type: "string", value: "FILE.wasm", description: "the wasm module (default: wasm/'s variant)" },
    "no-native": { type: "boolean", description: "time wasm alone" },
  },
});

interface Shape {
  group: string;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
}

/** A shape's forward product and its two backward products (dA = dC·Bᵀ, dB = Aᵀ·dC). */
function withBackward(group: string, m: number, n: number, k: number): Shape[] {
  return [
    { group, m, n, k },
    { group, m, n: k, k: n, transB: true },
    { group, m: k, n, k: m, transA: true },
  ];
}

/** nn.Linear's products as a step calls them: y = x·Wᵀ, dx = dy·W, dW = dyᵀ·x (W is out × in). */
function linear(group: string, rows: number, out: number, inputs: number): Shape[] {
  return [
    { group, m: rows, n: out, k: inputs, transB: true },
    { group, m: rows, n: inputs, k: out },
    { group, m: out, n: inputs, k: rows, transA: true },
  ];
}

const SHAPES: Shape[] = [
  { group: "sgemm", m: 1024, n: 1024, k: 1024 },
  // GPT (B12 T64 = 768 tokens, E128): q/k/v/proj, MLP up and down, the 65-character head.
  ...withBackward("gpt", 768, 128, 128),
  ...withBackward("gpt", 768, 512, 128),
  ...withBackward("gpt", 768, 128, 512),
  ...withBackward("gpt", 768, 65, 128),
  // char-LSTM (B32 T64 E64 H256, vocabulary 65): the input projection and the head, the W_hh gradient
  // of the whole sequence, and one recurrent step's product.
  ...linear("lstm", 2048, 1024, 64),
  ...linear("lstm", 2048, 65, 256),
  { group: "lstm", m: 1024, n: 256, k: 2048, transA: true },
  { group: "lstm", m: 32, n: 1024, k: 256 },
  // MLP 784-256-10, B128 (no gradient for the input).
  ...linear("mlp", 128, 256, 784).filter((s) => s.transA || s.transB),
  ...linear("mlp", 128, 10, 256),
];

const label = (s: Shape) =>
  `${s.group} M${s.m} N${s.n} K${s.k} ${s.transA ? "Aᵀ" : "A"}·${s.transB ? "Bᵀ" : "B"}`;

type Matmul = NonNullable<Backend["matmul"]>;

/** A call of the shape on `alloc`'s arrays (the wasm backend's live in its memory: no staging). */
function call(matmul: Matmul, alloc: (n: number) => Float32Array, s: Shape): () => void {
  const a = alloc(s.m * s.k);
  const b = alloc(s.k * s.n);
  const out = alloc(s.m * s.n);
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(i);
  for (let i = 0; i < b.length; i++) b[i] = Math.cos(i);
  const p: MatmulParams = {
    batch: 1,
    m: s.m,
    n: s.n,
    k: s.k,
    transA: s.transA ?? false,
    transB: s.transB ?? false,
    lda: s.transA ? s.m : s.k,
    ldb: s.transB ? s.k : s.n,
    aOffset: 0,
    bOffset: 0,
    aBatchStride: 0,
    bBatchStride: 0,
  };
  return () => matmul(a, b, out, p);
}

/** GFLOP/s of `fn` over about `ms` of CPU time, by CPU time and by the wall clock. */
function rate(fn: () => void, flop: number, ms: number): { cpu: number; wall: number } {
  fn();
  let calls = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let cpuMs = 0;
  do {
    fn();
    calls++;
    const c = process.cpuUsage(c0);
    cpuMs = (c.user + c.system) / 1000;
  } while (cpuMs < ms);
  const wallMs = performance.now() - t0;
  return { cpu: (flop * calls) / (cpuMs * 1e6), wall: (flop * calls) / (wallMs * 1e6) };
}

async function wasmBackend(): Promise<Backend> {
  const file = options.module;
  if (file === undefined) return loadWasmSync().backend;
  await gs.wasm.init({ module: readFileSync(file), activate: false });
  return loadedWasm()!.backend;
}

const wasm = await wasmBackend();
const native = options["no-native"] ? null : loadNative();
const sides: { name: string; call: (s: Shape) => () => void }[] = [
  { name: "wasm", call: (s) => call(wasm.matmul!, (n) => wasm.alloc("float32", n) as Float32Array, s) },
];
if (native !== null && "backend" in native && native.backend.matmul)
  sides.unshift({ name: "native", call: (s) => call(native.backend.matmul!, (n) => new Float32Array(n), s) });

const { only: groups, rounds } = options;
console.log(
  `wasm ${gs.wasm.info()?.isa ?? "?"} (${gs.wasm.info()?.gemmKernel ?? "?"}), ${wasm.threads} thread(s); ` +
    `${rounds} rounds; GFLOP/s median by CPU time | wall`,
);
console.log(`| shape | ${sides.map((s) => s.name).join(" | ")} | wasm/native cpu | wasm/native wall |`);
console.log(`|---|${sides.map(() => "---|").join("")}---|---|`);
for (const s of SHAPES.filter((s) => groups.includes(s.group))) {
  const flop = 2 * s.m * s.n * s.k;
  const calls = sides.map((side) => side.call(s));
  const got = sides.map(() => ({ cpu: [] as number[], wall: [] as number[] }));
  for (let r = 0; r < rounds; r++)
    for (let j = 0; j < sides.length; j++) {
      const i = r % 2 === 0 ? j : sides.length - 1 - j;
      const x = rate(calls[i], flop, 40);
      got[i].cpu.push(x.cpu);
      got[i].wall.push(x.wall);
    }
  const cells = got.map((g) => `${median(g.cpu).toFixed(1)} \\| ${median(g.wall).toFixed(1)}`);
  const ratio = (which: "cpu" | "wall") => {
    if (got.length < 2) return "";
    const rs = got[0][which].map((nat, r) => got[1][which][r] / nat);
    return `${median(rs).toFixed(2)} (${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)})`;
  };
  console.log(`| ${label(s)} | ${cells.join(" | ")} | ${ratio("cpu")} | ${ratio("wall")} |`);
}
process.exit(0);
