// `gradstack rag`: passages retrieved for a question, the sentences that best match it, and a GPT's continuation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as gs from "../src/index.js";
import { GPT } from "../src/models/gpt.js";
import { trainGPT } from "../src/train/gpt-train.js";
import { sentencesOf } from "../src/cli/commands/rag.js";
import { gradstackCli } from "./helpers/cli.js";

const DOCS = [
  "The heart pumps blood. Arteries carry it away from the heart. Veins bring it back.",
  "Wings make lift. A stall comes when the angle of attack is too high.",
  "Bread needs flour and water. Yeast makes the dough rise.",
].join("\n");

test("sentencesOf: splits after . ! or ? and white space", () => {
  assert.deepEqual(sentencesOf("One. Two!  Three? four"), ["One.", "Two!", "Three?", "four"]);
  assert.deepEqual(sentencesOf("  "), []);
});

test("gradstack rag: the passage, the best-matching sentences and a generation from a GPT checkpoint", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rag-"));
  const corpus = path.join(dir, "docs.txt");
  writeFileSync(corpus, DOCS);
  const retrieval = gradstackCli(
    "rag",
    "--data",
    corpus,
    "--passages",
    "1",
    "--sentences",
    "2",
    "what",
    "makes",
    "dough",
    "rise?",
  );
  assert.equal(retrieval.status, 0, retrieval.stderr);
  const out = retrieval.stdout;
  assert.match(out, /passages \(bm25\):\n[\d.]+ {2}3 {2}Bread needs flour/);
  // "makes" and "dough" and "rise" are in the second sentence, "makes" alone nowhere else of passage 3.
  assert.match(out, /best-matching sentences:\n {2}- Yeast makes the dough rise\.\n(?! {2}- )/);
  assert.doesNotMatch(out, /generation/);

  const gpt = path.join(dir, "gpt");
  writeFileSync(path.join(dir, "text.txt"), DOCS.repeat(20));
  trainGPT({
    data_path: path.join(dir, "text.txt"),
    out_dir: gpt,
    max_iters: 2,
    eval_interval: 2,
    eval_iters: 1,
    batch_size: 2,
    block_size: 16,
    n_layer: 1,
    n_head: 2,
    n_embd: 16,
    always_save_checkpoint: true,
  });
  const generated = gradstackCli(
    "rag",
    "--data",
    corpus,
    "--ckpt",
    gpt,
    "--max_new_tokens",
    "12",
    "--passages",
    "1",
    "what is a stall?",
  );
  assert.equal(generated.status, 0, generated.stderr);
  const lines = generated.stdout.split("\n");
  const at = lines.findIndex((l) => l.startsWith("generation ("));
  assert.ok(at > 0, generated.stdout);
  assert.ok(lines.some((l) => l === "  - A stall comes when the angle of attack is too high."));
  // 12 characters of the model's alphabet (the text's characters).
  const text = lines
    .slice(at + 1)
    .join("\n")
    .replace(/\n$/, "");
  assert.equal([...text].length, 12);
  for (const ch of text) assert.ok(DOCS.includes(ch), JSON.stringify(ch));
  assert.match(gradstackCli("rag", "--data", corpus).stderr, /give the question/);
});

test("gradstack rag --ckpt FILE.safetensors: one GPT-2-BPE model in nanoGPT's or Hugging Face's names generates the same text", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "rag-gpt2-"));
  const corpus = path.join(dir, "docs.txt");
  writeFileSync(corpus, DOCS);
  gs.manualSeed(5);
  const model = new GPT({
    vocabSize: 50257,
    blockSize: 32,
    nEmbd: 8,
    nLayer: 1,
    nHead: 2,
    dropout: 0,
    bias: true,
  });
  const nanogpt = model.stateDict();
  // Hugging Face's GPT-2 names: no "transformer." prefix, Conv1D weights as (in, out), no lm_head (tied).
  const hf: Record<string, gs.Tensor> = {};
  for (const [k, v] of Object.entries(nanogpt)) {
    if (k === "lm_head.weight") continue;
    const name = k.replace(/^transformer\./, "");
    hf[name] = /(c_attn|c_proj|c_fc)\.weight$/.test(name) ? v.transpose(0, 1).contiguous() : v;
  }
  mkdirSync(path.join(dir, "hf"));
  gs.io.saveSafetensors(path.join(dir, "nanogpt.safetensors"), nanogpt);
  gs.io.saveSafetensors(path.join(dir, "hf", "model.safetensors"), hf);
  writeFileSync(path.join(dir, "hf", "config.json"), JSON.stringify({ n_head: 2 }));
  const generation = (ckpt: string) => {
    const r = gradstackCli(
      "rag",
      "--data",
      corpus,
      "--ckpt",
      ckpt,
      "--max_new_tokens",
      "6",
      "what is a stall?",
    );
    assert.equal(r.status, 0, r.stderr);
    const at = r.stdout.indexOf("generation (");
    assert.ok(at > 0, r.stdout);
    return r.stdout.slice(at).split("\n").slice(1).join("\n");
  };
  const a = generation(path.join(dir, "nanogpt.safetensors"));
  assert.ok(a.length > 0);
  assert.equal(generation(path.join(dir, "hf", "model.safetensors")), a);
  // A character-sized vocabulary is not GPT-2's BPE: the error says what to use instead.
  const small = new GPT({ vocabSize: 11, blockSize: 8, nEmbd: 8, nLayer: 1, nHead: 2 });
  gs.io.saveSafetensors(path.join(dir, "small.safetensors"), small.stateDict());
  const r = gradstackCli("rag", "--data", corpus, "--ckpt", path.join(dir, "small.safetensors"), "a stall");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /a vocabulary of 11 ids is not GPT-2's BPE \(50257\)/);
});
