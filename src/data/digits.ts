/** scikit-learn's 8x8 digits (1,797 images), shipped in `data/sklearn-digits`. Node only. */
import * as path from "node:path";
import { Tensor } from "../tensor/tensor.js";
import { datasetDir, requireFile } from "../io/files.js";
import { readCsv } from "./readers.js";

/**
 * Loads the digits CSV (no header; 64 pixel columns with values 0..16, row-major 8x8, then the label):
 * images (N, 8, 8) float32 scaled to [0, 1] (or 0..16 with `scale: false`) and labels (N) int32.
 * `file` defaults to the copy shipped with gradstack.
 * @example
 * const { images, labels } = gs.data.loadDigits();   // (1797, 8, 8), (1797)
 * const x = images.reshape([-1, 64]);
 */
export function loadDigits(file?: string, opts: { scale?: boolean } = {}): { images: Tensor; labels: Tensor } {
  const { scale = true } = opts;
  const src = file ?? path.join(datasetDir("sklearn-digits"), "digits.csv.gz");
  requireFile(src, "loadDigits");
  const { columns, rows } = readCsv(src, { header: false });
  if (columns.length !== 65)
    throw new Error(`loadDigits: ${src}: expected 65 columns (64 pixels and a label), got ${columns.length}`);
  const n = rows.length;
  const pixels = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  const factor = scale ? 1 / 16 : 1;
  rows.forEach((row, r) => {
    for (let j = 0; j < 64; j++) pixels[r * 64 + j] = row[j] * factor;
    if (!Number.isInteger(row[64]) || row[64] < 0 || row[64] > 9)
      throw new Error(`loadDigits: ${src}: data row ${r + 1} has label ${row[64]}, expected 0..9`);
    labels[r] = row[64];
  });
  return { images: new Tensor(pixels, [n, 8, 8]), labels: new Tensor(labels, [n]) };
}
