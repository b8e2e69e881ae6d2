/**
 * An index folder, what `gradstack embed index` writes and `gradstack search --index DIR` reads:
 * - `index.safetensors`: the DenseIndex (vectors and ids in one file, what gradstack loads);
 * - `vectors.npy` (N, dim) float32 and `ids.jsonl` (`{"id": ...}` per line, row order): the same vectors for
 *   other tools, e.g. `faiss.IndexFlatIP(dim).add(np.load("vectors.npy"))`, or a vector database's client
 *   (Qdrant, Chroma, Milvus, LanceDB take numpy arrays and ids);
 * - `index.json`: where the vectors came from (the encoder checkpoint and the corpus), so that a search needs
 *   only the folder.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { DenseIndex } from "./index.js";
import { npyBytes } from "./npy.js";

const FORMAT = "gradstack-index-folder-v1";

/** What an index folder records besides its vectors. */
export interface IndexFolderInfo {
  /** The encoder's checkpoint folder (absolute). */
  model: string;
  /** The corpus: a BEIR folder or a text file (absolute). */
  data: string;
}

/** Writes `index` and `info` into `dir` (created when missing). */
export function saveIndexFolder(dir: string, index: DenseIndex, info: IndexFolderInfo): void {
  mkdirSync(dir, { recursive: true });
  index.save(path.join(dir, "index.safetensors"));
  writeFileSync(
    path.join(dir, "vectors.npy"),
    npyBytes(index.vectors.toArray() as Float32Array, [index.size, index.dim]),
  );
  writeFileSync(path.join(dir, "ids.jsonl"), index.ids.map((id) => JSON.stringify({ id })).join("\n") + "\n");
  const json = {
    format: FORMAT,
    model: path.resolve(info.model),
    data: path.resolve(info.data),
    count: index.size,
    dim: index.dim,
  };
  writeFileSync(path.join(dir, "index.json"), JSON.stringify(json, null, 2) + "\n");
}

/** True when `dir` holds an index folder. */
export const isIndexFolder = (dir: string): boolean =>
  existsSync(path.join(dir, "index.json")) && existsSync(path.join(dir, "index.safetensors"));

/** Reads an index folder written by `saveIndexFolder`. */
export function loadIndexFolder(dir: string): { index: DenseIndex; info: IndexFolderInfo } {
  if (!isIndexFolder(dir))
    throw new Error(
      `loadIndexFolder: ${path.resolve(dir)} is not an index folder (no index.json and index.safetensors)`,
    );
  const json = JSON.parse(readFileSync(path.join(dir, "index.json"), "utf8")) as Record<string, unknown>;
  if (json.format !== FORMAT || typeof json.model !== "string" || typeof json.data !== "string")
    throw new Error(`loadIndexFolder: ${path.join(dir, "index.json")} is not a ${FORMAT} description`);
  return {
    index: DenseIndex.load(path.join(dir, "index.safetensors")),
    info: { model: json.model, data: json.data },
  };
}
