// gs.models.TextEncoder (names, padding, pooling, normalisation) and the exact dense index (search, safetensors).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as gs from "../src/index.js";
import { mineHardNegatives, tokenIdf } from "../src/train/retrieval.js";
import { npyBytes, parseNpy } from "../src/text/retrieval/npy.js";

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

test("TextEncoder arch bag, pooling idf: the token_weights-weighted mean of the embeddings, normalised", () => {
  const bag = { vocabSize: 6, dModel: 4, maxLen: 8, padId: 5, arch: "bag", pooling: "idf" } as const;
  gs.manualSeed(2);
  const enc = new TextEncoder(bag);
  assert.deepEqual(Object.keys(enc.stateDict()).sort(), ["token_weights", "word_embeddings.weight"]);
  enc.setTokenWeights([1, 2, 0, 0.5, 1, 1]);
  const E = enc.word_embeddings!.weight.toArray() as Float32Array;
  const seq = [1, 3, 3, 2]; // weights 2, 0.5, 0.5, 0
  const want = [0, 1, 2, 3].map((j) => (2 * E[4 + j] + 0.5 * E[12 + j] + 0.5 * E[12 + j]) / 3);
  const norm = Math.hypot(...want);
  const got = enc.embed([seq, [0]]).toArray() as Float32Array;
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(got[j] - want[j] / norm) < 1e-5, `dim ${j}`);
  // The weights are state: a loaded copy embeds the same.
  const copy = new TextEncoder(bag);
  copy.loadStateDict(enc.stateDict());
  assert.deepEqual(copy.embed([seq]).toArray(), enc.embed([seq]).toArray());
  // A row whose tokens all weigh 0 embeds to 0 rather than NaN.
  assert.deepEqual([...(enc.embed([[2, 2]]).toArray() as Float32Array)], [0, 0, 0, 0]);
  assert.throws(() => enc.setTokenWeights([1, 2]), /expected 6 weights >= 0/);
  assert.throws(
    () => new TextEncoder({ ...bag, arch: "cnn" as "bag" }),
    /arch must be "transformer", "bag" or "bigru"/,
  );
});

test("TextEncoder arch bigru: torch.nn.GRU's names, two directions of dModel / 2, padding skipped", () => {
  const bigru = { ...tiny, arch: "bigru", numLayers: 1 } as const;
  gs.manualSeed(4);
  const enc = new TextEncoder(bigru).eval();
  const keys = Object.keys(enc.stateDict());
  for (const k of [
    "word_embeddings.weight",
    "gru.weight_ih_l0",
    "gru.weight_hh_l0_reverse",
    "gru.bias_hh_l0",
  ])
    assert.ok(keys.includes(k), `${k} in ${keys.join(", ")}`);
  assert.deepEqual(enc.stateDict()["gru.weight_ih_l0"].shape, [3 * 8, 16]);
  const e = enc.embed([[1, 2, 3], [4]]);
  assert.deepEqual(e.shape, [2, 16]);
  // The reverse direction starts at the last real token: the padded row embeds as the row alone.
  const alone = enc.embed([[4]]).toArray() as Float32Array;
  const padded = e.narrow(0, 1, 1).toArray() as Float32Array;
  for (let i = 0; i < 16; i++) assert.ok(Math.abs(alone[i] - padded[i]) < 1e-5, `dim ${i}`);
  assert.throws(() => new TextEncoder({ ...bigru, dModel: 15, nhead: 1 }), /needs an even dModel/);
});

test("tokenIdf and mineHardNegatives: BM25's idf per id, and the best documents that are not positives", () => {
  const idf = tokenIdf([[0, 0, 1], [1], [2, 1]], 4);
  const want = (df: number) => Math.log(1 + (3 - df + 0.5) / (df + 0.5));
  assert.deepEqual([...idf], [want(1), want(3), want(1), want(0)].map(Math.fround));
  const bm25 = new gs.text.BM25().fit(["alpha beta", "alpha gamma", "delta", "alpha beta gamma"]);
  const mined = mineHardNegatives(
    bm25,
    [
      { text: "alpha beta", positives: new Set([0]) },
      { text: "delta", positives: new Set([2]) },
    ],
    2,
  );
  assert.deepEqual(mined, [[3, 1], []]); // doc 3 shares both words, doc 1 one; nothing else says "delta"
});

test("npy: a float32 matrix byte for byte as numpy.save writes it (data 64-byte aligned), read back", () => {
  // numpy 2.4's np.save(f, np.arange(1, 7, dtype="<f4").reshape(2, 3)): 152 bytes, a 118-byte header.
  const bytes = npyBytes(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
  const header = new TextDecoder().decode(bytes.subarray(10, 128));
  assert.equal(header, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".padEnd(117) + "\n");
  assert.deepEqual([...bytes.subarray(0, 10)], [0x93, 78, 85, 77, 80, 89, 1, 0, 118, 0]);
  assert.equal(bytes.length, 128 + 24);
  const back = parseNpy(bytes);
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual([...back.data], [1, 2, 3, 4, 5, 6]);
  assert.equal(parseNpy(npyBytes(Float32Array.of(7), [1])).shape[0], 1);
  assert.throws(() => npyBytes(Float32Array.of(1), [2, 3]), /holds 6 values, the data has 1/);
  assert.throws(() => parseNpy(new Uint8Array(12)), /not a \.npy file/);
});
