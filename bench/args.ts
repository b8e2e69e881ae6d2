/**
 * The command line of every bench script (util.parseArgs, strict): a script declares its options and
 * positionals once and gets `--help`, and an error naming the option, the value and what was expected
 * for anything else, so that a typo or another script's option is never silently ignored.
 */
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "../src/cli/usage-error.js";

/** "integer": at least `min` (default 1: counts); "list": comma-separated, as `--only=gpt,lstm`. */
type ValueOf = { string: string; list: string[]; boolean: boolean; integer: number; number: number };
const PLACEHOLDER = { string: "VALUE", list: "a,b", integer: "N", number: "X", boolean: "" };
export interface OptionSpec {
  type: keyof ValueOf;
  description: string;
  /** As typed ("gpt,lstm" for a list); none: undefined unless given. */
  default?: string | number | boolean;
  /** The values allowed, or the form they must match (of each item, for a list). */
  choices?: readonly string[];
  pattern?: RegExp;
  /** The value's name in the usage text (N, FILE, a,b), and what `pattern` expects. */
  value?: string;
  min?: number;
}
export interface PositionalSpec extends Pick<OptionSpec, "description" | "choices" | "pattern" | "value"> {
  name: string;
  default?: string;
  optional?: true;
  /** Every remaining argument, one or more. */
  many?: true;
}
type Options = Record<string, OptionSpec>;
export type Values<O extends Options> = {
  [N in keyof O]:
    ValueOf[O[N]["type"]] | (O[N] extends { type: "boolean" } | { default: unknown } ? never : undefined);
};
export type ScriptSpec<O extends Options> = {
  usage: string;
  options: O;
  positionals?: readonly PositionalSpec[];
};

const fail = (message: string): never => {
  throw new UsageError(`${message} (see --help)`);
};
function check(what: string, o: PositionalSpec | OptionSpec, value: string): void {
  if ((o.choices && !o.choices.includes(value)) || (o.pattern && !o.pattern.test(value)))
    fail(`${what} wants ${o.choices ? `one of ${o.choices.join(", ")}` : o.value}, got ${value}`);
}

export function usageText(spec: ScriptSpec<Options>): string {
  const row = (flag: string, o: PositionalSpec | OptionSpec) => {
    const notes = [
      o.choices && `one of ${o.choices.join(", ")}`,
      o.default !== "" && o.default !== undefined && `default ${String(o.default)}`,
    ];
    const parenthesis = notes.filter(Boolean).join("; ");
    return [flag, o.description + (parenthesis ? ` (${parenthesis})` : "")];
  };
  const flag = (n: string, o: OptionSpec) =>
    `--${n}${o.type === "boolean" ? "" : `=${o.value ?? PLACEHOLDER[o.type]}`}`;
  const rows = [
    ...(spec.positionals ?? []).map((p) => row(p.name, p)),
    ...Object.entries(spec.options).map(([n, o]) => row(flag(n, o), o)),
    ["--help", "print this"],
  ];
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return [`usage: ${spec.usage}`, ...rows.map(([f, text]) => `  ${f.padEnd(width)}${text}`)].join("\n");
}

function convert(name: string, o: OptionSpec, value: string): ValueOf[keyof ValueOf] {
  const items = o.type === "list" ? value.split(",").filter(Boolean) : [value];
  items.forEach((item) => check(`--${name}`, o, item));
  if (o.type === "list" || o.type === "string") return o.type === "list" ? items : value;
  const [n, min] = [value.trim() === "" ? NaN : Number(value), o.min ?? 1];
  if (o.type === "number" && !Number.isFinite(n)) fail(`--${name} wants a number, got "${value}"`);
  if (o.type === "integer" && !(Number.isInteger(n) && n >= min))
    fail(`--${name} wants ${min === 1 ? "a positive integer" : `an integer >= ${min}`}, got "${value}"`);
  return n;
}

/** The options and positionals of `argv`, or "help"; a UsageError for anything `spec` does not take. */
export function parseBenchArgs<const O extends Options>(spec: ScriptSpec<O>, argv: string[]) {
  const types: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const [n, o] of Object.entries(spec.options))
    types[n] = { type: o.type === "boolean" ? o.type : "string" };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: types, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (e) {
    // "Unknown option '--x'", "Option '--x <value>' argument missing", ...: Node's first sentence.
    return fail((e as Error).message.split(/\.\s/)[0]);
  }
  if (parsed.values.help === true) return "help";
  const options: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const raw = parsed.values[name] ?? o.default;
    options[name] =
      o.type === "boolean" ? raw === true : raw === undefined ? raw : convert(name, o, String(raw));
  }
  const [given, positionals] = [parsed.positionals, [] as string[]];
  for (const [i, p] of (spec.positionals ?? []).entries()) {
    const values = p.many ? given.slice(i) : [given[i] ?? p.default].filter((v) => v !== undefined);
    if (values.length === 0 && !p.optional) fail(`missing ${p.name}`);
    values.forEach((v) => check(p.name, p, v));
    positionals.push(...values);
  }
  const most = spec.positionals?.some((p) => p.many) ? Infinity : (spec.positionals?.length ?? 0);
  if (given.length > most) fail(`unexpected argument ${given[most]}`);
  return { options: options as Values<O>, positionals };
}

/** This process's arguments by `spec`; exits with the usage on --help (0), with a usage error's message (2). */
export function benchArgs<const O extends Options>(spec: ScriptSpec<O>, argv = process.argv.slice(2)) {
  try {
    const parsed = parseBenchArgs(spec, argv);
    if (parsed !== "help") return parsed;
    console.log(usageText(spec));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${basename(process.argv[1] ?? "bench")}: ${e.message}`);
    process.exit(2);
  }
  process.exit(0);
}
