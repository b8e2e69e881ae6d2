/**
 * WGSL sgemm throughput: C = A·B in float32 on the webgpu device, square sizes, the kernel called
 * directly on resident buffers (no allocation in the loop), `--reps` products in one batch of work,
 * timed from the first record to the GPU's completion. Checks a few elements against float64 dot
 * products on the host. Prints one line per size and a JSON line.
 *   node build/bench/webgpu-sgemm.js                      # 1024, 2048, 4096 (the H200 target: 4096³)
 *   node build/bench/webgpu-sgemm.js --swiftshader --sizes=128 --reps=2   # a CPU-only machine
 */
import * as gs from "../src/index.js";
import { backendFor } from "../src/tensor/device.js";
import type { MatmulParams } from "../src/backend/types.js";
import { benchArgs } from "./args.js";
import { GPU_OPTIONS, initBenchGpu } from "./webgpu-init.js";

const { options } = benchArgs({
  usage: "node build/bench/webgpu-sgemm.js [options]",
  options: {
    ...GPU_OPTIONS,
    sizes: {
      type: "list",
      default: "1024,2048,4096",
      value: "N,N",
      pattern: /^[1-9][0-9]*$/,
      description: "square sizes N (N×N times N×N)",
    },
    reps: { type: "integer", default: 20, description: "products in one batch of work" },
  },
});
const sizes = options.sizes.map(Number);
const info = await initBenchGpu(options);
const reps = options.reps;
const gpu = backendFor("webgpu");
const results: { n: number; ms: number; tflops: number; maxRelError: number }[] = [];

for (const n of sizes) {
  gs.manualSeed(n);
  const a = gs.randn([n, n]);
  const b = gs.randn([n, n]);
  const [ag, bg] = [a.to("webgpu"), b.to("webgpu")];
  const out = gs.Tensor.empty([n, n], "float32", "webgpu");
  const p: MatmulParams = {
    batch: 1,
    m: n,
    n,
    k: n,
    transA: false,
    transB: false,
    lda: n,
    ldb: n,
    aOffset: 0,
    bOffset: 0,
    aBatchStride: 0,
    bBatchStride: 0,
  };
  const run = (times: number) => {
    for (let r = 0; r < times; r++) gpu.matmul(ag.storage, bg.storage, out.storage, p);
  };
  run(2); // compiles the pipeline and warms the clocks
  await gpu.sync();
  const t0 = performance.now();
  run(reps);
  await gpu.sync();
  const ms = (performance.now() - t0) / reps;
  const tflops = (2 * n ** 3) / (ms * 1e-3) / 1e12;
  // A few elements against float64 dot products.
  const c = (await out.data()) as Float32Array;
  const [ad, bd] = [a.storage as Float32Array, b.storage as Float32Array];
  let maxRelError = 0;
  for (let s = 0; s < 8; s++) {
    const i = (s * 7919) % n;
    const j = (s * 104729) % n;
    let want = 0;
    let scale = 0;
    for (let q = 0; q < n; q++) {
      want += ad[i * n + q] * bd[q * n + j];
      scale += Math.abs(ad[i * n + q] * bd[q * n + j]);
    }
    maxRelError = Math.max(maxRelError, Math.abs(c[i * n + j] - want) / Math.max(scale, 1e-30));
  }
  results.push({ n, ms, tflops, maxRelError });
  console.log(
    `sgemm ${n}³: ${ms.toFixed(3)} ms, ${tflops.toFixed(2)} TFLOP/s (max error ${maxRelError.toExponential(1)} of Σ|a·b|)`,
  );
  if (maxRelError > 1e-5) throw new Error(`sgemm ${n}³: wrong result (relative error ${maxRelError})`);
}
console.log(JSON.stringify({ bench: "webgpu-sgemm", adapter: info, reps, results }));
