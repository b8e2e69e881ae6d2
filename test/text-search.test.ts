// Cosine-similarity search over tf-idf vectors, and BM25 against scores computed by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BM25, cosineSimilarity, searchTfidf, TfidfIndex, TfidfVectorizer, topK } from "../src/text/index.js";
import { csrRow } from "../src/text/vectorizers/sparse.js";

const docs = ["The cat sat on the mat.", "The dog sat.", "A cat and a dog!", "Nothing related here."];

test("cosineSimilarity: sparse row, one-row CSR or dense query; zero vectors score 0", () => {
  const v = new TfidfVectorizer({ norm: null });
  const X = v.fitTransform(docs);
  const q = v.transform(["cat dog"]);
  const sims = cosineSimilarity(q, X);
  // by hand: the query's weights are idf(cat), idf(dog); cosine = dot / (|q| |x|)
  const l2 = new TfidfVectorizer().fitTransform(docs);
  const ql2 = new TfidfVectorizer().fit(docs).transform(["cat dog"]);
  for (let i = 0; i < docs.length; i++) {
    const row = csrRow(l2, i);
    let dot = 0;
    for (let k = 0; k < row.indices.length; k++) {
      const j = row.indices[k];
      const qk = Array.from(ql2.indices).indexOf(j);
      if (qk >= 0) dot += row.data[k] * ql2.data[qk];
    }
    assert.ok(Math.abs(sims[i] - dot) < 1e-12, `doc ${i}`);
  }
  assert.deepEqual(cosineSimilarity(csrRow(q, 0), X), sims);
  const dense = new Float64Array(X.shape[1]);
  for (let k = 0; k < q.indices.length; k++) dense[q.indices[k]] = q.data[k];
  assert.deepEqual(cosineSimilarity(dense, X), sims);
  assert.equal(sims[3], 0); // no shared term
  assert.deepEqual([...cosineSimilarity(new Float64Array(X.shape[1]), X)], [0, 0, 0, 0]);
  assert.throws(() => cosineSimilarity([1, 2], X), /the query has length 2, expected 10/);
});

test("searchTfidf and TfidfIndex rank by cosine; ties go to the lower index", () => {
  const index = new TfidfIndex(docs);
  const hits = index.search("a dog", 3);
  assert.deepEqual(
    hits.map((h) => h.index),
    [1, 2, 0],
  );
  assert.ok(hits[0].score > hits[1].score && hits[2].score === 0);
  const v = new TfidfVectorizer();
  const X = v.fitTransform(docs);
  assert.deepEqual(searchTfidf(v, X, "a dog", 3), hits);
  assert.deepEqual(topK([0.5, 0.9, 0.5, 0.1], 3), [
    { index: 1, score: 0.9 },
    { index: 0, score: 0.5 },
    { index: 2, score: 0.5 },
  ]);
  assert.equal(index.search("cat", 10).length, 4);
});

test("BM25 scores equal the Okapi formula with Lucene's idf, computed by hand", () => {
  const corpus = [
    ["the", "cat", "sat"],
    ["the", "dog", "sat", "on", "the", "log"],
    ["cats", "and", "dogs"],
  ];
  const bm25 = new BM25().fit(corpus); // k1 = 1.5, b = 0.75
  assert.equal(bm25.nDocs, 3);
  assert.equal(bm25.avgdl, 4);
  const idfCat = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5)); // df(cat) = 1
  const idfThe = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)); // df(the) = 2
  assert.ok(Math.abs(bm25.idf("cat") - idfCat) < 1e-15);
  // doc 0: |d| = 3, tf = 1: 1 * 2.5 / (1 + 1.5 * (0.25 + 0.75 * 3/4))
  const doc0 = (idfCat + idfThe) * (2.5 / (1 + 1.5 * (0.25 + 0.75 * 0.75)));
  // doc 1: |d| = 6, tf(the) = 2: 2 * 2.5 / (2 + 1.5 * (0.25 + 0.75 * 6/4))
  const doc1 = idfThe * ((2 * 2.5) / (2 + 1.5 * (0.25 + 0.75 * 1.5)));
  const scores = bm25.scores(["cat", "the", "zebra"]);
  assert.ok(Math.abs(scores[0] - doc0) < 1e-12, `${scores[0]} vs ${doc0}`);
  assert.ok(Math.abs(scores[1] - doc1) < 1e-12, `${scores[1]} vs ${doc1}`);
  assert.equal(scores[2], 0);
  // a repeated query term counts twice (as rank_bm25)
  assert.ok(Math.abs(bm25.scores(["cat", "cat"])[0] - 2 * idfCat * (2.5 / 2.21875)) < 1e-12);
  assert.deepEqual(
    bm25.search(["the", "cat"], 2).map((h) => h.index),
    [0, 1],
  );
  // b = 0: no length normalisation; k1 = 0: binary term presence
  const flat = new BM25({ k1: 0 }).fit(corpus);
  assert.ok(Math.abs(flat.scores(["the"])[1] - idfThe) < 1e-12);
});

test("BM25 on strings tokenizes like TfidfVectorizer; errors are clear", () => {
  const bm25 = new BM25({ k1: 1.2, b: 0.5 }).fit(docs);
  assert.equal(bm25.docFreq("cat"), 2);
  assert.equal(bm25.docFreq("a"), 0); // one-letter words are not tokens
  // "the" twice in the longer doc 0 outweighs "dog" once in doc 2
  assert.deepEqual(
    bm25.search("The DOG", 3).map((h) => h.index),
    [1, 0, 2],
  );
  assert.throws(() => new BM25().scores("cat"), /not fitted yet/);
  assert.throws(() => new BM25().fit([]), /non-empty array/);
  assert.throws(() => new BM25({ b: 2 }), /b must be in \[0, 1\]/);
  assert.throws(() => new BM25({ k1: -1 }), /k1 must be >= 0/);
  assert.throws(
    () => new BM25().fit([["ok"], [1 as unknown as string]]),
    /a document must be a string or an array of token strings/,
  );
  assert.deepEqual([...new BM25().fit(["", ""]).scores("x")], [0, 0]);
});
