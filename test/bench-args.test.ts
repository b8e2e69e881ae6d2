// bench/args.ts, the command line of every bench script: nothing it does not declare gets through.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs, usageText } from "../bench/args.js";
import { UsageError } from "../src/cli/usage-error.js";

const spec = {
  usage: "node build/bench/example.js [WORKLOAD] [options]",
  positionals: [{ name: "WORKLOAD", description: "the step", choices: ["gpt", "lstm"], default: "gpt" }],
  options: {
    threads: { type: "integer", description: "threads" },
    steps: { type: "integer", default: 10, description: "timed steps" },
    warm: { type: "integer", default: 2, min: 0, description: "untimed steps" },
    clock: { type: "string", default: "wall", choices: ["wall", "cpu"], description: "the clock" },
    only: { type: "list", default: "a,b", choices: ["a", "b", "c"], description: "groups" },
    dropout: { type: "number", default: 0.2, description: "dropout" },
    sync: { type: "boolean", description: "never yield" },
    env: { type: "string", value: "NAME=OLD/NEW", pattern: /^\w+=\w*\/\w*$/, description: "each side's" },
  },
} as const;

const parse = (...argv: string[]) => {
  const r = parseBenchArgs(spec, argv);
  assert.notEqual(r, "help");
  return r as Exclude<typeof r, "help">;
};
const usageError = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof UsageError, String(e));
  assert.match(e.message, pattern);
  assert.match(e.message, /see --help/);
  return true;
};

test("defaults, both value forms, lists and positionals", () => {
  assert.deepEqual(parse(), {
    options: {
      threads: undefined,
      steps: 10,
      warm: 2,
      clock: "wall",
      only: ["a", "b"],
      dropout: 0.2,
      sync: false,
      env: undefined,
    },
    positionals: ["gpt"],
  });
  const r = parse("lstm", "--steps", "20", "--threads=1", "--only=c", "--warm", "0", "--sync", "--env=A=0/1");
  assert.deepEqual(r.options, {
    threads: 1,
    steps: 20,
    warm: 0,
    clock: "wall",
    only: ["c"],
    dropout: 0.2,
    sync: true,
    env: "A=0/1",
  });
  assert.deepEqual(r.positionals, ["lstm"]);
});

test("an unknown option is rejected, by name", () => {
  assert.throws(() => parse("--thread=1"), usageError(/'--thread'/));
  assert.throws(() => parse("--sync", "--no-torch"), usageError(/'--no-torch'/));
  assert.throws(() => parse("--steps"), usageError(/--steps/)); // its value missing
  assert.throws(() => parse("--sync=1"), usageError(/--sync/)); // a flag takes no value
});

test("a count that is not a positive integer is rejected, naming the option and the value", () => {
  for (const bad of ["0", "-1", "1.5", "x", "", "2e"])
    assert.throws(
      () => parse(`--steps=${bad}`),
      usageError(new RegExp(`^--steps wants a positive integer, got "${bad}"`)),
    );
  assert.throws(() => parse("--warm=-1"), usageError(/^--warm wants an integer >= 0, got "-1"/));
  assert.throws(() => parse("--dropout=abc"), usageError(/^--dropout wants a number, got "abc"/));
});

test("values outside their set are rejected: positionals, options and list items", () => {
  assert.throws(() => parse("gpt3"), usageError(/^WORKLOAD wants one of gpt, lstm, got gpt3/));
  assert.throws(() => parse("gpt", "extra"), usageError(/^unexpected argument extra/));
  assert.throws(() => parse("--clock=cpux"), usageError(/^--clock wants one of wall, cpu, got cpux/));
  assert.throws(() => parse("--only=a,d"), usageError(/^--only wants one of a, b, c, got d/));
  assert.throws(() => parse("--env=A=0"), usageError(/^--env wants NAME=OLD\/NEW, got A=0/));
});

test("--help lists every option and positional, with its default and choices", () => {
  assert.equal(parseBenchArgs(spec, ["--steps=0", "--help"]), "help");
  const text = usageText(spec);
  assert.match(text, /^usage: node build\/bench\/example\.js/);
  for (const name of Object.keys(spec.options)) assert.match(text, new RegExp(`^  --${name}\\b`, "m"));
  assert.match(text, /^ {2}WORKLOAD +the step \(one of gpt, lstm; default gpt\)$/m);
  assert.match(text, /^ {2}--steps=N +timed steps \(default 10\)$/m);
  assert.match(text, /^ {2}--help +print this$/m);
});

test("a bench script prints its usage on --help (exit 0) and a usage error without a stack (exit 2)", () => {
  const table = path.join(path.dirname(fileURLToPath(import.meta.url)), "../bench/table.js");
  const help = spawnSync(process.execPath, [table, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: node build\/bench\/table\.js/);
  const bad = spawnSync(process.execPath, [table, "--nope"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim(), "table.js: Unknown option '--nope' (see --help)");
});
