// The lab serves a subset of MNIST (lab/data/mnist-subset, written by lab/scripts/mnist-subset.mjs) rather
// than the full files of data/mnist: each subset file must be the first records of the shipped file, with
// its count in the header, so that the lab trains on the same digits as `gradstack` in Node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { repoRoot } from "./helpers/fixtures.js";

const SUBSET = join(repoRoot, "lab", "data", "mnist-subset");
const FULL = join(repoRoot, "data", "mnist");
/** What the subset may weigh, all files together: the point of it is a small package. */
const MAX_BYTES = 1_000_000;

test("the lab's MNIST subset is the first records of data/mnist, under 1 MB", () => {
  const files = readdirSync(SUBSET).filter((f) => f.endsWith(".gz"));
  assert.equal(files.length, 4, `four IDX files (train/test images/labels): ${files.join(", ")}`);
  let total = 0;
  for (const file of files) {
    total += statSync(join(SUBSET, file)).size;
    // train-images-5000-idx3-ubyte.gz is the first 5000 records of train-images-idx3-ubyte.gz.
    const [, name, count, kind] = /^(\w+-\w+)-(\d+)-(idx\d)-ubyte\.gz$/.exec(file) ?? [];
    assert.ok(name, `unexpected file name ${file}`);
    const subset = gunzipSync(readFileSync(join(SUBSET, file)));
    const full = gunzipSync(readFileSync(join(FULL, `${name}-${kind}-ubyte.gz`)));
    const header = kind === "idx3" ? 16 : 8;
    assert.equal(subset.readUInt32BE(4), Number(count), `${file}: the header's count`);
    assert.equal(subset.length, header + Number(count) * (kind === "idx3" ? 28 * 28 : 1), `${file}: length`);
    assert.ok(subset.subarray(0, 4).equals(full.subarray(0, 4)), `${file}: the magic number`);
    assert.ok(subset.subarray(8).equals(full.subarray(8, subset.length)), `${file}: the records`);
  }
  assert.ok(total < MAX_BYTES, `the subset weighs ${total} bytes`);
});
