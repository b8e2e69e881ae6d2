/**
 * Fuzzing every file reader over bytes: random mutations and truncations of a valid file (fast-check,
 * fixed seed, bounded time) must give a valid result or an Error naming the file, never a crash, a
 * bare V8 RangeError/TypeError, or an allocation of hundreds of MiB. `RUNS` is the number of cases per reader.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { manualSeed, randn, tensor, Tensor } from "../src/index.js";
import { loadCheckpoint, parseSafetensors, saveCheckpoint, serializeSafetensors } from "../src/io/index.js";
import { readCsv, readIdx, readParallelCorpus, readTatoeba } from "../src/data/index.js";
import { BPETokenizer, CharTokenizer, KeyedVectors, Vocab, WordTokenizer } from "../src/text/index.js";
import { GPT } from "../src/models/gpt.js";
import { GPT_TRAIN_DEFAULTS, loadGPTCheckpoint } from "../src/train/gpt-train.js";
import { resolveConfig } from "../src/cli/config.js";
import { FUZZ, allocatedBy, assertCleanError, mutationsOf, tempDir, writeFile } from "./helpers/hostile.js";

const dir = tempDir("fuzz");
const MiB = 2 ** 20;
/** A mutated file of a few KiB may need a few MiB to read; anything near this is a missing check. */
const ALLOCATION_LIMIT = 128 * MiB;
const RUNS = { bytes: 2000, files: 300, models: 100 };
const utf8 = new TextEncoder();

/** Asserts that reading gave a result or a clean error naming `source`, within the allocation limit. */
function checkRead(source: string, read: () => unknown, validate?: (result: unknown) => void): void {
  const { bytes, result, error } = allocatedBy(read);
  if (error !== undefined) assertCleanError(error, source);
  else validate?.(result);
  assert.ok(bytes < ALLOCATION_LIMIT, `${source}: reading allocated ${(bytes / MiB).toFixed(0)} MiB`);
}

/** Fuzzes `read(file)` over mutations of `valid`, each case written to its own file named `name`. */
function fuzzFile(
  name: string,
  valid: Uint8Array | string,
  read: (file: string) => unknown,
  numRuns = RUNS.files,
): void {
  const bytes = typeof valid === "string" ? utf8.encode(valid) : valid;
  let k = 0;
  fc.assert(
    fc.property(mutationsOf(bytes), (mutated) => {
      const file = writeFile(dir, `${k++}-${name}`, mutated);
      checkRead(file, () => read(file));
    }),
    { ...FUZZ, numRuns },
  );
}

/** Every tensor a reader returns is whole: its storage holds all its elements. */
function wholeTensors(result: unknown): void {
  const tensors = (result as { tensors: Record<string, Tensor> }).tensors;
  for (const t of Object.values(tensors))
    assert.equal(
      t.toArray().length,
      t.shape.reduce((a, b) => a * b, 1),
    );
}

test("fuzz safetensors bytes: lying headers, offsets and dtypes", () => {
  manualSeed(1);
  const valid = serializeSafetensors(
    {
      a: randn([3, 4]),
      b: tensor([1, 2, 3], { dtype: "int32" }),
      c: randn([2], { dtype: "float64" }),
      d: tensor([true, false]),
    },
    { format: "pt", note: "x" },
  );
  fc.assert(
    fc.property(mutationsOf(valid), (bytes) =>
      checkRead("fuzz.safetensors", () => parseSafetensors(bytes, "fuzz.safetensors"), wholeTensors),
    ),
    { ...FUZZ, numRuns: RUNS.bytes },
  );
});

test("fuzz checkpoint files: model, optimizer Maps, config, step and RNG in the metadata", () => {
  manualSeed(2);
  const file = saveCheckpoint(path.join(dir, "valid-ckpt.safetensors"), {
    model: { w: randn([4, 3]), b: randn([4]) },
    optimizer: { state: new Map([[0, { step: 3, exp_avg: randn([4, 3]) }]]), lr: 1e-3, eps: Infinity },
    config: { n_embd: 8, name: "tiny" },
    step: 7,
    rng: { s: [1, 2, 3, 4], spare: null },
    extra: { curve: [1.5, 1.25] },
  });
  fuzzFile("ckpt.safetensors", new Uint8Array(readFileSync(file)), loadCheckpoint);
});

test("fuzz GPT checkpoints: stored configs with any values, and corrupted files, before a model is built", () => {
  manualSeed(3);
  const tok = new CharTokenizer([..."abcde"]);
  const model = new GPT({
    blockSize: 8,
    vocabSize: 5,
    nLayer: 1,
    nHead: 2,
    nEmbd: 4,
    dropout: 0,
    bias: false,
  });
  const base = { ...GPT_TRAIN_DEFAULTS, n_layer: 1, n_head: 2, n_embd: 4, block_size: 8 };
  const anyValue = fc.oneof(
    fc.integer({ min: -10, max: 64 }),
    fc.constantFrom(0, 1, 2, 4, 8, 32768, 2 ** 31, 2 ** 53, 1e300, -1, NaN, Infinity, 0.5),
    fc.double(),
    fc.boolean(),
    fc.string({ maxLength: 4 }),
    fc.constant(null),
  );
  const keys = ["n_layer", "n_head", "n_embd", "block_size", "bias", "dropout"] as const;
  let k = 0;
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: 3 }), (overrides) => {
      const file = saveCheckpoint(path.join(dir, `gpt-${k++}.safetensors`), {
        model: model.stateDict(),
        config: { ...base, ...overrides },
        extra: { tokenizer: tok.toJSON() },
      });
      checkRead(file, () => loadGPTCheckpoint(file));
    }),
    { ...FUZZ, numRuns: RUNS.models },
  );
  const valid = saveCheckpoint(path.join(dir, "gpt-valid.safetensors"), {
    model: model.stateDict(),
    config: base,
    extra: { tokenizer: tok.toJSON() },
  });
  fuzzFile("gpt.safetensors", new Uint8Array(readFileSync(valid)), loadGPTCheckpoint, RUNS.models);
});

/** An IDX file: magic, big-endian dims, payload. */
function idx(type: number, dims: number[], payload: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  head.setUint8(2, type);
  head.setUint8(3, dims.length);
  dims.forEach((d, i) => head.setUint32(4 + 4 * i, d));
  return new Uint8Array([...new Uint8Array(head.buffer), ...payload]);
}

test("fuzz IDX files: plain, gzip, and gzip of a corrupted IDX", () => {
  const ubyte = idx(
    0x08,
    [3, 4],
    Uint8Array.from({ length: 12 }, (_, i) => i * 20),
  );
  const float = idx(0x0d, [2, 2], new Uint8Array(16).fill(0x3f));
  fuzzFile("u8.idx", ubyte, readIdx);
  fuzzFile("f32.idx", float, readIdx);
  fuzzFile("u8.idx.gz", gzipSync(ubyte), readIdx);
  let k = 0;
  fc.assert(
    fc.property(mutationsOf(ubyte), (mutated) => {
      const file = writeFile(dir, `${k++}-inner.idx.gz`, gzipSync(mutated));
      checkRead(file, () => readIdx(file));
    }),
    { ...FUZZ, numRuns: RUNS.files },
  );
});

test("fuzz CSV, parallel corpora and Tatoeba files", () => {
  fuzzFile("table.csv", 'a,b,"c ""q"""\n1,2,3\n4.5,nan,-6e3\n\n7,8,9\n', (f) => readCsv(f));
  fuzzFile("table.csv.gz", gzipSync("x;y\n1;2\n3;4\n"), (f) => readCsv(f, { delimiter: ";" }));
  const src = writeFile(dir, "src.txt", "ein Mann .\nzwei Hunde .\n");
  fuzzFile("tgt.txt", "a man .\ntwo dogs .\n", (f) => readParallelCorpus(src, f));
  fuzzFile("fra.txt", "Go.\tVa !\tCC-BY 2.0\nHi.\tSalut !\tCC-BY 2.0\n", (f) =>
    readTatoeba(f, { maxExamples: 10 }),
  );
});

test("fuzz tokenizer files: CharTokenizer, Vocab, WordTokenizer and BPE JSON", () => {
  const save = (name: string, t: { save(f: string): void }) => {
    const file = path.join(dir, name);
    t.save(file);
    return new Uint8Array(readFileSync(file));
  };
  const vocab = Vocab.build([
    ["the", "cat", "sat"],
    ["the", "dog"],
  ]);
  fuzzFile("char.json", save("char-valid.json", new CharTokenizer([..."abc\n"])), CharTokenizer.load);
  fuzzFile("vocab.json", save("vocab-valid.json", vocab), Vocab.load);
  fuzzFile("word.json", save("word-valid.json", new WordTokenizer(vocab)), WordTokenizer.load);
  const bpe = BPETokenizer.train("the cat sat on the mat; the cat ate", {
    vocabSize: 262,
    specialTokens: ["<|end|>"],
  });
  fuzzFile("bpe.json", save("bpe-valid.json", bpe), BPETokenizer.load);
});

test("fuzz word2vec text vectors", () => {
  const valid = utf8.encode("3 4\nthe 0.1 -0.2 0.3 0.4\ncat 1 2 3 4\nsat -1e-3 5.5 0 7\n");
  fc.assert(
    fc.property(mutationsOf(valid), (bytes) =>
      checkRead("vectors.txt", () => KeyedVectors.fromText(new TextDecoder().decode(bytes), "vectors.txt")),
    ),
    { ...FUZZ, numRuns: RUNS.bytes },
  );
});

test("fuzz word2vec binary vectors", () => {
  const kv = KeyedVectors.fromText("3 4\nthe 0.1 -0.2 0.3 0.4\ncat 1 2 3 4\nsät -1e-3 5.5 0 7\n");
  fuzzFile("vectors.bin", kv.toBinary(), (f) => KeyedVectors.load(f, { binary: true }), RUNS.files);
});

test("fuzz config files given with --config", () => {
  const valid = JSON.stringify({
    n_layer: 2,
    n_embd: 16,
    bias: true,
    learning_rate: 3e-4,
    data_path: "x.txt",
  });
  fuzzFile("config.json", valid, (f) => resolveConfig(GPT_TRAIN_DEFAULTS, ["--config", f], "train gpt"));
});
