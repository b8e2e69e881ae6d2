/** Language-model batches: random windows of a token array, as nanoGPT's get_batch. */
import { Tensor } from "../tensor/tensor.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";

/** Splits token ids into a training head and a validation tail (nanoGPT's prepare.py: 90% / 10%). */
export function splitTrainVal(
  ids: ArrayLike<number>,
  trainFraction = 0.9,
): { train: Int32Array; val: Int32Array } {
  const all = Int32Array.from(ids);
  const n = Math.floor(all.length * trainFraction);
  return { train: all.subarray(0, n), val: all.subarray(n) };
}

/**
 * `batchSize` windows of `blockSize` tokens at random offsets: x = data[i : i+T], y = data[i+1 : i+T+1].
 * Returns int32 tensors of shape (B, T).
 */
export function randomWindows(
  data: Int32Array,
  batchSize: number,
  blockSize: number,
  generator: Generator = defaultGenerator,
): { x: Tensor; y: Tensor } {
  if (data.length <= blockSize)
    throw new RangeError(
      `randomWindows: ${data.length} tokens are too few for windows of blockSize ${blockSize} (need more than ${blockSize})`,
    );
  const x = new Int32Array(batchSize * blockSize);
  const y = new Int32Array(batchSize * blockSize);
  for (let b = 0; b < batchSize; b++) {
    const i = generator.randint(0, data.length - blockSize);
    x.set(data.subarray(i, i + blockSize), b * blockSize);
    y.set(data.subarray(i + 1, i + blockSize + 1), b * blockSize);
  }
  return { x: new Tensor(x, [batchSize, blockSize]), y: new Tensor(y, [batchSize, blockSize]) };
}
