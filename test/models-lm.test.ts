// Language models from bigram counts to GRUs: hand-computed NLL, the LM interface, overfitting, state carry.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { assertClose } from "./helpers/fixtures.js";

const { Bigram, BigramCounts, MLPLanguageModel, RNNLanguageModel, detachState } = gs.models;
const ids = (rows: number[][]) => gs.tensor(rows, { dtype: "int32" });

test("BigramCounts: add-k smoothed probabilities and the NLL, computed by hand", () => {
  // Vocabulary . a b; words "ab" and "b" -> [. a b .] and [. b .].
  const seqs = [
    [0, 1, 2, 0],
    [0, 2, 0],
  ];
  const m = new BigramCounts(3, { smoothing: 1 }).fit(seqs);
  // Counts: row . = [0, 1, 1], row a = [0, 0, 1], row b = [2, 0, 0]; +1 each.
  assertClose(m.probs(), [1 / 5, 2 / 5, 2 / 5, 1 / 4, 1 / 4, 2 / 4, 3 / 5, 1 / 5, 1 / 5], 1e-12);
  const want = -(Math.log(2 / 5) + Math.log(2 / 4) + Math.log(3 / 5) + Math.log(2 / 5) + Math.log(3 / 5)) / 5;
  assert.ok(Math.abs(m.nll(seqs) - want) < 1e-12, `nll ${m.nll(seqs)} vs ${want}`);
  // forward: the same loss through the LM interface; -1 targets are ignored.
  const { loss, logits } = m.forward(
    ids([
      [0, 1, 2],
      [0, 2, 0],
    ]),
    ids([
      [1, 2, 0],
      [2, 0, -1],
    ]),
  );
  assert.deepEqual(logits.shape, [2, 3, 3]);
  assert.ok(Math.abs(loss!.item() - want) < 1e-6);
  assert.equal(new BigramCounts(3, { smoothing: 0 }).fit(seqs).nll([[0, 1, 2]]), -Math.log(1 / 2) / 2);
  assert.throws(() => m.fit([[0, 3]]), /token ids must be integers in \[0, 3\)/);
  assert.throws(() => m.forward(ids([[0, 5]])), /token id 5 is outside \[0, 3\)/);
});

test("the neural bigram learns the count model's probabilities", () => {
  gs.manualSeed(0);
  const seqs = [
    [0, 1, 2, 0],
    [0, 2, 0],
    [0, 1, 1, 0],
  ];
  const x = ids([seqs.flatMap((s) => s.slice(0, -1))]);
  const y = ids([seqs.flatMap((s) => s.slice(1))]);
  const m = new Bigram(3);
  const opt = new gs.optim.Adam(m.parameters(), { lr: 0.3 });
  for (let i = 0; i < 150; i++) {
    const { loss } = m.forward(x, y);
    opt.zeroGrad();
    loss!.backward();
    opt.step();
  }
  const counts = new BigramCounts(3, { smoothing: 0 }).fit(seqs);
  assertClose(m.token_embedding_table.weight.softmax(1), counts.probs(), 0.02, "softmax(W) vs counts");
  assert.deepEqual(m.generate(ids([[0], [1]]), 5).shape, [2, 6]);
});

test("MLPLanguageModel: forward over a sequence equals the MLP on its padded windows", () => {
  gs.manualSeed(1);
  const m = new MLPLanguageModel({ vocabSize: 5, blockSize: 3, embedDim: 2, hiddenSize: 8, padId: 0 });
  assert.deepEqual(Object.keys(m.stateDict()), [
    "wte.weight",
    "mlp.0.weight",
    "mlp.0.bias",
    "mlp.2.weight",
    "mlp.2.bias",
  ]);
  const x = ids([[3, 1, 4, 1]]);
  const { logits, loss } = m.forward(x, ids([[1, 4, 1, -1]]));
  const ctx = ids([
    [0, 0, 3],
    [0, 3, 1],
    [3, 1, 4],
    [1, 4, 1],
  ]);
  assertClose(logits.squeeze(0), m.forwardContexts(ctx), 1e-6, "windows");
  const want = gs.nn.functional.crossEntropy(
    m.forwardContexts(ctx).narrow(0, 0, 3),
    ids([[1, 4, 1]]).squeeze(0),
  );
  assertClose(loss!, want, 1e-6, "loss ignores -1");
  assertClose(
    m.forward(x).logits.reshape([5]),
    logits.select(1, 3).reshape([5]),
    1e-6,
    "inference: last position",
  );
  // Without padId, positions before the start read an extra blank token (makemore.py).
  assert.equal(new MLPLanguageModel({ vocabSize: 5 }).wte.numEmbeddings, 6);
  assert.deepEqual(m.generate(ids([[0]]), 7).shape, [1, 8]);
});

for (const cell of ["rnn", "lstm", "gru"] as const)
  test(`RNNLanguageModel (${cell}) overfits one batch`, () => {
    gs.manualSeed(2);
    const m = new RNNLanguageModel({ cell, vocabSize: 6, embedDim: 8, hiddenSize: 24 });
    const x = ids([
      [0, 1, 2, 3, 4, 5],
      [5, 4, 3, 2, 1, 0],
    ]);
    const y = ids([
      [1, 2, 3, 4, 5, 0],
      [4, 3, 2, 1, 0, -1],
    ]);
    const opt = new gs.optim.Adam(m.parameters(), { lr: 0.04 });
    let first = 0;
    let last = 0;
    for (let i = 0; i < 80; i++) {
      const { loss } = m.forward(x, y);
      if (i === 0) first = loss!.item();
      last = loss!.item();
      opt.zeroGrad();
      loss!.backward();
      opt.step();
    }
    assert.ok(Math.abs(first - Math.log(6)) < 0.3, `initial loss ${first}`);
    assert.ok(last < 0.05, `loss after 80 steps: ${last}`);
  });

test("RNNLanguageModel: carrying the state across windows equals one pass; one-hot inputs; generate", () => {
  gs.manualSeed(3);
  for (const cell of ["lstm", "gru"] as const) {
    const m = new RNNLanguageModel({ cell, vocabSize: 7, embedDim: 0, hiddenSize: 5, numLayers: 2 });
    assert.ok(!Object.keys(m.stateDict()).some((k) => k.startsWith("embedding")), "one-hot: no embedding");
    assert.deepEqual([...m.rnn.weight_ih_l0.shape], [(cell === "lstm" ? 4 : 3) * 5, 7]);
    const x = gs.randint(0, 7, [3, 8]).to("int32");
    const y = gs.randint(0, 7, [3, 8]).to("int32");
    const whole = m.forward(x, y);
    const a = m.forward(x.narrow(1, 0, 4), y.narrow(1, 0, 4));
    const b = m.forward(x.narrow(1, 4, 4), y.narrow(1, 4, 4), detachState(a.state));
    assertClose(gs.cat([a.logits, b.logits], 1), whole.logits, 1e-5, `${cell} windows`);
    const g1 = m.generate(x.narrow(1, 0, 2), 6, { generator: new gs.Generator(9) });
    const g2 = m.generate(x.narrow(1, 0, 2), 6, { generator: new gs.Generator(9) });
    assert.deepEqual(g1.shape, [3, 8]);
    assert.deepEqual(g1.tolist(), g2.tolist());
    assert.deepEqual(g1.narrow(1, 0, 2).tolist(), x.narrow(1, 0, 2).tolist());
  }
});

test("same seed, same model and same losses (determinism)", () => {
  const run = () => {
    gs.manualSeed(42);
    const m = new RNNLanguageModel({
      cell: "gru",
      vocabSize: 5,
      embedDim: 4,
      hiddenSize: 8,
      dropout: 0.2,
      numLayers: 2,
    });
    const opt = new gs.optim.AdamW(m.parameters(), { lr: 0.01 });
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const x = gs.randint(0, 5, [2, 6]).to("int32");
      const { loss } = m.forward(x, x);
      opt.zeroGrad();
      loss!.backward();
      opt.step();
      losses.push(loss!.item());
    }
    return losses;
  };
  assert.deepEqual(run(), run());
});

test("language models reject bad token tensors", () => {
  const m = new RNNLanguageModel({ cell: "lstm", vocabSize: 4, embedDim: 2, hiddenSize: 3 });
  assert.throws(
    () => m.forward(gs.zeros([2, 3])),
    /idx must be an int32 tensor of shape \(B, T\), got float32 \[2, 3\]/,
  );
  assert.throws(() => m.forward(ids([[0, 9]])), /token id 9 is outside \[0, 4\)/);
  assert.throws(() => m.forward(ids([[0, 1]]), ids([[1]])), /targets \[1, 1\] must match idx \[1, 2\]/);
  assert.throws(() => new RNNLanguageModel({ cell: "transformer" as "gru", vocabSize: 3 }), /cell must be/);
  const t: Tensor = ids([[1]]);
  assert.throws(() => new Bigram(3).generate(t, -1), /maxNewTokens must be an integer >= 0/);
});
