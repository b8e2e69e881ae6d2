// nanoGPT-style training: it learns, resumes bit-identically, and refuses bad resumes and configs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { trainGPT, loadGPTCheckpoint, splitLoss } from "../src/train/gpt-train.js";
import { readJsonl } from "../src/io/metrics.js";
import * as gs from "../src/index.js";
import { GPT } from "../src/models/gpt.js";
import { clipGradNorm_ } from "../src/nn/utils.js";
import { cosineWithWarmupLr } from "../src/optim/lr-scheduler.js";
import { assertClose, repoRoot } from "./helpers/fixtures.js";

const tiny = {
  batch_size: 4,
  block_size: 16,
  n_layer: 1,
  n_head: 2,
  n_embd: 16,
  eval_iters: 2,
  eval_interval: 6,
  log_interval: 1,
  warmup_iters: 2,
  lr_decay_iters: 12,
  always_save_checkpoint: true,
  dropout: 0.1, // so that the resumed run must also restore the dropout RNG stream
};

const tmp = () => mkdtempSync(path.join(tmpdir(), "gs-gpt-"));

test("training lowers the loss and writes a checkpoint, metrics and a loss curve", () => {
  const out = tmp();
  const evals: number[] = [];
  const config = {
    ...tiny,
    out_dir: out,
    max_iters: 30,
    eval_interval: 15,
    learning_rate: 3e-3,
    lr_decay_iters: 30,
  };
  const r = trainGPT(config, { onEval: (e) => evals.push(e.train) });
  assert.ok(Math.abs(evals[0] - Math.log(65)) < 0.2, `initial loss ${evals[0]}`);
  assert.ok(r.lastEval!.train < evals[0] - 0.4, `train loss ${evals[0]} -> ${r.lastEval!.train}`);
  for (const f of ["checkpoint.safetensors", "metrics.jsonl", "loss.svg"])
    assert.ok(existsSync(path.join(out, f)), f);
  assert.match(readFileSync(path.join(out, "loss.svg"), "utf8"), /^<svg[\s\S]*polyline[\s\S]*<\/svg>$/);
  assert.ok(readJsonl<{ split: string }>(path.join(out, "metrics.jsonl")).some((m) => m.split === "eval"));
  const { model, tokenizer } = loadGPTCheckpoint(out);
  assert.equal(tokenizer.vocabSize, 65);
  assert.equal(model.config.nEmbd, 16);
});

test("splitLoss: the exact mean over windows that cover the split once, whatever the batch size", () => {
  gs.manualSeed(3);
  const model = new GPT({
    blockSize: 8,
    vocabSize: 11,
    nLayer: 1,
    nHead: 2,
    nEmbd: 8,
    dropout: 0.5,
    bias: false,
  });
  const data = Int32Array.from({ length: 8 * 5 + 3 }, (_, i) => (i * 7) % 11); // 5 windows, 2 tokens left over
  const r = splitLoss(model, data, 8, 2);
  assert.deepEqual([r.windows, r.tokens], [5, 40]);
  let sum = 0;
  gs.noGrad(() => {
    model.eval();
    for (let w = 0; w < 5; w++) {
      const x = gs.tensor([Array.from(data.subarray(8 * w, 8 * w + 8))], { dtype: "int32" });
      const y = gs.tensor([Array.from(data.subarray(8 * w + 1, 8 * w + 9))], { dtype: "int32" });
      sum += model.forward(x, y).loss!.item();
    }
  });
  assert.ok(Math.abs(r.loss - sum / 5) < 1e-6, `${r.loss} vs ${sum / 5}`);
  assert.ok(Math.abs(splitLoss(model, data, 8, 64).loss - r.loss) < 1e-6);
  model.train();
  assert.equal(
    splitLoss(model, data, 8).loss,
    splitLoss(model, data, 8).loss,
    "dropout off while evaluating",
  );
  assert.equal(model.training, true, "the training mode is restored");
  assert.throws(() => splitLoss(model, data.subarray(0, 8), 8), /8 tokens are too few for one window of 8/);
});

test("a run resumed from its checkpoint continues bit-identically", () => {
  const straight = trainGPT({ ...tiny, out_dir: tmp(), max_iters: 12 });
  const dir = tmp();
  trainGPT({ ...tiny, out_dir: dir, max_iters: 6 }); // interrupted at step 6 (checkpoint saved there)
  const resumed = trainGPT({ ...tiny, out_dir: dir, max_iters: 12, init_from: "resume" });
  const a = straight.model.stateDict();
  const b = resumed.model.stateDict();
  for (const k of Object.keys(a)) assert.deepEqual(b[k].toArray(), a[k].toArray(), k);
  assert.equal(resumed.lastEval!.val, straight.lastEval!.val);
});

test("resuming from a missing or corrupt checkpoint, and bad config values, are clear errors", () => {
  const dir = tmp();
  assert.throws(
    () => trainGPT({ ...tiny, out_dir: dir, init_from: "resume" }),
    /no checkpoint at .*checkpoint\.safetensors/,
  );
  writeFileSync(path.join(dir, "checkpoint.safetensors"), "garbage");
  assert.throws(
    () => trainGPT({ ...tiny, out_dir: dir, init_from: "resume" }),
    /cannot resume from .*checkpoint\.safetensors/,
  );
  assert.throws(
    () => trainGPT({ ...tiny, out_dir: tmp(), init_from: "gpt2" }),
    /init_from must be "scratch" or "resume"/,
  );
  assert.throws(
    () => trainGPT({ ...tiny, out_dir: tmp(), n_head: 3 }),
    /nEmbd \(16\) must be divisible by nHead \(3\)/,
  );
  assert.throws(
    () => trainGPT({ ...tiny, out_dir: tmp(), gradient_accumulation_steps: 0 }),
    /gradient_accumulation_steps/,
  );
  assert.throws(
    () => trainGPT({ ...tiny, out_dir: tmp(), data_path: "/nonexistent.txt" }),
    /no training text at \/nonexistent\.txt/,
  );
});

test("training follows PyTorch step for step: nanoGPT's AdamW groups, warmup + cosine lr, clipping", () => {
  // test/fixtures/torch/gpt_train_steps.json (scripts/fixtures/make_gpt_train_fixture.py): a small nanoGPT
  // trained 60 steps in PyTorch from the weights it starts with, on the batches it drew.
  const f = JSON.parse(
    readFileSync(path.join(repoRoot, "test/fixtures/torch/gpt_train_steps.json"), "utf8"),
  ) as TrainFixture;
  const c = f.config;
  const model = new GPT({
    vocabSize: c.vocab_size,
    blockSize: c.block_size,
    nLayer: c.n_layer,
    nHead: c.n_head,
    nEmbd: c.n_embd,
    dropout: 0,
    bias: false,
  });
  const weights = (d: Record<string, number[]>) =>
    Object.fromEntries(
      Object.entries(d).map(([k, v]) => [k, gs.tensor(v).reshape(model.stateDict()[k].shape)]),
    );
  model.loadStateDict(weights(f.init));
  const opt = model.configureOptimizers({ weightDecay: c.weight_decay, lr: c.lr, betas: c.betas });
  const shape = [c.batch_size, c.block_size];
  f.steps.forEach((s, it) => {
    const lr = cosineWithWarmupLr(it, {
      lr: c.lr,
      warmupIters: c.warmup_iters,
      lrDecayIters: c.lr_decay_iters,
      minLr: c.min_lr,
    });
    for (const g of opt.paramGroups) g.lr = lr;
    const { loss } = model.forward(
      gs.tensor(s.x, { dtype: "int32" }).reshape(shape),
      gs.tensor(s.y, { dtype: "int32" }).reshape(shape),
    );
    loss!.backward();
    const norm = clipGradNorm_(model.parameters(), c.grad_clip) as number; // a number on the CPU
    opt.step();
    opt.zeroGrad();
    assert.ok(
      Math.abs(loss!.item() - s.loss) < 1e-4,
      `step ${it}: loss ${loss!.item()} vs PyTorch ${s.loss}`,
    );
    assert.ok(
      Math.abs(norm - s.grad_norm) < 1e-3 * Math.max(1, s.grad_norm),
      `step ${it}: grad norm ${norm} vs ${s.grad_norm}`,
    );
  });
  const final = weights(f.final);
  for (const [k, v] of Object.entries(model.stateDict())) assertClose(v, final[k], 1e-3, k);
});

interface TrainFixture {
  config: {
    vocab_size: number;
    block_size: number;
    n_layer: number;
    n_head: number;
    n_embd: number;
    batch_size: number;
    lr: number;
    min_lr: number;
    warmup_iters: number;
    lr_decay_iters: number;
    weight_decay: number;
    betas: [number, number];
    grad_clip: number;
  };
  init: Record<string, number[]>;
  final: Record<string, number[]>;
  steps: { x: number[]; y: number[]; loss: number; grad_norm: number }[];
}
