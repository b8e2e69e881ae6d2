// The language-model training programs: data layouts, splits, and short real runs that learn and write their files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as gs from "../src/index.js";
import {
  contextExamples,
  loadNames,
  streamBatches,
  timeMachineText,
  windowSplit,
  windowsAt,
  wordBatch,
} from "../src/data/char-lm.js";
import { trainNamesBigram, trainNamesMLP, trainNamesRNN } from "../src/train/lm-names.js";
import { TEXT_RNN_DEFAULTS, trainTextRNN } from "../src/train/lm-text.js";
import { readJsonl } from "../src/io/metrics.js";
import { resolveConfig } from "../src/cli/config.js";
import { repoRoot } from "./helpers/fixtures.js";

const tmp = () => mkdtempSync(path.join(tmpdir(), "gs-lm-"));
const NAMES = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail"];

function namesFile(): string {
  const file = path.join(tmp(), "names.txt");
  writeFileSync(file, Array.from({ length: 4 }, () => NAMES.join("\n")).join("\n") + "\n");
  return file;
}

test("names: '.' is token 0, an 80/10/10 split after a seeded shuffle, and makemore's layouts", () => {
  const file = namesFile();
  const a = loadNames(file, 42);
  const b = loadNames(file, 42);
  assert.equal(a.tokenizer.chars[0], ".");
  assert.deepEqual([a.train.length, a.dev.length, a.test.length], [32, 4, 4]);
  assert.deepEqual(a.train, b.train, "same seed, same split");
  assert.notDeepEqual(loadNames(file, 7).train, a.train, "another seed, another order");
  const tok = a.tokenizer;
  const e = (s: string) => tok.encode(s);
  const { X, Y } = contextExamples(tok, ["emma"], 3);
  assert.deepEqual(X.tolist(), [[0, 0, 0], [0, 0, ...e("e")], [0, ...e("em")], e("emm"), e("mma")]);
  assert.deepEqual(Y.tolist(), [...e("emma"), 0]);
  const { x, y } = wordBatch(tok, ["emma", "ava"]);
  assert.deepEqual(x.tolist(), [
    [0, ...e("emma")],
    [0, ...e("ava"), 0],
  ]);
  assert.deepEqual(y.tolist(), [
    [...e("emma"), 0],
    [...e("ava"), 0, -1],
  ]);
  assert.throws(() => loadNames(path.join(tmp(), "missing.txt")), /no names file at/);
});

test("text: d2l's preprocessing, windows and truncated-BPTT streams that continue across batches", () => {
  assert.equal(
    timeMachineText("The Time-Machine, by H. G. Wells [1898]\n"),
    "the time machine by h g wells ",
  );
  const ids = Int32Array.from({ length: 50 }, (_, i) => i);
  const split = windowSplit(ids, 5, 10, 4);
  assert.deepEqual([...split.val], [10, 11, 12, 13]);
  const w = windowsAt(ids, [3, 7], 5);
  assert.deepEqual(w.x.tolist(), [
    [3, 4, 5, 6, 7],
    [7, 8, 9, 10, 11],
  ]);
  assert.deepEqual((w.y.tolist() as number[][])[0], [4, 5, 6, 7, 8]);
  assert.throws(() => windowSplit(ids, 5, 40, 10), /do not fit/);
  const batches = streamBatches(ids, 2, 4, 1);
  // Rows of 24 tokens starting at 1 and 25; batch k holds columns 4k..4k+3 of each row.
  assert.equal(batches.length, 6);
  assert.deepEqual(batches[0].x.tolist(), [
    [1, 2, 3, 4],
    [25, 26, 27, 28],
  ]);
  assert.deepEqual(
    (batches[1].x.tolist() as number[][])[0],
    [5, 6, 7, 8],
    "the next batch continues each row",
  );
  assert.deepEqual((batches[1].y.tolist() as number[][])[1], [30, 31, 32, 33]);
});

test("bigram programs on names: counts and neural agree, and the counts checkpoint reloads", () => {
  const file = namesFile();
  // Without smoothing the counts are the maximum-likelihood fit the neural model approaches.
  const counts = trainNamesBigram({ data_path: file, out_dir: tmp(), num_samples: 3, smoothing: 0 });
  assert.ok(counts.whole! > 1 && counts.whole! < 3, `whole-set NLL ${counts.whole}`);
  assert.equal(counts.samples.length, 3);
  const ckpt = gs.io.loadCheckpoint(counts.checkpoint);
  assert.ok("counts" in ckpt.model);
  const neural = trainNamesBigram({
    data_path: file,
    out_dir: tmp(),
    method: "neural",
    max_iters: 60,
    learning_rate: 20,
  });
  assert.ok(Math.abs(neural.train - counts.train) < 0.15, `neural ${neural.train} vs counts ${counts.train}`);
});

test("MLP and GRU programs on names learn, and write checkpoint, metrics and loss curve", () => {
  const file = namesFile();
  const out = tmp();
  const evals: number[] = [];
  const mlp = trainNamesMLP(
    {
      data_path: file,
      out_dir: out,
      max_iters: 300,
      eval_interval: 150,
      log_interval: 50,
      batch_size: 16,
      hidden_size: 32,
    },
    { onEval: (e) => evals.push(e.val) },
  );
  assert.ok(mlp.train < Math.log(mlp.tokenizer.vocabSize) - 0.5, `MLP train loss ${mlp.train}`);
  for (const f of ["checkpoint.safetensors", "metrics.jsonl", "loss.svg"])
    assert.ok(existsSync(path.join(out, f)), f);
  assert.match(readFileSync(path.join(out, "loss.svg"), "utf8"), /<svg[\s\S]*polyline/);
  assert.ok(readJsonl<{ split: string }>(path.join(out, "metrics.jsonl")).some((m) => m.split === "final"));
  const gru = trainNamesRNN({
    data_path: file,
    out_dir: tmp(),
    max_iters: 80,
    eval_interval: 40,
    hidden_size: 24,
    embed_dim: 8,
    batch_size: 16,
    learning_rate: 1e-2,
    warmup_iters: 0,
  });
  assert.ok(gru.train < Math.log(gru.tokenizer.vocabSize) - 0.8, `GRU train loss ${gru.train}`);
  assert.ok(gru.samples.every((s) => typeof s === "string"));
});

test("text program: windows (d2l) and carried-state streams both learn a small text", () => {
  const file = path.join(tmp(), "text.txt");
  writeFileSync(file, "the quick brown fox jumps over the lazy dog. ".repeat(40));
  for (const batching of ["windows", "stream"] as const) {
    const out = tmp();
    const r = trainTextRNN({
      data: file,
      out_dir: out,
      cell: "lstm",
      batching,
      embed_dim: 8,
      hidden_size: 16,
      num_steps: 16,
      batch_size: 16,
      num_train: 400,
      num_val: 100,
      optimizer: "adam",
      learning_rate: 0.03,
      max_epochs: batching === "windows" ? 3 : 8,
      prefix: "the ",
      sample_len: 10,
    });
    assert.ok(r.valPerplexity < 4, `${batching}: validation perplexity ${r.valPerplexity}`);
    assert.equal(r.sample.length, 14);
    assert.ok(existsSync(path.join(out, "loss.svg")));
    const final = readJsonl<{ split: string; val_loss: number; tokens_per_s: number }>(
      path.join(out, "metrics.jsonl"),
    ).find((m) => m.split === "final");
    assert.ok(final, "a final record");
    assert.equal(final.val_loss, r.valLoss);
    assert.ok(r.tokensPerSec > 0 && final.tokens_per_s === r.tokensPerSec);
  }
  assert.throws(
    () => trainTextRNN({ data: path.join(tmp(), "nope.txt") }),
    /neither "timemachine", "shakespeare" nor an existing text file/,
  );
});

test("configs/lstm_shakespeare.json (shared with bench/torch/lstm_shakespeare.py) is a valid train lstm config", () => {
  const file = path.join(repoRoot, "configs", "lstm_shakespeare.json");
  const { config } = resolveConfig({ ...TEXT_RNN_DEFAULTS, cell: "lstm" }, ["--config", file]);
  assert.deepEqual(
    [config.data, config.cell, config.batching, config.embed_dim, config.hidden_size, config.num_layers],
    ["shakespeare", "lstm", "stream", 64, 256, 2],
  );
  assert.deepEqual([config.num_steps, config.batch_size, config.optimizer], [64, 32, "adam"]);
  assert.equal(config.max_seconds, 600);
});
