// The one training loop: schedules, time budget, best/last checkpoints, the NaN policy, hook order and resuming.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadCheckpoint } from "../src/io/checkpoint.js";
import { readJsonl } from "../src/io/metrics.js";
import { trainLoop, type LoopOptions, type Trainer, type TrainHooks } from "../src/train/loop.js";
import { RunRecorder } from "../src/train/recorder.js";
import { repoRoot } from "./helpers/fixtures.js";
import { regression, type Batch } from "./helpers/regression-trainer.js";

const tmp = () => mkdtempSync(path.join(tmpdir(), "gs-loop-"));

/** Every hook call, in order, as a short string. */
function trace(): TrainHooks & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    onStart: (s) => log.push(`start ${s.startIter}/${s.totalIters}`),
    onStep: (s) =>
      log.push(s.epoch ? `step ${s.iter} e${s.epoch} b${s.batch}/${s.batches}` : `step ${s.iter}`),
    onEval: (e) => log.push(`eval ${e.iter}${e.epoch ? ` e${e.epoch}` : ""}${e.saved ? " saved" : ""}`),
  };
}

const options = (outDir: string | null, o: Partial<LoopOptions> = {}): LoopOptions => ({
  schedule: { kind: "iterations", maxIters: 5, evalInterval: 2 },
  recorder: new RunRecorder(outDir),
  title: "test",
  ...o,
});

test("iterations: hooks in order, evaluations on the interval and at the end, metrics every logInterval", () => {
  const out = tmp();
  const hooks = trace();
  const r = trainLoop(regression({ vals: [3, 2, 1] }), options(out, { logInterval: 2 }), hooks);
  assert.deepEqual(hooks.log, [
    "start 0/5",
    "step 0",
    "step 1",
    "eval 2 saved",
    "step 2",
    "step 3",
    "eval 4 saved",
    "step 4",
    "eval 5 saved",
  ]);
  assert.equal(r.iter, 5);
  assert.equal(r.stopped, false);
  const rows = readJsonl<{ iter: number; split: string; lr: number }>(path.join(out, "metrics.jsonl"));
  assert.deepEqual(
    rows.filter((m) => m.split === "train").map((m) => [m.iter, m.lr]),
    [0, 2, 4].map((i) => [i, 0.05 / (1 + i)]),
  );
  assert.deepEqual(
    rows.filter((m) => m.split === "eval").map((m) => m.iter),
    [2, 4, 5],
  );
  assert.match(readFileSync(path.join(out, "loss.svg"), "utf8"), /^<svg[\s\S]*polyline/);

  const atStart = trace();
  trainLoop(
    regression({ vals: [4, 3, 2] }),
    options(null, { schedule: { kind: "iterations", maxIters: 3, evalInterval: 2, evalAtStart: true } }),
    atStart,
  );
  assert.deepEqual(atStart.log, [
    "start 0/3",
    "eval 0",
    "step 0",
    "step 1",
    "eval 2 saved",
    "step 2",
    "eval 3 saved",
  ]);
});

test("epochs: evaluated every evalInterval epochs and at the end; the epoch's mean training loss; maxIters ends inside an epoch", () => {
  const hooks = trace();
  const losses: number[] = [];
  const r = trainLoop(
    regression({ vals: [2, 1] }),
    options(null, { schedule: { kind: "epochs", epochs: 3, evalInterval: 2 } }),
    { ...hooks, onStep: (s) => (hooks.onStep!(s), losses.push(s.loss)) },
  );
  assert.equal(r.iter, 12);
  assert.deepEqual(
    hooks.log.filter((l) => l.startsWith("eval")),
    ["eval 8 e2 saved", "eval 12 e3 saved"],
  );
  assert.equal(hooks.log[1], "step 0 e1 b1/4");
  const lastEpoch = losses.slice(8);
  assert.ok(Math.abs(r.evals[1].train - lastEpoch.reduce((a, b) => a + b) / 4) < 1e-12);

  const capped = trace();
  const c = trainLoop(
    regression({ vals: [2, 1] }),
    options(null, { schedule: { kind: "epochs", epochs: 3, maxIters: 6 } }),
    capped,
  );
  assert.deepEqual([c.iter, c.epoch, c.stopped], [6, 2, false]);
  assert.deepEqual(
    capped.log.filter((l) => l.startsWith("eval")),
    ["eval 4 e1 saved", "eval 6 e2 saved"],
  );
});

test("time budget: an iteration run stops early and ends with an evaluation", () => {
  const r = trainLoop(
    regression({ msPerStep: 20 }),
    options(null, {
      schedule: { kind: "iterations", maxIters: 1000, evalInterval: 1000 },
      maxSeconds: 0.1,
    }),
  );
  assert.equal(r.stopped, true);
  assert.ok(r.iter >= 1 && r.iter < 100, `${r.iter} steps`);
  assert.equal(r.lastEval!.iter, r.iter);
});

test("best checkpoints: saved only when validation improves, never for the untrained model; alwaysSave saves each time", () => {
  const out = tmp();
  const vals = [5, 3, 4, 2];
  const hooks = trace();
  trainLoop(
    regression({ vals }),
    options(out, { schedule: { kind: "iterations", maxIters: 3, evalInterval: 1, evalAtStart: true } }),
    hooks,
  );
  assert.deepEqual(
    hooks.log.filter((l) => l.startsWith("eval")),
    ["eval 0", "eval 1 saved", "eval 2", "eval 3 saved"],
  );
  const ckpt = loadCheckpoint(path.join(out, "checkpoint.safetensors"));
  assert.equal(ckpt.step, 3);
  assert.equal((ckpt.extra as { bestValLoss: number }).bestValLoss, 2);
  assert.deepEqual(ckpt.config, { what: "test" });
  assert.ok(!existsSync(path.join(out, "best.safetensors")));

  const always = tmp();
  const h2 = trace();
  trainLoop(
    regression({ vals }),
    options(always, {
      schedule: { kind: "iterations", maxIters: 3, evalInterval: 1, evalAtStart: true },
      alwaysSave: true,
    }),
    h2,
  );
  assert.deepEqual(
    h2.log.filter((l) => l.startsWith("eval")),
    ["eval 0", "eval 1 saved", "eval 2 saved", "eval 3 saved"],
  );
});

test("last+best checkpoints: the latest evaluation in checkpoint.safetensors, the best in best.safetensors", () => {
  const out = tmp();
  trainLoop(
    regression({ vals: [3, 1, 2] }),
    options(out, { schedule: { kind: "epochs", epochs: 3 }, checkpoints: "last+best" }),
  );
  assert.equal(loadCheckpoint(path.join(out, "checkpoint.safetensors")).step, 12);
  const best = loadCheckpoint(path.join(out, "best.safetensors"));
  assert.equal(best.step, 8);
  assert.equal((best.extra as { epoch: number }).epoch, 2);
});

test("NaN policy: a non-finite loss stops the run with an error naming the step, and is never saved", () => {
  const out = tmp();
  const hooks = trace();
  assert.throws(
    () =>
      trainLoop(
        regression({ nanAt: 3 }),
        options(out, { schedule: { kind: "iterations", maxIters: 10, evalInterval: 2 } }),
        hooks,
      ),
    /train test: the training loss is NaN at step 3; stopped without saving a checkpoint/,
  );
  assert.equal(hooks.log.at(-1), "step 2");
  assert.equal(
    loadCheckpoint(path.join(out, "checkpoint.safetensors")).step,
    2,
    "the last good checkpoint stays",
  );

  const evalOut = tmp();
  assert.throws(
    () =>
      trainLoop(
        regression({ vals: [Infinity] }),
        options(evalOut, { schedule: { kind: "epochs", epochs: 2 } }),
      ),
    /the validation loss is Infinity at step 4; stopped without saving a checkpoint/,
  );
  assert.ok(!existsSync(path.join(evalOut, "checkpoint.safetensors")));
});

test("a training command whose loss turns NaN exits non-zero and writes no checkpoint", () => {
  const dir = tmp();
  const names = path.join(dir, "names.txt");
  writeFileSync(
    names,
    "emma\nolivia\nava\nisabella\nsophia\nmia\namelia\nharper\nevelyn\nabigail\n".repeat(4),
  );
  const out = path.join(dir, "out");
  const r = spawnSync(
    process.execPath,
    [
      path.join(repoRoot, "build/src/cli/main.js"),
      "train",
      "bigram",
      "--method=neural",
      "--learning_rate=1e30",
      "--max_iters=20",
      `--data_path=${names}`,
      `--out_dir=${out}`,
    ],
    { encoding: "utf8" },
  );
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /train bigram: the training loss is NaN at step \d+/);
  assert.ok(!existsSync(path.join(out, "checkpoint.safetensors")));
});

test("resume: iterations and epochs (from the middle of one) continue bit-identically", () => {
  const weights = (t: Trainer<Batch>) => t.model.parameters().map((p) => Array.from(p.toArray()));
  const iterations = (maxIters: number) => ({ kind: "iterations" as const, maxIters, evalInterval: 3 });

  const straight = regression();
  trainLoop(straight, options(tmp(), { schedule: iterations(6) }));
  const dir = tmp();
  trainLoop(regression(), options(dir, { schedule: iterations(3) }));
  const resumed = regression();
  const hooks = trace();
  trainLoop(
    resumed,
    options(dir, {
      schedule: iterations(6),
      resumeFrom: loadCheckpoint(path.join(dir, "checkpoint.safetensors")),
    }),
    hooks,
  );
  assert.equal(hooks.log[0], "start 3/6");
  assert.deepEqual(weights(resumed), weights(straight));

  const epochs = { kind: "epochs" as const, epochs: 2, evalOnStop: false };
  const whole = regression();
  trainLoop(whole, options(tmp(), { schedule: epochs, checkpoints: "last+best" }));
  const cut = tmp();
  const first = trainLoop(
    regression({ msPerStep: 30 }),
    options(cut, { schedule: epochs, checkpoints: "last+best", maxSeconds: 0.075 }),
  );
  assert.equal(first.stopped, true);
  const saved = loadCheckpoint(path.join(cut, "checkpoint.safetensors"));
  assert.equal(saved.step, first.iter);
  const rest = regression();
  trainLoop(rest, options(cut, { schedule: epochs, checkpoints: "last+best", resumeFrom: saved }));
  assert.deepEqual(weights(rest), weights(whole));
});
