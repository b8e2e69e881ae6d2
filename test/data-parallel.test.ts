// Parallel corpora: readers (line-aligned, gzip, Tatoeba), d2l's preprocessing, padding and bucketing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import * as gs from "../src/index.js";
import {
  bucketBatches,
  detokenize,
  PackedPairs,
  padSequences,
  preprocessNmt,
  splitSpaces,
  tokenizeSentence,
  translationBatch,
} from "../src/data/parallel.js";
import { readParallelCorpus, readTatoeba } from "../src/data/readers.js";
import { encodeSplit, loadMTData } from "../src/data/translation-corpora.js";
import { repoRoot } from "./helpers/fixtures.js";

const dir = mkdtempSync(path.join(tmpdir(), "gs-parallel-"));

test("readParallelCorpus: line-aligned files, gzip detected, mismatched lengths rejected", () => {
  const de = path.join(dir, "a.de.gz");
  const en = path.join(dir, "a.en");
  writeFileSync(de, gzipSync("Ein Mann fährt Fahrrad.\nZwei Hunde.\n"));
  writeFileSync(en, "A man rides a bike.\r\nTwo dogs.\n");
  assert.deepEqual(readParallelCorpus(de, en), {
    src: ["Ein Mann fährt Fahrrad.", "Zwei Hunde."],
    tgt: ["A man rides a bike.", "Two dogs."],
  });
  const short = path.join(dir, "b.en");
  writeFileSync(short, "One line only\n");
  assert.throws(
    () => readParallelCorpus(de, short),
    /a\.de\.gz has 2 lines but .*b\.en has 1; the files must be line-aligned/,
  );
  assert.throws(() => readParallelCorpus(path.join(dir, "missing.de"), en), /cannot read .*missing\.de/);
});

test("readTatoeba: English<TAB>French[<TAB>attribution], maxExamples, bad lines", () => {
  const f = path.join(dir, "fra.txt");
  writeFileSync(
    f,
    "Go.\tVa !\nHi.\tSalut !\tCC-BY 2.0 (France) Attribution: tatoeba.org #538123\n\nRun!\tCours\u202f!\n",
  );
  assert.deepEqual(readTatoeba(f), { src: ["Go.", "Hi.", "Run!"], tgt: ["Va !", "Salut !", "Cours\u202f!"] });
  assert.deepEqual(readTatoeba(f, { maxExamples: 1 }), { src: ["Go."], tgt: ["Va !"] });
  const bad = path.join(dir, "bad.txt");
  writeFileSync(bad, "Go.\tVa !\nno tab here\n");
  assert.throws(() => readTatoeba(bad), /bad\.txt: line 2 has no tab/);
});

test("preprocessNmt and tokenizers: d2l's rules, words with apostrophes and hyphens", () => {
  assert.equal(preprocessNmt("Cours\u202f!"), "cours !");
  assert.equal(preprocessNmt("Go.\u00a0Now!"), "go . now !");
  assert.equal(preprocessNmt("He's calm, I think?"), "he's calm , i think ?");
  assert.deepEqual(splitSpaces(preprocessNmt("I'm  home.")), ["i'm", "home", "."]);
  assert.deepEqual(tokenizeSentence("Ein Mann fährt Fahrrad."), ["ein", "mann", "fährt", "fahrrad", "."]);
  assert.deepEqual(tokenizeSentence("A man's T-shirt, (red)!", { lowercase: false }), [
    "A",
    "man's",
    "T-shirt",
    ",",
    "(",
    "red",
    ")",
    "!",
  ]);
  assert.equal(detokenize(["a", "man", "(", "red", ")", ",", "smiles", "."]), "a man (red), smiles.");
});

test("padSequences and translationBatch: padding ids, masks, decoder inputs and labels", () => {
  const { ids, lengths, paddingMask } = padSequences([[5, 6, 7], [8]], 1);
  assert.deepEqual(ids.tolist(), [
    [5, 6, 7],
    [8, 1, 1],
  ]);
  assert.deepEqual([...lengths], [3, 1]);
  assert.deepEqual(paddingMask.tolist(), [
    [false, false, false],
    [false, true, true],
  ]);
  assert.throws(
    () => padSequences([[1, 2, 3]], 0, { length: 2 }),
    /length 2 is shorter than the longest sequence \(3\)/,
  );
  const b = translationBatch(
    [
      { src: Int32Array.of(9, 3), tgt: Int32Array.of(2, 4, 5, 3) },
      { src: Int32Array.of(7, 8, 9, 3), tgt: Int32Array.of(2, 6, 3) },
    ],
    1,
  );
  assert.deepEqual(b.src.tolist(), [
    [9, 3, 1, 1],
    [7, 8, 9, 3],
  ]);
  assert.deepEqual(b.tgtIn.tolist(), [
    [2, 4, 5],
    [2, 6, 1],
  ]);
  assert.deepEqual(b.tgtOut.tolist(), [
    [4, 5, 3],
    [6, 3, 1],
  ]);
  assert.equal(b.numTokens, 5);
  assert.deepEqual(b.tgtPaddingMask.tolist(), [
    [false, false, false],
    [false, false, true],
  ]);
});

test("PackedPairs: the pairs back as views, their lengths, bad indices rejected", () => {
  const pairs = [
    { src: Int32Array.of(9, 3), tgt: Int32Array.of(2, 4, 5, 3) },
    { src: Int32Array.of(), tgt: Int32Array.of(2, 3) },
    { src: Int32Array.of(7, 8, 9, 3), tgt: Int32Array.of(2, 6, 3) },
  ];
  const packed = PackedPairs.from(pairs);
  assert.equal(packed.length, 3);
  pairs.forEach((p, i) => {
    const got = packed.get(i);
    assert.deepEqual([...got.src], [...p.src]);
    assert.deepEqual([...got.tgt], [...p.tgt]);
    assert.equal(packed.srcLength(i), p.src.length);
    assert.equal(packed.tgtLength(i), p.tgt.length);
  });
  assert.throws(() => packed.get(3), /index 3 out of range for 3 pairs/);
  assert.throws(() => packed.get(-1), /out of range/);
  assert.equal(PackedPairs.from([]).length, 0);
});

test("bucketBatches: every example once, similar lengths together, seeded order", () => {
  gs.manualSeed(0);
  const lengths = Array.from({ length: 1000 }, () => 1 + gs.defaultGenerator.randint(0, 40));
  const batches = bucketBatches(lengths, { batchSize: 32, poolFactor: 10, generator: new gs.Generator(5) });
  assert.deepEqual(
    batches.flat().sort((a, b) => a - b),
    lengths.map((_, i) => i),
  );
  const spread = batches.map(
    (b) => Math.max(...b.map((i) => lengths[i])) - Math.min(...b.map((i) => lengths[i])),
  );
  assert.ok(spread.reduce((a, b) => a + b, 0) / spread.length < 5, "batches hold similar lengths");
  assert.deepEqual(
    bucketBatches(lengths, { batchSize: 32, poolFactor: 10, generator: new gs.Generator(5) }),
    batches,
  );
  assert.deepEqual(bucketBatches([3, 1, 2], { batchSize: 2, shuffle: false }), [[1, 2], [0]]);
  assert.throws(() => bucketBatches(lengths, { batchSize: 0 }), /batchSize must be a positive integer/);
});

test("fra-eng (shipped): d2l's split, vocabularies from the training pairs only", () => {
  const data = loadMTData({
    data: "fra-eng",
    data_dir: path.join(repoRoot, "data/fra-eng"),
    src: "en",
    tgt: "fr",
    min_freq: 2,
    num_train: 512,
    num_val: 128,
    max_tokens: 9,
  });
  assert.equal(data.train.text.src.length, 512);
  assert.equal(data.val.text.src.length, 128);
  assert.deepEqual(data.train.srcTokens[0], ["go", "."]);
  assert.deepEqual(data.train.tgtTokens[0], ["va", "!"]);
  assert.deepEqual(data.srcVocab.tokens.slice(0, 4), ["<unk>", "<pad>", "<bos>", "<eos>"]);
  // Every token of the vocabulary occurs at least twice in the training pairs.
  const counts = new Map<string, number>();
  for (const s of data.train.tgtTokens) for (const t of s) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const t of data.tgtVocab.tokens.slice(4)) assert.ok((counts.get(t) ?? 0) >= 2, t);
  const ex = encodeSplit(data.train, data.srcVocab, data.tgtVocab, 9).get(0);
  assert.deepEqual(data.srcVocab.decode(ex.src), ["go", ".", "<eos>"]);
  assert.deepEqual(data.tgtVocab.decode(ex.tgt), ["<bos>", "va", "!", "<eos>"]);
  assert.throws(
    () =>
      loadMTData({
        data: "wmt14",
        data_dir: "",
        src: "en",
        tgt: "fr",
        min_freq: 2,
        num_train: 1,
        num_val: 1,
        max_tokens: 9,
      }),
    /--data must be "multi30k" or "fra-eng"/,
  );
  assert.throws(
    () =>
      loadMTData({
        data: "multi30k",
        data_dir: dir,
        src: "de",
        tgt: "en",
        min_freq: 2,
        num_train: 1,
        num_val: 1,
        max_tokens: 9,
      }),
    /multi30k: no .*train\.de\.gz; pass --data_dir/,
  );
  assert.throws(
    () =>
      loadMTData({
        data: "multi30k",
        data_dir: "",
        src: "de",
        tgt: "en",
        min_freq: 2,
        num_train: 1,
        num_val: 1,
        max_tokens: 9,
      }),
    /multi30k is not shipped with gradstack: pass --data_dir/,
  );
});
