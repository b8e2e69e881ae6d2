/**
 * Issue 14's memory check: a GPT trained on the webgpu device with a loop written exactly as for the CPU
 * (no dispose calls, no forced garbage collection; the loss read back every --log steps, as a training log
 * does) for --steps steps, printing the device's live and pooled bytes every --every steps. It exits 1 when
 * the last reading holds more than 1.25× the bytes of the reading after the first --every steps.
 *   node build/bench/webgpu-memory.js                         # nanoGPT's CPU-recipe shapes, 10,000 steps
 *   node build/bench/webgpu-memory.js --swiftshader --layers=1 --heads=2 --embd=32 --block=16 --batch=4
 *   node build/bench/webgpu-memory.js --swiftshader --layers=1 --heads=2 --embd=32 --block=16 --batch=4 --dropout=0.2
 */
import * as gs from "../src/index.js";
import { benchArgs } from "./args.js";
import { GPU_OPTIONS, initBenchGpu } from "./webgpu-init.js";

const { options } = benchArgs({
  usage: "node build/bench/webgpu-memory.js [options]",
  options: {
    ...GPU_OPTIONS,
    layers: { type: "integer", default: 4, description: "transformer blocks" },
    heads: { type: "integer", default: 4, description: "attention heads" },
    embd: { type: "integer", default: 128, description: "embedding width" },
    block: { type: "integer", default: 64, description: "context length" },
    dropout: { type: "number", default: 0, description: "dropout" },
    batch: { type: "integer", default: 12, description: "batch size" },
    steps: { type: "integer", default: 10_000, description: "training steps" },
    every: { type: "integer", default: 1000, description: "steps between memory readings" },
    log: { type: "integer", default: 100, description: "steps between loss read-backs" },
  },
});
await initBenchGpu(options);
const shape = {
  nLayer: options.layers,
  nHead: options.heads,
  nEmbd: options.embd,
  blockSize: options.block,
  vocabSize: 65,
  dropout: options.dropout,
  bias: false,
};
const { batch, steps, every, log } = options;

gs.manualSeed(1337);
const model = new gs.models.GPT(shape).to("webgpu");
const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 1e-3, betas: [0.9, 0.99] });
const x = gs.randint(0, shape.vocabSize, [batch, shape.blockSize], { dtype: "int32" }).to("webgpu");
const y = gs.randint(0, shape.vocabSize, [batch, shape.blockSize], { dtype: "int32" }).to("webgpu");
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
const readings: number[] = [];
const t0 = performance.now();
for (let step = 1; step <= steps; step++) {
  const { loss } = model.forward(x, y);
  opt.zeroGrad();
  loss!.backward();
  gs.nn.utils.clipGradNorm_(model.parameters(), 1.0);
  opt.step();
  if (step % log === 0 || step % every === 0) {
    const value = await loss!.itemAsync();
    if (step % every === 0) {
      const m = gs.webgpu.memory();
      readings.push(m.live + m.pooled);
      const s = ((performance.now() - t0) / 1000).toFixed(0);
      console.log(
        `step ${step}: loss ${value.toFixed(4)}, live ${mib(m.live)} MiB, pooled ${mib(m.pooled)} MiB (${s} s)`,
      );
    }
  }
}
const [first, last] = [readings[0], readings[readings.length - 1]];
console.log(`live + pooled: ${mib(first)} MiB after ${every} steps, ${mib(last)} MiB after ${steps}`);
if (last > 1.25 * first) {
  console.error(`memory grew ${(last / first).toFixed(2)}× over the run`);
  process.exit(1);
}
