/**
 * Feature scaling. The statistics are computed on training data and returned, so that the same
 * transform can be applied to validation and test data (pass them back in). These are data preparation
 * steps: the results carry no autograd history.
 */
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/create.js";
import { noGrad } from "../autograd/grad-mode.js";

type Stat = Tensor | number | readonly number[];

function asTensor(v: Stat, x: Tensor, name: string, where: string): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v === "number") return tensor(v, { dtype: x.dtype === "float64" ? "float64" : "float32" });
  if (Array.isArray(v)) return tensor(v as number[], { dtype: x.dtype === "float64" ? "float64" : "float32" });
  throw new TypeError(`${where}: ${name} must be a number, an array of numbers or a Tensor`);
}

function checkFloat(x: Tensor, where: string): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${where}: expects a Tensor`);
  if (x.ndim === 0 || x.shape[0] === 0)
    throw new RangeError(`${where}: expects a tensor with at least one row, got shape [${x.shape.join(", ")}]`);
}

/**
 * (x - mean) / std, broadcasting mean and std over the trailing dims (as torchvision's Normalize does per
 * channel when they are shaped to match).
 * @example const x = gs.data.normalize(images, 0.1307, 0.3081);
 */
export function normalize(x: Tensor, mean: Stat, std: Stat): Tensor {
  const m = asTensor(mean, x, "mean", "normalize");
  const s = asTensor(std, x, "std", "normalize");
  return noGrad(() => x.sub(m).div(s));
}

/**
 * Standardizes each feature (dim 0 runs over samples) to mean 0 and standard deviation 1, like
 * scikit-learn's StandardScaler: population std, and features with std 0 are left unscaled. Pass the
 * returned `{ mean, std }` to apply the training statistics to other data.
 * @example
 * const train = gs.data.standardize(xTrain);              // { x, mean, std }
 * const test = gs.data.standardize(xTest, train);         // uses the training mean and std
 */
export function standardize(
  x: Tensor,
  stats?: { mean: Tensor; std: Tensor },
): { x: Tensor; mean: Tensor; std: Tensor } {
  checkFloat(x, "standardize");
  return noGrad(() => {
    const xf = x.dtype === "float64" ? x : x.float();
    const mean = stats?.mean ?? xf.mean(0);
    const std = stats?.std ?? xf.std(0, { correction: 0 });
    const safe = std.maskedFill(std.eq(0), 1);
    return { x: xf.sub(mean).div(safe), mean, std };
  });
}

/**
 * Scales each feature (dim 0 runs over samples) to [0, 1] using its min and max, like scikit-learn's
 * MinMaxScaler; constant features map to 0. Pass the returned `{ min, max }` to scale other data alike.
 * @example
 * const train = gs.data.minMaxScale(xTrain);   // { x, min, max }
 * const test = gs.data.minMaxScale(xTest, train);
 */
export function minMaxScale(
  x: Tensor,
  stats?: { min: Tensor; max: Tensor },
): { x: Tensor; min: Tensor; max: Tensor } {
  checkFloat(x, "minMaxScale");
  return noGrad(() => {
    const xf = x.dtype === "float64" ? x : x.float();
    const min = stats?.min ?? xf.amin(0);
    const max = stats?.max ?? xf.amax(0);
    const range = max.sub(min);
    const safe = range.maskedFill(range.eq(0), 1);
    return { x: xf.sub(min).div(safe), min, max };
  });
}
