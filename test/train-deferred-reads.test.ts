// The training loop on a device the host cannot read synchronously ("async-cpu": cpu-js kernels behind
// asynchronous reads, as on a GPU): the same steps and checkpoints as on the CPU, one readback per log
// interval instead of one per step, clipping without a readback, and the NaN policy's meaning kept
// (a NaN found at the next readback names its step; "skip" reads every step and skips exactly it).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as gs from "../src/index.js";
import { Linear } from "../src/nn/layers/linear.js";
import { SGD } from "../src/optim/sgd.js";
import type { Optimizer } from "../src/optim/optimizer.js";
import { loadCheckpoint } from "../src/io/checkpoint.js";
import { readJsonl } from "../src/io/metrics.js";
import { trainLoop, trainLoopAsync, type LoopOptions, type Trainer } from "../src/train/loop.js";
import { RunRecorder } from "../src/train/recorder.js";
import { ASYNC_DEVICE, makeAsyncBackend } from "./helpers/async-device.js";

const backend = makeAsyncBackend();
const read = backend.read;
let reads = 0;
backend.read = (...args) => (reads++, read(...args));
gs.registerDevice(backend);
after(() => gs.unregisterDevice(ASYNC_DEVICE));

const tmp = () => mkdtempSync(path.join(tmpdir(), "gs-deferred-"));

type Batch = { x: gs.Tensor; y: gs.Tensor };

/** Linear regression on `device`; the loss of step `nanAt` is NaN. Evaluation returns a tensor for the loop to read. */
function regression(device: string, nanAt = -1, optimizer: "adamw" | "sgd" = "adamw"): Trainer<Batch> {
  gs.manualSeed(0);
  const model = new Linear(3, 1).to(device);
  let steps = 0;
  const params = model.parameters();
  return {
    name: "train test",
    description: "linear regression",
    model,
    optimizer: (optimizer === "sgd"
      ? new SGD(params, { lr: 0.05, momentum: 0.9, weightDecay: 0.01 })
      : new gs.optim.AdamW(params, { lr: 0.05 })) as unknown as Optimizer,
    config: { what: "test" },
    nextBatch: () => {
      const x = gs.randn([4, 3]);
      return { x: x.to(device), y: x.sum(1, true).to(device) };
    },
    loss: ({ x, y }) => {
      const loss = model.forward(x).sub(y).square().mean();
      return { loss: steps++ === nanAt ? loss.mul(NaN) : loss, tokens: 4 };
    },
    // A tensor: the loop reads it (one readback on a device).
    evaluate: () => ({ val: gs.noGrad(() => model.weight.sub(1).square().sum()) }),
    lr: (iter) => 0.05 / (1 + iter),
  };
}

const options = (outDir: string | null, o: Partial<LoopOptions> = {}): LoopOptions => ({
  schedule: { kind: "iterations", maxIters: 20, evalInterval: 10 },
  recorder: new RunRecorder(outDir),
  title: "test",
  ...o,
});

const metrics = (dir: string) => readJsonl<Record<string, number | string>>(path.join(dir, "metrics.jsonl"));
const losses = (dir: string) =>
  metrics(dir)
    .filter((m) => m.split === "train")
    .map((m) => m.loss as number);

/** |got − want| ≤ 1e-5·max(1, |want|): cpu-js kernels behind the device, the native ones in the native pass. */
function assertClose(got: number, want: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);
}

test("on a device, the loop takes the CPU's steps and writes the CPU's metrics and checkpoint", async () => {
  const [cpuDir, devDir] = [tmp(), tmp()];
  const cpu = trainLoop(regression("cpu"), options(cpuDir, { logInterval: 3 }));
  const dev = await trainLoopAsync(regression(ASYNC_DEVICE), options(devDir, { logInterval: 3 }));
  assertClose(dev.bestVal, cpu.bestVal, "best");
  const [want, got] = [cpuDir, devDir].map(metrics);
  assert.equal(got.length, want.length);
  got.forEach((row, i) => {
    assert.deepEqual(Object.keys(row), Object.keys(want[i]), `metrics line ${i}`);
    for (const [k, v] of Object.entries(row))
      if (k === "ms" || k === "seconds") continue;
      else if (typeof v === "number" && k !== "iter") assertClose(v, want[i][k] as number, `line ${i} ${k}`);
      else assert.equal(v, want[i][k], `line ${i} ${k}`);
  });
  const [a, b] = [cpuDir, devDir].map((d) => loadCheckpoint(path.join(d, "checkpoint.safetensors")));
  assert.deepEqual(Object.keys(b.model), Object.keys(a.model));
  for (const k of Object.keys(a.model)) {
    assert.equal(b.model[k].device, "cpu", "a checkpoint holds CPU tensors");
    const [x, y] = [a.model[k], b.model[k]].map((t) => Array.from(t.dataSync(), Number));
    x.forEach((v, i) => assertClose(y[i], v, `${k}[${i}]`));
  }
  const shape = (o: unknown) => JSON.stringify(o, (_, v) => (v instanceof gs.Tensor ? v.shape : v));
  assert.equal(shape(b.optimizer), shape(a.optimizer));
});

test("SGD with momentum and weight decay updates parameters on a device within float32 of the CPU", async () => {
  const [cpuDir, devDir] = [tmp(), tmp()];
  trainLoop(regression("cpu", -1, "sgd"), options(cpuDir));
  await trainLoopAsync(regression(ASYNC_DEVICE, -1, "sgd"), options(devDir));
  const [want, got] = [cpuDir, devDir].map(losses);
  assert.equal(got.length, 20);
  want.forEach((w, i) => assertClose(got[i], w, `step ${i}`));
  assert.ok(got[19] < got[0] / 2, "it trains");
});

test("gradient clipping runs on the device, within float32 of the CPU's clipping", async () => {
  const [cpuDir, devDir, plainDir] = [tmp(), tmp(), tmp()];
  trainLoop(regression("cpu"), options(plainDir));
  trainLoop(regression("cpu"), options(cpuDir, { gradClip: 0.1 }));
  await trainLoopAsync(regression(ASYNC_DEVICE), options(devDir, { gradClip: 0.1 }));
  const losses = (d: string) =>
    metrics(d)
      .filter((m) => m.split === "train")
      .map((m) => m.loss as number);
  const [want, got] = [losses(cpuDir), losses(devDir)];
  assert.equal(got.length, 20);
  want.forEach((w, i) => assertClose(got[i], w, `step ${i}`));
  assert.notDeepEqual(losses(plainDir), want, "clipping changed the run");
});

test("one readback per log interval: 20 steps logged every 10 read back 3 times, not 20", async () => {
  for (const [logInterval, most, least] of [
    [10, 3, 1],
    [1, 20, 20],
  ]) {
    reads = 0;
    let atLastStep = -1;
    const schedule = { kind: "iterations", maxIters: 20, evalInterval: 100 } as const; // evaluated at the end only
    await trainLoopAsync(regression(ASYNC_DEVICE), options(null, { logInterval, schedule }), {
      onStep: (s) => {
        if (s.iter === 19) atLastStep = reads;
      },
    });
    assert.ok(
      atLastStep >= least && atLastStep <= most,
      `log_interval ${logInterval}: ${atLastStep} readbacks during 20 steps`,
    );
  }
});

test('a NaN found at a deferred readback names its step and the step it was read after; "stop" saves nothing', async () => {
  const out = tmp();
  await assert.rejects(
    trainLoopAsync(regression(ASYNC_DEVICE, 3), options(out, { logInterval: 5 })),
    new RegExp(
      `^Error: train test: the training loss is NaN at step 3, read back after step 6 \\(${ASYNC_DEVICE} reads once per log interval\\); stopped without saving a checkpoint`,
    ),
  );
  assert.equal(existsSync(path.join(out, "checkpoint.safetensors")), false);
});

test('"skip" on a device skips exactly the CPU\'s step, reading every step', async () => {
  const cpu = trainLoop(regression("cpu", 3), options(null, { nanPolicy: "skip" }));
  reads = 0;
  const dev = await trainLoopAsync(
    regression(ASYNC_DEVICE, 3),
    options(null, { nanPolicy: "skip", logInterval: 10 }),
  );
  assert.equal(dev.skipped, 1);
  assertClose(dev.bestVal, cpu.bestVal, "best");
  assert.ok(reads >= 20, `${reads} readbacks`);
});
