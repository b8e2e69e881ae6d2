/**
 * One GPT training step on the webgpu device as the host-cost bench and test/webgpu/host-calls.test.ts
 * record it: forward, backward, clipping at 1.0, AdamW, then the batch submitted; and a garbage
 * collection that hands a step's buffers back to the pool (V8 sees the tensors' wrappers, not the
 * GPU's bytes, so large shapes would otherwise wait for a collection with gigabytes outstanding).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as gs from "../src/index.js";
import { backendFor } from "../src/tensor/device.js";
import type { WebGpuBackend } from "../src/backend/webgpu/backend.js";
import type { GpuContext } from "../src/backend/webgpu/context.js";

setFlagsFromString("--expose-gc");
export const collectGarbage = runInNewContext("gc") as () => void;

export type GptShape = Omit<gs.models.GPTConfig, "bias">;

/** A model and batch on the device, and `step()`, which records one training step and submits it. */
export function gpuGptStep(
  shape: GptShape,
  batch: number,
  seed: number,
): { step: () => void; ctx: GpuContext } {
  gs.manualSeed(seed);
  const model = new gs.models.GPT({ ...shape, bias: false }).to("webgpu");
  const opt = model.configureOptimizers({ weightDecay: 0.1, lr: 6e-4, betas: [0.9, 0.95] });
  const x = gs.randint(0, shape.vocabSize, [batch, shape.blockSize], { dtype: "int32" }).to("webgpu");
  const y = gs.randint(0, shape.vocabSize, [batch, shape.blockSize], { dtype: "int32" }).to("webgpu");
  const ctx = (backendFor("webgpu") as WebGpuBackend).context;
  const step = () => {
    const { loss } = model.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    gs.nn.utils.clipGradNorm_(model.parameters(), 1.0);
    opt.step();
    ctx.flush();
  };
  return { step, ctx };
}
