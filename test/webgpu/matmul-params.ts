/** Matmul parameters for the webgpu matmul tests, and the storage lengths they read. */
import type { MatmulParams } from "../../src/backend/types.js";

/** A product m×k·k×n, stored as the flags say, with `pad` extra columns and `batch` strided copies. */
export function matmulParams(
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  batch = 1,
  pad = 0,
): MatmulParams {
  const lda = (transA ? m : k) + pad;
  const ldb = (transB ? k : n) + pad;
  const aRows = transA ? k : m;
  const bRows = transB ? n : k;
  return {
    batch,
    m,
    n,
    k,
    transA,
    transB,
    lda,
    ldb,
    aOffset: pad,
    bOffset: 2 * pad,
    aBatchStride: aRows * lda + pad,
    bBatchStride: batch > 1 && pad === 0 ? 0 : bRows * ldb + pad, // a shared B when unpadded
  };
}

/** Elements A's and B's storages need for `p`. */
export function matmulLengths(p: MatmulParams): [number, number] {
  const aLen = p.aOffset + (p.batch - 1) * p.aBatchStride + (p.transA ? p.k : p.m) * p.lda;
  const bLen = p.bOffset + (p.batch - 1) * p.bBatchStride + (p.transB ? p.n : p.k) * p.ldb;
  return [aLen, bLen];
}
