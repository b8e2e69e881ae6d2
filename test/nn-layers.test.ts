// gs.nn layers: PyTorch parity (forward and backward), float64 gradcheck, dropout, padding rows, printing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { assertClose, fromFixture, loadFixture } from "./helpers/fixtures.js";
import { pyFloat } from "../src/nn/layers/repr.js";

const nn = gs.nn;

/**
 * Checks a module against a PyTorch case: state dict keys and shapes, forward output `y`, and the
 * gradients of sum(y · upstream) for the float input `x` (if any) and every parameter.
 */
function checkModuleParity(
  name: string,
  module: gs.nn.Module,
  input: (fx: ReturnType<typeof loadFixture>) => gs.Tensor,
) {
  const fx = loadFixture(name);
  const sd = module.stateDict();
  assert.deepEqual(Object.keys(sd), Object.keys(fx.params), `${name}: state dict keys`);
  for (const [k, v] of Object.entries(fx.params))
    assert.deepEqual([...sd[k].shape], v.shape, `${name}: shape of ${k}`);
  module.loadStateDict(Object.fromEntries(Object.entries(fx.params).map(([k, v]) => [k, fromFixture(v)])));

  const x = input(fx);
  const y = module.forward(x) as gs.Tensor;
  assertClose(y, fx.outputs.y, 1e-4, `${name} output`);
  y.mul(fromFixture(fx.upstream.y)).sum().backward();
  const params = new Map(module.namedParameters());
  for (const [k, want] of Object.entries(fx.grads)) {
    const g = k in fx.inputs ? x.grad : params.get(k)!.grad;
    assert.ok(g, `${name}: no gradient for ${k}`);
    assertClose(g, want, 1e-4, `${name} grad ${k}`);
  }
}

test("Linear matches PyTorch: state dict, forward, backward", () => {
  const cfg = loadFixture("nn_linear").config as { in_features: number; out_features: number };
  checkModuleParity("nn_linear", new nn.Linear(cfg.in_features, cfg.out_features), (fx) =>
    fromFixture(fx.inputs.x, { requiresGrad: true }),
  );
});

test("Embedding matches PyTorch: state dict, forward, backward (repeated ids accumulate)", () => {
  const cfg = loadFixture("nn_embedding").config as { num_embeddings: number; embedding_dim: number };
  checkModuleParity("nn_embedding", new nn.Embedding(cfg.num_embeddings, cfg.embedding_dim), (fx) =>
    fromFixture(fx.int_inputs.idx),
  );
});

test("LayerNorm matches PyTorch: state dict, forward, backward", () => {
  const cfg = loadFixture("nn_layernorm").config as { normalized_shape: number[]; eps: number };
  checkModuleParity("nn_layernorm", new nn.LayerNorm(cfg.normalized_shape, { eps: cfg.eps }), (fx) =>
    fromFixture(fx.inputs.x, { requiresGrad: true }),
  );
});

const f64 = (shape: number[]) => gs.randn(shape, { dtype: "float64", requiresGrad: true });

test("gradcheck in float64: Linear (with and without bias)", () => {
  gs.manualSeed(1);
  const lin = new nn.Linear(4, 3).double();
  assert.equal(lin.weight.dtype, "float64");
  assert.ok(gs.autograd.gradcheck((x) => lin.forward(x), [f64([2, 5, 4]), lin.weight, lin.bias!]));
  const noBias = new nn.Linear(3, 2, { bias: false }).double();
  assert.ok(gs.autograd.gradcheck((x) => noBias.forward(x), [f64([4, 3]), noBias.weight]));
});

test("gradcheck in float64: LayerNorm over one dim and over two dims", () => {
  gs.manualSeed(2);
  for (const shape of [[5], [3, 4]]) {
    const ln = new nn.LayerNorm(shape).double();
    gs.nn.init.normal_(ln.weight!);
    gs.nn.init.normal_(ln.bias!);
    assert.ok(gs.autograd.gradcheck((x) => ln.forward(x), [f64([2, ...shape]), ln.weight!, ln.bias!]));
  }
  const plain = new nn.LayerNorm(6, { elementwiseAffine: false }).double();
  assert.equal(plain.parameters().length, 0);
  assert.ok(gs.autograd.gradcheck((x) => plain.forward(x), [f64([3, 6])]));
});

test("gradcheck in float64: Embedding with repeated ids", () => {
  gs.manualSeed(3);
  const emb = new nn.Embedding(6, 3).double();
  const ids = gs.tensor(
    [
      [0, 2, 2],
      [5, 0, 1],
    ],
    { dtype: "int32" },
  );
  assert.ok(gs.autograd.gradcheck(() => emb.forward(ids), [emb.weight]));
});

test("Embedding paddingIdx: the row starts at zero, reads its value and gets no gradient", () => {
  gs.manualSeed(4);
  const emb = new nn.Embedding(5, 3, { paddingIdx: -4 });
  assert.equal(emb.paddingIdx, 1);
  assert.deepEqual(emb.weight.select(0, 1).tolist(), [0, 0, 0]);
  gs.noGrad(() => emb.weight.select(0, 1).fill_(2)); // PyTorch lets a custom padding vector be set
  const ids = gs.tensor([1, 2, 1, 4], { dtype: "int32" });
  const y = emb.forward(ids);
  assert.deepEqual(y.select(0, 0).tolist(), [2, 2, 2]);
  y.mul(gs.randn(y.shape)).sum().backward();
  const g = emb.weight.grad!;
  assert.deepEqual(g.select(0, 1).tolist(), [0, 0, 0]);
  assert.ok(g.select(0, 2).abs().sum().item() > 0);
  assert.deepEqual(g.select(0, 0).tolist(), [0, 0, 0]); // unused row
  assert.throws(
    () => new nn.Embedding(5, 3, { paddingIdx: 5 }),
    /Embedding: paddingIdx must be an integer in \[-5, 4\], got 5/,
  );
});

test("Embedding: N(0, 1) init, bad ids name the layer, fromPretrained shares and freezes", () => {
  gs.manualSeed(5);
  const w = new nn.Embedding(200, 50).weight;
  assert.ok(Math.abs(w.mean().item()) < 0.02);
  assert.ok(Math.abs(w.std().item() - 1) < 0.02);
  const emb = new nn.Embedding(4, 2);
  assert.throws(
    () => emb.forward(gs.tensor([4], { dtype: "int32" })),
    /Embedding\(4, 2\): .*index 4 is out of bounds/,
  );
  assert.throws(
    () => emb.forward(gs.tensor([1.5])),
    /Embedding\(4, 2\): embedding: ids must be an int32 tensor/,
  );
  const table = gs.tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { dtype: "float32" },
  );
  const pre = nn.Embedding.fromPretrained(table);
  assert.equal(pre.weight.requiresGrad, false);
  assert.equal(pre.weight.storage, table.storage);
  assert.deepEqual(pre.forward(gs.tensor([1], { dtype: "int32" })).tolist(), [[3, 4]]);
  assert.equal(nn.Embedding.fromPretrained(table, { freeze: false }).weight.requiresGrad, true);
  assert.throws(
    () => new nn.Embedding(3, 2, { weight: gs.zeros([2, 2]) }),
    /Embedding: weight must be a Tensor of shape \[3, 2\], got \[2, 2\]/,
  );
});

test("Linear: shapes, no bias, bad sizes and inputs", () => {
  const lin = new nn.Linear(3, 2, { bias: false });
  assert.equal(lin.bias, null);
  assert.deepEqual(Object.keys(lin.stateDict()), ["weight"]);
  assert.deepEqual(lin.forward(gs.zeros([4, 5, 3])).shape, [4, 5, 2]);
  assert.throws(() => new nn.Linear(2.5, 3), /Linear: inFeatures must be an integer >= 0, got 2.5/);
  assert.throws(
    () => lin.forward(gs.zeros([4, 2])),
    /linear: input of shape \[4, 2\] has last dim 2, expected in_features=3/,
  );
});

test("Dropout: identity in eval, keep rate 1-p and scale 1/(1-p) in training, gradient through the mask", () => {
  gs.manualSeed(6);
  const drop = new nn.Dropout(0.3);
  const x = gs.ones([20000], { requiresGrad: true });
  const y = drop.forward(x);
  const vals = y.toArray();
  let zeros = 0;
  for (const v of vals) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6);
  }
  assert.ok(Math.abs(zeros / vals.length - 0.3) < 0.015, `zero fraction ${zeros / vals.length}`);
  y.sum().backward();
  assertClose(x.grad!, vals);
  drop.eval();
  assert.equal(drop.forward(x), x);
  assert.equal(new nn.Dropout(0).train().forward(x), x);
  assert.deepEqual(new nn.Dropout(1).forward(gs.ones([3])).tolist(), [0, 0, 0]);
  assert.throws(() => new nn.Dropout(1.5), /Dropout: p must be a probability in \[0, 1\], got 1.5/);
  assert.throws(
    () => gs.nn.functional.dropout(gs.ones([3], { dtype: "int32" }), 0.5),
    /dropout: expects a floating-point tensor, got int32/,
  );
  // float64 works too, and a generator makes the mask reproducible.
  const d64 = () =>
    gs.nn.functional.dropout(gs.ones([50], { dtype: "float64" }), 0.5, true, new gs.Generator(1)).tolist();
  assert.deepEqual(d64(), d64());
});

test("activation layers compute their functions", () => {
  const x = gs.tensor([[-2, -0.5, 0, 1.5]]);
  assertClose(new nn.ReLU().forward(x), [0, 0, 0, 1.5]);
  assertClose(new nn.Tanh().forward(x), [-2, -0.5, 0, 1.5].map(Math.tanh));
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  assertClose(new nn.Sigmoid().forward(x), [-2, -0.5, 0, 1.5].map(sig));
  assertClose(
    new nn.SiLU().forward(x),
    [-2, -0.5, 0, 1.5].map((v) => v * sig(v)),
  );
  assertClose(new nn.GELU().forward(x), gs.nn.functional.gelu(x));
  assertClose(
    new nn.GELU({ approximate: "tanh" }).forward(x),
    gs.nn.functional.gelu(x, { approximate: "tanh" }),
  );
  assertClose(new nn.Softmax(1).forward(x).sum(1), [1]);
  assertClose(new nn.LogSoftmax(-1).forward(x).exp().sum(-1), [1]);
  assert.deepEqual(new nn.Flatten().forward(gs.zeros([2, 3, 4, 5])).shape, [2, 60]);
  assert.deepEqual(new nn.Flatten(0, 1).forward(gs.zeros([2, 3, 4])).shape, [6, 4]);
  assert.equal(new nn.Identity().forward(x), x);
  assert.throws(
    () => new nn.GELU({ approximate: "fast" as "tanh" }),
    /GELU: approximate must be "none" or "tanh", got "fast"/,
  );
  assert.throws(() => new nn.Softmax(0.5), /Softmax: dim must be an integer, got 0.5/);
});

test("layers print as PyTorch's repr", () => {
  assert.equal(String(new nn.Linear(784, 256)), "Linear(in_features=784, out_features=256, bias=True)");
  assert.equal(
    String(new nn.Linear(3, 1, { bias: false })),
    "Linear(in_features=3, out_features=1, bias=False)",
  );
  assert.equal(String(new nn.Embedding(11, 7)), "Embedding(11, 7)");
  assert.equal(String(new nn.Embedding(11, 7, { paddingIdx: 0 })), "Embedding(11, 7, padding_idx=0)");
  assert.equal(String(new nn.LayerNorm(768)), "LayerNorm((768,), eps=1e-05, elementwise_affine=True)");
  assert.equal(
    String(new nn.LayerNorm([3, 4], { eps: 1e-6, elementwiseAffine: false })),
    "LayerNorm((3, 4), eps=1e-06, elementwise_affine=False)",
  );
  assert.equal(String(new nn.Dropout(0.1)), "Dropout(p=0.1, inplace=False)");
  assert.equal(String(new nn.Dropout()), "Dropout(p=0.5, inplace=False)");
  assert.equal(String(new nn.GELU({ approximate: "tanh" })), "GELU(approximate='tanh')");
  assert.equal(String(new nn.Softmax(1)), "Softmax(dim=1)");
  assert.equal(String(new nn.LogSoftmax(-1)), "LogSoftmax(dim=-1)");
  assert.equal(String(new nn.Flatten()), "Flatten(start_dim=1, end_dim=-1)");
  for (const [m, s] of [
    [new nn.ReLU(), "ReLU()"],
    [new nn.Tanh(), "Tanh()"],
    [new nn.Sigmoid(), "Sigmoid()"],
    [new nn.SiLU(), "SiLU()"],
    [new nn.Identity(), "Identity()"],
  ] as const)
    assert.equal(String(m), s);
});

test("pyFloat formats numbers as Python's float repr", () => {
  const cases: [number, string][] = [
    [1e-5, "1e-05"],
    [1e-4, "0.0001"],
    [2.5e-7, "2.5e-07"],
    [0.1, "0.1"],
    [1, "1.0"],
    [0, "0.0"],
    [123.5, "123.5"],
    [1e15, "1000000000000000.0"],
    [1e16, "1e+16"],
    [-3e20, "-3e+20"],
  ];
  for (const [x, s] of cases) assert.equal(pyFloat(x), s, String(x));
});
