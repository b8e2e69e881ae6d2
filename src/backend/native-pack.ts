/**
 * The one generic packer: turns a kernel's row of the native kernel table (native-kernels.ts) into its
 * Backend method. The method writes the numbers to the scratch, passes the storages to the addon, and
 * runs cpu-js's kernel on the same arrays when the addon declines.
 *
 * The method is compiled from the row once, when the addon loads (`new Function`; this file is
 * Node-only, like the addon): it is then the straight-line code one would write by hand for that
 * kernel, so a call costs what a hand-written wrapper costs (an interpreter over the row took 100 to
 * 450 ns more per call). `nativeMethodSource` shows the code.
 */
import type { ArgKind } from "./native-kernels.js";
import type { KernelName, View } from "./types.js";

/** A kernel as the addon exports it: storages as arguments, numbers in the scratch; false = declined. */
export type AddonKernel = (...storages: unknown[]) => boolean;

/** Dims a view may have (native/src/iter.h collapses them to at most 16 afterwards). */
const MAX_DIMS = 64;

/**
 * Writes nd and the shape from S[at], then the offset and strides of each view; returns the next free
 * slot, or -1 when the views have too many dims (cpu-js runs the call then).
 */
function packShape(
  S: Float64Array,
  at: number,
  shape: readonly number[],
  v0: View,
  v1: View,
  v2?: View,
): number {
  const nd = shape.length;
  if (nd > MAX_DIMS || at + 1 + nd + 3 * (1 + nd) > S.length) return -1;
  S[at++] = nd;
  for (let d = 0; d < nd; d++) S[at++] = shape[d];
  at = packView(S, at, nd, v0);
  at = packView(S, at, nd, v1);
  return v2 === undefined ? at : packView(S, at, nd, v2);
}

function packView(S: Float64Array, at: number, nd: number, v: View): number {
  S[at++] = v.offset;
  const s = v.strides;
  for (let d = 0; d < nd; d++) S[at++] = s[d];
  return at;
}

/** The body of a kernel's method, and the op-code maps it reads. */
export function nativeMethodSource(
  name: KernelName,
  kinds: readonly ArgKind[],
): { params: string[]; body: string; codes: Readonly<Record<string, number>>[] } {
  const params = kinds.map((_, i) => `a${i}`);
  const lines: string[] = [];
  const storages: string[] = [];
  const codes: Readonly<Record<string, number>>[] = [];
  const fallback = `fallback.${name}(${params.join(", ")})`;
  let views: string[] = [];
  // Slots are constants until a shape or a number list is written; after it, they follow the running
  // index `i`.
  let at = 0;
  let running = false;
  const slot = () => (running ? "i++" : String(at++));
  const put = (kind: ArgKind, expr: string): void => {
    if (kind === "array") storages.push(expr);
    else if (kind === "arrays") {
      // A list: its storages spread into the call, its length in one slot.
      storages.push(`...(${expr} ?? [])`);
      lines.push(`S[${slot()}] = ${expr}?.length ?? 0;`);
    } else if (kind === "nums") {
      // A list of numbers: its length, then the numbers; the slots after it follow the running index.
      if (!running) lines.push(`let i = ${at};`);
      running = true;
      lines.push(
        `if (i + 1 + ${expr}.length > S.length) return ${fallback};`,
        `S[i++] = ${expr}.length;`,
        `for (const x of ${expr}) S[i++] = x;`,
      );
    } else if (kind === "num") lines.push(`S[${slot()}] = ${expr};`);
    else if (kind === "num?") lines.push(`S[${slot()}] = ${expr} ?? 0;`);
    else if (kind === "flag") lines.push(`S[${slot()}] = ${expr} ? 1 : 0;`);
    else if (kind === "view") {
      storages.push(`${expr}.data`);
      views.push(expr);
    } else if (kind === "shape") {
      if (running || views.length < 2 || views.length > 3)
        throw new Error(`native kernel ${name}: a shape needs two or three views before it, once`);
      lines.push(
        `let i = packShape(S, ${at}, ${expr}, ${views.join(", ")});`,
        `if (i < 0) return ${fallback};`,
      );
      running = true;
      views = [];
    } else if ("code" in kind) {
      codes.push(kind.code);
      lines.push(`S[${slot()}] = codes[${codes.length - 1}][${expr}] ?? -1;`);
    } else for (const [field, k] of kind.fields) put(k, `${expr}?.${field}`);
  };
  kinds.forEach((k, i) => put(k, params[i]));
  if (views.length > 0) throw new Error(`native kernel ${name}: views without a shape after them`);
  lines.push(`if (!fn(${storages.join(", ")})) ${fallback};`);
  return { params, body: lines.join("\n"), codes };
}

/**
 * The Backend method for one kernel of the table: `fallback` is looked up at call time (so a test may
 * spy on cpu-js's kernels); the scratch is the one registered with the addon.
 */
export function nativeMethod(
  name: KernelName,
  kinds: readonly ArgKind[],
  fn: AddonKernel,
  scratch: Float64Array,
  fallback: object,
): unknown {
  const { params, body, codes } = nativeMethodSource(name, kinds);
  const make = new Function(
    "S",
    "fn",
    "fallback",
    "codes",
    "packShape",
    `return function ${name}(${params.join(", ")}) {\n${body}\n};`,
  ) as (...deps: unknown[]) => unknown;
  return make(scratch, fn, fallback, codes, packShape);
}
