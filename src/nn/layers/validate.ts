/** Argument checks shared by the layers' constructors. */

/** Throws unless n is an integer >= 0; names the layer and the argument. */
export function checkSize(where: string, what: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
    throw new RangeError(`${where}: ${what} must be an integer >= 0, got ${String(n)}`);
  return n;
}

/** Throws unless v is true or false (a PyTorch flag such as bias or batchFirst). */
export function checkFlag(where: string, what: string, v: unknown): boolean {
  if (typeof v !== "boolean")
    throw new TypeError(`${where}: ${what} must be true or false, got ${String(v)}`);
  return v;
}

/** Throws unless p is a probability in [0, 1] (a dropout rate). */
export function checkProbability(where: string, what: string, p: unknown): number {
  if (typeof p !== "number" || !(p >= 0 && p <= 1))
    throw new RangeError(`${where}: ${what} must be a probability in [0, 1], got ${String(p)}`);
  return p;
}
