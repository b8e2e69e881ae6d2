// A tiny TextEncoder trained by `train retrieval` (the one loop, InfoNCE) on made-up claim/document pairs,
// and `gradstack search` over the same tiny BEIR folder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Generator } from "../src/tensor/random.js";
import { trainRetrieval } from "../src/train/retrieval.js";
import { gradstackCli } from "./helpers/cli.js";

const N = 16;

/**
 * A BEIR folder of N documents whose words (from one made-up vocabulary) never occur in their claims (from
 * another): only training can tell which claim cites which document. The test queries repeat the training
 * claims' texts under other ids, so the score measures how well the pairs were learned.
 */
function tinyPairs(): string {
  const rng = new Generator(7);
  const word = (prefix: string) =>
    prefix + "bcdfgklmnprstvz"[Math.floor(rng.random() * 15)] + "aeiou"[Math.floor(rng.random() * 5)];
  const words = (prefix: string, n: number) => Array.from({ length: n }, () => word(prefix)).join(" ");
  const dir = mkdtempSync(path.join(tmpdir(), "pairs-"));
  const docs = Array.from({ length: N }, (_, i) => ({ _id: `d${i}`, title: "", text: words("x", 6) }));
  const claims = Array.from({ length: N }, (_, i) => ({
    id: i,
    split: "train",
    claim: words("q", 3),
    cited_doc_ids: [`d${i}`],
  }));
  writeFileSync(path.join(dir, "corpus.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n"));
  writeFileSync(path.join(dir, "claims_labels.jsonl"), claims.map((c) => JSON.stringify(c)).join("\n"));
  writeFileSync(
    path.join(dir, "queries.jsonl"),
    claims.map((c) => JSON.stringify({ _id: `t${c.id}`, text: c.claim })).join("\n"),
  );
  mkdirSync(path.join(dir, "qrels"));
  writeFileSync(path.join(dir, "qrels/test.tsv"), claims.map((c) => `t${c.id}\td${c.id}\t1`).join("\n"));
  return dir;
}

const tinyConfig = {
  pairs: "supervised",
  val_claims: 0,
  vocab_size: 300,
  d_model: 32,
  n_head: 2,
  n_layer: 1,
  d_ff: 64,
  dropout: 0,
  max_len: 16,
  doc_len: 16,
  batch_size: 16,
  warmup_iters: 5,
  lr: 3e-3,
  eval_interval: 1000,
};

test("train retrieval: a tiny encoder learns its pairs (MRR@10 from chance 0.18 to >= 0.6)", () => {
  const dir = tinyPairs();
  const untrained = trainRetrieval({ ...tinyConfig, data_dir: dir, max_iters: 1, lr: 1e-9 });
  const trained = trainRetrieval({
    ...tinyConfig,
    data_dir: dir,
    max_iters: 120,
    out_dir: path.join(dir, "run"),
  });
  // Chance for one relevant document among 16: MRR@10 = (1/16)·(1 + 1/2 + ... + 1/10) = 0.183.
  assert.ok(untrained.test.mrr < 0.45, `untrained MRR@10 ${untrained.test.mrr}`);
  assert.ok(trained.test.mrr >= 0.6, `trained MRR@10 ${trained.test.mrr}`);
  assert.ok(trained.test.ndcg >= 0.6, `trained nDCG@10 ${trained.test.ndcg}`);
  assert.equal(trained.test.queries, N);
  assert.ok(existsSync(path.join(dir, "run", "checkpoint.safetensors")));
});

test("train retrieval: the bigru and bag encoders learn the pairs too (MRR@10 >= 0.6)", () => {
  const dir = tinyPairs();
  // The bag's N(0, 1) embeddings need larger steps than the Transformer's to move as far.
  for (const [arch, lr] of [
    ["bigru", tinyConfig.lr],
    ["bag", 0.05],
  ] as const) {
    const trained = trainRetrieval({ ...tinyConfig, data_dir: dir, arch, lr, max_iters: 120 });
    assert.ok(trained.test.mrr >= 0.6, `${arch}: trained MRR@10 ${trained.test.mrr}`);
  }
});

test("train retrieval: never trains on a test query; bad settings are named", () => {
  const dir = tinyPairs();
  // Judge training claim 0 as a test query: it must leave the training pairs, so 15 remain (<= val_claims 15).
  writeFileSync(path.join(dir, "qrels/test.tsv"), "0\td0\t1\n");
  writeFileSync(path.join(dir, "queries.jsonl"), JSON.stringify({ _id: "0", text: "a test claim" }));
  assert.throws(
    () => trainRetrieval({ ...tinyConfig, data_dir: dir, val_claims: 15, max_iters: 1 }),
    /supervised pairs need more than 15 training claims/,
  );
  assert.throws(
    () => trainRetrieval({ ...tinyConfig, data_dir: dir, pairs: "mined" }),
    /pairs must be "unsupervised"/,
  );
  assert.throws(
    () => trainRetrieval({ ...tinyConfig, data_dir: "" }),
    /--data_dir \(a BEIR folder\) is required/,
  );
});

test("gradstack eval-retrieval and search: bm25, dense and hybrid over a BEIR folder, with an index folder", () => {
  const dir = tinyPairs();
  trainRetrieval({ ...tinyConfig, data_dir: dir, max_iters: 5, out_dir: path.join(dir, "run") });
  const bm25 = gradstackCli("eval-retrieval", "--data_dir", dir);
  assert.equal(bm25.status, 0, bm25.stderr);
  assert.match(bm25.stdout, /bm25 over 16 documents/);
  assert.match(bm25.stdout, /16 queries/);
  assert.match(bm25.stdout, /nDCG@10 0\.0000/); // claims and documents share no word
  const indexDir = path.join(dir, "index");
  const dense = [
    "eval-retrieval",
    "--data_dir",
    dir,
    "--mode",
    "dense",
    "--model",
    path.join(dir, "run"),
    "--index",
    indexDir,
  ];
  const first = gradstackCli(...dense);
  assert.equal(first.status, 0, first.stderr);
  for (const f of ["index.safetensors", "vectors.npy", "ids.jsonl", "index.json"])
    assert.ok(existsSync(path.join(indexDir, f)), f);
  const again = gradstackCli("eval-retrieval", "--data_dir", dir, "--mode", "dense", "--index", indexDir);
  const scores = (out: string) => /nDCG@10 .* MRR@10 [\d.]+/.exec(out)?.[0];
  assert.equal(scores(again.stdout), scores(first.stdout)); // the loaded index ranks as the one just built
  assert.match(again.stdout, /nDCG@10 \d\.\d{4} · Recall@100 1\.0000/);
  // Hybrid: RRF of dense and BM25 (which finds nothing here) ranks as dense does.
  const rrf = gradstackCli("eval-retrieval", "--data_dir", dir, "--mode", "hybrid", "--index", indexDir);
  assert.equal(rrf.status, 0, rrf.stderr);
  assert.equal(scores(rrf.stdout), scores(first.stdout));
  // The mix weight is chosen on held-out training claims (here 4 of the 16), and says so.
  const mix = gradstackCli(
    ..."eval-retrieval --mode hybrid --fusion mix --val_claims 4 --data_dir".split(" "),
    dir,
    "--index",
    indexDir,
  );
  assert.equal(mix.status, 0, mix.stderr);
  assert.match(mix.stdout, /dense weight [\d.]+ chosen on 4 held-out training claims/);
  // search: the index folder names the corpus and the encoder.
  const hits = gradstackCli(
    "search",
    "--index",
    indexDir,
    "--mode",
    "dense",
    "--top_k",
    "3",
    "some",
    "words",
  );
  assert.equal(hits.status, 0, hits.stderr);
  assert.equal(
    hits.stdout
      .trim()
      .split("\n")
      .filter((l) => /^\S+\s+d\d+ /.test(l)).length,
    3,
  );
  const usage = gradstackCli("eval-retrieval", "--data_dir", dir, "--mode", "dense");
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--mode dense needs --model CKPT_DIR or an existing --index DIR/);
  assert.match(gradstackCli("search", "--data", dir).stderr, /give the query/);
  assert.match(
    gradstackCli(
      "eval-retrieval",
      "--data_dir",
      dir,
      "--mode",
      "hybrid",
      "--index",
      indexDir,
      "--weight",
      "2",
    ).stderr,
    /--weight must be in \[0, 1\]/,
  );
});
