/**
 * Checks of option objects shared by every public entry (layers, losses, DataLoader, creation
 * functions, optimizers): an unknown key is an error, never silently dropped. PyTorch users often
 * write the snake_case name (`num_layers`), so the error names the camelCase one it meant.
 */

/** A value as it would be written in code: strings quoted, arrays bracketed. */
export function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (typeof v === "function") return "a function";
  if (v !== null && typeof v === "object")
    return v.constructor?.name === "Object" ? "an object" : `a ${v.constructor?.name ?? "object"}`;
  return String(v);
}

/** `num_layers` -> `numLayers`. */
function camelCase(key: string): string {
  return key.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function isOptionsObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Refuses option names the function does not know (typos, or `weight_decay` for `weightDecay`).
 * Keys are compared as own property names, so `__proto__` or `constructor` in parsed JSON is unknown too.
 */
export function checkKnownKeys(
  where: string,
  opts: unknown,
  known: readonly string[],
): asserts opts is object {
  if (!isOptionsObject(opts))
    throw new TypeError(`${where}: options must be an object with ${known.join(", ")}, got ${show(opts)}`);
  for (const k of Object.keys(opts)) {
    if (known.includes(k)) continue;
    const camel = camelCase(k);
    const hint =
      camel !== k && known.includes(camel) ? `; did you mean ${show(camel)} (PyTorch's ${k})?` : "";
    throw new TypeError(
      `${where}: unknown option ${show(k)}${hint || `; expected one of ${known.join(", ")}`}`,
    );
  }
}

/** An options argument that may be omitted: undefined gives {}, anything else is checked. */
export function optionsOf<T extends object>(where: string, opts: T | undefined, known: readonly string[]): T {
  if (opts === undefined) return {} as T;
  checkKnownKeys(where, opts, known);
  return opts;
}

/**
 * The options of a constructor that PyTorch also takes positionally, e.g. `new nn.LSTM(10, 20, 2)`
 * (numLayers = 2) as well as `new nn.LSTM(10, 20, { numLayers: 2 })`. `rest` is what follows the
 * required arguments: PyTorch's positional values in `positional` order, optionally followed by one
 * options object; a key given both ways is an error. Values are checked by the caller.
 */
export function positionalOptions<T extends object>(
  where: string,
  rest: readonly unknown[],
  positional: readonly (keyof T & string)[],
  known: readonly (keyof T & string)[],
): T {
  const last = rest[rest.length - 1];
  const trailing = rest.length > 0 && (isOptionsObject(last) || last === undefined) ? 1 : 0;
  const values = rest.slice(0, rest.length - trailing);
  const out: Record<string, unknown> = trailing ? { ...optionsOf(where, last as T | undefined, known) } : {};
  if (values.length > positional.length)
    throw new TypeError(
      `${where}: too many arguments: ${values.length} after the required ones, at most ${positional.length} (${positional.join(", ")}) then an options object`,
    );
  values.forEach((v, i) => {
    const name = positional[i];
    if (isOptionsObject(v)) throw new TypeError(`${where}: the options object must be the last argument`);
    if (name in out) throw new TypeError(`${where}: ${name} is given both positionally and in the options`);
    if (v !== undefined) out[name] = v;
  });
  return out as T;
}
