/**
 * Configuration as DESIGN.md §6 describes: typed defaults, then a JSON file, then `--key=value`
 * flags. Every override is checked against the default's type, and an unknown key is an error (the
 * keys of Object's prototype too: `__proto__` must not reach an object). A config file is looked for
 * from the working directory, then in the package's `configs/`. Errors name the command (`where`;
 * "config" when called outside one) and are usage errors.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../io/files.js";
import { didYouMean } from "./suggest.js";
import { UsageError } from "./usage-error.js";

export type ConfigValue = number | string | boolean | null | number[] | string[];
export type Config = Record<string, ConfigValue>;

/** Where flags come from, in error messages (a config file is named by its path). */
const COMMAND_LINE = "the command line";

/** The type of an option, from its default: "number", "string", "boolean", "array" or "null". */
export function typeOf(v: ConfigValue): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
}

/** Converts a flag's text to the type of the default it overrides. */
function parseFlagValue(key: string, text: string, def: ConfigValue, command: string): ConfigValue {
  const kind = typeOf(def);
  if (kind === "number") {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n))
      throw new UsageError(`${command}: --${key} expects a number, got "${text}"`, command);
    return n;
  }
  if (kind === "boolean") {
    if (text === "true" || text === "1" || text === "") return true;
    if (text === "false" || text === "0") return false;
    throw new UsageError(`${command}: --${key} expects true or false, got "${text}"`, command);
  }
  if (kind === "array" || kind === "null") {
    try {
      return JSON.parse(text) as ConfigValue;
    } catch {
      if (kind === "null") return text;
      throw new UsageError(`${command}: --${key} expects a JSON array, got "${text}"`, command);
    }
  }
  return text;
}

function checkType(
  key: string,
  value: unknown,
  def: ConfigValue,
  where: string,
  command: string,
): ConfigValue {
  if (def === null || typeOf(value as ConfigValue) === typeOf(def)) return value as ConfigValue;
  throw new UsageError(
    `${command}: ${where} sets "${key}" to ${JSON.stringify(value)}, but it must be a ${typeOf(def)} (default ${JSON.stringify(def)})`,
    command,
  );
}

/** Keys that would reach an object's prototype rather than an option. */
const PROTOTYPE_KEYS = ["__proto__", "constructor", "prototype"];

/** Rejects a key the defaults lack, suggesting the closest one (or listing them all when none is close). */
function checkKnown(key: string, defaults: Config, where: string, command: string): void {
  if (PROTOTYPE_KEYS.includes(key))
    throw new UsageError(`${command}: key "${key}" in ${where} is not an option and is not allowed`, command);
  if (Object.hasOwn(defaults, key)) return;
  const keys = Object.keys(defaults);
  const onCommandLine = where === COMMAND_LINE;
  const hint =
    didYouMean(key, keys, (k) => (onCommandLine ? `--${k}` : `"${k}"`)) || `; known keys: ${keys.join(", ")}`;
  throw new UsageError(`${command}: unknown key "${key}" in ${where}${hint}`, command);
}

/**
 * The config file `file` names: as given (relative to the working directory), else in the package's
 * `configs/` (so `configs/x.json` and `x.json` work from any project that depends on gradstack).
 */
export function findConfigFile(file: string, command = "config"): string {
  if (existsSync(file) || path.isAbsolute(file)) return file;
  const root = packageRoot();
  const candidates = [path.join(root, "configs", file), path.join(root, file)];
  const found = candidates.find((c) => existsSync(c));
  if (found) return found;
  throw new UsageError(
    `${command}: no config file ${file}: looked in ${path.resolve(file)} and ${candidates[0]}`,
    command,
  );
}

/** Applies a JSON file's values over the defaults. */
export function applyConfigFile<C extends Config>(defaults: C, name: string, command = "config"): C {
  const file = findConfigFile(name, command);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`${command}: cannot read ${file}: ${(e as Error).message}`, command);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new UsageError(`${command}: ${file} must hold a JSON object`, command);
  const out: Config = { ...defaults };
  for (const [k, v] of Object.entries(parsed)) {
    checkKnown(k, defaults, file, command);
    out[k] = checkType(k, v, defaults[k], file, command);
  }
  return out as C;
}

/**
 * Resolves a config from defaults, `--config FILE` and `--key=value` flags (in that order of
 * precedence, lowest first). Returns the config and the arguments that were not flags. `command`
 * names the command in error messages.
 */
export function resolveConfig<C extends Config>(
  defaults: C,
  argv: readonly string[],
  command = "config",
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
      if (!value) throw new UsageError(`${command}: --config needs a file path`, command);
      config = applyConfigFile(config as C, value, command);
    } else flags.push([key, value ?? ""]);
  }
  for (const [key, value] of flags) {
    checkKnown(key, defaults, COMMAND_LINE, command);
    config[key] = parseFlagValue(key, value, defaults[key], command);
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
