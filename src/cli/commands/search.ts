/**
 * `gradstack search [--data DIR|FILE] [--index DIR] [--mode bm25|dense|hybrid] "query"`: the best documents of a
 * BEIR folder (corpus.jsonl(.gz)) or a text file (one document per line, ids 1, 2, ...) for a query, by BM25,
 * a dense encoder, or both fused. `gradstack eval-retrieval` evaluates the same retrievers on judged queries.
 */
import { defineCommand } from "../command.js";
import { UsageError } from "../usage-error.js";
import { docText } from "../../train/retrieval.js";
import { RETRIEVER_DEFAULTS, RETRIEVER_HELP, clip, openCorpusSearch } from "./retrievers.js";

const DEFAULTS = {
  data: "",
  query: "",
  ...RETRIEVER_DEFAULTS,
  top_k: 10,
  width: 100,
};

export const command = defineCommand({
  name: "search",
  summary: "BM25, dense or hybrid search over a BEIR folder or a text file",
  defaults: DEFAULTS,
  help: {
    data: "a BEIR folder (corpus.jsonl or corpus.jsonl.gz) or a text file with one document per line (default: the corpus --index names)",
    query: "the query (words after the options are added to it)",
    ...RETRIEVER_HELP,
    top_k: "documents to show",
    width: "characters of each hit to print",
  },
  args: { usage: "[WORD ...]", help: "more words of the query" },
  run: (c, { args }) => search({ ...c, query: [c.query, ...args].filter(Boolean).join(" ") }),
});

function search(c: typeof DEFAULTS): void {
  const where = "search";
  if (!c.query.trim())
    throw new UsageError('search: give the query, e.g. gradstack search --data DIR "words"', where);
  const t0 = performance.now();
  const { corpus, byId, retrieve } = openCorpusSearch(c, where);
  const indexSeconds = (performance.now() - t0) / 1000;
  console.log(
    `${c.mode} index over ${corpus.length.toLocaleString("en-US")} documents (${indexSeconds.toFixed(1)} s)`,
  );
  const hits = retrieve(new Map([["query", c.query]]), c.top_k).get("query")!;
  for (const h of hits)
    console.log(
      `${h.score.toFixed(4)}  ${h.docId.padEnd(10)} ${clip(docText(byId.get(h.docId)!).trim(), c.width)}`,
    );
}
