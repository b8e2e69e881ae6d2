/** A compressed sparse row (CSR) matrix, the layout of scipy.sparse.csr_matrix. */

/**
 * Row i's nonzeros are `data[indptr[i] .. indptr[i+1])` at columns `indices[...]` (increasing within a row).
 * @example
 * // [[0, 2], [3, 0]]
 * const X: gs.text.CsrMatrix = { shape: [2, 2], indptr: Int32Array.of(0, 1, 2), indices: Int32Array.of(1, 0), data: Float64Array.of(2, 3) };
 */
export interface CsrMatrix {
  shape: [number, number];
  indptr: Int32Array;
  indices: Int32Array;
  data: Float64Array;
}

/** One sparse row: its column indices and values. */
export interface SparseVector {
  indices: Int32Array;
  data: Float64Array;
}

/** Row `i` of `X` (views, not copies). */
export function csrRow(X: CsrMatrix, i: number): SparseVector {
  if (!Number.isInteger(i) || i < 0 || i >= X.shape[0])
    throw new Error(`csrRow: row ${i} is out of range for a matrix of ${X.shape[0]} rows`);
  const lo = X.indptr[i];
  const hi = X.indptr[i + 1];
  return { indices: X.indices.subarray(lo, hi), data: X.data.subarray(lo, hi) };
}

/** `X` as a dense array of rows (for small matrices: printing, tests). */
export function csrToDense(X: CsrMatrix): number[][] {
  const [rows, cols] = X.shape;
  const out: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const row = new Array<number>(cols).fill(0);
    for (let k = X.indptr[i]; k < X.indptr[i + 1]; k++) row[X.indices[k]] += X.data[k];
    out.push(row);
  }
  return out;
}

/** Builds a CSR matrix from rows of (column, value) pairs, sorting each row by column. */
export function csrFromRows(rows: [number, number][][], nCols: number): CsrMatrix {
  const nnz = rows.reduce((s, r) => s + r.length, 0);
  const indptr = new Int32Array(rows.length + 1);
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  let k = 0;
  rows.forEach((row, i) => {
    row.sort((a, b) => a[0] - b[0]);
    for (const [col, value] of row) {
      indices[k] = col;
      data[k++] = value;
    }
    indptr[i + 1] = k;
  });
  return { shape: [rows.length, nCols], indptr, indices, data };
}

/** Scales each row of `X` in place to unit l2 or l1 norm; rows of norm 0 stay 0 (as sklearn's normalize). */
export function normalizeRows(X: CsrMatrix, norm: "l1" | "l2"): void {
  for (let i = 0; i < X.shape[0]; i++) {
    const lo = X.indptr[i];
    const hi = X.indptr[i + 1];
    let s = 0;
    for (let k = lo; k < hi; k++) s += norm === "l2" ? X.data[k] * X.data[k] : Math.abs(X.data[k]);
    if (s === 0) continue;
    const scale = norm === "l2" ? Math.sqrt(s) : s;
    for (let k = lo; k < hi; k++) X.data[k] /= scale;
  }
}
