/** gs.nn.utils: gradient clipping and flattening parameters to one vector, as torch.nn.utils. */
import { Tensor } from "../tensor/tensor.js";
import { noGrad } from "../autograd/grad-mode.js";
import { cat } from "../ops/indexing.js";
import { backendOf, hostData } from "../tensor/device.js";
import { clipGradsOnDevice } from "./utils-device.js";
import { optionsOf } from "../util/options.js";

function tensorsOf(where: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters === null || typeof (parameters as Iterable<Tensor>)?.[Symbol.iterator] !== "function")
    throw new TypeError(`${where}: expected a Tensor or an iterable of Tensors, got ${String(parameters)}`);
  const list = [...parameters];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor))
      throw new TypeError(`${where}: element ${i} is ${typeof p}, expected a Tensor`);
  });
  return list;
}

/** The gradients of the parameters that have one. */
function gradsOf(where: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  return tensorsOf(where, parameters).flatMap((p) => (p.grad === null ? [] : [p.grad]));
}

/** Whether the host reads `t`'s values synchronously (CPU backends). */
const readByHost = (t: Tensor): boolean => t.device === "cpu" || backendOf(t).hostVisible;

/** Replaces every element x of t by fn(x), in place. */
function mapInPlace(t: Tensor, fn: (v: number) => number): void {
  const c = t.contiguous();
  const s = hostData(c, "clipGrad");
  for (let i = c.offset, end = c.offset + c.numel(); i < end; i++) s[i] = fn(s[i]);
  if (c !== t) noGrad(() => t.copy_(c));
}

/** The largest |x| over all elements (NaN if any element is NaN). */
function maxAbsOf(ts: Tensor[]): number {
  let m = 0;
  for (const t of ts) {
    const s = hostData(t, "clipGradNorm_");
    for (let i = t.offset, end = t.offset + t.numel(); i < end; i++) m = Math.max(m, Math.abs(s[i]));
  }
  return m;
}

/** (Σ |x|^p)^(1/p) over all elements of the contiguous tensors `ts`. */
function pNormOf(ts: Tensor[], p: number): number {
  let acc = 0;
  for (const t of ts) {
    const s = hostData(t, "clipGradNorm_");
    const end = t.offset + t.numel();
    if (p === 2) for (let i = t.offset; i < end; i++) acc += s[i] * s[i];
    else for (let i = t.offset; i < end; i++) acc += Math.abs(s[i]) ** p;
  }
  if (Number.isFinite(acc) && acc > 0) return acc ** (1 / p);
  // Overflow (or underflow) of |x|^p: scale by the largest element.
  const m = maxAbsOf(ts);
  if (!(m > 0) || !Number.isFinite(m)) return m;
  acc = 0;
  for (const t of ts) {
    const s = hostData(t, "clipGradNorm_");
    for (let i = t.offset, end = t.offset + t.numel(); i < end; i++) acc += Math.abs(s[i] / m) ** p;
  }
  return m * acc ** (1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their total norm (the norm of all gradients
 * seen as one vector) is at most `maxNorm`: each grad is multiplied by maxNorm / (total + 1e-6) when
 * that factor is below 1. `normType` is a positive number or Infinity (max abs). Parameters without a
 * grad are ignored. Returns the total norm before clipping: a number when the host reads the gradients
 * (CPU backends; summed in float64), and a 0-d float32 tensor on their device when it cannot (webgpu:
 * computed and applied there, nothing read back; `await norm.itemAsync()` reads it), as PyTorch's.
 * With `errorIfNonfinite`, a NaN or infinite total norm throws instead (on the host only: checking it
 * on a device would stall every step).
 * @example
 * loss.backward();
 * const norm = gs.nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  normType = 2,
  errorIfNonfinite: { errorIfNonfinite?: boolean } | boolean = {},
): number | Tensor {
  const W = "clipGradNorm_";
  // PyTorch's positional error_if_nonfinite, or { errorIfNonfinite }.
  const options =
    typeof errorIfNonfinite === "boolean"
      ? { errorIfNonfinite }
      : optionsOf(W, errorIfNonfinite, ["errorIfNonfinite"]);
  if (typeof maxNorm !== "number" || !(maxNorm >= 0))
    throw new RangeError(`${W}: maxNorm must be a number >= 0, got ${maxNorm}`);
  if (typeof normType !== "number" || !(normType > 0))
    throw new RangeError(`${W}: normType must be a positive number or Infinity, got ${normType}`);
  const grads = gradsOf(W, parameters);
  if (grads.length === 0) return 0;
  if (!grads.every(readByHost)) {
    if (options.errorIfNonfinite)
      throw new Error(
        `${W}: errorIfNonfinite needs the norm on the host, and the gradients are on device ${grads.find((g) => !readByHost(g))!.device}; clip without it and check \`await norm.itemAsync()\``,
      );
    return clipGradsOnDevice(grads, maxNorm, normType);
  }
  const flat = grads.map((g) => g.contiguous());
  const total = normType === Infinity ? maxAbsOf(flat) : pNormOf(flat, normType);
  if (options.errorIfNonfinite && !Number.isFinite(total))
    throw new Error(
      `${W}: the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped; pass errorIfNonfinite: false to clip anyway`,
    );
  const coef = maxNorm / (total + 1e-6);
  // As PyTorch (which multiplies by min(coef, 1)): a NaN norm makes every gradient NaN.
  if (!(coef >= 1)) for (const g of grads) mapInPlace(g, (x) => x * coef);
  return total;
}

/**
 * Clamps every gradient element of `parameters` to [−clipValue, clipValue], in place.
 * @example
 * gs.nn.utils.clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== "number" || !(clipValue >= 0))
    throw new RangeError(`clipGradValue_: clipValue must be a number >= 0, got ${clipValue}`);
  for (const g of gradsOf("clipGradValue_", parameters))
    mapInPlace(g, (x) => (x < -clipValue ? -clipValue : x > clipValue ? clipValue : x));
}

/**
 * All parameters flattened and concatenated into one 1-D tensor (differentiable, as torch's).
 * @example
 * const v = gs.nn.utils.parametersToVector(model.parameters());
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const list = tensorsOf("parametersToVector", parameters);
  if (list.length === 0) throw new RangeError("parametersToVector: got no parameters");
  return cat(
    list.map((p) => p.reshape([-1])),
    0,
  );
}

/**
 * Copies consecutive slices of the 1-D tensor `vec` into the parameters (the inverse of
 * parametersToVector). vec must have exactly as many elements as the parameters together.
 * @example
 * gs.nn.utils.vectorToParameters(v, model.parameters());
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  const W = "vectorToParameters";
  if (!(vec instanceof Tensor) || vec.ndim !== 1)
    throw new TypeError(
      `${W}: vec must be a 1-D Tensor, got ${vec instanceof Tensor ? `${vec.ndim} dims` : typeof vec}`,
    );
  const list = tensorsOf(W, parameters);
  const total = list.reduce((n, p) => n + p.numel(), 0);
  if (total !== vec.numel())
    throw new RangeError(`${W}: vec has ${vec.numel()} elements, the parameters have ${total}`);
  noGrad(() => {
    let at = 0;
    for (const p of list) {
      p.copy_(vec.narrow(0, at, p.numel()).reshape(p.shape));
      at += p.numel();
    }
  });
}
