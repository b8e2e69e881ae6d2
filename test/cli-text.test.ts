// The text commands of the CLI: topics, word2vec train|similar|analogy|evaluate, tfidf search.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { repoRoot } from "./helpers/fixtures.js";
import { Generator } from "../src/tensor/random.js";

const cli = path.join(repoRoot, "dist/cli/main.js");
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
const dir = mkdtempSync(path.join(tmpdir(), "gs-cli-text-"));

/** Lines of words drawn from one of three groups each. */
function groupedLines(n: number, length: number): string {
  const groups = ["alpha", "beta", "gamma"].map((g) =>
    Array.from({ length: 5 }, (_, i) => `${g}${"xyzuv"[i]}`),
  );
  const gen = new Generator(1);
  return Array.from({ length: n }, () => {
    const g = groups[gen.randint(0, 3)];
    return Array.from({ length }, () => g[gen.randint(0, 5)]).join(" ");
  }).join("\n");
}

test("gradstack topics prints topics, coherence and perplexity", () => {
  const file = path.join(dir, "docs.txt");
  writeFileSync(file, groupedLines(60, 20) + "\n\n");
  const r = run(
    "topics",
    "--data",
    file,
    "--num_topics",
    "3",
    "--passes",
    "3",
    "--no_below",
    "1",
    "--top_words",
    "4",
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /60 documents, 15 terms after filtering/);
  assert.match(r.stdout, /topic {2}0 \(u_mass -?\d+\.\d\d\): (\w+ ){3}\w+\n/);
  assert.match(r.stdout, /perplexity estimate \(training documents\) \d+\.\d/);
  const stop = path.join(dir, "stop.txt");
  writeFileSync(stop, "alphax, betay\ngammaz");
  const s = run(
    "topics",
    "--data",
    file,
    "--num_topics",
    "2",
    "--passes",
    "1",
    "--no_below",
    "1",
    "--stopwords",
    stop,
  );
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /60 documents, 12 terms after filtering/);
  assert.doesNotMatch(s.stdout, /alphax|betay|gammaz/);
  const missing = run("topics", "--num_topics", "3");
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /topics: --data FILE is required/);
  const filtered = run("topics", "--data", file, "--no_below", "100");
  assert.match(filtered.stderr, /no term is left after filtering \(no_below=100/);
});

test("gradstack word2vec train, similar, analogy and evaluate", () => {
  const data = path.join(dir, "sentences.txt");
  const vectors = path.join(dir, "vectors.txt");
  writeFileSync(data, groupedLines(600, 8));
  const t = run(
    "word2vec",
    "train",
    "--data",
    data,
    "--out",
    vectors,
    "--min_count=1",
    "--vector_size=16",
    "--window=3",
    "--sample=0",
    "--epochs=3",
    "--sg=1",
  );
  assert.equal(t.status, 0, t.stderr);
  assert.match(
    t.stdout,
    /600 sentences, 4800 words, vocabulary 15 · 3 epochs in [\d.]+ s · \d+ words\/s on 1 thread/,
  );
  assert.match(t.stdout, /saved 15 vectors of size 16/);
  const s = run("word2vec", "similar", "--vectors", vectors, "--topn", "2", "alphax");
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stdout, /^alpha[yzuv]\s+0\.\d{4}\nalpha[yzuv]\s+0\.\d{4}\n$/);
  const a = run("word2vec", "analogy", "--vectors", vectors, "alphax", "betax", "gammax");
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout.trim().split("\n").length, 5);
  const questions = path.join(dir, "questions.txt");
  writeFileSync(questions, ": toy\nalphax alphay betax betay\nalphax alphay omega betay\n");
  const pairs = path.join(dir, "pairs.tsv");
  writeFileSync(pairs, "alphax\talphay\t9\nalphax\tbetay\t1\ngammau\tgammav\t8\nbetax\tgammax\t2\n");
  const e = run("word2vec", "evaluate", "--vectors", vectors, "--analogies", questions, "--pairs", pairs);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /toy\s+\d+\.\d% {2}\(\d\/1\)/);
  assert.match(e.stdout, /1 of 2 questions skipped for unknown words/);
  assert.match(e.stdout, /word pairs: Spearman -?\d\.\d{4}, Pearson -?\d\.\d{4} over 4 pairs; 0 skipped/);
  const unknown = run("word2vec", "similar", "--vectors", vectors, "zebra");
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /word "zebra" is not in the vocabulary/);
  assert.doesNotMatch(unknown.stderr, /at .*\.js:\d+/);
  assert.match(run("word2vec", "analogy", "--vectors", vectors, "alphax").stderr, /give three words A B C/);
  assert.match(run("word2vec", "fly").stderr, /word2vec: unknown subcommand "fly"/);
  assert.match(
    run("word2vec", "train", "--data", data, "--min_count=1000").stderr,
    /the vocabulary is empty/,
  );
});

test("gradstack tfidf search ranks the lines of a file", () => {
  const file = path.join(dir, "corpus.txt");
  writeFileSync(
    file,
    "the cat sat on the mat\ndogs chase cats\nstock markets fell sharply today\nthe dog sat\n",
  );
  const r = run("tfidf", "search", "--data", file, "--query", "markets today", "--top_k", "2");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /4 documents, \d+ terms/);
  assert.match(r.stdout, /\d\.\d{4} {2}#3 +stock markets fell sharply today\n$/);
  assert.match(run("tfidf", "search", "--data", file).stderr, /--query TEXT is required/);
  assert.match(run("tfidf", "search", "--query", "x").stderr, /--data FILE is required/);
  assert.match(
    run("tfidf", "search", "--data", file, "--norm", "l3", "--query", "x").stderr,
    /--norm must be l1, l2 or none/,
  );
});
