// Translation training on shipped fra-eng pairs: checkpoints, bit-identical resume, loading and translating.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { trainTranslator, type MTTrainConfig } from "../src/train/mt-train.js";
import { loadTranslator } from "../src/train/mt-model.js";
import { translateSentences } from "../src/train/mt-eval.js";
import { readJsonl } from "../src/io/metrics.js";
import { readText } from "../src/io/files.js";
import { repoRoot } from "./helpers/fixtures.js";

// The first 64 pairs of the shipped fra.txt.gz, as a plain fra.txt (reading all 167k pairs takes longer).
const dataDir = mkdtempSync(path.join(tmpdir(), "gs-fra-"));
mkdirSync(dataDir, { recursive: true });
const head = readText(path.join(repoRoot, "data/fra-eng/fra.txt.gz")).split("\n").slice(0, 64).join("\n");
writeFileSync(path.join(dataDir, "fra.txt"), head + "\n");

const tiny: Partial<MTTrainConfig> = {
  data: "fra-eng",
  data_dir: dataDir,
  num_train: 48,
  num_val: 16,
  batch_size: 16,
  epochs: 2,
  emb_dim: 8,
  enc_hidden: 8,
  dec_hidden: 8,
  d_model: 8,
  nhead: 2,
  ff_dim: 16,
  enc_layers: 1,
  dec_layers: 1,
  num_layers: 1,
  max_decode_len: 6,
  dropout: 0.1,
};

for (const arch of ["gru-attn", "transformer"]) {
  test(`train translate (${arch}): checkpoints, metrics, curve, results; resuming gives the same weights`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), `gs-mt-${arch}-`));
    const straight = trainTranslator({ ...tiny, arch, out_dir: path.join(dir, "a") });
    assert.equal(straight.finished, true);
    assert.equal(straight.results.epochsDone, 2);
    assert.equal(straight.results.steps, 6); // 48 pairs / 16 per batch × 2 epochs
    for (const f of [
      "checkpoint.safetensors",
      "best.safetensors",
      "metrics.jsonl",
      "loss.svg",
      "results.json",
      "test.hyp.txt",
    ])
      assert.ok(existsSync(path.join(dir, "a", f)), `missing ${f}`);
    const rows = readJsonl<{ split: string }>(path.join(dir, "a", "metrics.jsonl"));
    assert.equal(rows.filter((r) => r.split === "eval").length, 2);
    const results = JSON.parse(readFileSync(path.join(dir, "a", "results.json"), "utf8"));
    assert.equal(results.test.sentences, 4);
    assert.equal(results.samples.length, 4);
    assert.match(results.samples[0], /^go \. => .*, bleu \d\.\d{3}$/);

    // One epoch, then resume for the second: the same weights as the straight run.
    trainTranslator({ ...tiny, arch, epochs: 1, eval_test: false, out_dir: path.join(dir, "b") });
    const resumed = trainTranslator({ ...tiny, arch, init_from: "resume", out_dir: path.join(dir, "b") });
    assert.equal(resumed.results.steps, 6);
    const a = straight.model.stateDict();
    const b = resumed.model.stateDict();
    for (const k of Object.keys(a)) assert.deepEqual(b[k].tolist(), a[k].tolist(), `${k} after resume`);

    const t = loadTranslator(path.join(dir, "a"));
    assert.equal(t.config.arch, arch);
    const [tr, long] = translateSentences(t.model, ["Go.", "I lost it, Tom."], t, { maxLen: 6 });
    assert.ok(tr.tokens.length <= 6);
    assert.equal(tr.text, tr.tokens.join(" "));
    assert.deepEqual(tr.srcTokens, ["go", ".", "<eos>"]);
    // Attention rows cover each sentence's own source tokens, not the batch's padding.
    assert.ok(tr.attention.every((row) => row.length === 3));
    assert.ok(
      long.attention.every((row) => row.length === long.srcTokens.length && long.srcTokens.length > 3),
    );
    const [beam] = translateSentences(t.model, ["Go."], t, { maxLen: 6, beamSize: 3 });
    assert.ok(Array.isArray(beam.tokens));
  });
}

test("train translate: clear errors for bad settings", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-mt-bad-"));
  assert.throws(
    () => trainTranslator({ ...tiny, arch: "lstm", out_dir: dir }),
    /--arch must be "gru-attn" or "transformer", got "lstm"/,
  );
  assert.throws(
    () => trainTranslator({ ...tiny, init_from: "resume", out_dir: path.join(dir, "none") }),
    /no .*checkpoint\.safetensors/,
  );
  assert.throws(
    () => trainTranslator({ ...tiny, batch_size: 0, out_dir: dir }),
    /--batch_size must be a positive integer/,
  );
  assert.throws(
    () => trainTranslator({ ...tiny, src: "de", tgt: "en", out_dir: dir }),
    /--src\/--tgt must be en\/fr or fr\/en/,
  );
  assert.throws(() => loadTranslator(path.join(dir, "nothing")), /no translation checkpoint at/);
});
