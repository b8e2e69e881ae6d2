// RNN, LSTM and GRU against PyTorch (state dict, outputs, gradients), and their cells, by gradcheck.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import type { Tensor } from "../src/index.js";
import { assertClose, loadFixture } from "./helpers/fixtures.js";
import { checkModuleParity } from "./helpers/parity.js";

const nn = gs.nn;

interface RnnConfig {
  module: "RNN" | "LSTM" | "GRU";
  input_size: number;
  hidden_size: number;
  num_layers: number;
  bidirectional: boolean;
  batch_first: boolean;
  bias: boolean;
}

for (const name of [
  "nn_rnn_l1",
  "nn_rnn_l2_bidir",
  "nn_lstm_l1",
  "nn_lstm_l2_bidir",
  "nn_gru_l1",
  "nn_gru_l2_bidir",
]) {
  test(`${name} matches PyTorch: state dict keys and shapes, output, h_n/c_n, all gradients`, () => {
    const fx = loadFixture(name);
    const c = fx.config as unknown as RnnConfig;
    const opts = {
      numLayers: c.num_layers,
      bidirectional: c.bidirectional,
      batchFirst: c.batch_first,
      bias: c.bias,
    };
    const Ctor = { RNN: nn.RNN, LSTM: nn.LSTM, GRU: nn.GRU }[c.module];
    const module = new Ctor(c.input_size, c.hidden_size, opts);
    checkModuleParity(fx, module, (inputs): Record<string, Tensor> => {
      if (module instanceof nn.LSTM) {
        const [output, [hN, cN]] = module.forward(inputs.x, [inputs.h0, inputs.c0]);
        return { output, h_n: hN, c_n: cN };
      }
      const [output, hN] = (module as gs.nn.RNN).forward(inputs.x, inputs.h0);
      return { output, h_n: hN };
    });
  });
}

test("state dict names, shapes and order follow PyTorch; init is U(-1/sqrt(H), 1/sqrt(H))", () => {
  gs.manualSeed(0);
  const lstm = new nn.LSTM(3, 5, { numLayers: 2, bidirectional: true });
  const sd = lstm.stateDict();
  assert.deepEqual(Object.keys(sd).slice(0, 8), [
    "weight_ih_l0",
    "weight_hh_l0",
    "bias_ih_l0",
    "bias_hh_l0",
    "weight_ih_l0_reverse",
    "weight_hh_l0_reverse",
    "bias_ih_l0_reverse",
    "bias_hh_l0_reverse",
  ]);
  assert.deepEqual([...sd.weight_ih_l1.shape], [20, 10]);
  const bound = 1 / Math.sqrt(5);
  for (const p of lstm.parameters()) for (const v of p.toArray()) assert.ok(Math.abs(v) <= bound);
  assert.deepEqual(Object.keys(new nn.GRU(3, 4, { bias: false }).stateDict()), [
    "weight_ih_l0",
    "weight_hh_l0",
  ]);
  assert.deepEqual([...new nn.GRU(3, 4).weight_hh_l0.shape], [12, 4]);
  assert.deepEqual(Object.keys(new nn.LSTMCell(3, 4).stateDict()), [
    "weight_ih",
    "weight_hh",
    "bias_ih",
    "bias_hh",
  ]);
  assert.equal(String(lstm), "LSTM(3, 5, num_layers=2, bidirectional=True)");
  assert.equal(String(new nn.RNNCell(3, 4, { nonlinearity: "relu" })), "RNNCell(3, 4, nonlinearity=relu)");
});

test("initial states default to zeros; unbatched input; batchFirst only changes the layout", () => {
  gs.manualSeed(1);
  const gru = new nn.GRU(3, 4, { numLayers: 2 });
  const x = gs.randn([5, 2, 3]);
  const [out, hN] = gru.forward(x);
  const [out0, hN0] = gru.forward(x, gs.zeros([2, 2, 4]));
  assertClose(out, out0, 0, "zeros default");
  assertClose(hN, hN0, 0, "zeros default hN");
  const [u, uh] = gru.forward(x.select(1, 1)); // (T, I) unbatched
  assertClose(u, out.select(1, 1), 1e-6, "unbatched output");
  assertClose(uh, hN.select(1, 1), 1e-6, "unbatched hN");
  const bf = new nn.GRU(3, 4, { numLayers: 2, batchFirst: true });
  bf.loadStateDict(gru.stateDict());
  const [o2, h2] = bf.forward(x.transpose(0, 1));
  assertClose(o2, out.transpose(0, 1), 1e-6, "batchFirst output");
  assertClose(h2, hN, 1e-6, "batchFirst hN (states stay (L, B, H))");
});

test("dropout between layers only while training, and never after the last layer", () => {
  gs.manualSeed(2);
  const lstm = new nn.LSTM(3, 8, { numLayers: 2, dropout: 0.5 });
  const x = gs.randn([4, 2, 3]);
  const [a] = lstm.eval().forward(x);
  const [b] = lstm.forward(x);
  assertClose(a, b, 0, "eval is deterministic");
  const [c] = lstm.train().forward(x);
  assert.ok(a.sub(c).abs().max().item() > 1e-4, "training applies dropout");
  const single = new nn.LSTM(3, 8, { numLayers: 1, dropout: 0.5 });
  const [d] = single.forward(x);
  const [e] = single.forward(x);
  assertClose(d, e, 0, "one layer: nothing to drop between layers");
});

test("cells: one step equals the one-layer module over a sequence of length one; gradcheck in float64", () => {
  gs.manualSeed(3);
  for (const [Cell, Mod] of [
    [nn.RNNCell, nn.RNN],
    [nn.LSTMCell, nn.LSTM],
    [nn.GRUCell, nn.GRU],
  ] as const) {
    const cell = new Cell(3, 4).double();
    const mod = new Mod(3, 4).double();
    mod.loadStateDict(Object.fromEntries(Object.entries(cell.stateDict()).map(([k, v]) => [`${k}_l0`, v])));
    const x = gs.randn([2, 3], { dtype: "float64", requiresGrad: true });
    const h = gs.randn([2, 4], { dtype: "float64", requiresGrad: true });
    const c = gs.randn([2, 4], { dtype: "float64", requiresGrad: true });
    if (cell instanceof nn.LSTMCell) {
      const [h1, c1] = cell.forward(x, [h, c]);
      const [, [hN, cN]] = (mod as gs.nn.LSTM).forward(x.unsqueeze(0), [h.unsqueeze(0), c.unsqueeze(0)]);
      assertClose(h1, hN.squeeze(0), 1e-12, "LSTMCell h");
      assertClose(c1, cN.squeeze(0), 1e-12, "LSTMCell c");
      const params = cell.parameters();
      assert.ok(gs.autograd.gradcheck((xx, hh, cc) => cell.forward(xx, [hh, cc]), [x, h, c, ...params]));
    } else {
      const step = cell as gs.nn.RNNCell;
      const [, hN] = (mod as gs.nn.RNN).forward(x.unsqueeze(0), h.unsqueeze(0));
      assertClose(step.forward(x, h), hN.squeeze(0), 1e-12, `${cell.constructor.name} h`);
      assert.ok(gs.autograd.gradcheck((xx, hh) => step.forward(xx, hh), [x, h, ...cell.parameters()]));
    }
  }
});

test("a 1,000-step sequence backpropagates (fused layer and a loop of 1,000 cell steps agree)", () => {
  gs.manualSeed(4);
  const T = 1000;
  const lstm = new nn.LSTM(2, 3);
  const cell = new nn.LSTMCell(2, 3);
  cell.loadStateDict(
    Object.fromEntries(Object.entries(lstm.stateDict()).map(([k, v]) => [k.replace("_l0", ""), v])),
  );
  const x = gs.randn([T, 1, 2]);
  const [out] = lstm.forward(x);
  out
    .select(0, T - 1)
    .sum()
    .backward();
  let state: [Tensor, Tensor] | null = null;
  for (let t = 0; t < T; t++) state = cell.forward(x.select(0, t), state);
  state![0].sum().backward();
  assertClose(cell.weight_hh.grad!, lstm.weight_hh_l0.grad!, 1e-5, "dW_hh");
  assertClose(cell.weight_ih.grad!, lstm.weight_ih_l0.grad!, 1e-5, "dW_ih");
});

test("lengths: a padded batch gives each sequence's own outputs, final states and gradients", () => {
  gs.manualSeed(5);
  for (const Mod of [nn.LSTM, nn.GRU, nn.RNN]) {
    const m = new Mod(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true });
    const lengths = [5, 2, 3];
    const x = gs.randn([3, 5, 3]).requiresGrad_();
    const run = (input: Tensor, lens: number[] | null) => {
      const r = m.forward(input, null, { lengths: lens });
      return { out: r[0], hN: Array.isArray(r[1]) ? r[1][0] : r[1] };
    };
    const padded = run(x, lengths);
    padded.out
      .mul(gs.linspace(-1, 1, padded.out.numel()).reshape(padded.out.shape))
      .sum()
      .add(padded.hN.sum())
      .backward();
    const gradPadded = x.grad!;
    lengths.forEach((len, b) => {
      const xb = x.detach().narrow(0, b, 1).narrow(1, 0, len).clone().requiresGrad_();
      const own = run(xb, null);
      const weights = gs
        .linspace(-1, 1, padded.out.numel())
        .reshape(padded.out.shape)
        .narrow(0, b, 1)
        .narrow(1, 0, len);
      own.out.mul(weights).sum().add(own.hN.sum()).backward();
      const what = `${Mod.name} sequence ${b}`;
      assertClose(padded.out.narrow(0, b, 1).narrow(1, 0, len), own.out, 1e-5, `${what} output`);
      assertClose(padded.hN.narrow(1, b, 1), own.hN, 1e-5, `${what} hN`);
      assertClose(gradPadded.narrow(0, b, 1).narrow(1, 0, len), xb.grad!, 1e-5, `${what} grad`);
      if (len < 5) {
        assert.equal(
          padded.out
            .narrow(0, b, 1)
            .narrow(1, len, 5 - len)
            .abs()
            .max()
            .item(),
          0,
          `${what} padding out`,
        );
        assert.equal(
          gradPadded
            .narrow(0, b, 1)
            .narrow(1, len, 5 - len)
            .abs()
            .max()
            .item(),
          0,
          `${what} padding grad`,
        );
      }
    });
  }
});

test("bad input gets an error naming the expected shape", () => {
  const lstm = new nn.LSTM(5, 7, { numLayers: 2 });
  assert.throws(
    () => lstm.forward(gs.randn([4, 3, 6])),
    /input\.size\(-1\) must be equal to input_size\. Expected 5, got 6/,
  );
  assert.throws(
    () => lstm.forward(gs.randn([4, 3, 5]), [gs.zeros([1, 3, 7]), gs.zeros([2, 3, 7])]),
    /h_0 of size \[2, 3, 7\]/,
  );
  assert.throws(
    () => lstm.forward(gs.randn([4, 3, 5]), [gs.zeros([2, 3, 7]), gs.zeros([2, 3, 6])]),
    /c_0 of size \[2, 3, 7\]/,
  );
  // A (batch, seq, feature) input to a module that expects (seq, batch, feature): the batch size is wrong.
  const gru = new nn.GRU(5, 7);
  assert.throws(
    () => gru.forward(gs.randn([3, 4, 5]), gs.zeros([1, 3, 7])),
    /batchFirst is false.*pass \{ batchFirst: true \}/,
  );
  assert.throws(
    () => gru.forward(gs.randn([3, 4, 5]), null, { lengths: [4, 4, 2] }),
    /lengths has 3 entries but the batch has 4 sequences.*batchFirst/,
  );
  assert.throws(
    () => gru.forward(gs.randn([3, 4, 5]), null, { lengths: [3, 9, 1, 1] }),
    /lengths\[1\] = 9 is outside \[0, 3\]/,
  );
  assert.throws(
    () => gru.forward(gs.randn([2, 5])!.reshape([2, 1, 5]).to("int32")),
    /token ids need an nn\.Embedding/,
  );
  assert.throws(() => gru.forward(gs.randn([5])), /3-d \(seq, batch, feature\) or 2-d/);
  assert.throws(
    () => new nn.LSTMCell(5, 7).forward(gs.randn([3, 5]), [gs.zeros([3, 7]), gs.zeros([2, 7])]),
    /expected c of shape \[3, 7\]/,
  );
  assert.throws(
    () => new nn.RNN(3, 4, { nonlinearity: "gelu" as "relu" }),
    /nonlinearity must be "tanh" or "relu"/,
  );
});
