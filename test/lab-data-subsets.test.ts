// The lab serves subsets of the large shipped data sets (lab/data/*-subset, written by
// lab/scripts/data-subsets.mjs) rather than copies of data/: each subset file must be the start of the
// shipped file (MNIST: the first records, with the count in the header), so that the lab trains on the
// same examples as `gradstack` in Node, and all together must stay small.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { repoRoot } from "./helpers/fixtures.js";

const SUBSETS = join(repoRoot, "lab", "data");
const gunzip = (...path: string[]) => gunzipSync(readFileSync(join(...path)));
/** What the subsets may weigh, all files together: the point of them is a small package. */
const MAX_BYTES = 1_200_000;

test("the lab's MNIST subset is the first records of data/mnist", () => {
  const dir = join(SUBSETS, "mnist-subset");
  const files = readdirSync(dir).filter((f) => f.endsWith(".gz"));
  assert.equal(files.length, 4, `four IDX files (train/test images/labels): ${files.join(", ")}`);
  for (const file of files) {
    // train-images-5000-idx3-ubyte.gz is the first 5000 records of train-images-idx3-ubyte.gz.
    const [, name, count, kind] = /^(\w+-\w+)-(\d+)-(idx\d)-ubyte\.gz$/.exec(file) ?? [];
    assert.ok(name, `unexpected file name ${file}`);
    const subset = gunzip(dir, file);
    const full = gunzip(repoRoot, "data", "mnist", `${name}-${kind}-ubyte.gz`);
    const header = kind === "idx3" ? 16 : 8;
    assert.equal(subset.readUInt32BE(4), Number(count), `${file}: the header's count`);
    assert.equal(subset.length, header + Number(count) * (kind === "idx3" ? 28 * 28 : 1), `${file}: length`);
    assert.ok(subset.subarray(0, 4).equals(full.subarray(0, 4)), `${file}: the magic number`);
    assert.ok(subset.subarray(8).equals(full.subarray(8, subset.length)), `${file}: the records`);
  }
});

test("the lab's fra-eng subset is the first lines of data/fra-eng", () => {
  const subset = gunzip(SUBSETS, "fra-eng-subset", "fra-20000.txt.gz").toString("utf8");
  const full = gunzip(repoRoot, "data", "fra-eng", "fra.txt.gz").toString("utf8");
  assert.equal(subset.split("\n").length - 1, 20000, "20,000 lines, each ending in a newline");
  assert.ok(full.startsWith(subset), "the subset is the start of the full file");
});

test("the lab's data subsets weigh under 1.2 MB together", () => {
  let total = 0;
  for (const dir of readdirSync(SUBSETS))
    for (const file of readdirSync(join(SUBSETS, dir))) total += statSync(join(SUBSETS, dir, file)).size;
  assert.ok(total < MAX_BYTES, `the subsets weigh ${total} bytes`);
});
