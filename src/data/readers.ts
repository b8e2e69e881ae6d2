/**
 * The file readers of the formats in this folder: each reads a file (gzip detected) and hands the bytes or
 * text to the format's parser, which also runs in browsers. Node only.
 */
import type { Tensor } from "../tensor/tensor.js";
import { readText } from "../io/files.js";
import { parseCsv, type CsvOptions, type CsvTable } from "./csv.js";
import { parseIdx } from "./idx.js";
import { readIdxBytes } from "./idx-file.js";
import { parseTatoeba, type ParallelText } from "./parallel.js";

/**
 * Reads numeric CSV from a file path (gzip detected), or parses the argument itself when it contains a
 * newline. See parseCsv for the rules.
 * @example const { columns, rows } = gs.data.readCsv("data/sklearn-tabular/iris.csv", { header: false });
 */
export function readCsv(pathOrText: string, opts: CsvOptions = {}): CsvTable {
  if (pathOrText.includes("\n")) return parseCsv(pathOrText, opts);
  return parseCsv(readText(pathOrText, "readCsv"), opts, pathOrText);
}

/**
 * Reads an IDX file (gzip detected automatically). Integer types give an int32 tensor, float gives
 * float32 and double float64.
 * @example const labels = gs.data.readIdx("data/mnist/t10k-labels-idx1-ubyte.gz"); // int32 (10000)
 */
export function readIdx(file: string): Tensor {
  return parseIdx(readIdxBytes(file, "readIdx"), file);
}

/** The lines of a text file without the final newline's empty line (gzip detected). */
function readLines(file: string, where: string): string[] {
  const lines = readText(file, where).split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Reads two line-aligned files (plain or gzip): line i of `srcPath` translates to line i of `tgtPath`.
 * @example const { src, tgt } = gs.data.readParallelCorpus("multi30k/train.de.gz", "multi30k/train.en.gz");
 */
export function readParallelCorpus(srcPath: string, tgtPath: string): ParallelText {
  const src = readLines(srcPath, "readParallelCorpus");
  const tgt = readLines(tgtPath, "readParallelCorpus");
  if (src.length !== tgt.length)
    throw new Error(
      `readParallelCorpus: ${srcPath} has ${src.length} lines but ${tgtPath} has ${tgt.length}; the files must be line-aligned`,
    );
  if (src.length === 0) throw new Error(`readParallelCorpus: ${srcPath} is empty`);
  return { src, tgt };
}

/**
 * Reads Tatoeba pairs in the manythings.org format: `English<TAB>French[<TAB>attribution]` per line
 * (plain or gzip). src is the first column, tgt the second; `maxExamples` stops early.
 * @example const { src, tgt } = gs.data.readTatoeba("data/fra-eng/fra.txt.gz", { maxExamples: 640 });
 */
export function readTatoeba(file: string, opts: { maxExamples?: number } = {}): ParallelText {
  return parseTatoeba(readText(file, "readTatoeba"), opts, file, "readTatoeba");
}
