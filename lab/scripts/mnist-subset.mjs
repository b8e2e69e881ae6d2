// Writes lab/data/mnist-subset/: the first TRAIN training and TEST test images of data/mnist, as gzipped IDX
// files, so that the built lab serves under 1 MB of MNIST instead of copying the 11 MB that data/ ships.
// Deterministic (gzip level 9, no timestamp): running it again gives the same bytes.
//   node lab/scripts/mnist-subset.mjs
import { gunzipSync, gzipSync } from "node:zlib";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Keep in step with MNIST_SUBSET in lab/src/tasks/mnist-settings.ts. */
const TRAIN = 5000;
const TEST = 500;
const PIXELS = 28 * 28;

const repo = fileURLToPath(new URL("../../", import.meta.url));
const outDir = `${repo}lab/data/mnist-subset/`;

/** The first `count` records of an IDX file, with its first dim rewritten to `count`. */
function idxPrefix(name, headerBytes, recordBytes, count) {
  const idx = gunzipSync(readFileSync(`${repo}data/mnist/${name}-ubyte.gz`));
  const out = Buffer.from(idx.subarray(0, headerBytes + count * recordBytes));
  out.writeUInt32BE(count, 4);
  return out;
}

mkdirSync(outDir, { recursive: true });
const files = {
  [`train-images-${TRAIN}-idx3`]: idxPrefix("train-images-idx3", 16, PIXELS, TRAIN),
  [`train-labels-${TRAIN}-idx1`]: idxPrefix("train-labels-idx1", 8, 1, TRAIN),
  [`t10k-images-${TEST}-idx3`]: idxPrefix("t10k-images-idx3", 16, PIXELS, TEST),
  [`t10k-labels-${TEST}-idx1`]: idxPrefix("t10k-labels-idx1", 8, 1, TEST),
};
for (const [name, bytes] of Object.entries(files)) {
  const gz = gzipSync(bytes, { level: 9 });
  writeFileSync(`${outDir}${name}-ubyte.gz`, gz);
  console.log(`${name}-ubyte.gz: ${gz.length} bytes`);
}
