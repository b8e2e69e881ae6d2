// GPT (nanoGPT's model): PyTorch parity of a block, state-dict names, training, generation, weights I/O.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { GPT, Block } from "../src/models/gpt.js";
import { assertClose, fromFixture, loadFixture } from "./helpers/fixtures.js";
import { checkModuleParity } from "./helpers/parity.js";

const small = { blockSize: 16, vocabSize: 11, nLayer: 2, nHead: 2, nEmbd: 8, dropout: 0, bias: true };

test("a GPT block matches nanoGPT's Block in PyTorch, forward and backward", () => {
  const fx = loadFixture("gpt_block");
  const cfg = fx.config as { n_embd: number; n_head: number; bias: boolean };
  const block = new Block({ ...small, nEmbd: cfg.n_embd, nHead: cfg.n_head, bias: cfg.bias });
  checkModuleParity(fx, block, ({ x }) => ({ y: block.forward(x) }));
});

test("state-dict names and shapes are nanoGPT's; lm_head is tied to wte", () => {
  gs.manualSeed(0);
  const m = new GPT(small);
  const keys = Object.keys(m.stateDict());
  assert.deepEqual(keys.slice(0, 6), [
    "transformer.wte.weight",
    "transformer.wpe.weight",
    "transformer.h.0.ln_1.weight",
    "transformer.h.0.ln_1.bias",
    "transformer.h.0.attn.c_attn.weight",
    "transformer.h.0.attn.c_attn.bias",
  ]);
  assert.ok(keys.includes("transformer.h.1.mlp.c_proj.weight") && keys.includes("transformer.ln_f.bias"));
  assert.ok(keys.includes("lm_head.weight"));
  assert.equal(m.lm_head.weight, m.wte.weight);
  assert.equal(m.parameters().filter((p) => p === m.wte.weight).length, 1);
  // nanoGPT counts parameters without the position embeddings.
  assert.equal(m.getNumParams(), m.numParameters() - 16 * 8);
  const proj = m.stateDict()["transformer.h.0.attn.c_proj.weight"];
  assert.ok(Math.abs(proj.std().item() - 0.02 / Math.sqrt(4)) < 0.004);
});

test("the loss starts near ln(vocab) and a tiny GPT overfits one batch", () => {
  gs.manualSeed(1);
  const m = new GPT(small);
  const x = gs.randint(0, 11, [4, 16]);
  const y = gs.cat([x.narrow(1, 1, 15), x.narrow(1, 0, 1)], 1);
  const first = m.forward(x, y).loss!.item();
  assert.ok(Math.abs(first - Math.log(11)) < 0.3, `initial loss ${first}`);
  const opt = m.configureOptimizers({ weightDecay: 0, lr: 1e-2, betas: [0.9, 0.99] });
  let last = first;
  for (let i = 0; i < 80; i++) {
    const { loss } = m.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    opt.step();
    last = loss!.item();
  }
  assert.ok(last < 0.5, `loss after 80 steps ${last}`);
});

test("targets of -1 are ignored", () => {
  gs.manualSeed(2);
  const m = new GPT(small);
  const x = gs.randint(0, 11, [2, 5]);
  const y = gs.randint(0, 11, [2, 5]);
  const masked = y.maskedFill(
    gs.tensor([
      [false, false, true, true, true],
      [true, true, true, true, true],
    ]),
    -1,
  );
  const full = m.forward(x, y).loss!.item();
  const part = m.forward(x, masked).loss!.item();
  const logits = m.forward(x, y).logits;
  const manual = gs.nn.functional.crossEntropy(logits.index(0, "0:2"), y.index(0, "0:2")).item();
  assert.ok(Math.abs(part - manual) < 1e-5 && Math.abs(part - full) > 1e-6);
});

test("generation with and without the KV cache gives the same tokens, also past the block size", () => {
  gs.manualSeed(3);
  const m = new GPT(small);
  const start = gs.tensor([[1, 2, 3]]);
  for (const steps of [5, 20]) {
    gs.manualSeed(9);
    const a = m.generate(start, steps, { temperature: 0.9, topK: 5 });
    gs.manualSeed(9);
    const b = m.generate(start, steps, { temperature: 0.9, topK: 5, useCache: false });
    assert.deepEqual(a.tolist(), b.tolist());
    assert.deepEqual(a.shape, [1, 3 + steps]);
  }
  const greedy = m.generate(start, 4, { temperature: 0 });
  assert.deepEqual(greedy.tolist(), m.generate(start, 4, { temperature: 0, useCache: false }).tolist());
});

test("fromStateDict loads nanoGPT and Hugging Face GPT-2 layouts", () => {
  gs.manualSeed(4);
  const m = new GPT({ ...small, nEmbd: 64, nHead: 1 });
  const sd = m.stateDict();
  const same = GPT.fromStateDict(sd, { nHead: 1 });
  const x = gs.randint(0, 11, [1, 6]);
  assert.deepEqual(same.forward(x).logits.tolist(), m.forward(x).logits.tolist());
  // HF: no "transformer." prefix, Conv1D weights stored transposed, mask buffers present.
  const hf: Record<string, gs.Tensor> = {};
  for (const [k, v] of Object.entries(sd)) {
    if (k === "lm_head.weight") continue;
    const name = k.replace(/^transformer\./, "");
    hf[name] = /(c_attn|c_proj|c_fc)\.weight$/.test(name) ? v.transpose(0, 1).contiguous() : v;
  }
  hf["h.0.attn.bias"] = gs.ones([1, 1, 16, 16]);
  const fromHf = GPT.fromStateDict(hf, { layout: "hf-gpt2" });
  assert.equal(fromHf.config.nHead, 1);
  const got = fromHf.forward(x).logits.toArray();
  const want = m.forward(x).logits.toArray();
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6));
});

test("bad config and input get clear errors", () => {
  assert.throws(() => new GPT({ ...small, nHead: 3 }), /nEmbd \(8\) must be divisible by nHead \(3\)/);
  assert.throws(() => new GPT({ ...small, blockSize: 0 }), /blockSize must be a positive integer/);
  const m = new GPT(small);
  assert.throws(
    () => m.forward(gs.zeros([1, 17], { dtype: "int32" })),
    /sequence of length 17, the block size is only 16/,
  );
  assert.throws(() => m.forward(gs.zeros([1, 4])), /idx must be an int32 tensor of shape \(B, T\)/);
});

test("a whole GPT matches the same model in PyTorch: logits, loss and every parameter's gradient", () => {
  const fx = loadFixture("gpt_model");
  const c = fx.config as {
    vocab_size: number;
    block_size: number;
    n_layer: number;
    n_head: number;
    n_embd: number;
  };
  for (const dtype of ["float64", "float32"] as const) {
    const m = new GPT({
      vocabSize: c.vocab_size,
      blockSize: c.block_size,
      nLayer: c.n_layer,
      nHead: c.n_head,
      nEmbd: c.n_embd,
      bias: true,
    });
    if (dtype === "float64") m.double();
    m.loadStateDict(
      Object.fromEntries(Object.entries(fx.params).map(([k, v]) => [k, fromFixture(v, { dtype })])),
    );
    const { logits, loss } = m.forward(fromFixture(fx.int_inputs.idx), fromFixture(fx.int_inputs.targets));
    const tol = dtype === "float64" ? 1e-9 : 1e-4;
    assertClose(logits, fx.outputs.logits, tol, `${dtype} logits`);
    assertClose([loss!.item()], fx.outputs.loss.data, tol, `${dtype} loss`);
    loss!.backward();
    const params = new Map(m.namedParameters());
    assert.deepEqual([...params.keys()].sort(), Object.keys(fx.grads).sort());
    for (const [k, want] of Object.entries(fx.grads))
      assertClose(params.get(k)!.grad!, want, tol, `${dtype} grad ${k}`);
  }
});
