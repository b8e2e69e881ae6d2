// LDA (online variational Bayes, as gensim's LdaModel), its special functions, and the gensim-style Dictionary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Generator } from "../src/tensor/random.js";
import { digamma, lgamma, trigamma, sampleGamma } from "../src/text/lda/math.js";
import { Dictionary, simplePreprocess } from "../src/text/lda/corpus.js";
import { umassCoherence } from "../src/text/lda/coherence.js";
import { LDA } from "../src/text/lda/lda.js";

const close = (got: number, want: number, tol = 1e-13) =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `got ${got}, want ${want}`);

test("digamma, trigamma and lgamma match scipy.special to 1e-13", () => {
  const psi: [number, number][] = [
    [1, -0.5772156649015329],
    [0.5, -1.9635100260214235],
    [10, 2.251752589066721],
    [-0.5, 0.03648997397857651],
    [1e-3, -1000.5755719318103],
    [3.7, 1.1671535393615113],
    [123.4, 4.8113737751162775],
  ];
  for (const [x, want] of psi) close(digamma(x), want);
  const lg: [number, number][] = [
    [0.5, 0.5723649429247],
    [1, 0],
    [10, 12.801827480081469],
    [100, 359.1342053695754],
    [0.1, 2.252712651734206],
    [-0.5, 1.2655121234846454],
    [1e-5, 11.512919692895826],
    [2.5, 0.2846828704729192],
    [1e4, 82099.71749644238],
  ];
  for (const [x, want] of lg) close(lgamma(x), want);
  const tri: [number, number][] = [
    [1, 1.6449340668482266],
    [0.5, 4.93480220054468],
    [3.3, 0.3535015418410618],
    [50, 0.020201333226697128],
  ];
  for (const [x, want] of tri) close(trigamma(x), want);
  assert.ok(Number.isNaN(digamma(0)) && Number.isNaN(digamma(-2)));
  assert.equal(lgamma(0), Infinity);
});

test("sampleGamma has the mean and variance of Gamma(shape, scale)", () => {
  const gen = new Generator(7);
  for (const [shape, scale] of [
    [100, 0.01],
    [2, 3],
    [0.3, 1],
  ]) {
    const n = 20000;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const x = sampleGamma(gen, shape, scale);
      assert.ok(x > 0);
      s += x;
      ss += x * x;
    }
    const mean = s / n;
    const variance = ss / n - mean * mean;
    const m = shape * scale;
    const v = shape * scale * scale;
    assert.ok(Math.abs(mean - m) < 4 * Math.sqrt(v / n), `shape ${shape}: mean ${mean}, want ${m}`);
    assert.ok(Math.abs(variance - v) < 0.1 * v, `shape ${shape}: variance ${variance}, want ${v}`);
  }
  assert.throws(() => sampleGamma(gen, 0), /shape and scale must be positive/);
});

test("simplePreprocess and Dictionary follow gensim", () => {
  // Expected values printed by gensim 4.2.
  assert.deepEqual(
    simplePreprocess("Hello, World! It's 2024: naïve café_au_lait __init__ x abcdefghijklmnopq ÉCOLE 3rd"),
    ["hello", "world", "it", "naïve", "café_au_lait", "école", "rd"],
  );
  const docs = [
    ["b", "a", "c", "a"],
    ["d", "a", "e"],
    ["c", "f", "b"],
    ["a", "g", "c", "h"],
    ["c", "b", "z", "z"],
  ];
  const d = Dictionary.fromDocuments(docs);
  assert.deepEqual(d.id2token, ["a", "b", "c", "d", "e", "f", "g", "h", "z"]);
  assert.deepEqual(d.dfs, [3, 3, 4, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(d.cfs, [4, 3, 4, 1, 1, 1, 1, 1, 2]);
  assert.deepEqual([d.numDocs, d.numPos, d.numNnz], [5, 18, 16]);
  const bow = d.doc2bow(["z", "a", "a", "q"]);
  assert.deepEqual([...bow.ids], [0, 8]);
  assert.deepEqual([...bow.counts], [2, 1]);
  assert.deepEqual(
    Dictionary.fromDocuments(docs).filterExtremes({ noBelow: 2, noAbove: 0.8, keepN: 2 }).id2token,
    ["a", "c"],
  );
  assert.deepEqual(
    Dictionary.fromDocuments(docs).filterExtremes({ noBelow: 2, noAbove: 0.7, keepN: null }).id2token,
    ["a", "b"],
  );
  assert.throws(() => Dictionary.fromDocuments(["a b c"] as never), /document 0 must be an array of tokens/);
});

/** Documents drawn from three topics with disjoint vocabularies, most words from one topic per document. */
function syntheticCorpus(seed: number, nDocs = 90): { docs: string[][]; topics: string[][] } {
  const topics = ["sport", "food", "tech"].map((t) => Array.from({ length: 8 }, (_, i) => `${t}${i}`));
  const gen = new Generator(seed);
  const docs: string[][] = [];
  for (let d = 0; d < nDocs; d++) {
    const main = d % 3;
    const doc: string[] = [];
    for (let i = 0; i < 30; i++) {
      const t = gen.random() < 0.9 ? main : gen.randint(0, 3);
      doc.push(topics[t][gen.randint(0, 8)]);
    }
    docs.push(doc);
  }
  return { docs, topics };
}

test("LDA recovers the topics of a synthetic corpus, and transform rows are distributions", () => {
  const { docs, topics } = syntheticCorpus(1);
  const lda = new LDA({ numTopics: 3, passes: 10, seed: 0, chunkSize: 30 }).fit(docs);
  const found = new Set<number>();
  for (let k = 0; k < 3; k++) {
    const top = lda.topWords(k, 8).map((w) => w.word);
    const owner = topics.findIndex((t) => t.includes(top[0]));
    assert.ok(
      top.every((w) => topics[owner].includes(w)),
      `topic ${k} mixes topics: ${top.join(" ")}`,
    );
    found.add(owner);
  }
  assert.equal(found.size, 3, "each true topic is found once");
  const theta = lda.transform([docs[0], docs[1], [], ["unknown", "words"]]);
  for (const row of theta) {
    assert.equal(row.length, 3);
    close(
      row.reduce((s, v) => s + v, 0),
      1,
      1e-12,
    );
  }
  // The first document is about topic 0's words: its main topic holds most of its mass.
  assert.ok(Math.max(...theta[0]) > 0.8);
  // A document without known words gets the (normalised) prior.
  for (const p of theta[2]) close(p, 1 / 3, 1e-12);
  const c = lda.coherence({ topn: 5 });
  assert.equal(c.perTopic.length, 3);
  assert.ok(c.mean < 0 && c.mean > -1, `u_mass ${c.mean}`);
});

test("LDA is deterministic for a seed; perplexity falls with more passes", () => {
  const { docs } = syntheticCorpus(2, 60);
  const fit = (seed: number, passes: number) =>
    new LDA({ numTopics: 3, passes, seed, chunkSize: 20 }).fit(docs);
  const a = fit(5, 2);
  const b = fit(5, 2);
  assert.deepEqual(a.getTopics(), b.getTopics());
  assert.deepEqual(a.transform(docs.slice(0, 3)), b.transform(docs.slice(0, 3)));
  assert.notDeepEqual(fit(6, 2).getTopics(), a.getTopics());
  const held = syntheticCorpus(3, 15).docs;
  const p1 = fit(5, 1).perplexity(held);
  const p8 = fit(5, 8).perplexity(held);
  assert.ok(p8 < p1, `perplexity after 8 passes ${p8} should be below 1 pass ${p1}`);
  // perplexity = 2^(-bound per word), as gensim logs it; each call starts inference from new random γ, so the
  // two calls agree closely but not exactly.
  const m = fit(5, 3);
  close(m.perplexity(held), Math.pow(2, -m.logPerplexity(held)), 1e-6);
});

test("LDA alpha options and auto-alpha learning", () => {
  const { docs } = syntheticCorpus(4, 60);
  const asym = new LDA({ numTopics: 4, alpha: "asymmetric" });
  close(
    asym.alpha.reduce((s, v) => s + v, 0),
    1,
    1e-12,
  );
  assert.ok(asym.alpha[0] > asym.alpha[3]);
  const auto = new LDA({ numTopics: 3, alpha: "auto", passes: 4, seed: 1, chunkSize: 20 }).fit(docs);
  assert.ok(auto.alpha.every((a) => a > 0));
  assert.notDeepEqual([...auto.alpha], [1 / 3, 1 / 3, 1 / 3]);
  assert.deepEqual([...new LDA({ numTopics: 2, alpha: [0.2, 0.7] }).alpha], [0.2, 0.7]);
});

test("u_mass coherence matches a hand computation", () => {
  // Words 0, 1, 2; 4 documents: {0,1}, {0}, {1,2}, {0,1,2}.
  const bows = [[0, 1], [0], [1, 2], [0, 1, 2]].map((ids) => ({
    ids: Int32Array.from(ids),
    counts: new Float64Array(ids.length).fill(1),
  }));
  const eps = 1e-12;
  // pairs (w1|w0), (w2|w0), (w2|w1): D(0,1)=2, D(0)=3; D(0,2)=1; D(1,2)=2, D(1)=3.
  const want =
    (Math.log((2 / 4 + eps) / (3 / 4)) +
      Math.log((1 / 4 + eps) / (3 / 4)) +
      Math.log((2 / 4 + eps) / (3 / 4))) /
    3;
  close(umassCoherence([[0, 1, 2]], bows).mean, want, 1e-12);
});

test("LDA reports bad input clearly", () => {
  assert.throws(() => new LDA({ numTopics: 0 }), /numTopics must be a positive integer, got 0/);
  assert.throws(() => new LDA({ numTopics: 2, alpha: "sideways" as never }), /unknown alpha "sideways"/);
  assert.throws(() => new LDA({ numTopics: 2, alpha: [1] }), /alpha has 1 values, expected 2/);
  assert.throws(() => new LDA({ numTopics: 2 }).fit([]), /LDA.fit: no documents/);
  assert.throws(() => new LDA({ numTopics: 2 }).fit([[], []]), /the dictionary is empty/);
  assert.throws(
    () => new LDA({ numTopics: 2 }).fit(["a b"] as never),
    /document 0 must be an array of tokens/,
  );
  assert.throws(() => new LDA({ numTopics: 2 }).topWords(0), /not fitted yet/);
  assert.throws(() => new LDA({ numTopics: 2 }).transform([["a"]]), /not fitted yet/);
  const lda = new LDA({ numTopics: 2, seed: 1 }).fit([
    ["a", "b"],
    ["b", "c"],
  ]);
  assert.throws(() => lda.topWords(2), /topic must be an integer in \[0, 2\), got 2/);
  assert.throws(() => lda.perplexity([["zzz"]]), /hold no word of the dictionary/);
  assert.throws(() => lda.update([["zzz"]]), /none of the 1 documents holds a word of the dictionary/);
});
