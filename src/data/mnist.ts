/** MNIST from its four IDX files (gzipped or not), shipped in `data/mnist`. Node only. */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Tensor } from "../tensor/tensor.js";
import { datasetDir, requireFile } from "../io/files.js";
import { parseIdxHeader } from "./idx.js";
import { readIdxBytes } from "./idx-file.js";

export interface MnistOptions {
  /** "train" (60,000 images) or "test" (10,000). Default "train". */
  split?: "train" | "test";
  /** Scale pixels from 0..255 to [0, 1] (default true); false keeps 0..255 (still float32). */
  scale?: boolean;
}

/** The file `name` or `name.gz` in dir, preferring the gzipped one. */
function findFile(dir: string, name: string): string {
  const gz = path.join(dir, `${name}.gz`);
  if (existsSync(gz)) return gz;
  const plain = path.join(dir, name);
  requireFile(plain, "loadMnist");
  return plain;
}

/** A ubyte IDX file's header and values, checking that its dims are what MNIST has. */
function readUbyte(file: string, ndim: number): { shape: number[]; values: Uint8Array } {
  const bytes = readIdxBytes(file, "loadMnist");
  const { typeCode, shape, dataOffset } = parseIdxHeader(bytes, file, "loadMnist");
  if (typeCode !== 0x08 || shape.length !== ndim)
    throw new Error(
      `loadMnist: ${file}: expected ${ndim}-d ubyte data, got ${shape.length}-d of type 0x${typeCode.toString(16)}`,
    );
  return { shape, values: bytes.subarray(dataOffset) };
}

/**
 * Loads an MNIST split: images (N, 28, 28) float32 in [0, 1] and labels (N) int32. `dir` defaults to
 * the `data/mnist` folder shipped with gradstack.
 * @example
 * const { images, labels } = gs.data.loadMnist(undefined, { split: "test" }); // (10000, 28, 28), (10000)
 */
export function loadMnist(dir?: string, opts: MnistOptions = {}): { images: Tensor; labels: Tensor } {
  const { split = "train", scale = true } = opts;
  if (split !== "train" && split !== "test")
    throw new RangeError(`loadMnist: split must be "train" or "test", got ${JSON.stringify(split)}`);
  const folder = dir ?? datasetDir("mnist");
  const prefix = split === "train" ? "train" : "t10k";
  const imageFile = findFile(folder, `${prefix}-images-idx3-ubyte`);
  const labelFile = findFile(folder, `${prefix}-labels-idx1-ubyte`);
  const img = readUbyte(imageFile, 3);
  const lab = readUbyte(labelFile, 1);
  if (img.shape[0] !== lab.shape[0])
    throw new Error(
      `loadMnist: ${imageFile} holds ${img.shape[0]} images but ${labelFile} holds ${lab.shape[0]} labels`,
    );
  const pixels = new Float32Array(img.values.length);
  const factor = scale ? 1 / 255 : 1;
  for (let i = 0; i < pixels.length; i++) pixels[i] = img.values[i] * factor;
  return {
    images: new Tensor(pixels, img.shape),
    labels: new Tensor(Int32Array.from(lab.values), lab.shape),
  };
}
