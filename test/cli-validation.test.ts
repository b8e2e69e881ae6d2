// CLI options are validated before any work, through the command declaration: integers, ranges and
// words (shown by --help), prototype keys, writable out_dir, config files found in the package, and
// translate's max_len within the model's limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gradstackCli } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";
import { readText } from "../src/io/files.js";
import { trainTranslator } from "../src/train/mt-train.js";

const tmp = () => mkdtempSync(path.join(tmpdir(), "gs-cli-valid-"));

/** A usage error (status 2) naming the problem, before any work: nothing printed on stdout, out_dir not made. */
function refused(args: string[], message: RegExp): void {
  const out = path.join(tmp(), "never");
  const r = gradstackCli(...args, ...(args[0] === "train" ? [`--out_dir=${out}`] : []));
  assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
  assert.match(r.stderr, message, args.join(" "));
  assert.equal(r.stdout, "", `${args.join(" ")} did some work`);
  assert.ok(!existsSync(out), `${args.join(" ")} made its out_dir`);
}

test("integer options refuse fractions, from flags and from config files", () => {
  refused(["train", "gpt", "--max_iters=2.5"], /train gpt: --max_iters must be a whole number, got 2\.5/);
  refused(["train", "mlp", "--batch_size", "3.5"], /--batch_size must be a whole number, got 3\.5/);
  refused(["sample", "--num_samples=1.5"], /--num_samples must be a whole number/);
  const config = path.join(tmp(), "c.json");
  writeFileSync(config, JSON.stringify({ max_iters: 2.5 }));
  refused(["train", "gpt", "--config", config], /--max_iters must be a whole number, got 2\.5/);
});

test("ranges from the declaration: each out-of-range value is refused with the range", () => {
  const cases: [string[], RegExp][] = [
    [["train", "gpt", "--max_iters=-5"], /--max_iters must be ≥ 1, got -5/],
    [["train", "gpt", "--max_iters=0"], /--max_iters must be ≥ 1, got 0/],
    [["train", "gpt", "--eval_iters=0"], /--eval_iters must be ≥ 1, got 0/],
    [["train", "gpt", "--batch_size", "0"], /--batch_size must be ≥ 1, got 0/],
    [["train", "gpt", "--block_size=100000"], /--block_size must be in \[1, 2048\], got 100000/],
    [["train", "gpt", "--dropout=1"], /--dropout must be in \[0, 1\), got 1/],
    [["train", "mnist", "--epochs=0"], /--epochs must be ≥ 1, got 0/],
    [["train", "mnist", "--limit=-5"], /--limit must be in \[0, 60000\], got -5/],
    [["train", "translate", "--epochs=0"], /--epochs must be ≥ 1/],
    [["train", "gru", "--max_epochs=0"], /--max_epochs must be ≥ 1/],
    [["train", "gru", "--data=names", "--max_iters=0"], /--max_iters must be ≥ 1/],
    [["train", "bigram", "--num_samples=-1"], /--num_samples must be ≥ 0/],
    [["sample", "--num_samples", "0"], /--num_samples must be ≥ 1, got 0/],
    [["sample", "--max_new_tokens", "-5"], /--max_new_tokens must be ≥ 0, got -5/],
    [["sample", "--temperature=0"], /--temperature must be > 0, got 0/],
    [["evaluate", "--batch_size=0"], /--batch_size must be ≥ 1/],
    [["translate", "--beam_size=0", "x"], /--beam_size must be ≥ 1/],
  ];
  for (const [args, message] of cases) refused(args, message);
});

test("words from the declaration: nan_policy and the like", () => {
  refused(
    ["train", "gpt", "--nan_policy=ignore"],
    /--nan_policy must be "stop", "skip" or "continue", got "ignore"/,
  );
  refused(["train", "mnist", "--arch=cnn"], /--arch must be "softmax" or "mlp", got "cnn"/);
  refused(["evaluate", "--split=test"], /--split must be "val" or "train"/);
});

test("--help shows the rules beside each option's meaning", () => {
  const gpt = gradstackCli("train", "gpt", "--help").stdout;
  assert.match(gpt, /--max_iters <number> +training iterations \[integer ≥ 1\] \(default 2000\)/);
  assert.match(gpt, /--block_size <number> +context length in characters \[integer in \[1, 2048\]\]/);
  assert.match(gpt, /--nan_policy <text> +on a non-finite loss or gradient: "stop" the run/);
  const sample = gradstackCli("sample", "--help").stdout;
  assert.match(sample, /--max_new_tokens <number> +characters generated per sample \[integer ≥ 0\]/);
  assert.match(sample, /--top_p <number> .*\[in \(0, 1\]\]/);
  for (const cmd of [
    ["train", "mnist"],
    ["train", "translate"],
    ["train", "lstm"],
    ["train", "mlp"],
    ["train", "bigram"],
  ])
    assert.match(gradstackCli(...cmd, "--help").stdout, /--nan_policy <text>/, cmd.join(" "));
});

test("__proto__, constructor and prototype are refused in config files and flags", () => {
  for (const key of ["__proto__", "constructor", "prototype"]) {
    const config = path.join(tmp(), "c.json");
    writeFileSync(config, `{"${key}": {"max_iters": 1}}`);
    refused(["train", "gpt", "--config", config], new RegExp(`key "${key}" in .*c\\.json is not an option`));
    refused(["train", "gpt", `--${key}=1`], new RegExp(`key "${key}" in the command line is not an option`));
  }
});

test("an out_dir that cannot be written is refused before training", () => {
  const file = path.join(tmp(), "a-file");
  writeFileSync(file, "x");
  const r = gradstackCli("train", "mlp", `--out_dir=${path.join(file, "out")}`, "--max_iters=1");
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /train mlp: --out_dir: cannot write to .*a-file\/out \(a file is in the way\)/);
  assert.equal(r.stdout, "");
});

test("config files are found from the working directory, then in the package's configs/", () => {
  const elsewhere = tmp();
  const main = path.join(repoRoot, "dist/cli/main.js");
  // The config loads (its keys reach the range check of the flag after it) from a folder outside the package.
  for (const name of ["configs/shakespeare_char_cpu.json", "shakespeare_char_cpu.json"]) {
    const r = spawnSync(process.execPath, [main, "train", "gpt", "--config", name, "--max_iters=0"], {
      cwd: elsewhere,
      encoding: "utf8",
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--max_iters must be ≥ 1/, name);
  }
  const local = path.join(elsewhere, "mine.json");
  writeFileSync(local, JSON.stringify({ eval_iters: 0 }));
  const r = spawnSync(process.execPath, [main, "train", "gpt", "--config", "mine.json"], {
    cwd: elsewhere,
    encoding: "utf8",
  });
  assert.match(r.stderr, /--eval_iters must be ≥ 1, got 0/);
  const missing = spawnSync(process.execPath, [main, "train", "gpt", "--config", "nope.json"], {
    cwd: elsewhere,
    encoding: "utf8",
  });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no config file nope\.json: looked in .*nope\.json and .*configs\/nope\.json/);
});

test("translate's default max_len fits a model with a shorter limit (cut to it)", () => {
  const dataDir = tmp();
  mkdirSync(dataDir, { recursive: true });
  const head = readText(path.join(repoRoot, "data/fra-eng/fra.txt.gz")).split("\n").slice(0, 48).join("\n");
  writeFileSync(path.join(dataDir, "fra.txt"), head + "\n");
  const out = path.join(tmp(), "mt");
  trainTranslator({
    arch: "transformer",
    data: "fra-eng",
    data_dir: dataDir,
    num_train: 32,
    num_val: 16,
    batch_size: 16,
    epochs: 1,
    d_model: 8,
    nhead: 2,
    ff_dim: 16,
    enc_layers: 1,
    dec_layers: 1,
    max_tokens: 8,
    max_decode_len: 8,
    eval_test: false,
    out_dir: out,
  });
  const r = gradstackCli("translate", `--ckpt=${out}`, "va !");
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.trim().length > 0);
});
