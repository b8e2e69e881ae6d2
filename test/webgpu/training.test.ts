// Training on webgpu: a tiny MLP and a tiny GPT take the same steps as on the CPU (losses within
// 1e-4 relative: float32 sums in another order), and GPU memory stays flat over many steps of a loop
// written as for the CPU (no dispose calls): buffers return to the pool when their tensors are collected.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as gs from "../../src/index.js";
import { GPU, initWebGpu } from "./setup.js";
import { gptLosses } from "./gpt-losses.js";

before(initWebGpu);

/** Losses of `steps` AdamW steps of a 2-layer MLP on fixed data, on `device`. */
async function mlpLosses(
  device: string,
  steps: number,
  after?: (step: number) => Promise<void>,
): Promise<number[]> {
  gs.manualSeed(11);
  const x = gs.randn([16, 6]).to(device);
  const y = gs.randint(0, 3, [16]).to(device);
  const model = new gs.nn.Sequential(new gs.nn.Linear(6, 12), new gs.nn.GELU(), new gs.nn.Linear(12, 3)).to(
    device,
  );
  const opt = new gs.optim.AdamW(model.parameters(), { lr: 0.05 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = gs.nn.functional.crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(await loss.itemAsync());
    await after?.(i);
  }
  return losses;
}

function assertLossesClose(got: number[], want: number[], what: string): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++)
    assert.ok(
      Math.abs(got[i] - want[i]) <= 1e-4 * Math.max(1, Math.abs(want[i])),
      `${what} step ${i}: ${got[i]} vs ${want[i]}`,
    );
}

test("a tiny MLP trains on webgpu with the CPU's losses", async () => {
  const cpu = await mlpLosses("cpu", 6);
  const gpu = await mlpLosses(GPU, 6);
  assertLossesClose(gpu, cpu, "MLP");
  assert.ok(gpu[5] < gpu[0], "the loss goes down");
});

test("a tiny GPT trains on webgpu with the CPU's losses", async () => {
  const cpu = await gptLosses(gs, "cpu", 4);
  const gpu = await gptLosses(gs, GPU, 4);
  assertLossesClose(gpu, cpu, "GPT");
  assert.ok(gpu[3] < gpu[0], "the loss goes down");
});

test("GPU memory stays flat over many training steps without dispose calls", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const settle = async () => {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0)); // FinalizationRegistry callbacks run
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  const held: number[] = [];
  await mlpLosses(GPU, 40, async () => {
    await settle();
    const m = gs.webgpu.memory();
    held.push(m.live + m.pooled);
  });
  const { live } = gs.webgpu.memory();
  assert.ok(live > 0);
  // After the first steps fill the pool, every later step reuses its buffers: nothing new is allocated.
  assert.equal(held[39], held[5], `live + pooled bytes per step: ${held.join(" ")}`);
});
