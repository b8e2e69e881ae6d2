/** WGSL for kernels that give each row of a [rows, cols] block to one 64-thread workgroup. */

/** Workgroup-wide sum and max of one value per thread of `threads` (a power of two; call from uniform control flow). */
export function rowReduce(threads: number): string {
  return `
var<workgroup> red: array<f32, ${threads}>;
fn row_sum(v: f32, l: u32) -> f32 {
  red[l] = v;
  workgroupBarrier();
  for (var s = ${threads / 2}u; s > 0u; s >>= 1u) {
    if (l < s) { red[l] = red[l] + red[l + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn row_max(v: f32, l: u32) -> f32 {
  red[l] = v;
  workgroupBarrier();
  for (var s = ${threads / 2}u; s > 0u; s >>= 1u) {
    if (l < s) { red[l] = max(red[l], red[l + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}`;
}

/** row_sum and row_max over the 64 threads of a MAIN_64 workgroup. */
export const ROW_REDUCE = rowReduce(64);

/** The start of a row kernel: `row` (this workgroup's) and `cols`, from parameters 0 (rows) and 1 (cols). */
export const ROW_START = `
  let row = group_id(wid, nwg);
  let cols = pu(1u);
  if (row >= pu(0u)) { return; }`;

/**
 * WGSL for `mx` (the row's max, ignoring NaN) and `s` (Σ exp(x − mx)) over `buf[base + j]` by a
 * workgroup of `threads`; with `finiteMax`, an infinite max becomes 0 (softmax's rule for rows of -inf).
 */
export function maxAndSumExp(buf: string, base: string, finiteMax = false, threads = 64): string {
  return `
  var mx = neg_inf();
  for (var j = lid.x; j < cols; j += ${threads}u) { let v = ${buf}[${base} + j]; mx = select(mx, v, v > mx); }
  mx = row_max(mx, lid.x);${finiteMax ? "\n  if (mx == neg_inf() || mx == pos_inf()) { mx = 0.0; }" : ""}
  var s = 0.0;
  for (var j = lid.x; j < cols; j += ${threads}u) { s += exp(${buf}[${base} + j] - mx); }
  s = row_sum(s, lid.x);`;
}
