/** matmul with PyTorch's semantics: 1-d promotion, batched, with broadcast batch dims. */
import type { MatmulParams } from "../backend/index.js";
import { backendOf } from "../tensor/device.js";
import { Tensor } from "../tensor/tensor.js";
import { isFloating, promote } from "../tensor/dtype.js";
import { broadcastShapes, fmtShape, numelOf } from "../tensor/shape.js";
import { defineOp } from "./define.js";
import { cast } from "./elementwise.js";
import { contiguous, expand, reshape, squeeze, unsqueeze } from "./movement.js";
import { flat } from "./fused/rows.js";

/** One stride that walks all batch dims in order, or null if the layout needs more than one. */
function singleStride(shape: readonly number[], strides: readonly number[]): number | null {
  let stride: number | null = null;
  let span = 0;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (stride === null) {
      stride = strides[i];
      span = strides[i] * shape[i];
    } else if (strides[i] === span) {
      span *= shape[i];
    } else return null;
  }
  return stride ?? 0;
}

/** How the kernel reads the last two dims of t: plain or transposed, and the leading dimension. */
function matrixLayout(t: Tensor): { trans: boolean; ld: number } | null {
  const rows = t.shape[t.ndim - 2];
  const cols = t.shape[t.ndim - 1];
  const sr = t.strides[t.ndim - 2];
  const sc = t.strides[t.ndim - 1];
  if ((sc === 1 || cols === 1) && (sr >= cols || rows === 1))
    return { trans: false, ld: rows === 1 ? cols : sr };
  if ((sr === 1 || rows === 1) && (sc >= rows || cols === 1))
    return { trans: true, ld: cols === 1 ? rows : sc };
  return null;
}

export interface Operand {
  t: Tensor;
  trans: boolean;
  ld: number;
  batchStride: number;
}

/** Prepares an operand expanded to `batch` dims: a layout the kernel can read, copying only if needed. */
export function operand(x: Tensor, batch: readonly number[]): Operand {
  const full = expand(x, [...batch, ...x.shape.slice(-2)]);
  let layout = matrixLayout(full);
  let stride = singleStride(batch, full.strides.slice(0, batch.length));
  let t = full;
  if (layout === null || stride === null) {
    t = contiguous(full);
    layout = matrixLayout(t)!;
    stride = singleStride(batch, t.strides.slice(0, batch.length))!;
  }
  return { t, trans: layout.trans, ld: layout.ld, batchStride: stride };
}

const Matmul = defineOp<undefined>({
  name: "matmul",
  forward: ([a, b]) => {
    const m = a.shape[a.ndim - 2];
    const k = a.shape[a.ndim - 1];
    const n = b.shape[b.ndim - 1];
    const batch = broadcastShapes("matmul", a.shape.slice(0, -2), b.shape.slice(0, -2));
    // A batch of rows times one matrix is a single GEMM with m·batch rows: fold when the layout allows.
    if (b.ndim === 2 && a.ndim > 2) {
      const folded = foldRows(a);
      if (folded !== null) {
        const out = gemm(folded, operand(b, []), 1, folded.t.shape[0], n, k);
        return new Tensor(out.storage, [...a.shape.slice(0, -1), n], undefined, 0, out.device);
      }
    }
    const out = gemm(operand(a, batch), operand(b, batch), numelOf(batch), m, n, k);
    return new Tensor(out.storage, [...batch, m, n], undefined, 0, out.device);
  },
  vjp: (g, [a, b]) => [a.requiresGrad ? matmul(g, b.mT) : null, b.requiresGrad ? weightGrad(a, b, g) : null],
});

/**
 * d(a·b)/db. For a batch of rows times a matrix it is one GEMM over all rows, not a batched GEMM and a
 * sum. When b is the transposed view of a matrix W (Linear's x·Wᵀ), it is computed as (gᵀ·a)ᵀ: the
 * same sums, but written in W's own layout, so W's gradient needs no transposing copy.
 */
function weightGrad(a: Tensor, b: Tensor, g: Tensor): Tensor {
  if (b.ndim === 2) {
    const k = a.shape[a.ndim - 1];
    const n = g.shape[g.ndim - 1];
    const rowsA = a.ndim > 2 ? reshape(a, [-1, k]) : a;
    const rowsG = g.ndim > 2 ? reshape(g, [-1, n]) : g;
    if (isTransposed(b)) return matmul(rowsG.mT, rowsA).mT;
    if (a.ndim > 2) return matmul(rowsA.mT, rowsG);
  }
  return matmul(a.mT, g);
}

/** True when a 2-d b is the transpose of a contiguous matrix. */
function isTransposed(b: Tensor): boolean {
  return b.shape[0] > 1 && b.shape[1] > 1 && b.strides[0] === 1 && b.strides[1] === b.shape[0];
}

/** a (…, m, k) viewed as one (rows, k) matrix without a copy, or null. */
export function foldRows(a: Tensor): Operand | null {
  const k = a.shape[a.ndim - 1];
  if (a.strides[a.ndim - 1] !== 1 && k !== 1) return null;
  const rowStride = singleStride(a.shape.slice(0, -1), a.strides.slice(0, -1));
  if (rowStride === null || (rowStride < k && numelOf(a.shape.slice(0, -1)) > 1)) return null;
  const rows = numelOf(a.shape.slice(0, -1));
  const t = new Tensor(a.storage, [rows, k], [rowStride || k, 1], a.offset, a.device);
  return { t, trans: false, ld: rowStride || k, batchStride: 0 };
}

/**
 * out = op(a)·op(b) as a [batch, m, n] tensor; with `bias` (contiguous, n values) the kernel adds it to
 * every row in the same call (matmulBias, a linear layer's forward).
 */
export function gemm(
  a: Operand,
  b: Operand,
  batch: number,
  m: number,
  n: number,
  k: number,
  bias?: Tensor,
): Tensor {
  // The kernel writes every element of out, except when k = 0 without a bias (a sum of nothing: zeros).
  const written = k > 0 || bias !== undefined;
  const out = (written ? Tensor.uninitialized : Tensor.empty)([batch, m, n], a.t.dtype, a.t.device);
  const p: MatmulParams = {
    batch,
    m,
    n,
    k,
    transA: a.trans,
    transB: b.trans,
    lda: a.ld,
    ldb: b.ld,
    aOffset: a.t.offset,
    bOffset: b.t.offset,
    aBatchStride: a.batchStride,
    bBatchStride: b.batchStride,
  };
  if (batch * m * n === 0) return out;
  const backend = backendOf(a.t);
  if (bias === undefined) backend.matmul(a.t.storage, b.t.storage, out.storage, p);
  else backend.matmulBias(a.t.storage, b.t.storage, flat(bias), out.storage, p);
  return out;
}

/**
 * Matrix product with PyTorch's rules: 1-d operands are promoted to matrices (and the added dim
 * removed after), and batch dims broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor))
    throw new TypeError("matmul: both operands must be tensors");
  if (a.ndim === 0 || b.ndim === 0)
    throw new RangeError(
      `matmul: both operands need at least 1 dim, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  const ka = a.shape[a.ndim - 1];
  const kb = b.shape[b.ndim === 1 ? 0 : b.ndim - 2];
  if (ka !== kb)
    throw new RangeError(
      `matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${ka} columns vs ${kb} rows)`,
    );
  const dtype = promote(a.dtype, b.dtype);
  if (!isFloating(dtype))
    throw new TypeError(`matmul: expects floating-point tensors, got ${a.dtype} and ${b.dtype}`);
  const a2 = a.ndim === 1 ? unsqueeze(cast(a, dtype), 0) : cast(a, dtype);
  const b2 = b.ndim === 1 ? unsqueeze(cast(b, dtype), 1) : cast(b, dtype);
  let out = Matmul([a2, b2], undefined);
  if (b.ndim === 1) out = squeeze(out, -1);
  if (a.ndim === 1) out = squeeze(out, a.ndim === 1 && b.ndim === 1 ? -1 : -2);
  return out;
}

/** Kept for symmetry with PyTorch's mm: 2-d only. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2)
    throw new RangeError(`mm: expects 2-d tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b);
}
