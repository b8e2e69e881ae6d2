/** Turning a list of samples into a batch, like torch.utils.data.default_collate. */
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/create.js";
import { stack } from "../ops/indexing.js";

/** The batch type that defaultCollate makes from samples of type T. */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { [K in keyof T]: Collated<T[K]> }
          : never;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function collate(samples: unknown[], path: string): unknown {
  const first = samples[0];
  const where = `defaultCollate${path ? ` (at ${path})` : ""}`;
  if (first instanceof Tensor) {
    if (!samples.every((s) => s instanceof Tensor))
      throw new TypeError(`${where}: some samples hold a Tensor here and others do not`);
    return stack(samples as Tensor[], 0);
  }
  if (typeof first === "number" || typeof first === "boolean") {
    if (!samples.every((s) => typeof s === typeof first))
      throw new TypeError(`${where}: samples mix ${typeof first} with other types`);
    return tensor(samples as number[] | boolean[]);
  }
  if (typeof first === "string") return samples.slice();
  if (Array.isArray(first)) {
    const n = first.length;
    if (!samples.every((s) => Array.isArray(s) && s.length === n))
      throw new RangeError(`${where}: every sample must be an array of ${n} elements`);
    return first.map((_, i) => collate(samples.map((s) => (s as unknown[])[i]), `${path}[${i}]`));
  }
  if (isPlainObject(first)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      if (!samples.every((s) => isPlainObject(s) && key in s))
        throw new RangeError(`${where}: key "${key}" is missing from some samples`);
      out[key] = collate(
        samples.map((s) => (s as Record<string, unknown>)[key]),
        path ? `${path}.${key}` : key,
      );
    }
    return out;
  }
  throw new TypeError(
    `${where}: cannot batch samples of type ${first === null ? "null" : typeof first}; pass a collate function`,
  );
}

/**
 * Stacks tensors along a new dim 0, turns numbers and booleans into a 1-d tensor, keeps strings as a
 * list, and recurses into arrays (tuples) and plain objects position by position / key by key.
 * @example gs.data.defaultCollate([[x0, 1], [x1, 0]]) // [stack([x0, x1]), tensor([1, 0])]
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (samples.length === 0) throw new RangeError("defaultCollate: expects at least one sample");
  return collate(samples.slice(), "") as Collated<T>;
}
