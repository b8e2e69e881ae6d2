/** Map-style datasets, as in torch.utils.data: a length and random access by index. */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";

/**
 * A dataset of `length` samples, read with `get(i)` for 0 <= i < length. Extend it (or implement
 * it: a class is also an interface in TypeScript) and hand it to a DataLoader.
 * @example
 * class Squares extends gs.data.Dataset<[number, number]> {
 *   get length() { return 10; }
 *   get(i: number): [number, number] { return [i, i * i]; }
 * }
 */
export abstract class Dataset<T> {
  abstract get length(): number;
  abstract get(index: number): T;
}

/** Throws unless `index` is an integer in [0, length). */
export function checkIndex(index: number, length: number, where: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length)
    throw new RangeError(`${where}: index ${index} is out of range for a dataset of length ${length}`);
}

/**
 * Samples are the i-th rows of the given tensors, which must all have the same size in dim 0.
 * @example
 * const ds = new gs.data.TensorDataset(x, y); // x: (N, F), y: (N)
 * const [xi, yi] = ds.get(0);                  // xi: (F), yi: ()
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new RangeError("TensorDataset: expects at least one tensor");
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: argument ${i} is not a Tensor`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset: tensor ${i} is 0-d; it needs a first dim to index`);
    });
    const n = tensors[0].shape[0];
    if (tensors.some((t) => t.shape[0] !== n))
      throw new RangeError(
        `TensorDataset: all tensors must have the same size in dim 0, got shapes ${tensors.map((t) => fmtShape(t.shape)).join(", ")}`,
      );
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    checkIndex(index, this.length, "TensorDataset.get");
    return this.tensors.map((t) => t.select(0, index));
  }
}

/**
 * The samples of `dataset` at the given indices, in that order (what randomSplit returns).
 * @example const firstHundred = new gs.data.Subset(ds, [...Array(100).keys()]);
 */
export class Subset<T> extends Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: readonly number[]) {
    super();
    for (const i of indices) checkIndex(i, dataset.length, "Subset");
    this.dataset = dataset;
    this.indices = indices.slice();
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    checkIndex(index, this.length, "Subset.get");
    return this.dataset.get(this.indices[index]);
  }
}
