// word2vec: training (skip-gram, CBOW, threads), the vocabulary tables, queries, evaluation and the text format.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Generator } from "../src/tensor/random.js";
import { Word2Vec } from "../src/text/word2vec/word2vec.js";
import { KeyedVectors } from "../src/text/word2vec/vectors.js";
import { aliasTable, buildVocab, keepThresholds } from "../src/text/word2vec/vocab.js";
import { pearson, spearman } from "../src/text/word2vec/eval-words.js";
import { fillExpTable, negativeSampling } from "../src/text/word2vec/kernel.js";
import { allocateMemory, instantiateSimd, simdAvailable } from "../src/text/word2vec/wasm.js";

/** Sentences whose words all come from one of four groups of five words. */
function groupedSentences(seed: number, n = 1200): { sentences: string[][]; groups: string[][] } {
  const groups = ["red", "dog", "run", "one"].map((g) => Array.from({ length: 5 }, (_, i) => `${g}${i}`));
  const gen = new Generator(seed);
  const sentences = Array.from({ length: n }, () => {
    const g = groups[gen.randint(0, 4)];
    return Array.from({ length: 8 }, () => g[gen.randint(0, 5)]);
  });
  return { sentences, groups };
}

function assertGroupsAreNeighbours(w2v: Word2Vec, groups: string[][]): void {
  for (const g of groups)
    for (const w of g) {
      const near = w2v.mostSimilar(w, 3).map((h) => h.word);
      assert.ok(
        near.every((x) => g.includes(x)),
        `neighbours of ${w}: ${near.join(" ")}`,
      );
    }
}

const small = { vectorSize: 16, window: 3, minCount: 1, sample: 0, epochs: 4, seed: 3 };

test("skip-gram and CBOW put words of the same group next to each other", () => {
  const { sentences, groups } = groupedSentences(1);
  for (const sg of [0, 1] as const) {
    const w2v = new Word2Vec({ ...small, sg });
    const stats = w2v.train(sentences);
    assert.equal(stats.rawWords, 4 * 1200 * 8);
    assert.equal(stats.effectiveWords, stats.rawWords); // sample 0 keeps every word
    assert.equal(w2v.wv.size, 20);
    assert.equal(w2v.getCount("red0"), sentences.flat().filter((w) => w === "red0").length);
    assert.ok(
      w2v.getCount(w2v.wv.indexToKey[0]) >= w2v.getCount(w2v.wv.indexToKey[19]),
      "most frequent first",
    );
    assertGroupsAreNeighbours(w2v, groups);
    const inGroup = w2v.similarity("red0", "red1");
    const across = w2v.similarity("red0", "dog1");
    assert.ok(inGroup > across + 0.3, `sg=${sg}: ${inGroup} vs ${across}`);
  }
});

test("the WebAssembly SIMD update equals the scalar reference", () => {
  assert.ok(simdAvailable(), "Node 20 has WebAssembly SIMD");
  const dim = 12;
  const words = 7;
  const memory = allocateMemory(65536, false)!;
  const buf = memory.buffer;
  // syn0 at 0, syn1neg at 1024, work at 2048, targets at 2304, exp table at 4096 (bytes)
  const syn0 = new Float32Array(buf, 0, words * dim);
  const syn1 = new Float32Array(buf, 1024, words * dim);
  const work = new Float32Array(buf, 2048, dim);
  const targets = new Int32Array(buf, 2304, 4);
  const exp = fillExpTable(new Float32Array(buf, 4096, 1000));
  const gen = new Generator(1);
  for (let i = 0; i < words * dim; i++) {
    syn0[i] = gen.normal();
    syn1[i] = 0.3 * gen.normal();
  }
  targets.set([2, 5, 0, 6]);
  const syn1Ref = syn1.slice();
  const workRef = new Float32Array(dim);
  negativeSampling(syn0, 3 * dim, syn1Ref, dim, targets, 4, 0.05, exp, workRef);
  const simd = instantiateSimd(memory);
  work.fill(7); // neg overwrites work
  simd.neg(3 * dim * 4, 2304, 4, dim * 4, 0.05, 2048, 1024, 4096);
  for (let i = 0; i < syn1.length; i++) assert.ok(Math.abs(syn1[i] - syn1Ref[i]) < 1e-6, `syn1neg[${i}]`);
  for (let c = 0; c < dim; c++) assert.ok(Math.abs(work[c] - workRef[c]) < 1e-6, `work[${c}]`);
  const row = syn0.slice(dim, 2 * dim);
  simd.add(dim * 4, 2048, dim * 4);
  for (let c = 0; c < dim; c++) assert.ok(Math.abs(syn0[dim + c] - (row[c] + work[c])) < 1e-6);
});

test("the scalar kernel (simd: false, or a vector size that is not a multiple of 4) learns the groups too", () => {
  const { sentences, groups } = groupedSentences(1);
  for (const options of [{ simd: false }, { vectorSize: 18 }]) {
    const w2v = new Word2Vec({ ...small, sg: 1, ...options });
    w2v.train(sentences);
    assertGroupsAreNeighbours(w2v, groups);
  }
});

test("one worker and a seed give the same vectors every time; two workers train the shared model", () => {
  const { sentences, groups } = groupedSentences(2, 600);
  const a = new Word2Vec({ ...small, sg: 1 });
  a.train(sentences);
  const b = new Word2Vec({ ...small, sg: 1 });
  b.train(sentences);
  assert.deepEqual(a.wv.vectors, b.wv.vectors);
  const c = new Word2Vec({ ...small, sg: 1, seed: 4 });
  c.train(sentences);
  assert.notDeepEqual(a.wv.vectors, c.wv.vectors);
  const threaded = new Word2Vec({ ...small, workers: 2, epochs: 6 });
  const stats = threaded.train(groupedSentences(2, 1200).sentences);
  assert.equal(stats.workers, 2);
  assert.ok(threaded.wv.vectors.buffer instanceof SharedArrayBuffer);
  assertGroupsAreNeighbours(threaded, groups);
});

test("vocabulary, subsampling and negative-sampling tables follow word2vec/gensim", () => {
  const v = buildVocab(
    [
      ["b", "a", "b", "c"],
      ["a", "b", "d"],
    ],
    2,
  );
  assert.deepEqual(v.words, ["b", "a"]);
  assert.deepEqual([...v.counts], [3, 2]);
  assert.equal(v.rawTokens, 7);
  // gensim: t = sample * total; keep = (sqrt(c / t) + 1) * t / c, capped at 1.
  const counts = Float64Array.from([1000, 100, 10]);
  const keep = keepThresholds(counts, 0.01);
  const t = 0.01 * 1110;
  assert.equal(keep[0], Math.floor((Math.sqrt(1000 / t) + 1) * (t / 1000) * 0xffffffff));
  assert.equal(keep[2], 0xffffffff);
  assert.ok(keepThresholds(counts, 0).every((k) => k === 0xffffffff));
  // The alias table reproduces unigram^0.75 exactly.
  const { prob, alias } = aliasTable(counts, 0.75);
  const mass = new Float64Array(3);
  for (let i = 0; i < 3; i++) {
    mass[i] += prob[i] / 3;
    mass[alias[i]] += (1 - prob[i]) / 3;
  }
  const z = [...counts].reduce((s, c) => s + c ** 0.75, 0);
  counts.forEach((c, i) => assert.ok(Math.abs(mass[i] - c ** 0.75 / z) < 1e-12));
});

// Unit-length directions chosen so that king − man + woman is closest to queen.
function toyVectors(): KeyedVectors {
  const rows: [string, number[]][] = [
    ["man", [1, 0, 0, 0]],
    ["woman", [0, 1, 0, 0]],
    ["king", [1, 0, 1, 0]],
    ["queen", [0, 1, 1, 0]],
    ["apple", [0, 0, 0, 1]],
  ];
  return new KeyedVectors(
    rows.map((r) => r[0]),
    Float32Array.from(rows.flatMap((r) => r[1])),
    4,
  );
}

const ANALOGIES = `: royal
man king woman queen
Man Woman king QUEEN
king queen man apple
man king woman princess
not a question
: empty
man king woman prince
`;

test("analogy evaluation: 3CosAdd answers, sections, unknown words and case", () => {
  const kv = toyVectors();
  assert.deepEqual(
    kv.mostSimilar({ positive: ["king", "woman"], negative: ["man"] }, 1).map((h) => h.word),
    ["queen"],
  );
  const r = kv.evaluateWordAnalogies(ANALOGIES);
  assert.deepEqual(
    r.sections.map((s) => [s.section, s.correct, s.incorrect]),
    [
      ["royal", 2, 1],
      ["empty", 0, 0],
    ],
  );
  assert.equal(r.accuracy, 2 / 3);
  assert.equal(r.oov, 2);
  assert.equal(r.questions, 5);
  assert.equal(kv.evaluateWordAnalogies(ANALOGIES, { dummy4unknown: true }).accuracy, 2 / 5);
  // Only "man woman king" are allowed: every question has an unknown word.
  assert.equal(kv.evaluateWordAnalogies(ANALOGIES, { restrictVocab: 3 }).oov, 5);
  // Case-sensitive, "Man Woman king QUEEN" has unknown words.
  assert.equal(kv.evaluateWordAnalogies(ANALOGIES, { caseInsensitive: false }).oov, 3);
  assert.throws(
    () => kv.evaluateWordAnalogies("man king woman queen\n: s\n"),
    /line 1 comes before the first/,
  );
  assert.throws(
    () => kv.evaluateWordAnalogies("/no/such/file.txt"),
    /evaluateWordAnalogies: no file \/no\/such\/file.txt/,
  );
});

test("word-pair evaluation: Spearman and Pearson as scipy, unknown pairs counted", () => {
  const kv = toyVectors();
  const pairs =
    "# comment\nman\twoman\t5\nking\tqueen\t8\nman\tapple\t1\nking\tapple\t2\nfoo\tman\t3\nbad line\n";
  const r = kv.evaluateWordPairs(pairs);
  // Hand computation: gold [5, 8, 1, 2], cosines [0, 0.5, 0, 0] (ties share rank 2).
  assert.ok(Math.abs(r.spearman - 3 / Math.sqrt(15)) < 1e-12);
  assert.ok(Math.abs(r.pearson - 2 / Math.sqrt(5.625)) < 1e-7);
  assert.deepEqual([r.pairs, r.oov, r.oovRatio], [4, 1, 20]);
  // scipy.stats.spearmanr / pearsonr of these lists.
  const a = [1, 2, 3, 4, 5, 5, 7];
  const b = [2, 1, 4, 3, 7, 7, 6];
  assert.ok(Math.abs(spearman(a, b) - 0.8181818181818182) < 1e-12);
  assert.ok(Math.abs(pearson(a, b) - 0.8183676564114919) < 1e-12);
  assert.throws(() => kv.evaluateWordPairs("foo\tbar\t1\n"), /fewer than 2 pairs with known words/);
});

test("save and load in the word2vec text format round-trip every float32 exactly", () => {
  const { sentences } = groupedSentences(5, 300);
  const w2v = new Word2Vec({ ...small, epochs: 1 });
  w2v.train(sentences);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "gs-w2v-")), "vectors.txt");
  w2v.save(file);
  const kv = KeyedVectors.load(file);
  assert.deepEqual(kv.indexToKey, w2v.wv.indexToKey);
  assert.deepEqual(kv.vectors, w2v.wv.vectors);
  assert.equal(kv.vectorSize, 16);
  assert.match(kv.toText(), /^20 16\n[a-z]+\d( -?\d+(\.\d+)?(e-?\d+)?){16}\n/);
  assert.throws(
    () => KeyedVectors.fromText("2 3\na 1 2 3\n"),
    /the header promises 2 words, the file holds 1/,
  );
  assert.throws(
    () => KeyedVectors.fromText("two three\n"),
    /the first line must be "<word count> <vector size>"/,
  );
  assert.throws(
    () => KeyedVectors.fromText("1 3\na 1 2\n"),
    /line 2 has 2 numbers after the word, expected 3/,
  );
  assert.throws(() => KeyedVectors.fromText("1 2\na 1 x\n"), /line 2: "x" is not a number/);
  assert.throws(() => KeyedVectors.load("/no/such/vectors.txt"), /cannot read \/no\/such\/vectors.txt/);
  writeFileSync(file, "garbage");
  assert.throws(() => KeyedVectors.load(file), /vectors.txt\): the first line/);
});

test("word2vec reports bad input clearly", () => {
  assert.throws(() => new Word2Vec().train([]), /Word2Vec.train: no sentences/);
  assert.throws(
    () => new Word2Vec({ minCount: 5 }).train([["a", "b"], ["a"]]),
    /the vocabulary is empty: no word occurs at least minCount=5 times in the 2 sentences \(3 tokens\)/,
  );
  assert.throws(() => new Word2Vec().train(["a b c"] as never), /sentence 0 must be an array of tokens/);
  assert.throws(
    () => new Word2Vec({ negative: 0 }),
    /negative must be a positive integer, got 0 \(hierarchical softmax/,
  );
  assert.throws(() => new Word2Vec({ sg: 2 as never }), /sg must be 0 \(CBOW\) or 1 \(skip-gram\)/);
  assert.throws(() => new Word2Vec().mostSimilar("a"), /no vectors yet; call train\(\) first/);
  const kv = toyVectors();
  assert.throws(() => kv.mostSimilar("zebra"), /word "zebra" is not in the vocabulary \(5 words\)/);
  assert.throws(
    () => kv.mostSimilar({ positive: ["king", "woman"], negative: ["prince"] }),
    /mostSimilar: word "prince" is not in the vocabulary/,
  );
  assert.throws(() => kv.similarity("king", "pawn"), /similarity: word "pawn"/);
  assert.throws(() => kv.mostSimilar([]), /the query holds no word/);
  const w2v = new Word2Vec({ ...small, epochs: 1 });
  w2v.train(groupedSentences(6, 50).sentences);
  assert.throws(
    () => w2v.train([["unseen", "words"]]),
    /none of the 1 sentences holds a word of the vocabulary/,
  );
});
