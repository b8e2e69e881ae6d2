// Cranfield's SMART-format files: records and fields, query ids by position, Cleverdon's codes as grades.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { cranfieldGrade, loadCranfield, loadRetrievalData, parseSmart } from "../src/data/index.js";
import { gradstackCli } from "./helpers/cli.js";

const DOCS = `.I 1
.T
wing in a
slipstream .
.A
brenckman,m.
.B
j. ae. scs. 25, 1958, 324.
.W
wing in a slipstream .
  an experimental study of a wing .
.I 2
.T
shear flow past a plate .
.W
shear flow past a plate in a fluid .
.I 3
.T
heat transfer in slabs .
.W
heat conduction in composite slabs .
`;
// .I numbers with gaps, as in cran.qry: the qrels number the queries 1, 2 in file order.
const QUERIES = `.I 001
.W
wing slipstream
.I 004
.W
heat conduction slabs .
`;
const QRELS = "1 1 2\n1 2 -1\n2 3 1\n2 1 4\n";

function cranfieldFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cran-"));
  writeFileSync(path.join(dir, "cran.all.1400.gz"), gzipSync(DOCS));
  writeFileSync(path.join(dir, "cran.qry"), QUERIES);
  writeFileSync(path.join(dir, "cranqrel"), QRELS);
  return dir;
}

test("parseSmart: records by .I, fields by letter, lines joined", () => {
  const records = parseSmart(DOCS, "docs");
  assert.deepEqual(
    records.map((r) => r.id),
    ["1", "2", "3"],
  );
  assert.equal(records[0].fields.get("T"), "wing in a slipstream .");
  assert.equal(records[0].fields.get("W"), "wing in a slipstream . an experimental study of a wing .");
  assert.equal(records[0].fields.get("A"), "brenckman,m.");
  assert.throws(() => parseSmart(".W\ntext\n", "bad"), /bad:1: ".W" before any ".I"/);
  assert.throws(() => parseSmart(".I\n", "bad"), /".I" without an id/);
});

test("loadCranfield: documents, queries numbered by position, codes 1-4 as grades 4-1 and -1 as 0", () => {
  const dir = cranfieldFolder();
  const { corpus, queries, qrels } = loadCranfield(dir);
  assert.deepEqual(corpus[1], {
    id: "2",
    title: "shear flow past a plate .",
    text: "shear flow past a plate in a fluid .",
  });
  assert.deepEqual([...queries.keys()], ["1", "2"]);
  assert.equal(queries.get("2"), "heat conduction slabs .");
  assert.deepEqual(
    [...qrels.get("1")!],
    [
      ["1", 3],
      ["2", 0],
    ],
  );
  assert.deepEqual(
    [...qrels.get("2")!],
    [
      ["3", 4],
      ["1", 1],
    ],
  );
  assert.deepEqual([1, 2, 3, 4, -1].map(cranfieldGrade), [4, 3, 2, 1, 0]);
  assert.throws(() => cranfieldGrade(5), /codes are 1 to 4 or -1/);
  assert.equal(loadRetrievalData(dir).corpus.length, 3);
  writeFileSync(path.join(dir, "cranqrel"), "9 1 1\n");
  assert.throws(() => loadCranfield(dir), /query 9 is not in cran.qry/);
});

test("gradstack eval-retrieval reads a Cranfield folder", () => {
  const r = gradstackCli("eval-retrieval", "--data_dir", cranfieldFolder());
  assert.equal(r.status, 0, r.stderr);
  // Query 1 finds doc 1 (grade 3) first; query 2 finds doc 3 (grade 4) first, doc 1 (grade 1) never: both
  // rank their best document first, and query 2 misses a grade-1 document.
  assert.match(r.stdout, /bm25 over 3 documents .* 2 queries/);
  const ndcg = Number(/nDCG@10 ([\d.]+)/.exec(r.stdout)![1]);
  const q2 = 4 / (4 + 1 / Math.log2(3));
  assert.ok(Math.abs(ndcg - (1 + q2) / 2) < 1e-4, `nDCG@10 ${ndcg}`);
});
