// gs.models.TextEncoder (names, padding, pooling, normalisation) and the exact dense index (search, safetensors).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as gs from "../src/index.js";

const { TextEncoder } = gs.models;
const tiny = {
  vocabSize: 20,
  dModel: 16,
  nhead: 2,
  numLayers: 2,
  dimFeedforward: 32,
  maxLen: 8,
  dropout: 0,
  padId: 19,
};

test("TextEncoder: BERT-style embedding names and PyTorch's encoder names", () => {
  const keys = Object.keys(new TextEncoder(tiny).stateDict());
  for (const k of [
    "embeddings.word_embeddings.weight",
    "embeddings.position_embeddings.weight",
    "embeddings.LayerNorm.weight",
    "encoder.layers.0.self_attn.in_proj_weight",
    "encoder.layers.1.linear2.bias",
    "encoder.norm.weight",
  ])
    assert.ok(keys.includes(k), `${k} in ${keys.join(", ")}`);
  assert.throws(
    () => new TextEncoder({ ...tiny, nhead: 3 }),
    /dModel \(16\) must be divisible by nhead \(3\)/,
  );
  assert.throws(() => new TextEncoder({ ...tiny, padId: 20 }), /padId must be an id in \[0, 20\)/);
});

test("TextEncoder: unit-norm embeddings that ignore padding and cut at maxLen", () => {
  gs.manualSeed(1);
  const enc = new TextEncoder(tiny).eval();
  const batch = TextEncoder.padBatch([[1, 2, 3], [4], [], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], tiny);
  assert.deepEqual(batch.ids.shape, [4, 8]);
  assert.deepEqual([...batch.lengths], [3, 1, 1, 8]);
  const e = enc.encode(batch);
  assert.deepEqual(e.shape, [4, 16]);
  for (const n of e.norm(2, 1).toArray() as Float32Array) assert.ok(Math.abs(n - 1) < 1e-5);
  // The same sequence alone (no padding) embeds the same: padding is neither attended to nor pooled.
  const alone = enc.encode(TextEncoder.padBatch([[1, 2, 3]], tiny)).toArray();
  const padded = e.narrow(0, 0, 1).toArray();
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(alone[i] - padded[i]) < 1e-5, `dim ${i}`);
  assert.deepEqual(enc.embed([[1, 2, 3], [4], [5, 6]], 2).shape, [3, 16]);
  assert.throws(
    () => enc.encode({ ids: gs.zeros([1, 9], { dtype: "int32" }), lengths: Int32Array.of(9) }),
    /sequences of 9 tokens exceed maxLen 8/,
  );
});

test("DenseIndex: exact cosine top-k, saved and loaded as safetensors with its ids", () => {
  const vectors = gs.tensor([
    [1, 0],
    [0, 2],
    [1, 1],
    [-1, 0],
  ]);
  const index = new gs.text.DenseIndex(["a", "b", "c", "d"], vectors);
  const hits = index.search(
    gs.tensor([
      [1, 0.1],
      [0, -1],
    ]),
    2,
  );
  assert.deepEqual(
    hits[0].map((h) => h.docId),
    ["a", "c"],
  );
  assert.ok(Math.abs(hits[0][0].score - 1 / Math.hypot(1, 0.1)) < 1e-6);
  assert.deepEqual(
    hits[1].map((h) => h.docId),
    ["a", "d"],
  ); // cos 0 with a and d; ties keep corpus order
  const file = path.join(mkdtempSync(path.join(tmpdir(), "index-")), "index.safetensors");
  index.save(file);
  const back = gs.text.DenseIndex.load(file);
  assert.deepEqual(back.ids, index.ids);
  assert.deepEqual(back.search(gs.tensor([[1, 0.1]]), 4), index.search(gs.tensor([[1, 0.1]]), 4));
  assert.throws(() => new gs.text.DenseIndex(["a", "a"], gs.zeros([2, 2])), /ids are not unique/);
  assert.throws(() => index.search(gs.zeros([1, 3])), /expected queries \(Q, 2\), got \[1, 3\]/);
  writeFileSync(file, "not safetensors");
  assert.throws(() => gs.text.DenseIndex.load(file), /DenseIndex\.load/);
});
