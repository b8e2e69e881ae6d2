// `--help` of every command and group, from their declarations; `--version`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { commandTree, gradstackCli, words } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

const tree = await commandTree();

test("the tree holds every command (and the names variants of the recurrent LMs)", () => {
  const names = tree.commands.map((c) => c.name);
  for (const name of [
    "demo",
    "train gpt",
    "train bigram",
    "train mlp",
    "train rnn",
    "train lstm",
    "train gru",
    "train gru --data=names",
    "train translate",
    "train mnist",
    "sample",
    "evaluate",
    "topics",
    "word2vec train",
    "word2vec similar",
    "word2vec analogy",
    "word2vec evaluate",
    "tfidf search",
    "translate",
    "eval-bleu",
    "search",
    "embed train",
    "embed index",
    "eval-retrieval",
    "rag",
  ])
    assert.ok(names.includes(name), `${name} in ${names.join(", ")}`);
  assert.deepEqual(
    tree.groups.map((g) => g.name),
    ["", "train", "word2vec", "tfidf", "embed"],
  );
});

test("every command's --help shows each option with its meaning, type and default", () => {
  for (const c of tree.commands) {
    const r = gradstackCli(...words(c), "--help");
    assert.equal(r.status, 0, `${c.name}: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`usage: gradstack ${c.name} [--config FILE] [--key=value ...]`), r.stdout);
    assert.ok(r.stdout.includes(`\n${c.summary}\n`), `${c.name}: summary`);
    const lines = r.stdout.split("\n");
    // The defaults after presets (train translate's preset for its default arch and data).
    for (const [key, value] of Object.entries(c.defaultsFor([]))) {
      const meaning = c.help[key];
      assert.ok(meaning && !meaning.includes("\n"), `${c.name} --${key}: a one-line meaning`);
      const line = lines.find((l) => l.startsWith(`  --${key} <`) || l.startsWith(`  --${key} [`));
      assert.ok(line, `${c.name}: no line for --${key}`);
      assert.match(line, /<number>|<text>|\[=true\|false\]|<JSON array>/);
      assert.ok(line.includes(meaning), `${c.name} --${key}: meaning`);
      assert.ok(line.endsWith(`(default ${JSON.stringify(value)})`), `${c.name}: ${line}`);
    }
    if (c.args) assert.ok(lines.some((l) => l.includes(c.args!.usage) && l.includes(c.args!.help)));
  }
});

test("every group's --help lists its members, each with its one-line summary", async () => {
  for (const g of tree.groups) {
    const r = gradstackCli(...words(g), "--help");
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.startsWith(`usage: gradstack ${g.name ? `${g.name} ` : ""}<${g.member}>`), r.stdout);
    for (const name of Object.keys(g.commands))
      assert.match(r.stdout, new RegExp(`\\n  ${name} +\\S`), `${g.name || "gradstack"}: ${name}`);
  }
  const train = gradstackCli("train", "--help").stdout;
  assert.match(train, /\n {2}gpt {8}a character-level GPT \(nanoGPT's train\.py\)\n/);
  assert.match(train, /\n {2}mnist {6}softmax regression or an MLP on MNIST/);
});

test("help is --help, -h, or help before the command, and comes before any error", () => {
  const help = gradstackCli("train", "gpt", "--help").stdout;
  assert.equal(gradstackCli("train", "gpt", "-h").stdout, help);
  assert.equal(gradstackCli("help", "train", "gpt").stdout, help);
  assert.equal(gradstackCli("train", "gpt", "--n_layers=3", "--help").stdout, help);
  assert.equal(gradstackCli("word2vec", "help").stdout, gradstackCli("word2vec", "--help").stdout);
  assert.equal(gradstackCli().stdout, gradstackCli("--help").stdout);
});

test("help shows the defaults of the preset that the given flags choose", () => {
  const epochs = (...args: string[]) =>
    gradstackCli("train", "translate", ...args, "--help")
      .stdout.split("\n")
      .find((l) => l.startsWith("  --epochs "));
  assert.match(epochs()!, /\(default 10\)$/);
  assert.match(epochs("--arch=gru-attn", "--data=fra-eng")!, /\(default 30\)$/);
  const gru = gradstackCli("train", "gru", "--help").stdout;
  assert.match(gru, /--learning_rate <number> +learning rate \[≥ 0\] \(default 4\)/);
  assert.match(gru, /"names" \(its own options: gradstack train gru --data=names --help\)/);
  assert.match(gradstackCli("train", "gru", "--data=names", "--help").stdout, /--min_lr <number>/);
});

test("--version prints the package's version", () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
  for (const args of [["--version"], ["train", "--version"], ["train", "gpt", "--version"]]) {
    const r = gradstackCli(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `gradstack ${pkg.version}\n`);
  }
});
