// The PyTorch reference cases whose ops all have WGSL kernels, run on webgpu: forward outputs and the
// gradients of Σ_k sum(out_k · upstream_k), to 1e-4 relative (float32, as the CPU parity tests).
import { before, test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../../src/index.js";
import { Block } from "../../src/models/gpt.js";
import type { Module } from "../../src/nn/module.js";
import { fromFixture, loadFixture, type Fixture } from "../helpers/fixtures.js";
import { opCases, opForwardOnly } from "../helpers/op-cases.js";
import type { CaseFn } from "../helpers/parity.js";
import { assertCloseAsync, GPU, initWebGpu } from "./setup.js";

const TOL = 1e-4;
before(initWebGpu);

/** Runs `fn` on the fixture's inputs on webgpu and checks outputs and gradients; `paramGrad` finds module gradients. */
async function checkOnGpu(
  fx: Fixture,
  fn: CaseFn,
  forwardOnly?: string[],
  paramGrad: (name: string) => gs.Tensor | null = () => null,
): Promise<void> {
  const inputs: Record<string, gs.Tensor> = {};
  for (const [k, v] of Object.entries(fx.inputs)) {
    inputs[k] = fromFixture(v).to(GPU);
    inputs[k].requiresGrad = true;
  }
  for (const [k, v] of Object.entries(fx.int_inputs)) inputs[k] = fromFixture(v).to(GPU);
  const outs = fn(inputs);
  let total: gs.Tensor | null = null;
  for (const [k, want] of Object.entries(fx.outputs)) {
    if (forwardOnly && !forwardOnly.includes(k)) continue;
    const got = outs[k];
    assert.equal(got.device, GPU, `${fx.name} output ${k} stays on the device`);
    await assertCloseAsync(got.reshape(want.shape), want.data, TOL, `${fx.name} output ${k}`);
    const up = gs
      .tensor(fx.upstream[k].data, { shape: fx.upstream[k].shape, device: GPU })
      .reshape(got.shape);
    const term = got.mul(up).sum();
    total = total === null ? term : total.add(term);
  }
  if (forwardOnly) return;
  total!.backward();
  for (const [k, want] of Object.entries(fx.grads)) {
    const g = k in inputs ? inputs[k].grad : paramGrad(k);
    assert.ok(g !== null, `${fx.name}: no gradient for ${k}`);
    await assertCloseAsync(g, want.data, TOL, `${fx.name} grad ${k}`);
  }
}

async function checkModuleOnGpu(fx: Fixture, module: Module, forward: CaseFn): Promise<void> {
  module.loadStateDict(Object.fromEntries(Object.entries(fx.params).map(([k, v]) => [k, fromFixture(v)])));
  module.to(GPU);
  const params = new Map(module.namedParameters());
  await checkOnGpu(fx, forward, undefined, (k) => params.get(k)?.grad ?? null);
}

for (const [name, fn] of Object.entries(opCases))
  test(`webgpu parity ${name}`, () => checkOnGpu(loadFixture(name), fn, opForwardOnly[name]));

test("webgpu parity nn_linear, nn_embedding, nn_layernorm", async () => {
  const lin = loadFixture("nn_linear");
  const lc = lin.config as { in_features: number; out_features: number };
  const linear = new gs.nn.Linear(lc.in_features, lc.out_features);
  await checkModuleOnGpu(lin, linear, ({ x }) => ({ y: linear.forward(x) }));
  const emb = loadFixture("nn_embedding");
  const ec = emb.config as { num_embeddings: number; embedding_dim: number };
  const embedding = new gs.nn.Embedding(ec.num_embeddings, ec.embedding_dim);
  await checkModuleOnGpu(emb, embedding, ({ idx }) => ({ y: embedding.forward(idx) }));
  const ln = loadFixture("nn_layernorm");
  const nc = ln.config as { normalized_shape: number[]; eps: number };
  const norm = new gs.nn.LayerNorm(nc.normalized_shape, { eps: nc.eps });
  await checkModuleOnGpu(ln, norm, ({ x }) => ({ y: norm.forward(x) }));
});

test("webgpu parity gpt_block (attention through the flash kernel)", async () => {
  const fx = loadFixture("gpt_block");
  const cfg = fx.config as { n_embd: number; n_head: number; bias: boolean };
  const small = { blockSize: 16, vocabSize: 11, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, bias: true };
  const block = new Block({ ...small, nEmbd: cfg.n_embd, nHead: cfg.n_head, bias: cfg.bias });
  await checkModuleOnGpu(fx, block, ({ x }) => ({ y: block.forward(x) }));
});
