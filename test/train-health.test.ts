// Training health: non-finite gradients, nan_policy stop|skip|continue, no non-finite checkpoint, best
// finite, stale temporary files, metrics cut back on resume, kill -9 during a run, and sample/evaluate
// on checkpoints that are non-finite or of another model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as gs from "../src/index.js";
import { loadCheckpoint, saveCheckpoint } from "../src/io/checkpoint.js";
import { readJsonl } from "../src/io/metrics.js";
import { trainLoop, type LoopOptions, type Trainer } from "../src/train/loop.js";
import { RunRecorder } from "../src/train/recorder.js";
import { trainGPT } from "../src/train/gpt-train.js";
import { gradstackCli } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";
import { regression, type Batch } from "./helpers/regression-trainer.js";

const tmp = () => mkdtempSync(path.join(tmpdir(), "gs-health-"));
const ckptFile = (dir: string) => path.join(dir, "checkpoint.safetensors");

const options = (outDir: string | null, o: Partial<LoopOptions> = {}): LoopOptions => ({
  schedule: { kind: "iterations", maxIters: 6, evalInterval: 2 },
  recorder: new RunRecorder(outDir),
  title: "test",
  ...o,
});

const finite = (t: Trainer<Batch>) =>
  t.model.parameters().every((p) => Array.from(p.toArray() as Float32Array).every(Number.isFinite));

test("stop (default): a non-finite gradient stops the run, naming the step and the last good checkpoint", () => {
  const out = tmp();
  assert.throws(
    () => trainLoop(regression({ nanAt: 3, bad: "grad" }), options(out)),
    (e: Error) => {
      assert.match(
        e.message,
        /^train test: the gradient norm is (Infinity|NaN) at step 3; stopped without saving a checkpoint/,
      );
      assert.ok(e.message.endsWith(`the last good checkpoint is ${ckptFile(out)} (step 2)`), e.message);
      return true;
    },
  );
  assert.equal(loadCheckpoint(ckptFile(out)).step, 2);

  const early = tmp();
  assert.throws(
    () => trainLoop(regression({ nanAt: 0 }), options(early)),
    /the training loss is NaN at step 0; stopped without saving a checkpoint; no checkpoint was written before it/,
  );
  assert.ok(!existsSync(ckptFile(early)));
});

test("skip: the bad steps' updates are dropped and counted in metrics, the run ends finite", () => {
  for (const bad of ["loss", "grad"] as const) {
    const out = tmp();
    const t = regression({ nanAt: 3, bad });
    const r = trainLoop(t, options(out, { nanPolicy: "skip" }));
    assert.equal(r.iter, 6);
    assert.equal(r.skipped, 1);
    assert.ok(finite(t));
    const rows = readJsonl<{ iter: number; split: string; skipped?: number }>(
      path.join(out, "metrics.jsonl"),
    );
    const trainRows = rows.filter((m) => m.split === "train");
    assert.deepEqual(
      trainRows.map((m) => m.skipped ?? 0),
      [0, 0, 0, 1, 1, 1],
    );
    assert.equal(rows.filter((m) => m.split === "eval").at(-1)!.skipped, 1);
    assert.equal(loadCheckpoint(ckptFile(out)).step, 6);
    assert.equal((loadCheckpoint(ckptFile(out)).extra as { skippedSteps: number }).skippedSteps, 1);
  }
});

/** A trainer whose every training loss is NaN. */
function alwaysNaN(): Trainer<Batch> {
  const t = regression();
  const loss = t.loss;
  return {
    ...t,
    loss: (b) => {
      const out = loss(b);
      return { ...out, loss: out.loss.mul(NaN), value: undefined };
    },
  };
}

test("skip: a run whose every step is skipped fails, and so does one past maxSkipped in a row", () => {
  assert.throws(
    () => trainLoop(alwaysNaN(), options(tmp(), { nanPolicy: "skip" })),
    /train test: every step of this run \(6\) had a non-finite loss or gradient and was skipped \(nan_policy "skip"\); nothing was trained/,
  );
  assert.throws(
    () =>
      trainLoop(
        alwaysNaN(),
        options(tmp(), {
          nanPolicy: "skip",
          maxSkipped: 3,
          schedule: { kind: "iterations", maxIters: 10, evalInterval: 20 },
        }),
      ),
    /train test: the training loss is NaN at step 3, 4 skipped steps in a row \(nan_policy "skip" allows 3\): the run is not training/,
  );
  // Up to the bound in a row, with good steps between, the run ends normally.
  const r = trainLoop(regression({ nanAt: 3 }), options(tmp(), { nanPolicy: "skip", maxSkipped: 1 }));
  assert.equal(r.skipped, 1);
});

test("train mlp --nan_policy=skip that only skips exits 1, not 0", () => {
  // A learning rate this large makes every loss after the first step infinite.
  const out = tmp();
  const r = gradstackCli(
    "train",
    "mlp",
    "--nan_policy=skip",
    "--learning_rate=1e38",
    "--lr_decayed=1e38",
    "--max_iters=400",
    "--eval_interval=1000",
    `--out_dir=${out}`,
  );
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /train mlp: the training loss is \S+ at step 101, 101 skipped steps in a row/);
});

test("continue: the update is applied, no non-finite checkpoint is written, and the run fails at its end", () => {
  const out = tmp();
  assert.throws(
    () => trainLoop(regression({ nanAt: 3 }), options(out, { nanPolicy: "continue" })),
    /train test: the model ends the run non-finite \(NaN in "weight" at step 6\); the last good checkpoint is .*checkpoint\.safetensors \(step 2\)/,
  );
  const saved = loadCheckpoint(ckptFile(out));
  assert.equal(saved.step, 2);
  assert.ok(
    Object.values(saved.model).every((t) => Array.from(t.toArray() as Float32Array).every(Number.isFinite)),
  );
});

test('"best" is the best finite: a non-finite evaluation is recorded, never saved, never best', () => {
  const out = tmp();
  const r = trainLoop(
    regression({ vals: [NaN, 3, Infinity] }),
    options(out, {
      schedule: { kind: "iterations", maxIters: 6, evalInterval: 2 },
      nanPolicy: "skip",
      alwaysSave: true,
    }),
  );
  assert.deepEqual(
    r.evals.map((e) => [e.iter, e.saved]),
    [
      [2, false],
      [4, true],
      [6, false],
    ],
  );
  assert.equal(r.bestVal, 3);
  assert.equal(loadCheckpoint(ckptFile(out)).step, 4);

  const lastBest = tmp();
  const e = trainLoop(
    regression({ vals: [NaN, 2] }),
    options(lastBest, {
      schedule: { kind: "epochs", epochs: 2 },
      checkpoints: "last+best",
      nanPolicy: "continue",
    }),
  );
  assert.deepEqual(
    e.evals.map((x) => x.saved),
    [false, true],
  );
  assert.equal(loadCheckpoint(path.join(lastBest, "best.safetensors")).step, 8);
});

test("the recorder refuses to write a model with a non-finite weight", () => {
  const out = tmp();
  const rec = new RunRecorder(out);
  assert.throws(
    () => rec.save("checkpoint", { model: { w: gs.tensor([1, Infinity]) } }),
    /RunRecorder\.save: refusing to write .*checkpoint\.safetensors: the weight "w" is Infinity/,
  );
  assert.ok(!existsSync(ckptFile(out)));
});

test("stale temporary files of dead writers are removed when a run opens its folder; live writers' stay", () => {
  const out = tmp();
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  const stale = path.join(out, `.checkpoint.safetensors.${dead}.0.tmp`);
  const live = path.join(out, `.checkpoint.safetensors.${process.ppid}.3.tmp`);
  const other = path.join(out, "notes.tmp");
  for (const f of [stale, live, other]) writeFileSync(f, "x");
  new RunRecorder(out);
  assert.ok(!existsSync(stale));
  assert.ok(existsSync(live) && existsSync(other));
});

test("a resumed run cuts metrics.jsonl back to the resumed step: no step twice, a torn last line dropped", () => {
  const out = tmp();
  // Saved at step 2 only (val 2, then 5, 6): the run goes on to 6 and "dies" with a half-written line.
  trainLoop(regression({ vals: [2, 5, 6] }), options(out));
  const metrics = path.join(out, "metrics.jsonl");
  writeFileSync(metrics, readFileSync(metrics, "utf8") + '{"iter":6,"split":"tr');
  const saved = loadCheckpoint(ckptFile(out));
  assert.equal(saved.step, 2);
  trainLoop(regression({ vals: [5, 6] }), options(out, { resumeFrom: saved }));
  const rows = readJsonl<{ iter: number; split: string }>(metrics);
  assert.deepEqual(
    rows.filter((m) => m.split === "train").map((m) => m.iter),
    [0, 1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    rows.filter((m) => m.split === "eval").map((m) => m.iter),
    [2, 4, 6],
  );
  // A new run (not resumed) in the same folder starts a new log.
  trainLoop(regression(), options(out, { schedule: { kind: "iterations", maxIters: 1, evalInterval: 1 } }));
  assert.deepEqual(
    readJsonl<{ iter: number }>(metrics).map((m) => m.iter),
    [0, 1],
  );
});

// ---- kill -9 during a run with frequent saves --------------------------------------------------------

const corpus = path.join(tmp(), "text.txt");
writeFileSync(corpus, "the quick brown fox jumps over the lazy dog. ".repeat(40));
const main = path.join(repoRoot, "dist/cli/main.js");
const gptArgs = (out: string) => [
  "train",
  "gpt",
  `--data_path=${corpus}`,
  `--out_dir=${out}`,
  "--n_layer=1",
  "--n_head=2",
  "--n_embd=16",
  "--block_size=16",
  "--batch_size=4",
  "--max_iters=40",
  "--eval_interval=2",
  "--eval_iters=1",
  "--always_save_checkpoint=true",
  "--log_interval=1",
  "--warmup_iters=4",
  "--lr_decay_iters=40",
];

/** Starts a run and kills it with SIGKILL `delayMs` after its `saves`-th saved checkpoint; resolves whether it was killed. */
function runAndKill(args: string[], saves: number, delayMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "ignore"] });
    let seen = 0;
    let killed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      seen += (chunk.toString().match(/saved checkpoint/g) ?? []).length;
      if (seen >= saves && !killed) {
        killed = true;
        setTimeout(() => child.kill("SIGKILL"), delayMs);
      }
    });
    child.on("exit", (_code, signal) => resolve(signal === "SIGKILL"));
  });
}

test("kill -9 at random points, then resume: no temporary files, no metrics step twice, bit-identical weights", async (t) => {
  const straight = tmp();
  const whole = spawnSync(process.execPath, [main, ...gptArgs(straight)], { encoding: "utf8" });
  assert.equal(whole.status, 0, whole.stderr);

  const out = tmp();
  // A temporary file of a writer that died before this run, as a kill mid-save leaves one.
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  writeFileSync(path.join(out, `.checkpoint.safetensors.${dead}.0.tmp`), "partial");
  const random = new gs.Generator(19);
  const KILLS = 6;
  let kills = 0;
  for (let attempt = 0; attempt < KILLS; attempt++) {
    const resume = existsSync(ckptFile(out)) ? ["--init_from=resume"] : [];
    const delayMs = Math.floor(gs.rand([1], { generator: random }).item() * 40);
    if (await runAndKill([...gptArgs(out), ...resume], 1 + (attempt % 2), delayMs)) kills++;
  }
  const finish = spawnSync(process.execPath, [main, ...gptArgs(out), "--init_from=resume"], {
    encoding: "utf8",
  });
  assert.equal(finish.status, 0, finish.stderr);
  assert.ok(kills >= 3, `${kills} of ${KILLS} runs were killed before they ended`);
  t.diagnostic(`${kills} of ${KILLS} runs killed with SIGKILL, then resumed`);

  assert.deepEqual(
    readdirSync(out).filter((f) => f.endsWith(".tmp")),
    [],
  );
  const rows = readJsonl<{ iter: number; split: string }>(path.join(out, "metrics.jsonl"));
  const keys = rows.filter((m) => typeof m.iter === "number").map((m) => `${m.split} ${m.iter}`);
  assert.deepEqual(
    keys.filter((k, i) => keys.indexOf(k) !== i),
    [],
    "metrics steps written twice",
  );
  assert.deepEqual(
    rows.filter((m) => m.split === "train").map((m) => m.iter),
    Array.from({ length: 40 }, (_, i) => i),
  );
  const a = loadCheckpoint(ckptFile(straight)).model;
  const b = loadCheckpoint(ckptFile(out)).model;
  assert.deepEqual(Object.keys(b), Object.keys(a));
  for (const k of Object.keys(a))
    assert.deepEqual(
      Buffer.from((b[k].toArray() as Float32Array).buffer),
      Buffer.from((a[k].toArray() as Float32Array).buffer),
      k,
    );
});

// ---- sample / evaluate / translate on a bad checkpoint ----------------------------------------------

test("sample and evaluate refuse a checkpoint with non-finite weights, naming the tensor, with exit status 1", () => {
  const dir = tmp();
  trainGPT({
    data_path: corpus,
    out_dir: dir,
    n_layer: 1,
    n_head: 2,
    n_embd: 8,
    block_size: 8,
    batch_size: 2,
    max_iters: 2,
    eval_interval: 2,
    eval_iters: 1,
  });
  const ckpt = loadCheckpoint(ckptFile(dir));
  const key = "transformer.h.0.attn.c_attn.weight";
  assert.ok(ckpt.model[key], Object.keys(ckpt.model).join(", "));
  const values = ckpt.model[key].toArray() as Float32Array;
  values[5] = NaN;
  const bad = tmp();
  saveCheckpoint(ckptFile(bad), {
    ...ckpt,
    model: { ...ckpt.model, [key]: gs.tensor(Array.from(values)).reshape(ckpt.model[key].shape) },
  });
  for (const cmd of ["sample", "evaluate"]) {
    const r = gradstackCli(cmd, `--ckpt=${bad}`);
    assert.equal(r.status, 1, `${cmd}: ${r.stderr}`);
    assert.match(
      r.stderr,
      /holds non-finite weights \(NaN in tensor "transformer\.h\.0\.attn\.c_attn\.weight"\)/,
    );
  }
  // The good one still samples.
  const ok = gradstackCli("sample", `--ckpt=${dir}`, "--start=the", "--num_samples=1", "--max_new_tokens=3");
  assert.equal(ok.status, 0, ok.stderr);
});

test("sample, evaluate and translate on another model's checkpoint name the model found and the command that fits", () => {
  const gru = tmp();
  saveCheckpoint(ckptFile(gru), {
    model: { "rnn.weight_ih_l0": gs.zeros([3, 2]) },
    config: { cell: "gru", hidden_size: 4 },
    extra: { trainer: "train gru" },
  });
  for (const cmd of ["sample", "evaluate"]) {
    const r = gradstackCli(cmd, `--ckpt=${gru}`);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /holds a GRU language model \(written by gradstack train gru\), not a character-level GPT; use gradstack train gru/,
    );
    assert.doesNotMatch(r.stderr, /missing/);
  }
  // An older checkpoint without the trainer's name: the kind comes from its config.
  const gpt = tmp();
  saveCheckpoint(ckptFile(gpt), { model: {}, config: { n_layer: 1, n_embd: 8 } });
  const t = gradstackCli("translate", `--ckpt=${ckptFile(gpt)}`, "a b");
  assert.equal(t.status, 1, t.stderr);
  assert.match(
    t.stderr,
    /holds a character-level GPT \(written by gradstack train gpt\), not a translation model; use gradstack sample/,
  );
});
