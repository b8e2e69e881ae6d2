/**
 * A GPT training step on the webgpu device with nanoGPT's shakespeare_char GPU recipe shapes (6 layers,
 * 6 heads, 384 wide, block 256, batch 64, vocab 65, dropout 0.2, AdamW, gradient clipping 1.0): ms per
 * step over `--steps` steps after `--warm` untimed ones, the loss read back once at the end (nothing
 * waits for the GPU inside a step: clipGradNorm_ scales the gradients on the device). PyTorch fp32 eager on the H200:
 * 31.5 ms/step (../shared/gpu/h200-2026-12-04.txt).
 *   node build/bench/webgpu-gpt.js
 *   node build/bench/webgpu-gpt.js --swiftshader --layers=1 --heads=2 --embd=32 --block=16 --batch=2 --steps=2 --warm=1
 */
import * as gs from "../src/index.js";
import { benchArgs } from "./args.js";
import { GPU_OPTIONS, initBenchGpu } from "./webgpu-init.js";

const { options } = benchArgs({
  usage: "node build/bench/webgpu-gpt.js [options]",
  options: {
    ...GPU_OPTIONS,
    layers: { type: "integer", default: 6, description: "transformer blocks" },
    heads: { type: "integer", default: 6, description: "attention heads" },
    embd: { type: "integer", default: 384, description: "embedding width" },
    block: { type: "integer", default: 256, description: "context length" },
    vocab: { type: "integer", default: 65, description: "vocabulary size" },
    batch: { type: "integer", default: 64, description: "batch size" },
    steps: { type: "integer", default: 20, description: "timed steps" },
    warm: { type: "integer", default: 3, description: "untimed steps first" },
    dropout: { type: "number", default: 0.2, description: "dropout" },
    clip: { type: "number", default: 1.0, description: "gradient clipping norm (0: none)" },
  },
});
const info = await initBenchGpu(options);
const shape = {
  nLayer: options.layers,
  nHead: options.heads,
  nEmbd: options.embd,
  blockSize: options.block,
  vocabSize: options.vocab,
  bias: false,
};
const { batch, steps, warm } = options;

interface Recipe {
  dropout: number;
  clip: number;
}

/** Mean ms per step of `steps` timed steps, and the last loss. */
async function timeSteps(r: Recipe): Promise<{ ms: number; loss: number }> {
  gs.manualSeed(1337);
  const model = new gs.models.GPT({ ...shape, dropout: r.dropout }).to("webgpu");
  const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 1e-3, betas: [0.9, 0.99] });
  const batches = Array.from({ length: 4 }, () => ({
    x: gs.randint(0, shape.vocabSize, [batch, shape.blockSize], { dtype: "int32" }).to("webgpu"),
    y: gs.randint(0, shape.vocabSize, [batch, shape.blockSize], { dtype: "int32" }).to("webgpu"),
  }));
  let last: gs.Tensor | null = null;
  const step = (i: number) => {
    const { x, y } = batches[i % batches.length];
    const { loss } = model.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    if (r.clip > 0) gs.nn.utils.clipGradNorm_(model.parameters(), r.clip);
    opt.step();
    last = loss!.detach();
  };
  for (let i = 0; i < warm; i++) step(i);
  await last!.itemAsync();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step(i);
  const loss = await last!.itemAsync();
  return { ms: (performance.now() - t0) / steps, loss };
}

const ran: Recipe = { dropout: options.dropout, clip: options.clip };
const result = await timeSteps(ran);
console.log(
  `GPT step (L${shape.nLayer} H${shape.nHead} E${shape.nEmbd} T${shape.blockSize} B${batch}, dropout ${ran.dropout}, clip ${ran.clip}): ${result.ms.toFixed(2)} ms/step, loss ${result.loss.toFixed(4)}`,
);
console.log(JSON.stringify({ bench: "webgpu-gpt", adapter: info, shape, batch, steps, ran, ...result }));
