// WebGPU is a device reached with `await gs.webgpu.init()` and `t.to("webgpu")`, not a backend to switch
// to: GRADSTACK_BACKEND=webgpu and setBackend("webgpu") are errors that say so, never a silent CPU run.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as gs from "../../src/index.js";
import { repoRoot } from "../helpers/fixtures.js";

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
