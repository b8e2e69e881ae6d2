// nn.Transformer*: PyTorch parity of the layers, PyTorch's module tree and names, positional encodings.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { assertClose, loadFixture, type Fixture } from "./helpers/fixtures.js";
import { checkModuleParity } from "./helpers/parity.js";

const nn = gs.nn;

interface LayerConfig {
  d_model: number;
  nhead: number;
  dim_feedforward: number;
  dropout: number;
  activation: "relu" | "gelu";
  batch_first: boolean;
  norm_first: boolean;
  layer_norm_eps: number;
}

function layerOptions(fx: Fixture): gs.nn.TransformerLayerOptions {
  const c = fx.config as unknown as LayerConfig;
  return {
    dimFeedforward: c.dim_feedforward,
    dropout: c.dropout,
    activation: c.activation,
    batchFirst: c.batch_first,
    normFirst: c.norm_first,
    layerNormEps: c.layer_norm_eps,
  };
}

for (const name of [
  "nn_transformer_encoder_layer_postnorm_relu",
  "nn_transformer_encoder_layer_prenorm_gelu",
]) {
  test(`TransformerEncoderLayer matches PyTorch: ${name}`, () => {
    const fx = loadFixture(name);
    const c = fx.config as unknown as LayerConfig;
    const layer = new nn.TransformerEncoderLayer(c.d_model, c.nhead, layerOptions(fx));
    checkModuleParity(fx, layer, ({ x }) => ({ y: layer.forward(x) }));
  });
}

for (const name of [
  "nn_transformer_decoder_layer_postnorm_relu",
  "nn_transformer_decoder_layer_prenorm_gelu",
]) {
  test(`TransformerDecoderLayer matches PyTorch (causal tgt mask): ${name}`, () => {
    const fx = loadFixture(name);
    const c = fx.config as unknown as LayerConfig;
    assert.match(String(fx.config.tgt_mask), /causal bool mask/);
    const layer = new nn.TransformerDecoderLayer(c.d_model, c.nhead, layerOptions(fx));
    checkModuleParity(fx, layer, ({ tgt, memory }) => ({
      y: layer.forward(tgt, memory, { tgtMask: nn.functional.causalMask(tgt.shape[1]) }),
    }));
  });
}

test("nn.Transformer: PyTorch's module tree, state-dict names, deep-copied layers and Xavier init", () => {
  gs.manualSeed(0);
  const model = new nn.Transformer({
    dModel: 16,
    nhead: 4,
    numEncoderLayers: 2,
    numDecoderLayers: 1,
    dimFeedforward: 32,
  });
  const keys = Object.keys(model.stateDict());
  assert.equal(keys[0], "encoder.layers.0.self_attn.in_proj_weight");
  for (const k of [
    "encoder.layers.1.linear2.bias",
    "encoder.norm.weight",
    "decoder.layers.0.multihead_attn.out_proj.weight",
    "decoder.layers.0.norm3.bias",
    "decoder.norm.bias",
  ])
    assert.ok(keys.includes(k), `missing ${k}`);
  // 2 encoder layers × 12 tensors + 2 (norm) + 1 decoder layer × 18 + 2 (norm).
  assert.equal(keys.length, 2 * 12 + 2 + 18 + 2);
  // Every >1-d parameter was re-drawn Xavier-uniform, so the layers differ after construction...
  const sd = model.stateDict();
  assert.notDeepEqual(
    sd["encoder.layers.0.linear1.weight"].tolist(),
    sd["encoder.layers.1.linear1.weight"].tolist(),
  );
  // ... biases keep the deep copy's values (the same in both layers).
  assert.deepEqual(
    sd["encoder.layers.0.linear1.bias"].tolist(),
    sd["encoder.layers.1.linear1.bias"].tolist(),
  );
  const bound = Math.sqrt(6 / (32 + 16));
  assert.ok((sd["encoder.layers.0.linear1.weight"].abs().max() as gs.Tensor).item() <= bound);

  const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 3);
  const esd = enc.stateDict();
  assert.deepEqual(esd["layers.0.linear1.weight"].tolist(), esd["layers.2.linear1.weight"].tolist());
  assert.equal(enc.norm, null);
  assert.match(
    String(enc),
    /\(layers\): ModuleList\(\n {4}\(0\): TransformerEncoderLayer\(\n {6}\(self_attn\): MultiheadAttention/,
  );
});

test("nn.Transformer forward equals encoder then decoder; masks and shapes", () => {
  gs.manualSeed(1);
  const model = new nn.Transformer({
    dModel: 8,
    nhead: 2,
    numEncoderLayers: 1,
    numDecoderLayers: 2,
    dimFeedforward: 16,
    dropout: 0,
    batchFirst: true,
  });
  const src = gs.randn([2, 5, 8]);
  const tgt = gs.randn([2, 3, 8]);
  const srcPad = gs.tensor(
    [
      [false, false, false, true, true],
      [false, false, false, false, false],
    ],
    { dtype: "bool" },
  );
  const tgtMask = nn.Transformer.generateSquareSubsequentMask(3);
  assert.deepEqual(tgtMask.tolist(), [
    [0, -Infinity, -Infinity],
    [0, 0, -Infinity],
    [0, 0, 0],
  ]);
  const y = model.forward(src, tgt, { tgtMask, srcKeyPaddingMask: srcPad, memoryKeyPaddingMask: srcPad });
  assert.deepEqual(y.shape, [2, 3, 8]);
  const enc = model.encoder as gs.nn.TransformerEncoder;
  const dec = model.decoder as gs.nn.TransformerDecoder;
  const memory = enc.forward(src, { srcKeyPaddingMask: srcPad });
  const y2 = dec.forward(tgt, memory, { tgtIsCausal: true, memoryKeyPaddingMask: srcPad });
  assertClose(y2, y.toArray(), 1e-6, "tgtIsCausal equals the float subsequent mask");
  const { output, crossAttention } = dec.forwardWithAttention(tgt, memory, {
    tgtIsCausal: true,
    memoryKeyPaddingMask: srcPad,
  });
  assertClose(output, y.toArray(), 1e-6, "forwardWithAttention output");
  assert.deepEqual(crossAttention.shape, [2, 3, 5]);
  assert.equal(
    crossAttention.select(0, 0).narrow(1, 3, 2).abs().sum().item(),
    0,
    "padding gets no attention",
  );
  // Later target positions cannot change earlier outputs under the causal mask.
  const tgt2 = gs.cat([tgt.narrow(1, 0, 2), gs.randn([2, 1, 8])], 1);
  const y3 = model.forward(src, tgt2, { tgtMask, srcKeyPaddingMask: srcPad, memoryKeyPaddingMask: srcPad });
  assertClose(y3.narrow(1, 0, 2), y.narrow(1, 0, 2).toArray(), 1e-6, "causal prefix");

  assert.throws(
    () => model.forward(src, gs.randn([3, 3, 8])),
    /batch sizes of src \[2, 5, 8\] and tgt \[3, 3, 8\]/,
  );
  assert.throws(() => model.forward(src, gs.randn([2, 3, 6])), /last dim dModel=8/);
  assert.throws(
    () => new nn.TransformerEncoderLayer(8, 3),
    /embedDim \(8\) must be divisible by numHeads \(3\)/,
  );
  assert.throws(
    () => new nn.TransformerEncoderLayer(8, 2, { activation: "tanh" as "relu" }),
    /activation must be/,
  );
});

test("PositionalEncoding: the sinusoid table of the paper, non-persistent; LearnedPositionalEmbedding", () => {
  const pos = new nn.PositionalEncoding(4, { dropout: 0, maxLen: 10, batchFirst: true });
  assert.deepEqual(Object.keys(pos.stateDict()), []);
  const y = pos.forward(gs.zeros([1, 3, 4]));
  const p = 2;
  assertClose(
    y.select(0, 0).select(0, p),
    [Math.sin(p), Math.cos(p), Math.sin(p / 100), Math.cos(p / 100)],
    1e-6,
    "PE[2]",
  );
  const seqFirst = new nn.PositionalEncoding(4, { dropout: 0, maxLen: 10 });
  assertClose(
    seqFirst.forward(gs.zeros([3, 2, 4])).select(1, 1),
    y.select(0, 0).toArray(),
    0,
    "(L, N, E) layout",
  );
  assert.throws(() => pos.forward(gs.zeros([1, 11, 4])), /sequence length 11 exceeds maxLen=10/);
  assert.throws(() => pos.forward(gs.zeros([1, 3, 5])), /\(N, L, E\) with E=4/);

  const learned = new nn.LearnedPositionalEmbedding(10, 4, { dropout: 0, batchFirst: true });
  assert.deepEqual(Object.keys(learned.stateDict()), ["weight"]);
  const z = learned.forward(gs.zeros([2, 3, 4]));
  assertClose(z.select(0, 1), learned.weight.narrow(0, 0, 3).toArray(), 0, "adds rows 0..L-1");
});
