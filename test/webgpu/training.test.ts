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
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { backendFor } from "../../src/tensor/device.js";
import type { TrainHooks } from "../../src/train/loop.js";
import { trainGPTAsync } from "../../src/train/gpt-train.js";

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

test("a tiny GPT with dropout trains on webgpu with the CPU's losses (the same masks, drawn in the kernels)", async () => {
  // The CPU composes attention (its dropout kernel on the T×T probabilities); webgpu drops inside the
  // fused kernel: the same generator draws give the same masks.
  const cpu = await gptLosses(gs, "cpu", 4, 0.2);
  const gpu = await gptLosses(gs, GPU, 4, 0.2);
  assertLossesClose(gpu, cpu, "GPT with dropout");
  const plain = await gptLosses(gs, "cpu", 4);
  assert.notDeepEqual(cpu, plain, "dropout changes the losses");
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

/** A tiny `train gpt` run on webgpu through the CLI's program, with a hook per step. */
async function gptRun(steps: number, logInterval: number, hooks: TrainHooks = {}): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-webgpu-loop-"));
  const text = path.join(dir, "text.txt");
  writeFileSync(text, "to be or not to be, that is the question. ".repeat(20));
  await trainGPTAsync(
    {
      data_path: text,
      out_dir: dir,
      max_iters: steps,
      eval_interval: 1000, // evaluated at the start and the end only
      eval_iters: 1,
      log_interval: logInterval,
      n_layer: 1,
      n_head: 2,
      n_embd: 16,
      block_size: 8,
      batch_size: 4,
      device: GPU,
    },
    hooks,
  );
}

test("train gpt on webgpu reads back once per log interval, not once per step", async () => {
  const be = backendFor(GPU);
  const read = be.read;
  let reads = 0;
  be.read = (...args) => (reads++, read(...args));
  try {
    for (const [logInterval, most] of [
      [10, 3],
      [1, 20],
    ]) {
      let atStart = 0;
      let duringSteps = -1;
      await gptRun(20, logInterval, {
        onStart: () => (atStart = reads),
        onStep: (s) => {
          if (s.iter === 19) duringSteps = reads - atStart;
        },
      });
      // The evaluation at step 0 reads once; steps 0, 10 and the end each start one read of the losses.
      assert.ok(
        duringSteps >= 1 && duringSteps <= most + 1,
        `log_interval ${logInterval}: ${duringSteps} readbacks`,
      );
      if (logInterval === 1)
        assert.ok(duringSteps >= 20, `${duringSteps} readbacks when every step is logged`);
    }
  } finally {
    be.read = read;
  }
});

test("GPU memory stays flat over many steps of the CLI's training loop", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const held: number[] = [];
  await gptRun(60, 1, {
    onStep: () => {
      gc();
      const m = gs.webgpu.memory();
      held.push(m.live + m.pooled);
    },
  });
  assert.equal(held.length, 60);
  const late = held.slice(20);
  assert.ok(Math.max(...late) <= held[20], `live + pooled bytes per step: ${held.join(" ")}`);
});
