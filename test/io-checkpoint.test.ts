import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  MetricsLogger,
  loadCheckpoint,
  loadSafetensors,
  readJsonl,
  saveCheckpoint,
  saveFileAtomic,
  saveSafetensors,
} from "../src/io/index.js";
import {
  Generator,
  Tensor,
  arange,
  getRngState,
  manualSeed,
  randn,
  setRngState,
  tensor,
} from "../src/index.js";

const tmp = mkdtempSync(path.join(tmpdir(), "gradstack-ckpt-"));

test("saveFileAtomic: writes, replaces, creates folders and leaves no temporary file", () => {
  const file = path.join(tmp, "sub/dir/a.txt");
  saveFileAtomic(file, "one");
  saveFileAtomic(file, new TextEncoder().encode("two"));
  assert.equal(readFileSync(file, "utf8"), "two");
  assert.deepEqual(readdirSync(path.dirname(file)), ["a.txt"]);
});

test("saveFileAtomic: a failed write leaves the old file intact and no temporary file", () => {
  const dir = path.join(tmp, "atomic");
  mkdirSync(dir);
  // The rename fails: the target is a non-empty folder.
  const target = path.join(dir, "target");
  mkdirSync(target);
  writeFileSync(path.join(target, "keep.txt"), "old");
  assert.throws(
    () => saveFileAtomic(target, "new"),
    (e: Error) => e.message.startsWith(`saveFileAtomic: could not write ${target}`),
  );
  assert.equal(readFileSync(path.join(target, "keep.txt"), "utf8"), "old");
  assert.deepEqual(readdirSync(dir), ["target"]);
  // The temporary write fails: the folder cannot be created because a file stands in its place.
  const file = path.join(dir, "model.safetensors");
  saveSafetensors(file, { w: tensor([1, 2, 3]) });
  const before = readFileSync(file);
  assert.throws(() => saveFileAtomic(path.join(file, "inner.bin"), "x"), /saveFileAtomic: could not write/);
  assert.deepEqual(readFileSync(file), before);
  // A serialization error happens before anything is written.
  assert.throws(() => saveSafetensors(file, { w: "oops" as unknown as Tensor }), /"w" is not a Tensor/);
  assert.deepEqual(loadSafetensors(file).w.tolist(), [1, 2, 3]);
});

test("checkpoint round trip: model, nested optimizer state, config, step, rng, extra", () => {
  manualSeed(123);
  randn([5]);
  const rng = getRngState();
  const model = { "layer.0.weight": randn([3, 2]), "layer.0.bias": randn([3]), "bn.num_batches": tensor(7) };
  const expAvg = randn([3, 2]);
  const optimizer = {
    state: {
      0: { step: 10, exp_avg: expAvg, exp_avg_sq: randn([3, 2]), history: [tensor([1, 2]), 0.5, null] },
      1: { step: 10, exp_avg: randn([3]), exp_avg_sq: randn([3]), same: expAvg },
    },
    param_groups: [
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, params: [0, 1], maxLr: Infinity },
    ],
    byName: new Map<string, unknown>([["a.b", tensor([true, false])]]),
  };
  const config = { model: "mlp", hidden: [256, 128], dropout: 0.1, name: "ünïcode ✓" };
  const file = saveCheckpoint(path.join(tmp, "run1"), {
    model,
    optimizer,
    config,
    step: 1000,
    rng,
    extra: { best: 0.5 },
  });
  assert.equal(file, path.join(tmp, "run1", "checkpoint.safetensors"));
  randn([100]); // move the global generator on

  const ck = loadCheckpoint(path.join(tmp, "run1"));
  assert.deepEqual(Object.keys(ck.model).sort(), Object.keys(model).sort());
  for (const [k, t] of Object.entries(model)) assert.deepEqual(ck.model[k].tolist(), t.tolist(), k);
  assert.equal(ck.model["bn.num_batches"].dtype, "int32");
  assert.equal(ck.step, 1000);
  assert.deepEqual(ck.config, config);
  assert.deepEqual(ck.extra, { best: 0.5 });
  const opt = ck.optimizer as typeof optimizer;
  assert.deepEqual(opt.param_groups, optimizer.param_groups);
  assert.equal(opt.state[0].step, 10);
  assert.deepEqual(opt.state[0].exp_avg.tolist(), expAvg.tolist());
  assert.deepEqual(opt.state[1].exp_avg_sq.tolist(), optimizer.state[1].exp_avg_sq.tolist());
  assert.equal(opt.state[1].same, opt.state[0].exp_avg, "a tensor referenced twice comes back as one");
  assert.deepEqual((opt.state[0].history[0] as Tensor).tolist(), [1, 2]);
  assert.deepEqual(opt.state[0].history.slice(1), [0.5, null]);
  assert.ok(opt.byName instanceof Map);
  assert.deepEqual((opt.byName.get("a.b") as Tensor).tolist(), [true, false]);
  // The RNG state restores the stream.
  setRngState(ck.rng!);
  const a = randn([4]).tolist();
  setRngState(rng);
  assert.deepEqual(randn([4]).tolist(), a);
  const g = new Generator(0);
  g.setState(ck.rng!);
  // Tensor names in the file.
  const names = Object.keys(loadSafetensors(file)).sort();
  assert.ok(names.includes("model.layer.0.weight"));
  assert.ok(names.includes("optimizer.state.0.exp_avg"));
  assert.equal(names.filter((n) => n.startsWith("optimizer.")).length, 6);
});

test("checkpoint: explicit .safetensors path, Map model, overwrite keeps a valid file", () => {
  const file = path.join(tmp, "ck", "step-1.safetensors");
  assert.equal(saveCheckpoint(file, { model: new Map([["w", arange(3).float()]]) }), file);
  assert.deepEqual(loadCheckpoint(file).model.w.tolist(), [0, 1, 2]);
  saveCheckpoint(file, { model: { w: arange(4).float() }, step: 2 });
  const ck = loadCheckpoint(file);
  assert.deepEqual(ck.model.w.tolist(), [0, 1, 2, 3]);
  assert.equal(ck.step, 2);
  assert.equal(ck.optimizer, undefined);
  assert.deepEqual(readdirSync(path.dirname(file)), ["step-1.safetensors"]);
});

test("checkpoint: corrupt, truncated, foreign and unstorable input are clear errors", () => {
  const file = saveCheckpoint(path.join(tmp, "c.safetensors"), {
    model: { w: randn([64]) },
    optimizer: { m: randn([64]) },
  });
  const bytes = readFileSync(file);
  const cut = path.join(tmp, "cut.safetensors");
  writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
  assert.throws(
    () => loadCheckpoint(cut),
    (e: Error) =>
      e.message.startsWith(`loadCheckpoint: ${cut}: `) && /not covered|past the end/.test(e.message),
  );
  const garbage = path.join(tmp, "garbage.safetensors");
  writeFileSync(garbage, "this is not a checkpoint at all");
  assert.throws(
    () => loadCheckpoint(garbage),
    /loadCheckpoint: .*garbage\.safetensors: header length \d+ exceeds/,
  );
  const plain = path.join(tmp, "plain.safetensors");
  saveSafetensors(plain, { w: tensor([1]) });
  assert.throws(() => loadCheckpoint(plain), /not a gradstack checkpoint/);
  assert.throws(
    () => loadCheckpoint(path.join(tmp, "nothing-here")),
    /loadCheckpoint: cannot open .*nothing-here.checkpoint\.safetensors/,
  );
  assert.throws(
    () => saveCheckpoint(path.join(tmp, "x.safetensors"), { model: {}, optimizer: { f: () => 1 } }),
    /saveCheckpoint: cannot store a function at optimizer\.f/,
  );
  assert.throws(
    () => saveCheckpoint(path.join(tmp, "x.safetensors"), { model: {}, extra: { buf: new Float32Array(2) } }),
    /cannot store a Float32Array at extra\.buf/,
  );
  assert.throws(
    () => saveCheckpoint(path.join(tmp, "x.safetensors"), { model: { w: 1 as unknown as Tensor } }),
    /model entry "w" is not a Tensor/,
  );
  assert.equal(existsSync(path.join(tmp, "x.safetensors")), false);
});

test("saveCheckpoint refuses an unknown field instead of dropping it from the file", () => {
  const file = path.join(tmp, "unknown-key.safetensors");
  const model = { w: arange(2).float() };
  assert.throws(
    () => saveCheckpoint(file, { model, iter: 5 } as unknown as Parameters<typeof saveCheckpoint>[1]),
    /saveCheckpoint: unknown option "iter"; expected one of model, optimizer, config, step, rng, extra/,
  );
  assert.throws(
    () => saveCheckpoint(file, { model, Step: 5 } as unknown as Parameters<typeof saveCheckpoint>[1]),
    /unknown option "Step"/,
  );
  assert.equal(existsSync(file), false);
});

test("MetricsLogger and readJsonl", () => {
  const file = path.join(tmp, "runs/a/metrics.jsonl");
  const m = new MetricsLogger(file);
  m.log({ step: 1, loss: tensor(0.5), lr: 1e-3 });
  m.log({ step: 2, loss: 0.25, acc: tensor([0.5, 1]) });
  assert.deepEqual(readJsonl(file), [
    { step: 1, loss: 0.5, lr: 1e-3 },
    { step: 2, loss: 0.25, acc: [0.5, 1] },
  ]);
  writeFileSync(path.join(tmp, "bad.jsonl"), '{"a": 1}\n\n{"a": \n');
  assert.throws(
    () => readJsonl(path.join(tmp, "bad.jsonl")),
    /readJsonl: .*bad\.jsonl: line 3 is not valid JSON/,
  );
  assert.throws(() => m.log([1] as unknown as Record<string, unknown>), /expects an object/);
});
