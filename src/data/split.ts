/** randomSplit: disjoint random subsets of a dataset, like torch.utils.data.random_split. */
import { randperm } from "../tensor/create.js";
import type { Generator } from "../tensor/random.js";
import { Subset, type Dataset } from "./dataset.js";

/** Turns fractions that sum to 1 into lengths; the remainder goes round-robin to the first splits (as PyTorch). */
function resolveLengths(n: number, lengths: readonly number[]): number[] {
  if (lengths.length === 0) throw new RangeError("randomSplit: expects at least one length");
  for (const l of lengths)
    if (!Number.isFinite(l) || l < 0)
      throw new RangeError(`randomSplit: lengths must be non-negative numbers, got [${lengths.join(", ")}]`);
  const total = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) < 1e-9 && lengths.every((l) => l <= 1)) {
    const out = lengths.map((f) => Math.floor(n * f));
    const remainder = n - out.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) out[i % out.length] += 1;
    return out;
  }
  if (!lengths.every(Number.isInteger))
    throw new RangeError(
      `randomSplit: lengths [${lengths.join(", ")}] are neither integers nor fractions that sum to 1`,
    );
  if (total !== n)
    throw new RangeError(
      `randomSplit: lengths [${lengths.join(", ")}] sum to ${total}, but the dataset has ${n} samples`,
    );
  return lengths.slice();
}

/**
 * Splits a dataset into non-overlapping random Subsets of the given lengths, or fractions summing to 1.
 * The permutation is drawn from `generator` (default: the global one, so `gs.manualSeed` fixes it).
 * @example
 * const [train, val] = gs.data.randomSplit(ds, [0.8, 0.2], { generator: new gs.Generator(42) });
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  opts: { generator?: Generator } = {},
): Subset<T>[] {
  const sizes = resolveLengths(dataset.length, lengths);
  const perm = Array.from(randperm(dataset.length, { generator: opts.generator }).dataSync());
  let offset = 0;
  return sizes.map((size) => {
    const subset = new Subset(dataset, perm.slice(offset, offset + size));
    offset += size;
    return subset;
  });
}
