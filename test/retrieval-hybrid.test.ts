// Hybrid retrieval: reciprocal-rank fusion and the normalised score mix, against values worked by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chooseMixWeight, mixScores, reciprocalRankFusion, type Run } from "../src/text/index.js";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

// Dense ranks a > b > c; BM25 ranks c > a, and never retrieves b.
const dense: Run = new Map([
  [
    "q",
    [
      { docId: "b", score: 0.5 },
      { docId: "a", score: 0.9 },
      { docId: "c", score: 0.1 },
    ],
  ],
]);
const bm25: Run = new Map([
  [
    "q",
    [
      { docId: "c", score: 12 },
      { docId: "a", score: 4 },
    ],
  ],
]);

test("reciprocalRankFusion: Σ 1/(k + rank) over the runs that retrieved a document", () => {
  const hits = reciprocalRankFusion([dense, bm25]).get("q")!;
  // a: 1/61 + 1/62; c: 1/63 + 1/61; b: 1/62
  assert.deepEqual(
    hits.map((h) => h.docId),
    ["a", "c", "b"],
  );
  close(hits[0].score, 1 / 61 + 1 / 62);
  close(hits[1].score, 1 / 63 + 1 / 61);
  close(hits[2].score, 1 / 62);
  const k0 = reciprocalRankFusion([dense, bm25], { k: 0, depth: 1 }).get("q")!;
  assert.deepEqual(k0, [{ docId: "a", score: 1 + 1 / 2 }]); // a: 1/1 + 1/2 beats c: 1/3 + 1/1
  // A query only one run has is kept; ties go to the larger id as trec_eval orders them.
  const tie = reciprocalRankFusion([
    new Map([["x", [{ docId: "d1", score: 1 }]]]),
    new Map([["x", [{ docId: "d2", score: 1 }]]]),
  ]).get("x")!;
  assert.deepEqual(
    tie.map((h) => h.docId),
    ["d2", "d1"],
  );
  assert.throws(() => reciprocalRankFusion([]), /no runs/);
});

test("mixScores: min-max per query, weight · first + (1 − weight) · second, missing documents 0", () => {
  // dense scaled: a 1, b 0.5, c 0; bm25 scaled: c 1, a 0.
  const mixed = mixScores(dense, bm25, 0.25).get("q")!;
  // a: 0.25; b: 0.125; c: 0.75
  assert.deepEqual(
    mixed.map((h) => h.docId),
    ["c", "a", "b"],
  );
  close(mixed[0].score, 0.75);
  close(mixed[1].score, 0.25);
  close(mixed[2].score, 0.125);
  assert.deepEqual(
    mixScores(dense, bm25, 1)
      .get("q")!
      .map((h) => h.docId),
    ["a", "b", "c"],
  );
  // A query whose run has one hit (max = min) scales it to 1.
  assert.deepEqual(mixScores(new Map([["q", [{ docId: "z", score: -3 }]]]), new Map(), 0.5).get("q"), [
    { docId: "z", score: 0.5 },
  ]);
  assert.throws(() => mixScores(dense, bm25, 1.5), /weight must be in \[0, 1\]/);
});

test("chooseMixWeight: the weight with the best nDCG@10 on the judged queries, ties to the smaller", () => {
  // Only b is relevant: BM25 never finds it, so the weight must lean on dense enough to lift b to the top.
  const qrels = new Map([["q", new Map([["b", 1]])]]);
  const chosen = chooseMixWeight(dense, bm25, qrels, [0.5, 0.9, 1]);
  // b: 0.5w; a: w; c: 1 − w. b is never first (a beats it), second when 0.5w > 1 − w, i.e. w > 2/3.
  assert.equal(chosen.weight, 0.9);
  close(chosen.ndcg, 1 / Math.log2(3));
  assert.deepEqual(
    chosen.tried.map((t) => t.weight),
    [0.5, 0.9, 1],
  );
  close(chosen.tried[0].ndcg, 0.5); // b third
  close(chosen.tried[2].ndcg, 1 / Math.log2(3)); // a tie with 0.9: the smaller weight wins
  // With c relevant, BM25 alone (weight 0) is best.
  assert.equal(chooseMixWeight(dense, bm25, new Map([["q", new Map([["c", 2]])]])).weight, 0);
});
