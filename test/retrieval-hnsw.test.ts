// HNSW (hnswlib-node, an optional dependency) against the exact index: recall@10 on a small random set.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";
import { HnswIndex, loadHnswlib } from "../src/text/retrieval/hnsw.js";

const installed = loadHnswlib() !== null;

test(
  "HnswIndex: recall@10 of at least 0.95 against exact search, 2,000 random 32-d vectors",
  { skip: !installed && "hnswlib-node is not installed" },
  () => {
    gs.manualSeed(3);
    const n = 2000;
    const ids = Array.from({ length: n }, (_, i) => `doc${i}`);
    const exact = new gs.text.DenseIndex(ids, gs.randn([n, 32]));
    const queries = gs.randn([50, 32]);
    const ann = HnswIndex.build(exact, { efSearch: 64 });
    assert.equal(ann.size, n);
    const truth = exact.search(queries, 10);
    const found = ann.search(queries, 10);
    let hits = 0;
    truth.forEach((t, q) => {
      const got = new Set(found[q].map((h) => h.docId));
      hits += t.filter((h) => got.has(h.docId)).length;
      // Scores are cosines, as the exact index reports them, best first.
      assert.ok(Math.abs(found[q][0].score - t[0].score) < 1e-4 || !got.has(t[0].docId));
      for (let i = 1; i < found[q].length; i++) assert.ok(found[q][i - 1].score >= found[q][i].score - 1e-6);
    });
    const recall = hits / (50 * 10);
    assert.ok(recall >= 0.95, `recall@10 ${recall}`);
    // A graph searched with a candidate list of 1 (greedy) finds less: the check above can fail.
    const greedy = HnswIndex.build(exact, { efSearch: 1, m: 2, efConstruction: 2 });
    let greedyHits = 0;
    truth.forEach((t, q) => {
      const got = new Set(greedy.search(queries.narrow(0, q, 1), 1)[0].map((h) => h.docId));
      greedyHits += got.has(t[0].docId) ? 1 : 0;
    });
    assert.ok(greedyHits < 50, `greedy search found every nearest neighbour (${greedyHits}/50)`);
    assert.throws(() => ann.search(gs.zeros([1, 3])), /expected queries \(Q, 32\)/);
  },
);
