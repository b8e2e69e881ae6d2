/**
 * The playground's "use your own CSV": a header with columns x, y and label (any order, other columns
 * ignored), one point per row. Read with gradstack's CSV parser; x and y are scaled to [-0.9, 0.9] so
 * that the points fill the boundary's square, and the two label values become classes 0 and 1.
 */
import * as gs from "gradstack";
import type { Points2D } from "./points-2d";

/** Points sent to the worker; `name` is the file's name, `classes` the label values of class 0 and 1. */
export interface UploadedPoints extends Points2D {
  name: string;
  classes: [number, number];
}

export const MAX_CSV_ROWS = 5000;
const REQUIRED = ["x", "y", "label"] as const;

/** Maps `values` linearly onto [-0.9, 0.9] (a constant column goes to 0). */
function scale(values: number[]): Float32Array {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return Float32Array.from(values, (v) => (max > min ? -0.9 + (1.8 * (v - min)) / (max - min) : 0));
}

/** Parses and checks an uploaded CSV; errors say which column or row is wrong. */
export function pointsFromCsv(text: string, name: string): UploadedPoints {
  const table = gs.data.parseCsv(text, {}, name);
  const lower = table.columns.map((c) => c.toLowerCase());
  const index = Object.fromEntries(
    REQUIRED.map((column) => {
      const i = lower.indexOf(column);
      if (i < 0)
        throw new Error(
          `${name}: no column "${column}"; the header has ${table.columns.map((c) => `"${c}"`).join(", ")}, ` +
            `and the playground needs x, y and label`,
        );
      return [column, i];
    }),
  ) as Record<(typeof REQUIRED)[number], number>;
  if (table.rows.length < 4)
    throw new Error(`${name}: ${table.rows.length} rows of data; give at least 4 points`);
  if (table.rows.length > MAX_CSV_ROWS)
    throw new Error(
      `${name}: ${table.rows.length} rows; the playground takes at most ${MAX_CSV_ROWS} points`,
    );
  table.rows.forEach((row, r) => {
    for (const column of REQUIRED)
      if (!Number.isFinite(row[index[column]]))
        throw new Error(
          `${name}: row ${r + 1} (after the header), column "${column}" is empty or not a number`,
        );
  });
  const labels = [...new Set(table.rows.map((row) => row[index.label]))].sort((a, b) => a - b);
  if (labels.length !== 2)
    throw new Error(
      `${name}: column "label" has ${labels.length} distinct value${labels.length === 1 ? "" : "s"} ` +
        `(${labels.slice(0, 5).join(", ")}${labels.length > 5 ? ", …" : ""}); the playground classifies two classes`,
    );
  const xs = scale(table.rows.map((row) => row[index.x]));
  const ys = scale(table.rows.map((row) => row[index.y]));
  const xy = new Float32Array(2 * table.rows.length);
  xs.forEach((x, i) => ((xy[2 * i] = x), (xy[2 * i + 1] = ys[i])));
  const classes: [number, number] = [labels[0], labels[1]];
  return {
    name,
    xy,
    labels: Int32Array.from(table.rows, (row) => (row[index.label] === classes[0] ? 0 : 1)),
    classes,
  };
}
