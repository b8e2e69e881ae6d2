/**
 * tf-idf equality with scikit-learn: TfidfVectorizer on the Lee background corpus (300 documents) for several
 * option sets; the vocabulary must be the same and every idf and matrix entry equal to 1e-9.
 *
 *   npm run build:test && node build/bench/text/tfidf.js
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as gs from "gradstack";
import { printTable, runPython, sharedData } from "./common.js";
import { benchArgs } from "../args.js";

benchArgs({ usage: "node build/bench/text/tfidf.js", options: {} });

interface SkResult {
  features: string[];
  idf: number[] | null;
  indptr: number[];
  indices: number[];
  data: number[];
}

const SETS: { name: string; ts: gs.text.TfidfVectorizerOptions; sk: Record<string, unknown> }[] = [
  { name: "defaults", ts: {}, sk: {} },
  { name: "sublinear_tf, l1", ts: { sublinearTf: true, norm: "l1" }, sk: { sublinear_tf: true, norm: "l1" } },
  {
    name: "ngram (1,2), min_df 2, max_df 0.5",
    ts: { ngramRange: [1, 2], minDf: 2, maxDf: 0.5 },
    sk: { ngram_range: [1, 2], min_df: 2, max_df: 0.5 },
  },
  { name: "no idf, no norm", ts: { useIdf: false, norm: null }, sk: { use_idf: false, norm: null } },
  // 935 terms occur more than 9 times: a cut between two counts. (At a cut through tied counts scikit-learn's
  // choice depends on numpy's unstable argsort; gradstack keeps the alphabetically first.)
  {
    name: "raw idf, case kept, 935 features",
    ts: { smoothIdf: false, lowercase: false, maxFeatures: 935 },
    sk: { smooth_idf: false, lowercase: false, max_features: 935 },
  },
  {
    name: "1-letter tokens, ngram (1,3), max_df 100 docs",
    ts: { tokenPattern: String.raw`(?u)\b\w+\b`, ngramRange: [1, 3], maxDf: 100, sublinearTf: true },
    sk: { token_pattern: String.raw`(?u)\b\w+\b`, ngram_range: [1, 3], max_df: 100, sublinear_tf: true },
  },
];

const corpus = path.join(sharedData, "lee-corpus/lee_background.cor");
const docs = readFileSync(corpus, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "");
const sk = runPython<SkResult[]>("sklearn_tfidf.py", [corpus], JSON.stringify(SETS.map((s) => s.sk)));
const rows: (string | number)[][] = [];
let failed = false;
SETS.forEach((set, i) => {
  const v = new gs.text.TfidfVectorizer(set.ts);
  const X = v.fitTransform(docs);
  const want = sk[i];
  const sameVocab = JSON.stringify(v.getFeatureNamesOut()) === JSON.stringify(want.features);
  let idfDiff = 0;
  if (want.idf) want.idf.forEach((w, j) => (idfDiff = Math.max(idfDiff, Math.abs(v.idf[j] - w))));
  let diff = 0;
  let nnz = 0;
  for (let r = 0; r < docs.length; r++) {
    const got = new Map<number, number>();
    for (let k = X.indptr[r]; k < X.indptr[r + 1]; k++) if (X.data[k] !== 0) got.set(X.indices[k], X.data[k]);
    for (let k = want.indptr[r]; k < want.indptr[r + 1]; k++) {
      diff = Math.max(diff, Math.abs((got.get(want.indices[k]) ?? 0) - want.data[k]));
      got.delete(want.indices[k]);
      nnz++;
    }
    for (const g of got.values()) diff = Math.max(diff, Math.abs(g));
  }
  const ok = sameVocab && idfDiff <= 1e-9 && diff <= 1e-9;
  failed ||= !ok;
  rows.push([
    set.name,
    want.features.length,
    nnz,
    sameVocab ? "yes" : "NO",
    want.idf ? idfDiff.toExponential(1) : "-",
    diff.toExponential(1),
    ok ? "equal" : "DIFFERENT",
  ]);
});
console.log(`TfidfVectorizer vs scikit-learn on ${docs.length} Lee background documents\n`);
printTable(["options", "terms", "nonzeros", "same vocabulary", "max |Δ idf|", "max |Δ X|", "to 1e-9"], rows);
if (failed) process.exitCode = 1;
