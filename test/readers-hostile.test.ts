/**
 * Issue 19's hostile files, one by one: each is rejected with an error naming the file and the problem,
 * before the reader allocates more than the file legitimately needs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import { manualSeed, randn } from "../src/index.js";
import { GPT } from "../src/models/gpt.js";
import { loadCheckpoint, parseSafetensors, saveCheckpoint, serializeSafetensors } from "../src/io/index.js";
import { readCsv, readIdx, readParallelCorpus } from "../src/data/index.js";
import { CharTokenizer, KeyedVectors, Vocab } from "../src/text/index.js";
import { GPT_TRAIN_DEFAULTS, loadGPTCheckpoint } from "../src/train/gpt-train.js";
import { MT_TRAIN_DEFAULTS } from "../src/train/mt-train.js";
import { buildModel, loadTranslator } from "../src/train/mt-model.js";
import { allocatedBy, assertCleanError, tempDir, writeFile } from "./helpers/hostile.js";

const dir = tempDir("hostile");
const MiB = 2 ** 20;

/** A tiny GPT checkpoint as train gpt writes it, with `config` overriding the stored config. */
function gptCheckpoint(
  name: string,
  config: Record<string, unknown> = {},
  opts: { extra?: unknown } = {},
): string {
  manualSeed(0);
  const tok = new CharTokenizer([..."abcdefg"]);
  const c = { ...GPT_TRAIN_DEFAULTS, n_layer: 2, n_head: 2, n_embd: 8, block_size: 16 };
  const model = new GPT({
    blockSize: 16,
    vocabSize: tok.vocabSize,
    nLayer: 2,
    nHead: 2,
    nEmbd: 8,
    dropout: 0,
    bias: false,
  });
  return saveCheckpoint(path.join(dir, name), {
    model: model.stateDict(),
    config: { ...c, ...config },
    step: 10,
    extra: opts.extra ?? { tokenizer: tok.toJSON() },
  });
}

/** Asserts that `read` fails cleanly, naming `file` and matching `problem`, having allocated under `limit` bytes. */
function rejects(read: () => unknown, file: string, problem: RegExp, limit = 64 * MiB): void {
  const { bytes, error } = allocatedBy(read);
  assert.ok(error !== undefined, "expected an error");
  assertCleanError(error, file);
  assert.match((error as Error).message, problem);
  assert.ok(bytes < limit, `allocated ${(bytes / MiB).toFixed(0)} MiB before rejecting`);
}

test("a GPT checkpoint whose config says n_embd=32768 is rejected before the model is built", () => {
  const ok = gptCheckpoint("ok.safetensors");
  assert.equal(loadGPTCheckpoint(ok).model.config.nEmbd, 8);
  const file = gptCheckpoint("huge-embd.safetensors", { n_embd: 32768, n_head: 8 });
  rejects(
    () => loadGPTCheckpoint(file),
    file,
    /transformer\.wte\.weight" of shape \[7, 32768\].*the file holds \[7, 8\]/,
  );
});

test("GPT checkpoints: layer count, block size, bias, NaN and wrong types in the stored config", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ n_layer: 100000 }, /n_layer = 100000; expected an integer in \[1, 4096\]/],
    [{ n_layer: 3 }, /n_layer = 3 implies a tensor "transformer\.h\.2\.attn\.c_attn\.weight"/],
    [{ n_layer: 1 }, /"transformer\.h\.1\.attn\.c_attn\.weight" is beyond the 1/],
    [{ block_size: 1 << 20 }, /"transformer\.wpe\.weight" of shape \[1048576, 8\]/],
    [{ bias: true }, /"transformer\.ln_f\.bias" of shape \[8\].*does not hold/],
    [{ n_embd: NaN }, /n_embd = NaN; expected a finite number/],
    [{ n_layer: 2.5 }, /n_layer = 2\.5; expected an integer/],
    [{ n_head: 0 }, /n_head = 0; expected an integer in \[1, 8\]/],
    [{ dropout: 7 }, /dropout = 7; expected a number in \[0, 1\]/],
    [{ bias: "yes" }, /bias = "yes"; expected a boolean/],
  ];
  cases.forEach(([config, problem], i) => {
    const file = gptCheckpoint(`gpt-${i}.safetensors`, config);
    rejects(() => loadGPTCheckpoint(file), file, problem);
  });
});

test("a checkpoint of another model kind is named as such, not listed key by key", () => {
  manualSeed(0);
  const file = saveCheckpoint(path.join(dir, "other.safetensors"), {
    model: { "rnn.weight_ih_l0": randn([12, 4]), "fc.weight": randn([7, 4]) },
    config: GPT_TRAIN_DEFAULTS,
    extra: { tokenizer: new CharTokenizer([..."abcdefg"]).toJSON() },
  });
  rejects(
    () => loadGPTCheckpoint(file),
    file,
    /not a GPT checkpoint: it has no tensor "transformer\.wte\.weight" \(it holds "fc\.weight", "rnn\.weight_ih_l0"\)/,
  );
});

test("a translator checkpoint whose config disagrees with its tensors is rejected before building", () => {
  manualSeed(0);
  const vocab = Vocab.build([["a", "b", "c"]]);
  const config = { ...MT_TRAIN_DEFAULTS, d_model: 8, nhead: 2, enc_layers: 1, dec_layers: 1, ff_dim: 16 };
  const model = buildModel(config, vocab, vocab);
  const save = (name: string, stored: Record<string, unknown>) =>
    saveCheckpoint(path.join(dir, name), {
      model: model.stateDict(),
      config: { ...config, ...stored },
      extra: { srcVocab: vocab.toJSON(), tgtVocab: vocab.toJSON() },
    });
  assert.equal(loadTranslator(save("mt-ok.safetensors", {})).config.d_model, 8);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ d_model: 16384, nhead: 8 }, /"src_tok_emb\.weight" of shape \[7, 16384\]/],
    [{ ff_dim: 1 << 24 }, /linear1\.weight" of shape \[16777216, 8\]/],
    [{ max_decode_len: 1e9 }, /max_decode_len = 1000000000; expected an integer in \[1, 16384\]/],
    [{ enc_layers: 3 }, /enc_layers = 3 implies a tensor "transformer\.encoder\.layers\.1\.linear1\.weight"/],
  ];
  cases.forEach(([stored, problem], i) => {
    const file = save(`mt-${i}.safetensors`, stored);
    rejects(() => loadTranslator(file), file, problem);
  });
  const noConfig = saveCheckpoint(path.join(dir, "mt-no-config.safetensors"), {
    model: model.stateDict(),
    extra: { srcVocab: vocab.toJSON(), tgtVocab: vocab.toJSON() },
  });
  rejects(() => loadTranslator(noConfig), noConfig, /holds no stored config object/);
});

/** A copy of checkpoint `file` with metadata `field` replaced by the JSON text `json`, as a hostile writer would. */
function forge(file: string, name: string, field: string, json: string): string {
  const { tensors, metadata } = parseSafetensors(new Uint8Array(readFileSync(file)));
  return writeFile(dir, name, serializeSafetensors(tensors, { ...metadata!, [field]: json }));
}

test("checkpoint metadata: a NaN step, a broken RNG state, a bogus number, deep nesting", () => {
  const file = saveCheckpoint(path.join(dir, "meta.safetensors"), { model: { w: randn([2]) }, step: 3 });
  assert.equal(loadCheckpoint(file).step, 3);
  const cases: [string, string, RegExp][] = [
    ["step", "1.5", /"step" is 1\.5; expected a non-negative integer/],
    ["step", "-3", /"step" is -3/],
    ["step", '{"__number__":"NaN"}', /"step" is NaN/],
    ["rng", '{"s":[1,2,3],"spare":null}', /"rng" is not a generator state/],
    ["extra", '{"x":{"__number__":"banana"}}', /"extra"\.x holds the number "banana"/],
    ["extra", "[".repeat(5000) + "]".repeat(5000), /nested more than 512 levels deep/],
    [
      "config",
      '{"__tensor__":"model.nothing"}',
      /refers to tensor "model\.nothing", which is not in the file/,
    ],
  ];
  cases.forEach(([field, json, problem], i) => {
    const forged = forge(file, `meta-${i}.safetensors`, field, json);
    rejects(() => loadCheckpoint(forged), forged, problem);
  });
});

test("safetensors: header length, offsets, dtypes and shapes that lie are rejected before decoding", () => {
  const valid = serializeSafetensors({ a: randn([2, 3]), b: randn([4]) });
  const withHeader = (json: string) => {
    const body = new TextEncoder().encode(json);
    const out = new Uint8Array(8 + body.length + 40);
    new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
    out.set(body, 8);
    return out;
  };
  const lenSet = (n: bigint) => {
    const out = valid.slice();
    new DataView(out.buffer).setBigUint64(0, n, true);
    return out;
  };
  const cases: [Uint8Array, RegExp][] = [
    [lenSet(2n ** 63n), /header length \d+ exceeds the 100000000-byte limit/],
    [lenSet(BigInt(valid.length)), /runs past the end of the file/],
    [valid.subarray(0, valid.length - 3), /not covered|point past the end/],
    [
      withHeader(
        '{"a":{"dtype":"F32","shape":[10],"data_offsets":[0,40]},"b":{"dtype":"F32","shape":[2],"data_offsets":[32,40]}}',
      ),
      /overlap/,
    ],
    [withHeader('{"a":{"dtype":"Q4","shape":[10],"data_offsets":[0,40]}}'), /unknown dtype "Q4"/],
    [
      withHeader('{"a":{"dtype":"F32","shape":["NaN"],"data_offsets":[0,40]}}'),
      /must be an array of non-negative integers/,
    ],
    [
      withHeader('{"a":{"dtype":"F32","shape":[1000000000,1000000000],"data_offsets":[0,40]}}'),
      /needs 4000000000000000000 bytes/,
    ],
    [withHeader('{"a":{"dtype":"F32","shape":[10],"data_offsets":[0,1e300]}}'), /data_offsets/],
  ];
  cases.forEach(([bytes, problem], i) =>
    rejects(() => parseSafetensors(bytes, `case-${i}.safetensors`), `case-${i}.safetensors`, problem),
  );
});

test("readIdx: a 1 MB gzip bomb behind a small header stops at the header's size", () => {
  const header = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 10]); // ubyte, shape [10]
  const zeros = gzipSync(new Uint8Array(16 * MiB), { level: 9 });
  const members = [gzipSync(header), ...Array.from({ length: 64 }, () => zeros)]; // gzip members concatenate
  const bomb = writeFile(dir, "bomb.idx.gz", Buffer.concat(members));
  assert.ok(Buffer.concat(members).length < 2 * MiB);
  rejects(
    () => readIdx(bomb),
    bomb,
    /decompresses to more than the 18 bytes its header's shape \[10\] of ubyte needs/,
  );
  // A header promising more than any gzip of this size can hold is refused without inflating at all.
  const liar = writeFile(
    dir,
    "liar.idx.gz",
    gzipSync(Uint8Array.from([0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 16])),
  );
  rejects(() => readIdx(liar), liar, /needs \d+ bytes, but \d+ bytes of gzip hold at most/, 8 * MiB);
});

test("word2vec text, CSV, corpora and tokenizer files that lie are rejected with the file and position", () => {
  rejects(
    () => KeyedVectors.fromText("1000000000 1000\nthe 0.1 0.2\n", "vectors.txt"),
    "vectors.txt",
    /promises 1000000000 words, the file holds 1/,
  );
  rejects(
    () => KeyedVectors.fromText("1 1000000000\nthe 0.1 0.2\n", "vectors.txt"),
    "vectors.txt",
    /promises 1 words of 1000000000 numbers/,
  );
  const kv = KeyedVectors.fromText("2 3\nthe 0.5 -1 2\ncat 1 2 3\n");
  const bin = path.join(dir, "vectors.bin");
  kv.save(bin, { binary: true });
  const again = KeyedVectors.load(bin, { binary: true });
  assert.deepEqual([again.indexToKey, again.vectors], [kv.indexToKey, kv.vectors]);
  const liar = writeFile(
    dir,
    "liar.bin",
    Buffer.concat([Buffer.from("3000000000 300\n"), readFileSync(bin).subarray(4)]),
  );
  rejects(() => KeyedVectors.load(liar, { binary: true }), liar, /promises 3000000000 words of 300 floats/);
  const cut = writeFile(dir, "cut.bin", readFileSync(bin).subarray(0, 30));
  rejects(
    () => KeyedVectors.load(cut, { binary: true }),
    cut,
    /promises 2 words of 3 floats|byte \d+: the vector of "cat" needs 12 bytes/,
  );
  const csv = writeFile(dir, "bad.csv", "a,b\n1,2\n3,x\n");
  rejects(() => readCsv(csv), csv, /line 3, column "b": "x" is not a number/);
  const src = writeFile(dir, "src.txt", "one\ntwo\n");
  const tgt = writeFile(dir, "tgt.txt", "un\n");
  rejects(() => readParallelCorpus(src, tgt), src, /has 2 lines but .* has 1/);
  const vocab = writeFile(dir, "vocab.json", '{"type":"Vocab","tokens":[["a",1],["b"]]}');
  rejects(() => Vocab.load(vocab), vocab, /`tokens` must be an array of \[token, frequency\] pairs/);
  const chars = writeFile(dir, "chars.json", '{"type":"CharTokenizer","chars":["a",');
  rejects(() => CharTokenizer.load(chars), chars, /is not valid JSON/);
});
