/**
 * `gradstack tfidf search --data FILE --query "..." [--top_k 5]`: ranks the lines of FILE (one document per
 * line) by cosine similarity of their tf-idf vectors to the query, with scikit-learn's TfidfVectorizer options.
 */
import { defineCommand, defineGroup } from "../command.js";
import { COUNT, NON_NEGATIVE_INT } from "../option-rules.js";
import { formatConfig } from "../config.js";
import { UsageError } from "../usage-error.js";
import { readText } from "../../io/files.js";
import { TfidfIndex } from "../../text/vectorizers/search.js";

const SEARCH_DEFAULTS = {
  data: "",
  query: "",
  top_k: 10,
  lowercase: true,
  ngram_range: [1, 1],
  min_df: 1,
  max_df: 1,
  max_features: 0,
  norm: "l2",
  use_idf: true,
  smooth_idf: true,
  sublinear_tf: false,
  width: 100,
};

const search = defineCommand({
  name: "tfidf search",
  summary: "rank the lines of a file by the cosine of their tf-idf vectors to a query",
  defaults: SEARCH_DEFAULTS,
  help: {
    data: "the text file, one document per line (required)",
    query: "the query (words after the options are added to it)",
    top_k: "documents to show",
    lowercase: "lowercase before tokenizing",
    ngram_range: "[min,max] lengths of the word n-grams that are terms",
    min_df: "drop terms in fewer documents: a count (an integer) or a proportion (a fraction)",
    max_df: "drop terms in more documents: a count (an integer) or a proportion (a fraction)",
    max_features: "keep only the most frequent this many terms (0: all)",
    norm: '"l2", "l1" or "none": the norm of each document vector',
    use_idf: "weight terms by inverse document frequency",
    smooth_idf: "add one to document frequencies, as if a document held every term once",
    sublinear_tf: "replace a term count tf by 1 + log(tf)",
    width: "characters of each hit to print",
  },
  rules: { top_k: COUNT, max_features: NON_NEGATIVE_INT, width: COUNT },
  args: { usage: "[WORD ...]", help: "more words of the query" },
  run: (c, { args }) => searchLines({ ...c, query: [c.query, ...args].filter(Boolean).join(" ") }),
});

export const command = defineGroup({
  name: "tfidf",
  summary: "tf-idf search over the lines of a file: gradstack tfidf search --data FILE --query TEXT",
  member: "subcommand",
  commands: { search },
});

function searchLines(c: typeof SEARCH_DEFAULTS): void {
  if (!c.data)
    throw new UsageError("tfidf search: --data FILE is required (one document per line)", "tfidf search");
  if (!c.query.trim()) throw new UsageError("tfidf search: --query TEXT is required", "tfidf search");
  if (c.norm !== "l1" && c.norm !== "l2" && c.norm !== "none")
    throw new Error(`tfidf search: --norm must be l1, l2 or none, got "${c.norm}"`);
  const range = c.ngram_range;
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === "number"))
    throw new Error(`tfidf search: --ngram_range must be [min,max], got ${JSON.stringify(range)}`);
  const docs = readText(c.data)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  if (docs.length === 0) throw new Error(`tfidf search: ${c.data} holds no document (every line is blank)`);
  console.log(formatConfig(c));
  const index = new TfidfIndex(docs, {
    lowercase: c.lowercase,
    ngramRange: [range[0] as number, range[1] as number],
    minDf: c.min_df,
    maxDf: c.max_df,
    maxFeatures: c.max_features > 0 ? c.max_features : null,
    norm: c.norm === "none" ? null : c.norm,
    useIdf: c.use_idf,
    smoothIdf: c.smooth_idf,
    sublinearTf: c.sublinear_tf,
  });
  console.log(`${docs.length} documents, ${index.vectorizer.vocabulary.size} terms\n`);
  const hits = index.search(c.query, c.top_k).filter((h) => h.score > 0);
  if (hits.length === 0) console.log("no document shares a term with the query");
  for (const h of hits) {
    const text = docs[h.index].trim();
    const shown = text.length > c.width ? `${text.slice(0, c.width - 1)}…` : text;
    console.log(`${h.score.toFixed(4)}  #${String(h.index + 1).padEnd(5)} ${shown}`);
  }
}
