// BEIR reading and the ranking metrics, against hand-computed values (trec_eval's definitions).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadBeir, readQrels } from "../src/data/index.js";
import { evaluateRun, ndcgAt, recallAt, mrrAt, trecOrder, BM25 } from "../src/text/index.js";

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** A made-up BEIR folder: four documents, three queries, test qrels (one query judged only irrelevant). */
function tinyBeir(gzip: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), "beir-"));
  const docs = [
    { _id: "d1", title: "Cats", text: "Cats purr and sleep in the sun." },
    { _id: "d2", title: "Dogs", text: "Dogs bark at the postman." },
    { _id: "d3", title: "Ferns", text: "Ferns grow in shade and reproduce by spores." },
    { _id: "d4", title: "Comets", text: "Comets have tails of gas and dust." },
  ];
  const corpus = docs.map((d) => JSON.stringify({ ...d, metadata: {} })).join("\n") + "\n";
  writeFileSync(path.join(dir, gzip ? "corpus.jsonl.gz" : "corpus.jsonl"), gzip ? gzipSync(corpus) : corpus);
  const queries = [
    { _id: "q1", text: "cats that purr" },
    { _id: "q2", text: "plants with spores" },
    { _id: "q3", text: "tails of comets" },
    { _id: "q9", text: "a training query" },
  ];
  writeFileSync(path.join(dir, "queries.jsonl"), queries.map((q) => JSON.stringify(q)).join("\n"));
  mkdirSync(path.join(dir, "qrels"));
  writeFileSync(
    path.join(dir, "qrels/test.tsv"),
    "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t2\nq3\td4\t0\n",
  );
  return dir;
}

test("loadBeir: corpus (plain or gzip), the split's queries and qrels", () => {
  for (const gzip of [false, true]) {
    const { corpus, queries, qrels } = loadBeir(tinyBeir(gzip));
    assert.deepEqual(corpus[0], { id: "d1", title: "Cats", text: "Cats purr and sleep in the sun." });
    assert.equal(corpus.length, 4);
    assert.deepEqual([...queries.keys()], ["q1", "q2", "q3"]); // q9 is not judged in test
    assert.equal(qrels.get("q2")?.get("d3"), 2);
  }
});

test("readQrels: TREC's four columns too; bad lines name the file and line", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "qrels-"));
  writeFileSync(path.join(dir, "trec.txt"), "1 0 doc7 1\n1 0 doc8 0\n");
  assert.deepEqual(
    [...readQrels(path.join(dir, "trec.txt")).get("1")!],
    [
      ["doc7", 1],
      ["doc8", 0],
    ],
  );
  writeFileSync(path.join(dir, "bad.tsv"), "q1\td1\tyes\n");
  assert.throws(
    () => readQrels(path.join(dir, "bad.tsv")),
    /bad\.tsv:1: the relevance "yes" is not an integer/,
  );
  assert.throws(() => loadBeir(dir), /no corpus\.jsonl or corpus\.jsonl\.gz/);
});

test("nDCG@k, Recall@k, MRR@k by hand", () => {
  const judged = new Map([
    ["d1", 1],
    ["d3", 2],
    ["d9", 0],
  ]);
  const ranked = ["d2", "d1", "d3", "d4"];
  // DCG = 1/log2(3) + 2/log2(4); ideal = 2/log2(2) + 1/log2(3)
  close(ndcgAt(ranked, judged, 10), (1 / Math.log2(3) + 1) / (2 + 1 / Math.log2(3)));
  close(ndcgAt(ranked, judged, 2), 1 / Math.log2(3) / (2 + 1 / Math.log2(3)));
  close(recallAt(ranked, judged, 100), 1);
  close(recallAt(ranked, judged, 2), 0.5);
  close(mrrAt(ranked, judged, 10), 0.5);
  close(mrrAt(ranked, judged, 1), 0);
  close(ndcgAt(["d1", "d3"], judged, 10), (1 + 2 / Math.log2(3)) / (2 + 1 / Math.log2(3)));
});

test("evaluateRun: trec_eval's order (score, then doc id descending), queries without relevant docs skipped", () => {
  assert.deepEqual(
    trecOrder([
      { docId: "a", score: 1 },
      { docId: "c", score: 2 },
      { docId: "b", score: 1 },
    ]),
    ["c", "b", "a"],
  );
  const qrels = new Map([
    ["q1", new Map([["a", 1]])],
    ["q2", new Map([["x", 1]])],
    ["q3", new Map([["y", 0]])],
  ]);
  const run = new Map([
    [
      "q1",
      [
        { docId: "a", score: 5 },
        { docId: "b", score: 5 },
      ],
    ],
  ]); // tie: b ranks first
  const s = evaluateRun(run, qrels);
  assert.equal(s.queries, 2); // q3 has no relevant document; q2 was not retrieved and scores 0
  close(s.mrr, (0.5 + 0) / 2);
  close(s.ndcg, 1 / Math.log2(3) / 2);
  close(s.recall, 0.5);
  assert.throws(() => evaluateRun(run, qrels, { ndcgAt: 0 }), /ndcgAt must be a positive integer/);
});

test("BM25 over the tiny BEIR corpus finds each judged document first", () => {
  const { corpus, queries, qrels } = loadBeir(tinyBeir(false));
  const bm25 = new BM25().fit(corpus.map((d) => `${d.title} ${d.text}`));
  const run = new Map(
    [...queries].map(([qid, text]) => [
      qid,
      bm25.search(text, 4).map((h) => ({ docId: corpus[h.index].id, score: h.score })),
    ]),
  );
  const s = evaluateRun(run, qrels);
  assert.equal(s.queries, 2);
  assert.equal(s.mrr, 1);
  assert.equal(s.ndcg, 1);
});
