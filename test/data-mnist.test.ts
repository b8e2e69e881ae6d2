import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadMnist, readIdx } from "../src/data/index.js";
import { repoRoot } from "./helpers/fixtures.js";

test("loadMnist: shipped train and test splits", () => {
  const train = loadMnist();
  assert.deepEqual(train.images.shape, [60000, 28, 28]);
  assert.equal(train.images.dtype, "float32");
  assert.deepEqual(train.labels.shape, [60000]);
  assert.equal(train.labels.dtype, "int32");
  assert.deepEqual(Array.from(train.labels.toArray().subarray(0, 5)), [5, 0, 4, 1, 9]);
  const px = train.images.storage;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < px.length; i++) {
    min = Math.min(min, px[i]);
    max = Math.max(max, px[i]);
    sum += px[i];
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  assert.ok(Math.abs(sum / px.length - 0.1307) < 1e-3, `mean pixel ${sum / px.length}`);

  const test = loadMnist(path.join(repoRoot, "data/mnist"), { split: "test", scale: false });
  assert.deepEqual(test.images.shape, [10000, 28, 28]);
  assert.deepEqual(test.labels.shape, [10000]);
  assert.deepEqual(Array.from(test.labels.toArray().subarray(0, 5)), [7, 2, 1, 0, 4]);
  assert.equal(test.images.amax().item(), 255);
  assert.deepEqual(readIdx(path.join(repoRoot, "data/mnist/t10k-labels-idx1-ubyte.gz")).shape, [10000]);
});

test("loadMnist: a missing folder says where it looked; bad split", () => {
  const empty = mkdtempSync(path.join(tmpdir(), "gradstack-mnist-"));
  assert.throws(
    () => loadMnist(empty),
    (e: Error) =>
      /loadMnist: dataset file not found: looked for .*train-images-idx3-ubyte/.test(e.message) &&
      e.message.includes(empty),
  );
  assert.throws(() => loadMnist(undefined, { split: "val" as "test" }), /split must be "train" or "test"/);
});
