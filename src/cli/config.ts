/**
 * Configuration as DESIGN.md §6 describes: typed defaults, then a JSON file, then `--key=value`
 * flags. Every override is checked against the default's type, and an unknown key is an error.
 */
import { readFileSync } from "node:fs";

export type ConfigValue = number | string | boolean | null | number[] | string[];
export type Config = Record<string, ConfigValue>;

function typeOf(v: ConfigValue): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
}

/** Converts a flag's text to the type of the default it overrides. */
function parseFlagValue(key: string, text: string, def: ConfigValue): ConfigValue {
  const kind = typeOf(def);
  if (kind === "number") {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n))
      throw new TypeError(`config: --${key} expects a number, got "${text}"`);
    return n;
  }
  if (kind === "boolean") {
    if (text === "true" || text === "1" || text === "") return true;
    if (text === "false" || text === "0") return false;
    throw new TypeError(`config: --${key} expects true or false, got "${text}"`);
  }
  if (kind === "array" || kind === "null") {
    try {
      return JSON.parse(text) as ConfigValue;
    } catch {
      if (kind === "null") return text;
      throw new TypeError(`config: --${key} expects a JSON array, got "${text}"`);
    }
  }
  return text;
}

function checkType(key: string, value: unknown, def: ConfigValue, where: string): ConfigValue {
  if (def === null || typeOf(value as ConfigValue) === typeOf(def)) return value as ConfigValue;
  throw new TypeError(
    `config: ${where} sets "${key}" to ${JSON.stringify(value)}, but it must be a ${typeOf(def)} (default ${JSON.stringify(def)})`,
  );
}

function checkKnown(key: string, defaults: Config, where: string): void {
  if (!(key in defaults))
    throw new RangeError(
      `config: unknown key "${key}" in ${where}; known keys: ${Object.keys(defaults).join(", ")}`,
    );
}

/** Applies a JSON file's values over the defaults. */
export function applyConfigFile<C extends Config>(defaults: C, path: string): C {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`config: cannot read ${path}: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new TypeError(`config: ${path} must hold a JSON object`);
  const out: Config = { ...defaults };
  for (const [k, v] of Object.entries(parsed)) {
    checkKnown(k, defaults, path);
    out[k] = checkType(k, v, defaults[k], path);
  }
  return out as C;
}

/**
 * Resolves a config from defaults, `--config FILE` and `--key=value` flags (in that order of
 * precedence, lowest first). Returns the config and the arguments that were not flags.
 */
export function resolveConfig<C extends Config>(
  defaults: C,
  argv: readonly string[],
): { config: C; rest: string[] } {
  let config: Config = { ...defaults };
  const rest: string[] = [];
  const flags: [string, string][] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    let key = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let value = eq >= 0 ? arg.slice(eq + 1) : undefined;
    if (value === undefined && i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
      // `--key value` as well as `--key=value`, except for booleans, which may stand alone.
      const normalized = key.replace(/-/g, "_");
      if (key === "config" || typeOf(defaults[normalized] ?? "") !== "boolean") value = argv[++i];
    }
    key = key.replace(/-/g, "_");
    if (key === "config") {
      if (!value) throw new TypeError("config: --config needs a file path");
      config = applyConfigFile(config as C, value);
    } else flags.push([key, value ?? ""]);
  }
  for (const [key, value] of flags) {
    checkKnown(key, defaults, "the command line");
    config[key] = parseFlagValue(key, value, defaults[key]);
  }
  return { config: config as C, rest };
}

/** The effective config as aligned `key = value` lines, for printing at the start of a run. */
export function formatConfig(config: Config): string {
  const width = Math.max(...Object.keys(config).map((k) => k.length));
  return Object.entries(config)
    .map(([k, v]) => `${k.padEnd(width)} = ${JSON.stringify(v)}`)
    .join("\n");
}
