// The public API refuses what it does not understand (issue 19): impossible sizes, misread shape
// arguments, unknown or snake_case options, PyTorch's positional arguments, and inputs that used to
// give a silent wrong answer. Each row is one case; the tables are run as plain JavaScript would call
// them, so arguments are cast through `any` where TypeScript would have refused them.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";

/* eslint-disable @typescript-eslint/no-explicit-any */
const js = gs as any;
const nn = gs.nn as any;
const F = gs.nn.functional as any;

type Refusal = [name: string, run: () => unknown, message: RegExp];

function refuses(category: string, rows: Refusal[]): void {
  test(`${category}: ${rows.length} cases`, () => {
    for (const [name, run, message] of rows) {
      assert.throws(
        run,
        (e: Error) => {
          assert.match(e.message, message, `${name}: message was ${JSON.stringify(e.message)}`);
          // A bare V8 error names no op: never let one through.
          assert.doesNotMatch(e.message, /^Invalid typed array length|^Array buffer allocation failed/, name);
          return true;
        },
        name,
      );
    }
  });
}

const x23 = () => gs.arange(6).reshape([2, 3]).float();

// ---- impossible sizes: refused before any allocation, naming the op and the shape -----------------

export const ALLOCATION: Refusal[] = [
  [
    "zeros 1e6 x 1e6",
    () => gs.zeros([1e6, 1e6]),
    /^zeros: shape \[1000000, 1000000\] has 1\.000e\+12 elements/,
  ],
  ["ones varargs", () => gs.ones(1e5, 1e5), /^ones: shape \[100000, 100000\]/],
  ["empty", () => gs.empty([1e5, 1e5]), /^empty: shape \[100000, 100000\]/],
  ["full", () => gs.full([1e10], 1), /^full: shape \[10000000000\]/],
  ["randn", () => gs.randn([1e6, 1e6]), /^randn: shape \[1000000, 1000000\]/],
  ["rand", () => gs.rand(1e6, 1e6), /^rand: shape \[1000000, 1000000\]/],
  ["randint", () => gs.randint(0, 5, [1e6, 1e6]), /^randint: shape \[1000000, 1000000\]/],
  ["arange 1e10", () => gs.arange(1e10), /^arange: shape \[10000000000\]/],
  ["arange tiny step", () => gs.arange(0, 1, 1e-12), /^arange: shape \[1000000000000\]/],
  ["arange Infinity", () => gs.arange(Infinity), /^arange: end must be a finite number, got Infinity/],
  ["arange NaN", () => gs.arange(0, NaN), /^arange: end must be a finite number, got NaN/],
  ["linspace", () => gs.linspace(0, 1, 1e10), /^linspace: shape \[10000000000\]/],
  ["eye", () => gs.eye(1e6), /^eye: shape \[1000000, 1000000\]/],
  ["randperm huge", () => gs.randperm(1e10), /^arange: shape \[10000000000\]/],
  ["randperm negative", () => gs.randperm(-1), /^randperm: n must be an integer >= 0, got -1/],
  ["Linear 1e6 x 1e6", () => new gs.nn.Linear(1e6, 1e6), /^Linear: shape \[1000000, 1000000\]/],
  ["Embedding", () => new gs.nn.Embedding(1e6, 1e6), /^Embedding: shape \[1000000, 1000000\]/],
  ["LSTM", () => new gs.nn.LSTM(1e6, 1e6), /^LSTM: shape \[4000000, 1000000\]/],
  ["GRUCell", () => new gs.nn.GRUCell(1e6, 1e6), /^GRUCell: shape \[3000000, 1000000\]/],
  [
    "MultiheadAttention",
    () => new gs.nn.MultiheadAttention(1e6, 1),
    /^MultiheadAttention: shape \[3000000, 1000000\]/,
  ],
  ["repeat", () => x23().repeat(1e6, 1e6), /^repeat: shape \[2000000, 3000000\]/],
  ["expand then copy", () => gs.zeros([1, 1]).expand(1e6, 1e6).contiguous(), /shape \[1000000, 1000000\]/],
  ["negative size", () => gs.zeros([2, -1]), /^zeros: shape \[2, -1\] has an invalid size -1/],
  ["fractional size", () => gs.zeros([2.5]), /^zeros: shape \[2\.5\] has an invalid size 2\.5/],
  ["NaN size", () => gs.zeros([NaN]), /^zeros: .*invalid size NaN/],
  ["string size", () => js.zeros(["2"]), /^zeros: shape \["2"\] has an invalid size "2"/],
  ["Infinity size", () => gs.ones([Infinity]), /^ones: .*invalid size Infinity/],
  [
    "Linear fractional",
    () => new gs.nn.Linear(2.5, 3),
    /^Linear: inFeatures must be an integer >= 0, got 2\.5/,
  ],
  ["Linear negative", () => new gs.nn.Linear(2, -3), /^Linear: outFeatures must be an integer >= 0, got -3/],
];
refuses("allocation guard", ALLOCATION);

// ---- shape arguments: arrays or integers, as PyTorch; anything else says how to write it ----------

const SHAPE_ARGS: Refusal[] = [
  [
    "reshape string",
    () => js.ones([6]).reshape("2,3"),
    /^reshape: shape must be integers or one array of integers, e\.g\. x\.reshape\(2, 3\) or x\.reshape\(\[2, 3\]\); got \("2,3"\)/,
  ],
  [
    "view mixed",
    () => js.ones([6]).view([2, "3"]),
    /^view: shape must be an array of integers such as \[2, 3\], got \[2, "3"\]/,
  ],
  ["view array and int", () => js.ones([6]).view([2], 3), /^view: shape must be integers or one array/],
  ["expand string", () => js.ones([1]).expand(3, "3"), /^expand: shape must be integers or one array/],
  ["expand -2", () => gs.ones([1]).expand(3, -2), /^expand: invalid size in \[3, -2\]/],
  [
    "expand non-array (function form)",
    () => js.expand(gs.ones([1]), 3),
    /^expand: shape must be an array of integers such as \[2, 3\], got 3/,
  ],
  ["permute fractional", () => x23().permute(0.5, 1), /^permute: dims must be an array of integers/],
  [
    "permute non-array (function form)",
    () => js.permute(x23(), 1),
    /^permute: dims must be an array of integers/,
  ],
  ["repeat negative", () => x23().repeat(-1, 1), /^repeat: repeat sizes \[-1, 1\] must be integers >= 0/],
  ["flip string", () => js.ones([3]).flip("0"), /^flip: dims must be integers or one array/],
  [
    "reshape non-array (function form)",
    () => js.reshape(x23(), "6"),
    /^reshape: shape must be an array of integers/,
  ],
  [
    "zeros string",
    () => js.zeros("2"),
    /^zeros: the shape must be integers or one array, e\.g\. zeros\(2, 3\) or zeros\(\[2, 3\]\); got \("2"\)/,
  ],
  ["zeros no shape", () => js.zeros(), /^zeros: a shape is required/],
  ["zeros two arrays", () => js.zeros([2], [3]), /^zeros: options must be an object/],
  [
    "zeros array then ints",
    () => js.zeros([2], 3, 4),
    /^zeros: after the shape array only an options object may follow/,
  ],
  ["randn options first", () => js.randn({ dtype: "float64" }), /^randn: a shape is required/],
  [
    "full with a bare size",
    () => js.full(3, 1),
    /^full: shape must be an array of sizes such as \[2, 3\], got 3/,
  ],
  [
    "index with an array",
    () => js.arange(4).index([0, 2]),
    /^index: an array index \[0, 2\] is ambiguous; to pick elements as PyTorch's t\[\[0, 2\]\] does, pass gs\.tensor\(\[0, 2\]\); for a slice pass a string such as "0:2"/,
  ],
  ["index fractional", () => gs.arange(4).index(1.5), /^index: unsupported index 1\.5/],
  ["index object", () => js.arange(4).index({}), /^index: unsupported index object/],
  [
    "sum keepdim as a second dim",
    () => js.ones([2, 3]).sum(0, 1),
    /^sum: keepdim must be true or false, got 1; to reduce several dims pass an array: \[0, 1\]/,
  ],
  [
    "argmax keepdim string",
    () => js.ones([2, 3]).argmax(0, "yes"),
    /^argmax: keepdim must be true or false, got "yes"/,
  ],
  [
    "var options",
    () => js.ones([2, 3]).var(0, { unbiased: false }),
    /^var: unknown option "unbiased"; expected one of correction, keepdim/,
  ],
  [
    "slice start string",
    () => js.ones([4]).slice(0, "1"),
    /^slice: start must be an integer or null, got "1"/,
  ],
  [
    "sum dim string",
    () => js.ones([2, 3]).sum("x"),
    /^sum: dim must be an integer or an array of integers, got "x"/,
  ],
  ["max dim out of range", () => x23().max(2), /^max: dim 2 is out of range for a tensor with 2 dims/],
];
refuses("shape arguments", SHAPE_ARGS);

test("shape arguments PyTorch allows as varargs give the same result as arrays", () => {
  const x = x23();
  const cases: [string, gs.Tensor, gs.Tensor][] = [
    ["expand", gs.ones([1, 3]).expand(2, 3), gs.ones([1, 3]).expand([2, 3])],
    ["expand -1", gs.ones([1, 3]).expand(2, -1), gs.ones([1, 3]).expand([2, 3])],
    ["view", x.view(3, 2), x.view([3, 2])],
    ["view -1", x.view(-1), x.view([6])],
    ["reshape", x.reshape(3, 2), x.reshape([3, 2])],
    ["permute", x.permute(1, 0), x.permute([1, 0])],
    ["repeat", x.repeat(2, 1), x.repeat([2, 1])],
    ["flip", x.flip(0, 1), x.flip([0, 1])],
    ["zeros", gs.zeros(2, 3), gs.zeros([2, 3])],
    ["ones with options", gs.ones(2, 3, { dtype: "int32" }), gs.ones([2, 3], { dtype: "int32" })],
    ["empty", gs.empty(4), gs.empty([4])],
  ];
  for (const [name, a, b] of cases) {
    assert.deepEqual(a.shape, b.shape, name);
    assert.equal(a.dtype, b.dtype, name);
    assert.deepEqual(a.tolist(), b.tolist(), name);
  }
  assert.deepEqual(gs.ones([1, 3]).expand(3, 3).shape, [3, 3], "x.expand(3, 3) is not 0-d");
  gs.manualSeed(3);
  const r1 = gs.randn(2, 3, { dtype: "float64" });
  gs.manualSeed(3);
  assert.deepEqual(r1.tolist(), gs.randn([2, 3], { dtype: "float64" }).tolist());
  assert.deepEqual(gs.arange(3, { dtype: "float32" }).dtype, "float32");
  assert.deepEqual(gs.eye(2, { dtype: "int32" }).tolist(), [
    [1, 0],
    [0, 1],
  ]);
});

test("max(dim) and min(dim) return PyTorch's named tuple { values, indices }", () => {
  const x = gs.tensor([
    [1, 5],
    [7, 2],
  ]);
  const r = x.max(1);
  assert.ok(r.values instanceof gs.Tensor, "values is a Tensor, not Array.prototype.values");
  assert.deepEqual(r.values.tolist(), [5, 7]);
  assert.deepEqual(r.indices.tolist(), [1, 0]);
  const [v, i] = x.min(0);
  assert.deepEqual(
    [v.tolist(), i.tolist()],
    [
      [1, 2],
      [0, 1],
    ],
  );
  assert.equal(x.max(0, true)[0].shape.length, 2);
  assert.deepEqual(gs.max(x, 1).indices.tolist(), [1, 0]);
  assert.deepEqual(gs.min(x, 1).values.tolist(), [1, 2]);
  assert.equal(Array.isArray(r), false);
});

// ---- option objects: unknown keys refused everywhere, snake_case named -----------------------------

const OPTIONS: Refusal[] = [
  [
    "LSTM num_layers",
    () => new nn.LSTM(10, 20, { num_layers: 2 }),
    /^LSTM: unknown option "num_layers"; did you mean "numLayers" \(PyTorch's num_layers\)\?/,
  ],
  [
    "GRU batch_first",
    () => new nn.GRU(4, 8, { batch_first: true }),
    /^GRU: unknown option "batch_first"; did you mean "batchFirst"/,
  ],
  [
    "RNN typo",
    () => new nn.RNN(4, 8, { nonlinearty: "relu" }),
    /^RNN: unknown option "nonlinearty"; expected one of numLayers, nonlinearity/,
  ],
  [
    "Embedding padding_idx",
    () => new nn.Embedding(10, 4, { padding_idx: 0 }),
    /^Embedding: unknown option "padding_idx"; did you mean "paddingIdx"/,
  ],
  [
    "Embedding.fromPretrained",
    () => nn.Embedding.fromPretrained(gs.ones([2, 2]), { padding_idx: 0 }),
    /^Embedding\.fromPretrained: unknown option "padding_idx"/,
  ],
  [
    "TransformerEncoderLayer dim_feedforward",
    () => new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16 }),
    /^TransformerEncoderLayer: unknown option "dim_feedforward"; did you mean "dimFeedforward"/,
  ],
  [
    "TransformerDecoderLayer norm_first",
    () => new nn.TransformerDecoderLayer(8, 2, { norm_first: true }),
    /^TransformerDecoderLayer: unknown option "norm_first"; did you mean "normFirst"/,
  ],
  [
    "Transformer d_model",
    () => new nn.Transformer({ d_model: 8 }),
    /^Transformer: unknown option "d_model"; did you mean "dModel"/,
  ],
  [
    "Linear typo",
    () => new nn.Linear(2, 3, { biass: false }),
    /^Linear: unknown option "biass"; expected one of bias/,
  ],
  [
    "LayerNorm elementwise_affine",
    () => new nn.LayerNorm(4, { elementwise_affine: false }),
    /^LayerNorm: unknown option "elementwise_affine"; did you mean "elementwiseAffine"/,
  ],
  [
    "MultiheadAttention batch_first",
    () => new nn.MultiheadAttention(8, 2, { batch_first: true }),
    /^MultiheadAttention: unknown option "batch_first"; did you mean "batchFirst"/,
  ],
  [
    "MultiheadAttention.forward need_weights",
    () => {
      const m = new nn.MultiheadAttention(8, 2);
      const q = gs.ones([3, 1, 8]);
      m.forward(q, q, q, { need_weights: false });
    },
    /^MultiheadAttention\.forward: unknown option "need_weights"; did you mean "needWeights"/,
  ],
  [
    "LSTM.forward",
    () => new nn.LSTM(2, 3).forward(gs.ones([4, 1, 2]), null, { length: [4] }),
    /^LSTM\.forward: unknown option "length"/,
  ],
  [
    "TransformerEncoderLayer.forward",
    () => new nn.TransformerEncoderLayer(8, 2).forward(gs.ones([3, 1, 8]), { src_mask: null }),
    /unknown option "src_mask"; did you mean "srcMask"/,
  ],
  [
    "PositionalEncoding max_len",
    () => new nn.PositionalEncoding(8, { max_len: 10 }),
    /^PositionalEncoding: unknown option "max_len"; did you mean "maxLen"/,
  ],
  ["GELU typo", () => new nn.GELU({ approx: "tanh" }), /^GELU: unknown option "approx"/],
  [
    "DataLoader batch_size",
    () => new gs.data.DataLoader(new gs.data.TensorDataset(gs.ones([4, 1])), { batch_size: 2 } as any),
    /^DataLoader: unknown option "batch_size"; did you mean "batchSize"/,
  ],
  [
    "DataLoader drop_last",
    () => new gs.data.DataLoader(new gs.data.TensorDataset(gs.ones([4, 1])), { drop_last: true } as any),
    /^DataLoader: unknown option "drop_last"; did you mean "dropLast"/,
  ],
  [
    "DataLoader shuffle string",
    () => new gs.data.DataLoader(new gs.data.TensorDataset(gs.ones([4, 1])), { shuffle: "yes" } as any),
    /^DataLoader: shuffle must be true or false/,
  ],
  [
    "crossEntropy ignore_index",
    () => F.crossEntropy(gs.zeros([2, 3]), gs.tensor([0, 1]), { ignore_index: -1 }),
    /^crossEntropy: unknown option "ignore_index"; did you mean "ignoreIndex"/,
  ],
  [
    "crossEntropy label_smoothing",
    () => F.crossEntropy(gs.zeros([2, 3]), gs.tensor([0, 1]), { label_smoothing: 0.1 }),
    /did you mean "labelSmoothing"/,
  ],
  [
    "nllLoss labelSmoothing",
    () => F.nllLoss(gs.zeros([2, 3]), gs.tensor([0, 1]), { labelSmoothing: 0.1 }),
    /^nllLoss: unknown option "labelSmoothing"/,
  ],
  [
    "mseLoss size_average",
    () => F.mseLoss(gs.zeros([2]), gs.zeros([2]), { size_average: true }),
    /^mseLoss: unknown option "size_average"; expected one of reduction/,
  ],
  [
    "l1Loss",
    () => F.l1Loss(gs.zeros([2]), gs.zeros([2]), { reduce: "sum" }),
    /^l1Loss: unknown option "reduce"/,
  ],
  [
    "binaryCrossEntropyWithLogits pos_weight",
    () => F.binaryCrossEntropyWithLogits(gs.zeros([2]), gs.zeros([2]), { pos_weight: 2 }),
    /^binaryCrossEntropyWithLogits: unknown option "pos_weight"/,
  ],
  [
    "zeros requires_grad",
    () => gs.zeros([2], { requires_grad: true } as any),
    /^zeros: unknown option "requires_grad"; did you mean "requiresGrad"/,
  ],
  ["tensor dtyp", () => gs.tensor([1], { dtyp: "float64" } as any), /^tensor: unknown option "dtyp"/],
  [
    "randn seed",
    () => gs.randn([2], { seed: 1 } as any),
    /^randn: unknown option "seed"; expected one of dtype, requiresGrad, device, generator/,
  ],
  ["arange step as option", () => js.arange(0, 5, { step: 2 }), /^arange: unknown option "step"/],
  [
    "full",
    () => gs.full([2], 1, { dtype: "float32", requires_grad: true } as any),
    /^full: unknown option "requires_grad"/,
  ],
  ["zerosLike", () => gs.zerosLike(gs.ones([2]), { dtpe: "int32" } as any), /^zeros: unknown option "dtpe"/],
  [
    "kaimingUniform_ non_linearity",
    () => nn.init.kaimingUniform_(gs.empty([2, 2]), { non_linearity: "relu" }),
    /^kaimingUniform_: unknown option "non_linearity"/,
  ],
  [
    "xavierUniform_ typo",
    () => nn.init.xavierUniform_(gs.empty([2, 2]), { gian: 2 }),
    /^xavierUniform_: unknown option "gian"/,
  ],
  [
    "normal_ seed",
    () => nn.init.normal_(gs.empty([2]), 0, 1, { seed: 1 }),
    /^normal_: unknown option "seed"/,
  ],
  [
    "truncNormal_",
    () => nn.init.truncNormal_(gs.empty([2]), { sd: 1 }),
    /^truncNormal_: unknown option "sd"/,
  ],
  [
    "clipGradNorm_ error_if_nonfinite",
    () => nn.utils.clipGradNorm_([], 1, 2, { error_if_nonfinite: true }),
    /^clipGradNorm_: unknown option "error_if_nonfinite"; did you mean "errorIfNonfinite"/,
  ],
  ["F.gelu typo", () => F.gelu(gs.ones([2]), { approx: "tanh" }), /^gelu: unknown option "approx"/],
  [
    "F.scaledDotProductAttention is_causal",
    () => F.scaledDotProductAttention(gs.ones([2, 4]), gs.ones([2, 4]), gs.ones([2, 4]), { is_causal: true }),
    /^scaledDotProductAttention: unknown option "is_causal"; did you mean "isCausal"/,
  ],
  [
    "add alpha typo",
    () => js.ones([2]).add(1, { alpah: 2 }),
    /^add: unknown option "alpah"; expected one of alpha/,
  ],
  [
    "loadStateDict typo",
    () => new nn.Linear(2, 2).loadStateDict({}, { strit: false }),
    /^loadStateDict: unknown option "strit"/,
  ],
  [
    "Adam weight_decay (optimizers share the check)",
    () => new gs.optim.Adam([gs.zeros([1]).requiresGrad_()], { weight_decay: 0.1 } as any),
    /^Adam: unknown option "weight_decay"; did you mean "weightDecay"/,
  ],
  [
    "__proto__ from JSON",
    () => new nn.Linear(2, 3, JSON.parse('{"__proto__": {"bias": false}}')),
    /^Linear: unknown option "__proto__"/,
  ],
  ["constructor key", () => new nn.LSTM(2, 3, { constructor: 1 }), /^LSTM: unknown option "constructor"/],
  [
    "options not an object",
    () => gs.zeros([2], "float64" as any),
    /^zeros: options must be an object with dtype, requiresGrad, device, got "float64"/,
  ],
];
refuses("option keys", OPTIONS);

// ---- PyTorch's positional constructor arguments: supported with PyTorch's meaning, or refused ----

test("PyTorch's positional constructor arguments mean what they mean in PyTorch", () => {
  const lstm = new nn.LSTM(10, 20, 2);
  assert.equal(lstm.numLayers, 2);
  assert.ok("weight_ih_l1" in lstm.stateDict());
  const gru = new nn.GRU(4, 8, 1, false, true, 0, true);
  assert.deepEqual([gru.numLayers, gru.bias, gru.batchFirst, gru.bidirectional], [1, false, true, true]);
  const lstm2 = new nn.LSTM(4, 8, 2, { batchFirst: true });
  assert.deepEqual([lstm2.numLayers, lstm2.batchFirst], [2, true]);
  const rnn = new nn.RNN(4, 8, 2, "relu");
  assert.deepEqual([rnn.numLayers, rnn.nonlinearity], [2, "relu"]);
  assert.equal(new nn.Linear(2, 3, false).bias, null);
  assert.notEqual(new nn.Linear(2, 3, true).bias, null);
  assert.equal(new nn.GELU("tanh").approximate, "tanh");
  const ln = new nn.LayerNorm(4, 1e-3, false);
  assert.deepEqual([ln.eps, ln.elementwiseAffine, ln.weight], [1e-3, false, null]);
  assert.equal(new nn.Embedding(10, 4, 0).paddingIdx, 0);
  assert.equal(new nn.MultiheadAttention(8, 2, 0.0, false).in_proj_bias, null);
  assert.equal(new nn.TransformerEncoderLayer(8, 2, 16).linear1.outFeatures, 16);
  assert.equal(new nn.LSTMCell(4, 8, false).bias_ih, null);
  assert.equal(new nn.RNNCell(4, 8, true, "relu").mode, "rnn_relu");
  const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, 16), 2, new nn.LayerNorm(8));
  assert.ok(enc.norm instanceof gs.nn.LayerNorm);

  // loadStateDict(sd, false) is non-strict, as PyTorch's load_state_dict(sd, False).
  const m = new gs.nn.Linear(2, 3);
  const sd = { weight: gs.ones([3, 2]) };
  assert.throws(() => m.loadStateDict(sd), /missing key\(s\): "bias"/);
  assert.deepEqual(m.loadStateDict(sd, false).missingKeys, ["bias"]);
  assert.deepEqual(m.weight.tolist(), gs.ones([3, 2]).tolist());

  // F.gelu(x, "tanh") and clipGradNorm_(params, max, type, true), as PyTorch's positional forms.
  const x = gs.tensor([-1, 0.5, 2]).float();
  assert.deepEqual(F.gelu(x, "tanh").tolist(), F.gelu(x, { approximate: "tanh" }).tolist());
  assert.notDeepEqual(F.gelu(x, "tanh").tolist(), F.gelu(x).tolist());
  const p = gs.ones([2]).requiresGrad_();
  p.grad = gs.tensor([Infinity, 1]).float();
  assert.throws(() => nn.utils.clipGradNorm_([p], 1, 2, true), /clipGradNorm_: the total norm/);
});

const POSITIONAL: Refusal[] = [
  ["Linear bias string", () => new nn.Linear(2, 3, "no"), /^Linear: bias must be true or false, got no/],
  [
    "Linear too many",
    () => new nn.Linear(2, 3, false, "cpu"),
    /^Linear: too many arguments: 2 after the required ones, at most 1 \(bias\)/,
  ],
  [
    "LSTM both ways",
    () => new nn.LSTM(4, 8, 2, { numLayers: 3 }),
    /^LSTM: numLayers is given both positionally and in the options/,
  ],
  [
    "LSTM numLayers fractional",
    () => new nn.LSTM(4, 8, 1.5),
    /^LSTM: numLayers must be an integer >= 0, got 1\.5/,
  ],
  ["LSTM bias number", () => new nn.LSTM(4, 8, 1, 0), /^LSTM: bias must be true or false, got 0/],
  [
    "LSTM proj_size (unsupported)",
    () => new nn.LSTM(4, 8, 1, true, false, 0, false, 4),
    /^LSTM: too many arguments: 6/,
  ],
  [
    "GRU dropout",
    () => new nn.GRU(4, 8, 2, true, false, 1.5),
    /^GRU: dropout must be a probability in \[0, 1\], got 1\.5/,
  ],
  ["options not last", () => new nn.LSTM(4, 8, {}, 2), /^LSTM: the options object must be the last argument/],
  [
    "GELU unknown approximation",
    () => new nn.GELU("fast"),
    /^GELU: approximate must be "none" or "tanh", got "fast"/,
  ],
  ["ReLU inplace", () => new nn.ReLU(true), /^ReLU: takes no arguments \(PyTorch's inplace is not supported/],
  ["Tanh with an argument", () => new nn.Tanh(1), /^Tanh: takes no arguments/],
  [
    "Dropout inplace",
    () => new nn.Dropout(0.1, true),
    /^Dropout: takes only p \(PyTorch's inplace is not supported/,
  ],
  [
    "LayerNorm eps string",
    () => new nn.LayerNorm(4, "1e-5"),
    /^LayerNorm: eps must be a number >= 0, got 1e-5/,
  ],
  [
    "MultiheadAttention batchFirst",
    () => new nn.MultiheadAttention(8, 2, 0, true, { batchFirst: 1 }),
    /^MultiheadAttention: batchFirst must be true or false, got 1/,
  ],
  [
    "loadStateDict strict string",
    () => new nn.Linear(2, 2).loadStateDict({}, { strict: "no" }),
    /^loadStateDict: strict must be true or false, got no/,
  ],
];
refuses("positional arguments", POSITIONAL);

// ---- semantics: PyTorch's answer, or an error naming the op and the value --------------------------

test("clamp(min, max) with min > max gives max everywhere, as PyTorch", () => {
  const x = gs.tensor([0, 3, 6]).float();
  assert.deepEqual(x.clamp(5, 1).tolist(), [1, 1, 1]);
  assert.deepEqual(x.clamp(1, 5).tolist(), [1, 3, 5]);
  assert.deepEqual(x.clamp(null, 2).tolist(), [0, 2, 2]);
  assert.deepEqual(gs.clamp(x, 4).tolist(), [4, 4, 6]);
  const leaf = gs.tensor([0, 3, 6], { dtype: "float64", requiresGrad: true });
  leaf.clamp(5, 1).sum().backward();
  assert.deepEqual(leaf.grad!.tolist(), [0, 0, 0]);
});

test("an empty dim list reduces over every dim, as PyTorch's sum/mean/amax/amin/var(dim=[])", () => {
  // Values from PyTorch 2.13 on torch.arange(6.).reshape(2, 3).
  const x = gs.arange(6).float().reshape([2, 3]);
  assert.equal(x.sum([]).item(), 15);
  assert.equal(x.mean([]).item(), 2.5);
  assert.equal(x.amax([]).item(), 5);
  assert.equal(x.amin([]).item(), 0);
  assert.equal(gs.var(x, []).item(), 3.5);
  assert.ok(Math.abs(gs.std(x, []).item() - Math.sqrt(3.5)) < 1e-6);
  assert.deepEqual(x.sum([], true).shape, [1, 1]);
  assert.deepEqual(x.amax([], true).shape, [1, 1]);
  const leaf = gs.ones([2, 2], { dtype: "float64", requiresGrad: true });
  leaf.mean([]).backward();
  assert.deepEqual(leaf.grad!.tolist(), [
    [0.25, 0.25],
    [0.25, 0.25],
  ]);
});

test("the gradient of norm() at zero is 0, as PyTorch's", () => {
  for (const p of [2, 3, 1.5]) {
    const z = gs.zeros([3], { dtype: "float64", requiresGrad: true });
    const n = z.norm(p);
    assert.equal(n.item(), 0);
    n.backward();
    assert.deepEqual(z.grad!.tolist(), [0, 0, 0], `p = ${p}`);
  }
  const rows = gs.tensor(
    [
      [0, 0],
      [3, 4],
    ],
    { dtype: "float64", requiresGrad: true },
  );
  rows.norm(2, 1).sum().backward();
  const g = rows.grad!.toArray();
  [0, 0, 0.6, 0.8].forEach((want, i) => assert.ok(Math.abs(g[i] - want) < 1e-12, `grad[${i}] = ${g[i]}`));
  assert.deepEqual(
    gs
      .tensor([
        [0, 0],
        [3, 4],
      ])
      .float()
      .norm(2, 1)
      .tolist(),
    [0, 5],
  );
});

const SEMANTICS: Refusal[] = [
  [
    "LayerNorm on int32",
    () => new gs.nn.LayerNorm(3).forward(gs.ones([2, 3], { dtype: "int32" })),
    /^layerNorm: expects a floating-point tensor, got int32; cast it with \.float\(\)/,
  ],
  [
    "F.layerNorm on int32",
    () => F.layerNorm(gs.ones([2, 3], { dtype: "int32" }), [3]),
    /^layerNorm: expects a floating-point tensor, got int32/,
  ],
  [
    "BCE input 1.5",
    () => F.binaryCrossEntropy(gs.tensor([1.5]), gs.tensor([1.0]).float()),
    /^binaryCrossEntropy: all elements of input should be between 0 and 1, got 1\.5/,
  ],
  [
    "BCE input -0.5",
    () => F.binaryCrossEntropy(gs.tensor([0.5, -0.5]), gs.tensor([1, 0]).float()),
    /got -0\.5/,
  ],
  ["BCE input NaN", () => F.binaryCrossEntropy(gs.tensor([NaN]), gs.tensor([1.0]).float()), /got NaN/],
  [
    "full with a string",
    () => js.full([2], "x"),
    /^full: the fill value must be a number or a boolean, got "x"/,
  ],
  [
    "full with null",
    () => js.full([2], null),
    /^full: the fill value must be a number or a boolean, got null/,
  ],
  [
    "add a string",
    () => js.ones([2]).add("1"),
    /^add: expected a Tensor, a number or a boolean, got the string "1"/,
  ],
  [
    "add undefined",
    () => js.ones([2]).add(undefined),
    /^add: expected a Tensor, a number or a boolean, got undefined/,
  ],
  ["add null", () => js.ones([2]).add(null), /^add: expected a Tensor, a number or a boolean, got null/],
  [
    "add an array",
    () => js.ones([2]).add([1, 2]),
    /^add: expected a Tensor, a number or a boolean, got an object/,
  ],
  [
    "gs.add string first",
    () => js.add("1", gs.ones([2])),
    /^add: expected a Tensor, a number or a boolean, got the string "1"/,
  ],
  ["sub alpha string", () => js.ones([2]).sub(1, { alpha: "2" }), /^sub: alpha must be a number, got "2"/],
  [
    "mul undefined",
    () => js.ones([2]).mul(),
    /^mul: expected a Tensor, a number or a boolean, got undefined/,
  ],
  ["div string", () => js.ones([2]).div("2"), /^div: expected .* got the string "2"/],
  ["pow null", () => js.ones([2]).pow(null), /^pow: expected .* got null/],
  ["eq string", () => js.ones([2]).eq("1"), /^eq: expected .* got the string "1"/],
  ["maximum undefined", () => js.ones([2]).maximum(undefined), /^maximum: expected .* got undefined/],
  [
    "where string",
    () => js.ones([2]).where(gs.ones([2]).bool(), "0"),
    /^where: expected .* got the string "0"/,
  ],
  [
    "maskedFill string",
    () => js.ones([2]).maskedFill(gs.ones([2]).bool(), "0"),
    /^maskedFill: value must be a number, got "0"/,
  ],
  ["clamp string", () => js.ones([2]).clamp("0"), /^clamp: min must be a number or null, got "0"/],
  ["clamp none", () => gs.ones([2]).clamp(), /^clamp: at least one of min and max must be given/],
  ["norm p string", () => js.ones([2]).norm("fro"), /^norm: p must be a number, got fro/],
  [
    "mseLoss not a tensor",
    () => F.mseLoss(gs.ones([2]), [1, 2]),
    /^mseLoss: input and target must be Tensors/,
  ],
];
refuses("semantics", SEMANTICS);

test("valid inputs still compute", () => {
  const p = gs.tensor([0.25, 1]).float();
  const y = gs.tensor([0, 1]).float();
  assert.ok(Math.abs(F.binaryCrossEntropy(p, y).item() - -Math.log(0.75) / 2) < 1e-6);
  assert.deepEqual(gs.ones([2]).add(true).tolist(), [2, 2]);
  // bool + bool is logical or and bool * bool logical and, as in PyTorch (found by ops-property).
  const b = gs.tensor([true, false]);
  assert.deepEqual(Array.from(b.add(b).toArray()), [1, 0]);
  assert.equal(b.add(true).sum().item(), 2);
  assert.deepEqual(Array.from(b.mul(gs.tensor([true, true])).toArray()), [1, 0]);
  assert.deepEqual(gs.full([2], false).tolist(), [false, false]);
  assert.deepEqual(gs.ones([2]).add(1, { alpha: 2 }).tolist(), [3, 3]);
});
