// Sampling on webgpu: generateAsync keeps the model on the device and reads each step's logits back with
// `await`; with the same seed it draws the CPU's tokens (GPT with and without the KV cache and past the
// block, the char RNN LMs, temperature/top-k/top-p), and `gradstack sample --device=webgpu` prints the
// CPU's text for a tiny checkpoint.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as gs from "../../src/index.js";
import { repoRoot } from "../helpers/fixtures.js";
import { GPU, initWebGpu } from "./setup.js";

before(initWebGpu);

interface Generating extends gs.nn.Module {
  generate(idx: gs.Tensor, n: number, o: object): gs.Tensor;
  generateAsync(idx: gs.Tensor, n: number, o: object): Promise<gs.Tensor>;
}

/** Tokens of `generate` on the CPU and of `generateAsync` on webgpu, from the same weights and seed. */
async function bothWays(
  make: () => Generating,
  prompt: number[][],
  n: number,
  opts: object,
): Promise<{ cpu: number[][]; gpu: number[][]; onGpu: Generating }> {
  const idx = gs.tensor(prompt, { dtype: "int32" });
  const onCpu = make();
  const onGpu = make().to(GPU);
  gs.manualSeed(7);
  const cpu = onCpu.generate(idx, n, opts).tolist() as number[][];
  gs.manualSeed(7);
  const out = await onGpu.generateAsync(idx.to(GPU), n, opts);
  assert.equal(out.device, GPU, "the tokens stay on the device");
  return { cpu, gpu: (await out.tolistAsync()) as number[][], onGpu };
}

const gptConfig = { nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 6, vocabSize: 11, dropout: 0.1, bias: true };

for (const [what, opts] of [
  ["temperature 1 with the KV cache", {}],
  ["temperature 0.8, top-k 5, without the cache", { temperature: 0.8, topK: 5, useCache: false }],
  ["top-p 0.9", { topP: 0.9 }],
  ["greedy", { temperature: 0 }],
] as const) {
  test(`GPT generateAsync on webgpu draws the CPU's tokens: ${what}, past the block`, async () => {
    const make = () => {
      gs.manualSeed(3);
      return new gs.models.GPT(gptConfig).train(); // generate must switch dropout off, and restore the mode
    };
    const prompt = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const { cpu, gpu, onGpu } = await bothWays(make, prompt, 9, opts);
    assert.equal(cpu[0].length, 12);
    assert.deepEqual(gpu, cpu);
    assert.equal(onGpu.training, true);
  });
}

for (const cell of ["rnn", "lstm", "gru"] as const)
  test(`${cell} language model generateAsync on webgpu draws the CPU's tokens`, async () => {
    const make = () => {
      gs.manualSeed(4);
      return new gs.models.RNNLanguageModel({
        cell,
        vocabSize: 9,
        embedDim: 0,
        hiddenSize: 12,
        numLayers: 2,
      });
    };
    const prompt = [
      [1, 2],
      [3, 4],
      [5, 6],
    ];
    const { cpu, gpu } = await bothWays(make, prompt, 7, { temperature: 0.9 });
    assert.equal(cpu[0].length, 9);
    assert.deepEqual(gpu, cpu);
  });

test("gradstack sample --device=webgpu prints the CPU's samples for a tiny checkpoint", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-webgpu-sample-"));
  const text = path.join(dir, "text.txt");
  writeFileSync(text, "to be or not to be, that is the question. ".repeat(20));
  // The runs inherit initWebGpu's SwiftShader settings from process.env.
  const gradstack = (...args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, "dist/cli/main.js"), ...args], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const tiny = ["--n_layer=1", "--n_head=2", "--n_embd=16", "--block_size=8", "--batch_size=4"];
  gradstack(
    "train",
    "gpt",
    `--data_path=${text}`,
    `--out_dir=${dir}`,
    "--max_iters=4",
    "--eval_iters=1",
    ...tiny,
  );
  const sample = (device: string) =>
    gradstack("sample", `--ckpt=${dir}`, "--start=to be", "--num_samples=2", "--max_new_tokens=12", device);
  const cpu = sample("--device=cpu");
  assert.match(cpu, /^to be.{12}\n-+\nto be/s);
  assert.equal(sample("--device=webgpu"), cpu);
});
