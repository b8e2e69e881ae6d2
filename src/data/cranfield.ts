/**
 * The Cranfield collection (1,400 aeronautics abstracts, 225 queries) in its SMART-format files:
 * - `cran.all.1400` (or `.gz`): records `.I <id>`, then fields `.T` title, `.A` authors, `.B` source, `.W` abstract,
 *   each field's text on the lines after its marker;
 * - `cran.qry`: records `.I <nnn>` and `.W` text. The `.I` numbers run 001–365 with gaps, but `cranqrel` numbers
 *   the queries 1–225 in file order, so a query's id here is its position in the file;
 * - `cranqrel`: `query document code` lines. Cleverdon's codes: 1 a complete answer, 2 high relevance, 3 useful,
 *   4 minimum interest; -1 marks a pair without a relevance code. The grades are reversed so that higher means
 *   more relevant (grade = 5 − code: 1 → 4, ..., 4 → 1), as ir_datasets does, and -1 becomes grade 0 (not
 *   relevant), so that codes 1–4 are the relevant documents. Node only (it reads files).
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { readText } from "../io/files.js";
import type { BeirDataset, BeirDoc, Qrels } from "./beir.js";

/** One SMART record: its `.I` id and its fields by letter (T, A, B, W). */
interface SmartRecord {
  id: string;
  fields: Map<string, string>;
}

/** The records of a SMART-format file; text of a field is its lines joined by spaces. */
export function parseSmart(text: string, source: string): SmartRecord[] {
  const records: SmartRecord[] = [];
  let field: string | null = null;
  text.split(/\r?\n/).forEach((line, i) => {
    const marker = /^\.([A-Z])(?:\s+(\S+))?\s*$/.exec(line);
    if (marker?.[1] === "I") {
      if (!marker[2]) throw new Error(`parseSmart: ${source}:${i + 1}: ".I" without an id`);
      records.push({ id: marker[2], fields: new Map() });
      field = null;
    } else if (marker) {
      if (records.length === 0) throw new Error(`parseSmart: ${source}:${i + 1}: ".${marker[1]}" before any ".I"`);
      field = marker[1];
      records[records.length - 1].fields.set(field, "");
    } else if (field !== null && line.trim() !== "") {
      const fields = records[records.length - 1].fields;
      const before = fields.get(field)!;
      fields.set(field, before ? `${before} ${line.trim()}` : line.trim());
    } else if (line.trim() !== "" && records.length > 0) {
      throw new Error(`parseSmart: ${source}:${i + 1}: text outside a field`);
    }
  });
  return records;
}

/** Cleverdon's relevance code as a graded relevance: 1 → 4, 2 → 3, 3 → 2, 4 → 1, -1 → 0. */
export function cranfieldGrade(code: number): number {
  if (code === -1) return 0;
  if (Number.isInteger(code) && code >= 1 && code <= 4) return 5 - code;
  throw new RangeError(`cranfieldGrade: relevance codes are 1 to 4 or -1, got ${code}`);
}

/**
 * The Cranfield collection of a folder holding cran.all.1400(.gz), cran.qry and cranqrel, as a BEIR-style
 * dataset: documents `{id, title, text}` (text = the .W abstract), queries "1".."225", graded qrels.
 * @example const { corpus, queries, qrels } = gs.data.loadCranfield("data/cranfield"); // 1,400 docs, 225 queries
 */
export function loadCranfield(dir: string): BeirDataset {
  const where = "loadCranfield";
  const docsFile = ["cran.all.1400", "cran.all.1400.gz"].map((f) => path.join(dir, f)).find(existsSync);
  if (docsFile === undefined) throw new Error(`${where}: no cran.all.1400 or cran.all.1400.gz in ${path.resolve(dir)}`);
  for (const f of ["cran.qry", "cranqrel"])
    if (!existsSync(path.join(dir, f))) throw new Error(`${where}: no ${f} in ${path.resolve(dir)}`);
  const corpus: BeirDoc[] = parseSmart(readText(docsFile), docsFile).map((r) => ({
    id: r.id,
    title: r.fields.get("T") ?? "",
    text: r.fields.get("W") ?? "",
  }));
  const qryFile = path.join(dir, "cran.qry");
  const queries = new Map(parseSmart(readText(qryFile), qryFile).map((r, i) => [String(i + 1), r.fields.get("W") ?? ""]));
  const qrelsFile = path.join(dir, "cranqrel");
  const qrels: Qrels = new Map();
  readText(qrelsFile)
    .split("\n")
    .forEach((raw, i) => {
      const cols = raw.trim().split(/\s+/);
      if (cols.length === 1 && cols[0] === "") return;
      if (cols.length !== 3) throw new Error(`${where}: ${qrelsFile}:${i + 1}: expected "query document code"`);
      const [qid, docId, code] = cols;
      if (!queries.has(qid)) throw new Error(`${where}: ${qrelsFile}:${i + 1}: query ${qid} is not in cran.qry`);
      let judged = qrels.get(qid);
      if (judged === undefined) qrels.set(qid, (judged = new Map()));
      judged.set(docId, cranfieldGrade(Number(code)));
    });
  return { corpus, queries, qrels };
}
