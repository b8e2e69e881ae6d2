/**
 * `gradstack tfidf search --data FILE --query "..." [--top_k 5]`: ranks the lines of FILE (one document per
 * line) by cosine similarity of their tf-idf vectors to the query, with scikit-learn's TfidfVectorizer options.
 */
import { formatConfig, resolveConfig } from "../config.js";
import { readText } from "../../io/files.js";
import { TfidfIndex } from "../../text/vectorizers/search.js";

export const SEARCH_DEFAULTS = {
  data: "",
  query: "",
  top_k: 10,
  lowercase: true,
  ngram_range: [1, 1],
  /** A count of documents (an integer) or a proportion (a fraction), as scikit-learn's min_df/max_df. */
  min_df: 1,
  max_df: 1,
  /** 0: keep every term. */
  max_features: 0,
  /** "l2", "l1" or "none". */
  norm: "l2",
  use_idf: true,
  smooth_idf: true,
  sublinear_tf: false,
  /** Print this many characters of each hit. */
  width: 100,
};

const USAGE = `usage: gradstack tfidf search --data FILE --query "TEXT" [--top_k 10 --sublinear_tf --ngram_range [1,2] --norm l2]`;

export function run(argv: string[]): void {
  const [sub, ...rest] = argv;
  if (sub === "help" || sub === "--help" || sub === "-h") {
    console.log(USAGE);
    return;
  }
  if (sub !== "search")
    throw new Error(`${sub ? `tfidf: unknown subcommand "${sub}"` : "tfidf: which subcommand?"}\n${USAGE}`);
  search(rest);
}

function search(argv: string[]): void {
  const { config: c, rest } = resolveConfig(SEARCH_DEFAULTS, argv);
  const query = [c.query, ...rest].filter(Boolean).join(" ");
  if (!c.data) throw new Error(`tfidf search: --data FILE is required (one document per line)\n${USAGE}`);
  if (!query.trim()) throw new Error(`tfidf search: --query TEXT is required\n${USAGE}`);
  if (c.norm !== "l1" && c.norm !== "l2" && c.norm !== "none")
    throw new Error(`tfidf search: --norm must be l1, l2 or none, got "${c.norm}"`);
  const range = c.ngram_range;
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === "number"))
    throw new Error(`tfidf search: --ngram_range must be [min,max], got ${JSON.stringify(range)}`);
  const docs = readText(c.data)
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  if (docs.length === 0) throw new Error(`tfidf search: ${c.data} holds no document (every line is blank)`);
  console.log(formatConfig({ ...c, query }));
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
  const hits = index.search(query, c.top_k).filter((h) => h.score > 0);
  if (hits.length === 0) console.log("no document shares a term with the query");
  for (const h of hits) {
    const text = docs[h.index].trim();
    const shown = text.length > c.width ? `${text.slice(0, c.width - 1)}…` : text;
    console.log(`${h.score.toFixed(4)}  #${String(h.index + 1).padEnd(5)} ${shown}`);
  }
}
