/** Numeric CSV: parsing text into columns and rows of numbers, and into tensors (files: readers.ts). */
import { Tensor } from "../tensor/tensor.js";

export interface CsvOptions {
  /** The first non-empty line holds the column names (default true); otherwise columns are "0", "1", ... */
  header?: boolean;
  /** The field separator (default ","). */
  delimiter?: string;
}

export interface CsvTable {
  columns: string[];
  /** One array of numbers per data line; empty cells and "nan" are NaN. */
  rows: number[][];
}

/** Splits one line into fields; double quotes may wrap a field and "" inside them is a quote. */
function splitLine(line: string, delimiter: string, where: () => string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const fields: string[] = [];
  let field = "";
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error(`${where()}: unterminated quoted field`);
        if (line[i] === '"' && line[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (line[i] === '"') break;
        else field += line[i++];
      }
      i++;
    }
    if (i >= line.length || line.startsWith(delimiter, i)) {
      fields.push(field);
      field = "";
      i += delimiter.length;
      if (i > line.length) break;
    } else field += line[i++];
  }
  return fields;
}

function parseNumber(cell: string, where: () => string): number {
  const s = cell.trim();
  if (s === "" || s.toLowerCase() === "nan") return NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`${where()}: ${JSON.stringify(cell)} is not a number`);
  return v;
}

/**
 * Parses numeric CSV text; `source` names it in errors. Every row must have as many fields as the first
 * line, and every cell must be a number (errors name the line and the column).
 * @example gs.data.parseCsv("a,b\n1,2\n3,4\n") // { columns: ["a", "b"], rows: [[1, 2], [3, 4]] }
 */
export function parseCsv(text: string, opts: CsvOptions = {}, source = "<text>"): CsvTable {
  const { header = true, delimiter = "," } = opts;
  if (typeof delimiter !== "string" || delimiter.length === 0 || delimiter === '"' || delimiter.includes("\n"))
    throw new RangeError(`readCsv: delimiter must be a non-empty string without quotes or newlines`);
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let columns: string[] | null = null;
  let firstLine = 0;
  const rows: number[][] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const lineNo = i + 1;
    const at = () => `readCsv: ${source}: line ${lineNo}`;
    const fields = splitLine(line, delimiter, at);
    if (columns === null) {
      columns = header ? fields.map((f) => f.trim()) : fields.map((_, j) => String(j));
      firstLine = lineNo;
      if (header) return;
    }
    if (fields.length !== columns.length)
      throw new Error(
        `${at()} has ${fields.length} fields, expected ${columns.length} (as on line ${firstLine})`,
      );
    const names = columns;
    rows.push(fields.map((f, j) => parseNumber(f, () => `${at()}, column ${JSON.stringify(names[j])}`)));
  });
  return { columns: columns ?? [], rows };
}

export interface CsvTensorOptions {
  /** The label column, by index (negative counts from the end) or name; null for none. Default -1 (last). */
  label?: number | string | null;
  /** The label tensor's dtype: "int32" for class indices (default) or "float32" for regression. */
  labelDtype?: "int32" | "float32";
}

/**
 * Features as a float32 (rows, features) tensor and the label column as a 1-d tensor.
 * @example const { x, y } = gs.data.csvToTensors(gs.data.readCsv(file), { label: "target" });
 */
export function csvToTensors(table: CsvTable, opts: CsvTensorOptions = {}): { x: Tensor; y?: Tensor } {
  const { label = -1, labelDtype = "int32" } = opts;
  const ncol = table.columns.length;
  let li = -1;
  if (typeof label === "string") {
    li = table.columns.indexOf(label);
    if (li < 0)
      throw new RangeError(`csvToTensors: no column named ${JSON.stringify(label)} in [${table.columns.join(", ")}]`);
  } else if (typeof label === "number") {
    li = label < 0 ? ncol + label : label;
    if (!Number.isInteger(label) || li < 0 || li >= ncol)
      throw new RangeError(`csvToTensors: label column ${label} is out of range for ${ncol} columns`);
  }
  const nfeat = li >= 0 ? ncol - 1 : ncol;
  const x = new Float32Array(table.rows.length * nfeat);
  const y = labelDtype === "int32" ? new Int32Array(table.rows.length) : new Float32Array(table.rows.length);
  table.rows.forEach((row, r) => {
    let k = r * nfeat;
    for (let j = 0; j < ncol; j++) if (j !== li) x[k++] = row[j];
    if (li >= 0) {
      const v = row[li];
      if (labelDtype === "int32" && !Number.isInteger(v))
        throw new RangeError(`csvToTensors: row ${r}: label ${v} is not an integer (use labelDtype "float32")`);
      y[r] = v;
    }
  });
  const xs = new Tensor(x, [table.rows.length, nfeat]);
  return li >= 0 ? { x: xs, y: new Tensor(y, [table.rows.length]) } : { x: xs };
}
