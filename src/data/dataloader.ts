/** DataLoader: batches of a dataset, optionally shuffled each epoch, like torch.utils.data.DataLoader. */
import { Tensor } from "../tensor/tensor.js";
import { arange, randperm } from "../tensor/create.js";
import type { Generator } from "../tensor/random.js";
import { indexSelect } from "../ops/indexing.js";
import { Subset, TensorDataset, type Dataset } from "./dataset.js";
import { defaultCollate, type Collated } from "./collate.js";
import { optionsOf } from "../util/options.js";

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Draw a new random order at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Turns a list of samples into a batch (default: defaultCollate). */
  collate?: (samples: T[]) => B;
  /** Source of the shuffling permutations (default: the global generator, read at each epoch). */
  generator?: Generator;
}

/** The TensorDataset behind a chain of Subsets and the indices into it, or null. */
function tensorSource(dataset: Dataset<unknown>, indices: Int32Array): [TensorDataset, Int32Array] | null {
  let ds = dataset;
  let idx = indices;
  while (ds instanceof Subset) {
    const map = ds.indices;
    idx = idx.map((i) => map[i]);
    ds = ds.dataset;
  }
  return ds instanceof TensorDataset ? [ds, idx] : null;
}

/**
 * Iterates over a dataset in batches. Each `for ... of` is one epoch; with `shuffle`, each epoch draws a
 * fresh permutation, so `gs.manualSeed(s)` (or a seeded `generator`) makes the sequence of epochs
 * reproducible. Batches of a TensorDataset (or Subsets of one) are gathered with one indexSelect per tensor.
 * @example
 * const loader = new gs.data.DataLoader(new gs.data.TensorDataset(x, y), { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) { ... }   // xb: (64, ...), yb: (64)
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly generator: Generator | undefined;
  private readonly collate: ((samples: T[]) => B) | undefined;

  constructor(dataset: Dataset<T>, options?: DataLoaderOptions<T, B>) {
    const opts = optionsOf("DataLoader", options, ["batchSize", "shuffle", "dropLast", "collate", "generator"]);
    if (!dataset || typeof dataset.get !== "function" || typeof dataset.length !== "number")
      throw new TypeError("DataLoader: expects a Dataset (an object with length and get(i))");
    const { batchSize = 1, shuffle = false, dropLast = false } = opts;
    if (!Number.isInteger(batchSize) || batchSize <= 0)
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    for (const [name, v] of [["shuffle", shuffle], ["dropLast", dropLast]] as const)
      if (typeof v !== "boolean") throw new TypeError(`DataLoader: ${name} must be true or false, got ${String(v)}`);
    if (opts.collate !== undefined && typeof opts.collate !== "function")
      throw new TypeError("DataLoader: collate must be a function");
    checkNotEmpty(dataset);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = opts.generator;
    this.collate = opts.collate;
  }

  /** The number of batches in one epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<B> {
    const n = checkNotEmpty(this.dataset);
    const order = (
      this.shuffle ? randperm(n, { generator: this.generator }) : arange(n, undefined, 1, { dtype: "int32" })
    ).dataSync() as Int32Array;
    const numBatches = this.length;
    for (let b = 0; b < numBatches; b++) {
      yield this.fetch(order.slice(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize)));
    }
  }

  private fetch(indices: Int32Array): B {
    if (this.collate === undefined) {
      const source = tensorSource(this.dataset, indices);
      if (source !== null) {
        const index = new Tensor(source[1], [source[1].length]);
        return source[0].tensors.map((t) => indexSelect(t, 0, index)) as B;
      }
    }
    const samples = Array.from(indices, (i) => this.dataset.get(i));
    return this.collate ? this.collate(samples) : (defaultCollate(samples) as B);
  }
}

function checkNotEmpty(dataset: Dataset<unknown>): number {
  const n = dataset.length;
  if (!Number.isInteger(n) || n <= 0)
    throw new RangeError(`DataLoader: the dataset is empty (length ${n}); there is nothing to iterate`);
  return n;
}
