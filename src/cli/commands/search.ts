/**
 * `gradstack search --data DIR|FILE [--mode bm25|dense] [--query TEXT] [--qrels FILE]`: builds a BM25 or a
 * dense index over a BEIR folder (corpus.jsonl(.gz)) or a text file (one document per line, ids 1, 2, ...),
 * shows the best documents for a query, and with --qrels evaluates every judged query (nDCG@10, Recall@100,
 * MRR@10, as trec_eval computes them).
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { defineCommand } from "../command.js";
import { UsageError } from "../usage-error.js";
import { readText } from "../../io/files.js";
import { readBeirCorpus, readBeirQueries, readQrels, type BeirDoc } from "../../data/beir.js";
import { BM25 } from "../../text/vectorizers/bm25.js";
import { DenseIndex } from "../../text/retrieval/index.js";
import { evaluateRun, type RankedHit, type Run } from "../../text/retrieval/metrics.js";
import { buildDenseIndex, denseRun, docText, loadRetrievalCheckpoint } from "../../train/retrieval.js";

const DEFAULTS = {
  data: "",
  mode: "bm25",
  model: "",
  index: "",
  query: "",
  qrels: "",
  queries: "",
  top_k: 10,
  k1: 1.5,
  b: 0.75,
  width: 100,
};

export const command = defineCommand({
  name: "search",
  summary: "BM25 or dense search over a BEIR folder or a text file, evaluated with --qrels",
  defaults: DEFAULTS,
  help: {
    data: "a BEIR folder (corpus.jsonl or corpus.jsonl.gz) or a text file with one document per line (required)",
    mode: '"bm25" (Okapi BM25 over title and text) or "dense" (a train retrieval checkpoint, --model)',
    model: "dense: the folder of a `gradstack train retrieval` checkpoint",
    index: "dense: a safetensors file of document vectors; read when it exists, else written after encoding",
    query: "the query to show hits for (words after the options are added to it)",
    qrels: "a qrels file (BEIR TSV or TREC): evaluate every judged query",
    queries: '--qrels: the queries file ("": queries.jsonl in the BEIR folder)',
    top_k: "documents to show per query",
    k1: "bm25: term-frequency saturation",
    b: "bm25: length normalisation (0 to 1)",
    width: "characters of each hit to print",
  },
  args: { usage: "[WORD ...]", help: "more words of the query" },
  run: (c, { args }) => search({ ...c, query: [c.query, ...args].filter(Boolean).join(" ") }),
});

/** Ranks documents for query texts: the run of one retrieval mode. */
type Retriever = (queries: ReadonlyMap<string, string>, k: number) => Run;

function search(c: typeof DEFAULTS): void {
  const where = "search";
  if (!c.data) throw new UsageError("search: --data DIR|FILE is required", where);
  if (c.mode !== "bm25" && c.mode !== "dense")
    throw new UsageError(`search: --mode must be "bm25" or "dense", got "${c.mode}"`, where);
  if (c.mode === "dense" && !c.model)
    throw new UsageError("search: --mode dense needs --model CKPT_DIR", where);
  if (!c.query.trim() && !c.qrels)
    throw new UsageError("search: give --query TEXT, --qrels FILE, or both", where);
  const corpus = readCorpus(c.data);
  const t0 = performance.now();
  const retrieve =
    c.mode === "bm25" ? bm25Retriever(corpus, c.k1, c.b) : denseRetriever(corpus, c.model, c.index);
  const indexSeconds = (performance.now() - t0) / 1000;
  console.log(
    `${c.mode} index over ${corpus.length.toLocaleString("en-US")} documents (${indexSeconds.toFixed(1)} s)`,
  );
  if (c.query.trim()) {
    const hits = retrieve(new Map([["query", c.query]]), c.top_k).get("query")!;
    const byId = new Map(corpus.map((d) => [d.id, d]));
    for (const h of hits) {
      const text = docText(byId.get(h.docId)!).trim();
      const shown = text.length > c.width ? `${text.slice(0, c.width - 1)}…` : text;
      console.log(`${h.score.toFixed(4)}  ${h.docId.padEnd(10)} ${shown}`);
    }
  }
  if (c.qrels) {
    const qrels = readQrels(c.qrels);
    const queriesFile = c.queries || path.join(c.data, "queries.jsonl");
    const all = readBeirQueries(queriesFile);
    const judged = new Map<string, string>();
    for (const qid of qrels.keys()) {
      const text = all.get(qid);
      if (text === undefined)
        throw new Error(`search: ${c.qrels} judges query "${qid}", which ${queriesFile} lacks`);
      judged.set(qid, text);
    }
    const t1 = performance.now();
    const run = retrieve(judged, 100);
    const searchSeconds = (performance.now() - t1) / 1000;
    const s = evaluateRun(run, qrels);
    console.log(
      `${s.queries} queries: nDCG@10 ${s.ndcg.toFixed(4)} · Recall@100 ${s.recall.toFixed(4)} · MRR@10 ${s.mrr.toFixed(4)} (search ${searchSeconds.toFixed(1)} s)`,
    );
  }
}

/** A BEIR folder's corpus, or the non-blank lines of a text file with ids "1", "2", ... (line numbers). */
function readCorpus(data: string): BeirDoc[] {
  if (!existsSync(data)) throw new Error(`search: ${path.resolve(data)} does not exist`);
  const file = ["corpus.jsonl", "corpus.jsonl.gz"].map((f) => path.join(data, f)).find(existsSync);
  if (file !== undefined) return readBeirCorpus(file);
  const docs: BeirDoc[] = [];
  readText(data)
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() !== "") docs.push({ id: String(i + 1), title: "", text: line });
    });
  if (docs.length === 0) throw new Error(`search: ${data} holds no document (every line is blank)`);
  return docs;
}

/** BM25's run; as in Lucene, a document that shares no term with the query is not retrieved. */
function bm25Retriever(corpus: BeirDoc[], k1: number, b: number): Retriever {
  const bm25 = new BM25({ k1, b }).fit(corpus.map(docText));
  return (queries, k) =>
    new Map(
      [...queries].map(([qid, text]): [string, RankedHit[]] => [
        qid,
        bm25
          .search(text, k)
          .filter((h) => h.score > 0)
          .map((h) => ({ docId: corpus[h.index].id, score: h.score })),
      ]),
    );
}

function denseRetriever(corpus: BeirDoc[], modelDir: string, indexFile: string): Retriever {
  const { model, tokenizer, config } = loadRetrievalCheckpoint(modelDir);
  let index: DenseIndex;
  if (indexFile && existsSync(indexFile)) {
    index = DenseIndex.load(indexFile);
    if (index.size !== corpus.length || index.ids.some((id, i) => id !== corpus[i].id))
      throw new Error(
        `search: the index ${indexFile} was built over other documents than ${corpus.length} of --data`,
      );
  } else {
    index = buildDenseIndex(model, tokenizer, corpus, config.doc_len);
    if (indexFile) index.save(indexFile);
  }
  return (queries, k) => denseRun(model, tokenizer, index, queries, { k, maxLen: config.max_len });
}
