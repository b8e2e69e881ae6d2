// The gradstack command: help, unknown commands, and user errors without stack traces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { repoRoot } from "./helpers/fixtures.js";

const cli = path.join(repoRoot, "dist/cli/main.js");
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

test("help lists the commands", () => {
  const r = run("--help");
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: gradstack <command>/);
  assert.match(r.stdout, /demo/);
  assert.match(r.stdout, /train/);
  assert.match(r.stdout, /sample/);
});

test("unknown commands, models and options are reported in one line, without a stack trace", () => {
  const a = run("fly");
  assert.equal(a.status, 2);
  assert.match(a.stderr, /unknown command "fly"/);
  const b = run("train", "unicorn");
  assert.equal(b.status, 2);
  assert.match(b.stderr, /unknown model "unicorn"/);
  const c = run("train", "gpt", "--n_layers=3");
  assert.match(c.stderr, /unknown key "n_layers" in the command line/);
  assert.doesNotMatch(c.stderr, /at .*\.js:\d+/);
  const d = run("sample", "--ckpt", path.join(mkdtempSync(path.join(tmpdir(), "gs-cli-")), "none"));
  assert.equal(d.status, 1);
  assert.match(d.stderr, /no checkpoint at/);
});

test("train gpt then sample: a short run end to end", () => {
  const out = mkdtempSync(path.join(tmpdir(), "gs-cli-"));
  const flags = [
    "--max_iters=4",
    "--eval_interval=2",
    "--eval_iters=1",
    "--n_layer=1",
    "--n_embd=16",
    "--n_head=2",
  ];
  const t = run(
    "train",
    "gpt",
    ...flags,
    "--batch_size=2",
    "--block_size=8",
    "--always_save_checkpoint",
    `--out_dir=${out}`,
  );
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /step 4: train loss \d\.\d{4}, val loss \d\.\d{4} \(saved checkpoint\)/);
  const e = run("evaluate", "--ckpt", out);
  assert.equal(e.status, 0, e.stderr);
  assert.match(
    e.stdout,
    /^val loss \d\.\d{4} \(perplexity \d+\.\d{3}\) over 111,536 tokens: 13942 windows of 8/,
  );
  assert.match(run("evaluate", "--ckpt", out, "--split=test").stderr, /--split must be "val" or "train"/);
  const s = run(
    "sample",
    "--ckpt",
    out,
    "--start",
    "ROMEO:",
    "--num_samples",
    "2",
    "--max_new_tokens",
    "20",
    "--seed",
    "1",
  );
  assert.equal(s.status, 0, s.stderr);
  const samples = s.stdout.split("---------------\n").filter((x) => x.length > 0);
  assert.equal(samples.length, 2);
  for (const x of samples)
    assert.ok(x.startsWith("ROMEO:") && x.trimEnd().length >= 6 + 15, JSON.stringify(x));
});
