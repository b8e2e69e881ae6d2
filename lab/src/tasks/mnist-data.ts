/**
 * MNIST in the worker, from the lab's subset of the IDX files that data/mnist ships (lab/data/mnist-subset,
 * written by lab/scripts/data-subsets.mjs: the built site carries 0.9 MB of MNIST, not 11 MB): only the
 * prefix of the images that a run uses is downloaded and decompressed, streamed through the browser's
 * DecompressionStream and parsed by gradstack's IDX reader.
 */
import * as gs from "gradstack";
import trainImagesUrl from "../../data/mnist-subset/train-images-5000-idx3-ubyte.gz?url";
import trainLabelsUrl from "../../data/mnist-subset/train-labels-5000-idx1-ubyte.gz?url";
import testImagesUrl from "../../data/mnist-subset/t10k-images-500-idx3-ubyte.gz?url";
import testLabelsUrl from "../../data/mnist-subset/t10k-labels-500-idx1-ubyte.gz?url";

export const PIXELS = 28 * 28;

export interface MnistSplit {
  /** count × 784 pixels, 0..255, row by row. */
  pixels: Uint8Array;
  /** (count, 784) float32 in [0, 1]. */
  images: gs.Tensor;
  /** (count) int32 digits. */
  labels: gs.Tensor;
}

/**
 * The first `count` records of a gzipped one- or three-dimensional IDX file, as an IDX file of `count`
 * records: its first dim is rewritten, so gs.data.parseIdx checks the length as usual.
 */
async function idxPrefix(url: string, dims: number, recordBytes: number, count: number): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`MNIST: ${url}: HTTP ${response.status}`);
  const headerBytes = 4 + 4 * dims;
  const out = new Uint8Array(headerBytes + count * recordBytes);
  const reader = response.body.pipeThrough(new DecompressionStream("gzip")).getReader();
  let filled = 0;
  while (filled < out.length) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`MNIST: ${url} holds fewer than ${count} records`);
    const take = Math.min(value.length, out.length - filled);
    out.set(value.subarray(0, take), filled);
    filled += take;
  }
  await reader.cancel();
  new DataView(out.buffer).setUint32(4, count);
  return out;
}

async function loadSplit(imagesUrl: string, labelsUrl: string, count: number): Promise<MnistSplit> {
  const [imageBytes, labelBytes] = await Promise.all([
    idxPrefix(imagesUrl, 3, PIXELS, count),
    idxPrefix(labelsUrl, 1, 1, count),
  ]);
  const images = gs.data.parseIdx(imageBytes, imagesUrl).reshape([count, PIXELS]).float().div(255);
  return { pixels: imageBytes.subarray(16), images, labels: gs.data.parseIdx(labelBytes, labelsUrl) };
}

const cache = new Map<string, Promise<MnistSplit>>();

/** The first `count` images of the training ("train") or test ("test") split, loaded once per count. */
export function mnistSplit(split: "train" | "test", count: number): Promise<MnistSplit> {
  const key = `${split}:${count}`;
  if (!cache.has(key))
    cache.set(
      key,
      (split === "train"
        ? loadSplit(trainImagesUrl, trainLabelsUrl, count)
        : loadSplit(testImagesUrl, testLabelsUrl, count)
      ).catch((e: unknown) => {
        cache.delete(key); // a failed download is tried again on the next run
        throw e;
      }),
    );
  return cache.get(key)!;
}
