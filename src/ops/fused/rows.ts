/** Shared by the fused ops: their kernels work on contiguous rows of the last dim. */
import { Tensor } from "../../tensor/tensor.js";
import { contiguous } from "../movement.js";

/** x as contiguous rows of its last dim. */
export function rowsOf(x: Tensor): { data: Tensor; rows: number; cols: number } {
  const data = contiguous(x);
  const cols = x.ndim === 0 ? 1 : x.shape[x.ndim - 1];
  return { data, rows: cols === 0 ? 0 : x.numel() / cols, cols };
}

/** The elements of a contiguous tensor, as a view of its storage (no copy). */
export function flat(t: Tensor) {
  return t.storage.subarray(t.offset, t.offset + t.numel());
}
