// `gradstack export --format onnx`: the GPT as an ONNX graph gives gradstack's logits in ONNX Runtime
// (onnxruntime-web's wasm build, which runs in Node) to 1e-4, for two batch sizes and two sequence lengths.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as ort from "onnxruntime-web";
import { manualSeed, models, noGrad, randn, Tensor } from "../src/index.js";
import { gptToOnnx } from "../src/io/export/onnx/gpt.js";
import { trainGPT } from "../src/train/gpt-train.js";
import { repoRoot } from "./helpers/fixtures.js";

type GPT = InstanceType<typeof models.GPT>;

/** ONNX Runtime's logits and gradstack's for random token ids of shape (batch, sequence). */
async function compare(onnx: Uint8Array, model: GPT, batch: number, sequence: number) {
  const session = await ort.InferenceSession.create(onnx);
  const ids = Array.from({ length: batch * sequence }, (_, i) => (i * 7 + 3) % model.config.vocabSize);
  const { logits } = await session.run({
    idx: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [batch, sequence]),
  });
  assert.deepEqual(logits.dims, [batch, sequence, model.config.vocabSize]);
  const idx = new Tensor(Int32Array.from(ids), [batch, sequence]);
  model.eval();
  const mine = noGrad(() => model.forward(idx, idx).logits.toArray() as Float32Array);
  const theirs = logits.data as Float32Array;
  let worst = 0;
  mine.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - theirs[i]))));
  assert.ok(worst < 1e-4, `batch ${batch}, sequence ${sequence}: logits differ by ${worst}`);
}

for (const bias of [false, true])
  test(`the ONNX GPT (bias ${bias}) gives gradstack's logits for batches 1 and 3, sequences 5 and the block size`, async () => {
    manualSeed(3);
    const model = new models.GPT({ vocabSize: 37, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16, bias });
    // Non-zero biases and LayerNorm parameters, so that every weight reaches the logits.
    noGrad(() => {
      for (const p of model.parameters()) if (p.ndim === 1) p.copy_(p.add(randn([p.numel()]).mul(0.3)));
    });
    const onnx = gptToOnnx(model.stateDict(), model.config);
    for (const batch of [1, 3]) for (const sequence of [5, 12]) await compare(onnx, model, batch, sequence);
  });

test("gradstack export --format onnx writes the checkpoint's GPT", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-onnx-"));
  const corpus = path.join(dir, "tiny.txt");
  writeFileSync(
    corpus,
    readFileSync(path.join(repoRoot, "data/tinyshakespeare/input.txt"), "utf8").slice(0, 5000),
  );
  const run = trainGPT({
    ...{
      out_dir: path.join(dir, "run"),
      data_path: corpus,
      max_iters: 2,
      eval_interval: 2,
      eval_iters: 1,
      always_save_checkpoint: true,
    },
    ...{ n_layer: 1, n_head: 2, n_embd: 16, block_size: 8, batch_size: 2 },
  });
  const out = path.join(dir, "gpt.onnx");
  const cli = path.join(repoRoot, "dist/cli/main.js");
  const r = spawnSync(
    process.execPath,
    [cli, "export", "--ckpt", path.join(dir, "run"), "--format", "onnx", "--out", out],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  await compare(readFileSync(out), run.model, 2, 8);
});
