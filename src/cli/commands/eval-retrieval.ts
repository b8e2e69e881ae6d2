/**
 * `gradstack eval-retrieval --data_dir DIR [--mode bm25|dense|hybrid]`: searches every judged query of a BEIR
 * folder (corpus.jsonl(.gz), queries.jsonl, qrels/<split>.tsv) and prints nDCG@10, Recall@100 and MRR@10 as
 * trec_eval computes them.
 */
import { defineCommand } from "../command.js";
import { UsageError } from "../usage-error.js";
import { loadRetrievalData } from "../../data/beir.js";
import { evaluateRun } from "../../text/retrieval/metrics.js";
import { RETRIEVER_DEFAULTS, RETRIEVER_HELP, checkRetrieverOptions, openRetriever } from "./retrievers.js";

const DEFAULTS = {
  data_dir: "",
  split: "test",
  ...RETRIEVER_DEFAULTS,
};

export const command = defineCommand({
  name: "eval-retrieval",
  summary: "nDCG@10, Recall@100 and MRR@10 of BM25, dense or hybrid search on a BEIR folder's judged queries",
  defaults: DEFAULTS,
  help: {
    data_dir:
      "a BEIR folder (corpus.jsonl(.gz), queries.jsonl, qrels/<split>.tsv) or Cranfield's (cran.all.1400(.gz), cran.qry, cranqrel) (required)",
    split: "the qrels file to evaluate: qrels/<split>.tsv",
    ...RETRIEVER_HELP,
  },
  run: (c) => evalRetrieval(c),
});

function evalRetrieval(c: typeof DEFAULTS): void {
  const where = "eval-retrieval";
  if (!c.data_dir) throw new UsageError("eval-retrieval: --data_dir DIR (a BEIR folder) is required", where);
  checkRetrieverOptions(c, where);
  const { corpus, queries, qrels } = loadRetrievalData(c.data_dir, { split: c.split });
  const t0 = performance.now();
  const retrieve = openRetriever(corpus, c, c.data_dir, where, {
    testQrels: qrels,
    report: (line) => console.log(line),
  });
  const indexSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const run = retrieve(queries, 100);
  const searchSeconds = (performance.now() - t1) / 1000;
  const s = evaluateRun(run, qrels);
  console.log(
    `${c.mode} over ${corpus.length.toLocaleString("en-US")} documents (index ${indexSeconds.toFixed(1)} s), ${s.queries} queries (search ${searchSeconds.toFixed(1)} s)`,
  );
  console.log(
    `nDCG@10 ${s.ndcg.toFixed(4)} · Recall@100 ${s.recall.toFixed(4)} · MRR@10 ${s.mrr.toFixed(4)}`,
  );
}
