/** Argument checks shared by the layers' constructors. */

/** Throws unless n is an integer >= 0; names the layer and the argument. */
export function checkSize(where: string, what: string, n: unknown): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0)
    throw new RangeError(`${where}: ${what} must be an integer >= 0, got ${String(n)}`);
  return n;
}
