// export and import given the wrong things: a clear error naming the problem, and nothing written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { randn } from "../src/index.js";
import { saveSafetensors } from "../src/io/safetensors-file.js";
import { saveCheckpoint } from "../src/io/checkpoint.js";
import { exportGPTRun, importGPTRun } from "../src/train/gpt-handover.js";
import { gradstackCli } from "./helpers/cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "gs-export-bad-"));

test("export: a wrong format or file name is a usage error", () => {
  const a = gradstackCli("export", "--ckpt", dir, "--format", "tflite", "--out", "x.safetensors");
  assert.equal(a.status, 2);
  assert.match(a.stderr, /--format must be "pytorch" or "onnx", got "tflite"/);
  const b = gradstackCli("export", "--ckpt", dir, "--format", "onnx", "--out", "x.safetensors");
  assert.equal(b.status, 2);
  assert.match(b.stderr, /--out must end in \.onnx/);
  const c = gradstackCli("import", "--out_dir", dir);
  assert.equal(c.status, 2);
  assert.match(c.stderr, /--from FILE.safetensors is required/);
});

test("export: a checkpoint that is not a train gpt run is refused before anything is written", () => {
  const ckpt = path.join(dir, "other");
  saveCheckpoint(ckpt, { model: { w: randn([2, 2]) } });
  const out = path.join(dir, "out", "run.safetensors");
  assert.throws(() => exportGPTRun(ckpt, out), /is not a checkpoint of train gpt \(no tokenizer\)/);
  assert.equal(existsSync(out), false);
});

test("import: a safetensors file without its .json, or with another format, names the problem", () => {
  const plain = path.join(dir, "plain.safetensors");
  saveSafetensors(plain, { w: randn([2]) });
  assert.throws(() => importGPTRun(plain, path.join(dir, "imported")), /cannot read .*plain\.json/);
  writeFileSync(path.join(dir, "plain.json"), JSON.stringify({ format: "something-else" }));
  assert.throws(
    () => importGPTRun(plain, path.join(dir, "imported")),
    /plain\.json is not a PyTorch hand-over \(format "something-else"\)/,
  );
  assert.equal(existsSync(path.join(dir, "imported")), false);
});
