/** Checks of optimizer and scheduler options; each error names the function, the option and the value. */
import { show } from "../util/options.js";

// The one unknown-key check, shared with layers, losses and loaders.
export { checkKnownKeys } from "../util/options.js";

/** A number >= 0 (NaN and Infinity are refused). */
export function checkNonNegative(where: string, name: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    throw new RangeError(`${where}: invalid ${name} ${show(v)} (expected a finite number >= 0)`);
}

export function checkLr(where: string, lr: unknown): void {
  if (lr === undefined) throw new TypeError(`${where}: lr is required`);
  checkNonNegative(where, "learning rate lr", lr);
}

export function checkBool(where: string, name: string, v: unknown): void {
  if (typeof v !== "boolean") throw new TypeError(`${where}: ${name} must be true or false, got ${show(v)}`);
}

/** Adam's (beta1, beta2): each in [0, 1). */
export function checkBetas(where: string, betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2)
    throw new TypeError(`${where}: betas must be a pair [beta1, beta2], got ${show(betas)}`);
  betas.forEach((b, i) => {
    if (typeof b !== "number" || !(b >= 0 && b < 1))
      throw new RangeError(
        `${where}: invalid beta parameter at index ${i}: ${show(b)} (expected 0 <= beta < 1)`,
      );
  });
}

export function checkInteger(where: string, name: string, v: unknown, min: number): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min)
    throw new RangeError(`${where}: ${name} must be an integer >= ${min}, got ${show(v)}`);
}

export function checkFinite(where: string, name: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new TypeError(`${where}: ${name} must be a finite number, got ${show(v)}`);
}
