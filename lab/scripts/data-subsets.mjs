// Writes the lab's subsets of the large shipped data sets, so that the built site (lab/dist, in the npm
// package) carries about 1 MB of them instead of copying the 15 MB that data/ ships as well:
//   lab/data/mnist-subset/:   the first TRAIN training and TEST test images of data/mnist, as gzipped IDX;
//   lab/data/fra-eng-subset/: the first PAIRS lines (sentence pairs) of data/fra-eng/fra.txt.gz.
// Deterministic (gzip level 9, no timestamp): running it again gives the same bytes.
//   node lab/scripts/data-subsets.mjs
import { gunzipSync, gzipSync } from "node:zlib";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Keep in step with MNIST_SUBSET (lab/src/tasks/mnist-settings.ts) and FRA_ENG_SUBSET_PAIRS (translation-settings.ts). */
const TRAIN = 5000;
const TEST = 500;
const PAIRS = 20000;
const PIXELS = 28 * 28;

const repo = fileURLToPath(new URL("../../", import.meta.url));

/** The first `count` records of an IDX file, with its first dim rewritten to `count`. */
function idxPrefix(name, headerBytes, recordBytes, count) {
  const idx = gunzipSync(readFileSync(`${repo}data/mnist/${name}-ubyte.gz`));
  const out = Buffer.from(idx.subarray(0, headerBytes + count * recordBytes));
  out.writeUInt32BE(count, 4);
  return out;
}

/** The first `count` lines of a gzipped text, each with its newline. */
function firstLines(path, count) {
  const lines = gunzipSync(readFileSync(`${repo}${path}`))
    .toString("utf8")
    .split("\n");
  return Buffer.from(lines.slice(0, count).join("\n") + "\n", "utf8");
}

const files = {
  [`mnist-subset/train-images-${TRAIN}-idx3-ubyte.gz`]: idxPrefix("train-images-idx3", 16, PIXELS, TRAIN),
  [`mnist-subset/train-labels-${TRAIN}-idx1-ubyte.gz`]: idxPrefix("train-labels-idx1", 8, 1, TRAIN),
  [`mnist-subset/t10k-images-${TEST}-idx3-ubyte.gz`]: idxPrefix("t10k-images-idx3", 16, PIXELS, TEST),
  [`mnist-subset/t10k-labels-${TEST}-idx1-ubyte.gz`]: idxPrefix("t10k-labels-idx1", 8, 1, TEST),
  [`fra-eng-subset/fra-${PAIRS}.txt.gz`]: firstLines("data/fra-eng/fra.txt.gz", PAIRS),
};
for (const [name, bytes] of Object.entries(files)) {
  const path = `${repo}lab/data/${name}`;
  mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const gz = gzipSync(bytes, { level: 9 });
  writeFileSync(path, gz);
  console.log(`lab/data/${name}: ${gz.length} bytes`);
}
