// Training on webgpu: a tiny MLP and a tiny GPT take the same steps as on the CPU (losses within
// 1e-4 relative: float32 sums in another order), and GPU memory stays flat over many steps of a loop
// written as for the CPU (no dispose calls): buffers return to the pool when their tensors are collected.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as gs from "../../src/index.js";
import { GPU, initWebGpu } from "./setup.js";

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

const TEXT = "First Citizen: Before we proceed any further, hear me speak. All: Speak, speak.";

/** Losses of a 1-layer GPT trained with AdamW on fixed windows of TEXT (as test/helpers/tiny-training.ts). */
async function gptLosses(device: string, steps: number): Promise<number[]> {
  gs.manualSeed(1337);
  const tok = gs.text.CharTokenizer.fromText(TEXT);
  const ids = tok.encode(TEXT);
  const T = 8;
  const starts = [0, 13, 29, 45];
  const window = (offset: number) => starts.flatMap((s) => ids.slice(s + offset, s + offset + T));
  const x = gs.tensor(window(0), { dtype: "int32", device }).reshape([starts.length, T]);
  const y = gs.tensor(window(1), { dtype: "int32", device }).reshape([starts.length, T]);
  const config = { blockSize: T, vocabSize: tok.vocabSize, nLayer: 1, nHead: 2, nEmbd: 16, dropout: 0 };
  const model = new gs.models.GPT(config).to(device);
  const opt = new gs.optim.AdamW(model.parameters(), { lr: 1e-2, weightDecay: 0.1 });
  const losses: gs.Tensor[] = [];
  for (let i = 0; i < steps; i++) {
    const { loss } = model.forward(x, y);
    losses.push(loss!.detach());
    opt.zeroGrad();
    loss!.backward();
    opt.step();
  }
  // Read once at the end: nothing waits for the GPU during the steps.
  return Promise.all(losses.map((l) => l.itemAsync()));
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
  const cpu = await gptLosses("cpu", 4);
  const gpu = await gptLosses(GPU, 4);
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
