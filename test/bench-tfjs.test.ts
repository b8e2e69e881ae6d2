// The TensorFlow.js twins of `npm run bench -- --tfjs` (bench/tfjs-*.ts) are the same models as
// gradstack's workloads: equal parameter counts, and an initial loss near ln(classes) (random
// weights), on TensorFlow.js's wasm backend through the esbuild bundle the benchmark runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as gs from "../src/index.js";
import { GPT_CONFIGS } from "../bench/gpt.js";
import { bundleTfjsStep } from "../bench/tfjs-bundle.js";

const count = (m: gs.nn.Module) => m.parameters().reduce((n, p) => n + p.numel(), 0);

test(
  "the TensorFlow.js twins have gradstack's parameter counts and start at chance loss",
  { timeout: 180_000 },
  async (t) => {
    const pass = process.env.GRADSTACK_BACKEND;
    if (pass !== undefined && pass !== "js")
      return t.skip("TensorFlow.js does not read GRADSTACK_BACKEND: this runs once, in the cpu-js pass");
    const out = execFileSync(process.execPath, [await bundleTfjsStep(), "check"], { encoding: "utf8" });
    const r = JSON.parse(out.trim().split("\n").pop()!) as {
      backend: string;
      params: Record<string, number>;
      initialLoss: Record<string, number>;
    };
    assert.equal(r.backend, "wasm");
    const gpt = (which: keyof typeof GPT_CONFIGS) =>
      new gs.models.GPT({ ...GPT_CONFIGS[which], vocabSize: 65, dropout: 0, bias: false });
    const lstm = new gs.models.RNNLanguageModel({
      cell: "lstm",
      vocabSize: 65,
      embedDim: 64,
      hiddenSize: 256,
    });
    const mlp = new gs.nn.Sequential(new gs.nn.Linear(784, 256), new gs.nn.ReLU(), new gs.nn.Linear(256, 10));
    assert.deepEqual(r.params, {
      gpt: count(gpt("gpt")),
      gptlarge: count(gpt("gptlarge")),
      lstm: count(lstm),
      mlp: count(mlp),
    });
    for (const [id, classes] of [
      ["gpt", 65],
      ["gptlarge", 65],
      ["lstm", 65],
      ["mlp", 10],
    ] as const)
      assert.ok(
        Math.abs(r.initialLoss[id] - Math.log(classes)) < 0.5,
        `${id}: initial loss ${r.initialLoss[id]}, ln ${classes} = ${Math.log(classes)}`,
      );
  },
);
