// WebGPU is a device reached with `await gs.webgpu.init()` and `t.to("webgpu")`, not a backend to switch
// to: GRADSTACK_BACKEND=webgpu and setBackend("webgpu") are errors that say so, never a silent CPU run.
// The training commands take it as nanoGPT's --device=webgpu: the CPU's steps within float32 tolerance,
// checkpoints in the CPU's format.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as gs from "../../src/index.js";
import { repoRoot } from "../helpers/fixtures.js";
import { loadCheckpoint } from "../../src/io/checkpoint.js";
import { readJsonl } from "../../src/io/metrics.js";
import { readText } from "../../src/io/files.js";

const cli = path.join(repoRoot, "dist/cli/main.js");
const THE_WAY = /await gs\.webgpu\.init\(\)[\s\S]*t\.to\("webgpu"\)/;

test('setBackend("webgpu") throws naming the way to use WebGPU, and leaves the backend as it was', () => {
  const before = gs.backend().name;
  assert.throws(() => gs.setBackend("webgpu" as "js"), {
    message: new RegExp(`^setBackend\\("webgpu"\\): WebGPU initialises asynchronously.*${THE_WAY.source}`),
  });
  assert.equal(gs.backend().name, before);
});

test("GRADSTACK_BACKEND=webgpu stops a CLI run with that error instead of training on the CPU", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-webgpu-env-"));
  const text = path.join(dir, "text.txt");
  writeFileSync(text, "to be or not to be, that is the question. ".repeat(20));
  const r = spawnSync(
    process.execPath,
    [
      cli,
      "train",
      "gpt",
      `--data_path=${text}`,
      `--out_dir=${dir}`,
      "--max_iters=1",
      "--eval_iters=1",
    ].concat(["--n_layer=1", "--n_head=1", "--n_embd=8", "--block_size=8", "--batch_size=2"]),
    { encoding: "utf8", env: { ...process.env, GRADSTACK_BACKEND: "webgpu" } },
  );
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stderr, /GRADSTACK_BACKEND=webgpu: WebGPU initialises asynchronously/);
  assert.match(r.stderr, THE_WAY);
  assert.doesNotMatch(r.stdout, /step 1:/, "it must not have trained on the CPU");
});

// ---- --device=webgpu on the training commands ---------------------------------------------------------

/** The environment of a CLI run that finds SwiftShader (as setup.ts does in-process). */
function gpuEnv(): NodeJS.ProcessEnv {
  const xdg = mkdtempSync(path.join(tmpdir(), "gs-xdg-"));
  return {
    ...process.env,
    VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? "/usr/lib/chromium/vk_swiftshader_icd.json",
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? xdg,
  };
}

/** Runs `gradstack ...args` and returns its output folder's training and evaluation lines. */
function train(args: string[], outDir: string) {
  const r = spawnSync(process.execPath, [cli, ...args, `--out_dir=${outDir}`], {
    encoding: "utf8",
    env: gpuEnv(),
  });
  assert.equal(r.status, 0, `${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
  const rows = readJsonl<Record<string, number | string>>(path.join(outDir, "metrics.jsonl"));
  return { stdout: r.stdout, rows };
}

/** Train and eval numbers of a webgpu run within float32 tolerance (1e-4 relative) of the CPU run. */
function assertSameRun(gpu: Record<string, unknown>[], cpu: Record<string, unknown>[]): void {
  assert.equal(gpu.length, cpu.length, "metrics lines");
  gpu.forEach((row, i) => {
    for (const k of ["iter", "split", "lr"]) assert.equal(row[k], cpu[i][k], `line ${i} ${k}`);
    for (const k of ["loss", "train_loss", "val_loss", "test_loss"]) {
      if (!(k in cpu[i])) continue;
      const [g, c] = [row[k], cpu[i][k]] as number[];
      assert.ok(Math.abs(g - c) <= 1e-4 * Math.max(1, Math.abs(c)), `line ${i} ${k}: ${g} vs ${c}`);
    }
  });
}

test("train gpt --device=webgpu takes the CPU's steps; its checkpoint loads and samples on the CPU", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-webgpu-gpt-"));
  const text = path.join(dir, "text.txt");
  writeFileSync(text, "to be or not to be, that is the question. ".repeat(20));
  const args = [
    "train",
    "gpt",
    `--data_path=${text}`,
    "--max_iters=6",
    "--eval_iters=2",
    "--eval_interval=3",
  ].concat([
    "--log_interval=2",
    "--n_layer=1",
    "--n_head=2",
    "--n_embd=16",
    "--block_size=8",
    "--batch_size=4",
  ]);
  const cpu = train(args, path.join(dir, "cpu"));
  const gpu = train([...args, "--device=webgpu"], path.join(dir, "gpu"));
  assert.match(gpu.stdout, /device webgpu/);
  assertSameRun(gpu.rows, cpu.rows);
  const a = loadCheckpoint(path.join(dir, "cpu", "checkpoint.safetensors"));
  const b = loadCheckpoint(path.join(dir, "gpu", "checkpoint.safetensors"));
  assert.deepEqual(Object.keys(b.model), Object.keys(a.model));
  assert.deepEqual((b.config as { device: string }).device, "webgpu");
  for (const k of Object.keys(a.model)) {
    const [x, y] = [a.model[k], b.model[k]].map((t) => Array.from(t.dataSync(), Number));
    x.forEach((v, i) => assert.ok(Math.abs(y[i] - v) <= 1e-4 * Math.max(1, Math.abs(v)), `${k}[${i}]`));
  }
  const sample = spawnSync(
    process.execPath,
    [
      cli,
      "sample",
      `--ckpt=${path.join(dir, "gpu")}`,
      "--start=to be",
      "--num_samples=1",
      "--max_new_tokens=8",
    ],
    { encoding: "utf8" },
  );
  assert.equal(sample.status, 0, sample.stderr);
  assert.match(sample.stdout, /^to be/);
});

test("train mlp --device=webgpu (SGD) takes the CPU's steps", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-webgpu-mlp-"));
  const names = path.join(dir, "names.txt");
  writeFileSync(
    names,
    "emma olivia ava isabella sophia mia charlotte amelia harper evelyn abigail emily ella "
      .repeat(3)
      .trim()
      .split(" ")
      .join("\n"),
  );
  const args = [
    "train",
    "mlp",
    `--data_path=${names}`,
    "--max_iters=8",
    "--eval_interval=4",
    "--log_interval=2",
  ].concat(["--embed_dim=4", "--hidden_size=16", "--batch_size=8", "--num_samples=2", "--seed=3"]);
  const cpu = train(args, path.join(dir, "cpu"));
  const gpu = train([...args, "--device=webgpu"], path.join(dir, "gpu"));
  assertSameRun(gpu.rows, cpu.rows);
  assert.ok(
    gpu.rows.some((r) => r.split === "final"),
    "the final losses",
  );
  assert.ok(existsSync(path.join(dir, "gpu", "checkpoint.safetensors")));
});

test("train translate --arch=transformer --device=webgpu takes the CPU's steps; test BLEU decodes on the CPU", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-webgpu-mt-"));
  const pairs = readText(path.join(repoRoot, "data/fra-eng/fra.txt.gz")).split("\n").slice(0, 64);
  writeFileSync(path.join(dir, "fra.txt"), pairs.join("\n") + "\n");
  const args = ["train", "translate", "--arch=transformer", "--data=fra-eng", `--data_dir=${dir}`]
    .concat(["--num_train=48", "--num_val=16", "--batch_size=16", "--epochs=2", "--d_model=8", "--nhead=2"])
    .concat(["--ff_dim=16", "--enc_layers=1", "--dec_layers=1", "--max_decode_len=6", "--dropout=0"]);
  const cpu = train(args, path.join(dir, "cpu"));
  const gpu = train([...args, "--device=webgpu"], path.join(dir, "gpu"));
  assertSameRun(gpu.rows, cpu.rows);
  assert.ok(existsSync(path.join(dir, "gpu", "test.hyp.txt")), "test translations");
});

test("train gru (one-hot characters) and translate --arch=gru-attn --device=webgpu take the CPU's steps", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-webgpu-rnn-"));
  const text = path.join(dir, "text.txt");
  writeFileSync(text, "the time traveller smiled. ".repeat(40));
  const gru = [
    "train",
    "gru",
    `--data=${text}`,
    "--embed_dim=0",
    "--hidden_size=16",
    "--batch_size=16",
  ].concat(["--num_train=32", "--num_val=16", "--max_iters=3", "--sample_len=4"]);
  assertSameRun(
    train([...gru, "--device=webgpu"], path.join(dir, "gru-gpu")).rows,
    train(gru, path.join(dir, "gru-cpu")).rows,
  );
  const pairs = readText(path.join(repoRoot, "data/fra-eng/fra.txt.gz")).split("\n").slice(0, 48);
  writeFileSync(path.join(dir, "fra.txt"), pairs.join("\n") + "\n");
  const mt = ["train", "translate", "--arch=gru-attn", "--data=fra-eng", `--data_dir=${dir}`]
    .concat(["--num_train=32", "--num_val=16", "--batch_size=16", "--epochs=1", "--emb_dim=8"])
    .concat(["--enc_hidden=16", "--dec_hidden=16", "--max_decode_len=6"]);
  assertSameRun(
    train([...mt, "--device=webgpu"], path.join(dir, "mt-gpu")).rows,
    train(mt, path.join(dir, "mt-cpu")).rows,
  );
});

test("--device names its choices: an unknown device is a usage error (exit 2)", () => {
  for (const command of [
    ["train", "gpt"],
    ["train", "mlp"],
  ]) {
    const r = spawnSync(process.execPath, [cli, ...command, "--device=cuda"], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--device must be "cpu" or "webgpu", got "cuda"/);
  }
});
