/**
 * Reading retrieval benchmarks in the BEIR layout: a folder with `corpus.jsonl` (or `.jsonl.gz`),
 * `queries.jsonl` and `qrels/<split>.tsv`. Node only (it reads files).
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { readText } from "../io/files.js";
import { loadCranfield } from "./cranfield.js";

/** One document of a BEIR corpus. */
export interface BeirDoc {
  id: string;
  title: string;
  text: string;
}

/** Relevance judgements: query id -> (document id -> relevance grade). */
export type Qrels = Map<string, Map<string, number>>;

/** A BEIR split: the corpus, the queries judged in that split (id -> text) and their judgements. */
export interface BeirDataset {
  corpus: BeirDoc[];
  queries: Map<string, string>;
  qrels: Qrels;
}

/** The lines of a JSON-lines file, each parsed; errors name the file and the line. */
function readJsonLines(file: string, where: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  readText(file)
    .split("\n")
    .forEach((line, i) => {
      if (line.trim() === "") return;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (e) {
        throw new Error(`${where}: ${file}:${i + 1}: not JSON (${(e as Error).message})`);
      }
      if (typeof row !== "object" || row === null || Array.isArray(row))
        throw new Error(`${where}: ${file}:${i + 1}: expected a JSON object`);
      out.push(row as Record<string, unknown>);
    });
  return out;
}

/** An id field, which BEIR files write as a string (or sometimes a number). */
function idOf(row: Record<string, unknown>, file: string, line: number, where: string): string {
  const id = row._id;
  if (typeof id === "string" && id !== "") return id;
  if (typeof id === "number") return String(id);
  throw new Error(`${where}: ${file}: row ${line} has no "_id"`);
}

/**
 * A BEIR corpus file: `{"_id", "title", "text"}` per line (gzip detected).
 * @example const docs = gs.data.readBeirCorpus("scifact/corpus.jsonl.gz"); // [{ id, title, text }, ...]
 */
export function readBeirCorpus(file: string): BeirDoc[] {
  const where = "readBeirCorpus";
  const seen = new Set<string>();
  return readJsonLines(file, where).map((row, i) => {
    const id = idOf(row, file, i + 1, where);
    if (seen.has(id)) throw new Error(`${where}: ${file}: document id "${id}" appears twice`);
    seen.add(id);
    if (typeof row.text !== "string") throw new Error(`${where}: ${file}: document "${id}" has no "text"`);
    return { id, title: typeof row.title === "string" ? row.title : "", text: row.text };
  });
}

/** A BEIR queries file: `{"_id", "text"}` per line -> id -> text. */
export function readBeirQueries(file: string): Map<string, string> {
  const where = "readBeirQueries";
  const out = new Map<string, string>();
  readJsonLines(file, where).forEach((row, i) => {
    const id = idOf(row, file, i + 1, where);
    if (typeof row.text !== "string") throw new Error(`${where}: ${file}: query "${id}" has no "text"`);
    out.set(id, row.text);
  });
  return out;
}

/**
 * Relevance judgements: BEIR's TSV (`query-id corpus-id score`, a header line optional) or TREC's qrels
 * (`query-id iteration corpus-id score`), split on tabs or spaces.
 */
export function readQrels(file: string): Qrels {
  const where = "readQrels";
  const qrels: Qrels = new Map();
  readText(file)
    .split("\n")
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === "") return;
      const cols = line.split(/\s+/);
      if (i === 0 && cols[cols.length - 1] === "score") return; // BEIR's header
      if (cols.length !== 3 && cols.length !== 4)
        throw new Error(`${where}: ${file}:${i + 1}: expected 3 (BEIR) or 4 (TREC) columns, got ${cols.length}`);
      const [qid, docId, grade] = cols.length === 3 ? cols : [cols[0], cols[2], cols[3]];
      const rel = Number(grade);
      if (!Number.isInteger(rel))
        throw new Error(`${where}: ${file}:${i + 1}: the relevance "${grade}" is not an integer`);
      let judged = qrels.get(qid);
      if (judged === undefined) qrels.set(qid, (judged = new Map()));
      judged.set(docId, rel);
    });
  return qrels;
}

/**
 * A BEIR folder's corpus, its `split`'s qrels, and the queries those qrels judge.
 * @example
 * const { corpus, queries, qrels } = gs.data.loadBeir("datasets/scifact"); // a BEIR folder: SciFact has 5,183 docs, 300 test queries
 */
export function loadBeir(dir: string, opts: { split?: string } = {}): BeirDataset {
  const where = "loadBeir";
  const split = opts.split ?? "test";
  const corpusFile = ["corpus.jsonl", "corpus.jsonl.gz"].map((f) => path.join(dir, f)).find(existsSync);
  if (corpusFile === undefined)
    throw new Error(`${where}: no corpus.jsonl or corpus.jsonl.gz in ${path.resolve(dir)}`);
  const qrelsFile = path.join(dir, "qrels", `${split}.tsv`);
  if (!existsSync(qrelsFile)) throw new Error(`${where}: no qrels file ${path.resolve(qrelsFile)}`);
  const corpus = readBeirCorpus(corpusFile);
  const allQueries = readBeirQueries(path.join(dir, "queries.jsonl"));
  const qrels = readQrels(qrelsFile);
  const queries = new Map<string, string>();
  for (const qid of qrels.keys()) {
    const text = allQueries.get(qid);
    if (text === undefined) throw new Error(`${where}: ${qrelsFile} judges query "${qid}", which queries.jsonl lacks`);
    queries.set(qid, text);
  }
  return { corpus, queries, qrels };
}

/**
 * A retrieval benchmark folder in either layout this module knows: Cranfield's SMART files (a `cran.qry` in the
 * folder; its one judged set whatever `split` says) or BEIR's.
 * @example const { corpus, queries, qrels } = gs.data.loadRetrievalData("data/cranfield");
 */
export function loadRetrievalData(dir: string, opts: { split?: string } = {}): BeirDataset {
  return existsSync(path.join(dir, "cran.qry")) ? loadCranfield(dir) : loadBeir(dir, opts);
}
