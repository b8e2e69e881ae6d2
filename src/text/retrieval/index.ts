/**
 * An exact nearest-neighbour index for dense retrieval: L2-normalised document vectors with their ids, searched
 * by one matrix product (cosine similarity) and a top-k per query. Saved as a safetensors file: the vectors as
 * `embeddings` (N, dim) float32 and the ids, in order, as JSON in the `__metadata__` entry `ids`.
 */
import { Tensor } from "../../tensor/tensor.js";
import { fmtShape } from "../../tensor/shape.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { normalize } from "../../nn/info-nce.js";
import { readSafetensors, saveSafetensors } from "../../io/safetensors-file.js";
import type { RankedHit } from "./metrics.js";

const FORMAT = "gradstack-dense-index-v1";
// Queries scored per matrix product: bounds the (queries, N) score block in memory.
const QUERY_CHUNK = 256;

/**
 * @example
 * const index = new gs.text.DenseIndex(["d1", "d2"], model.encode(docIds));
 * index.search(model.encode(queryIds), 10); // [[{ docId, score }, ...], ...] per query, best first
 * index.save("index.safetensors"); gs.text.DenseIndex.load("index.safetensors");
 */
export class DenseIndex {
  readonly ids: readonly string[];
  /** (N, dim) float32, rows of norm 1. */
  readonly vectors: Tensor;

  /** `vectors` (N, dim) are L2-normalised here, unless `normalized` says they already are (a saved index). */
  constructor(ids: readonly string[], vectors: Tensor, opts: { normalized?: boolean } = {}) {
    if (vectors.ndim !== 2 || vectors.shape[0] !== ids.length || ids.length === 0)
      throw new Error(
        `DenseIndex: expected ${ids.length} ids and vectors (${ids.length}, dim) with at least one row, got ${fmtShape(vectors.shape)}`,
      );
    if (new Set(ids).size !== ids.length) throw new Error("DenseIndex: the document ids are not unique");
    this.ids = [...ids];
    this.vectors = noGrad(() => {
      const v = vectors.detach().float();
      return (opts.normalized ? v : normalize(v)).contiguous();
    });
  }

  get size(): number {
    return this.ids.length;
  }

  get dim(): number {
    return this.vectors.shape[1];
  }

  /** The k most similar documents (cosine) for each row of `queries` (Q, dim), best first. */
  search(queries: Tensor, k = 10): RankedHit[][] {
    if (queries.ndim !== 2 || queries.shape[1] !== this.dim)
      throw new Error(`DenseIndex.search: expected queries (Q, ${this.dim}), got ${fmtShape(queries.shape)}`);
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`DenseIndex.search: k must be a positive integer, got ${k}`);
    const out: RankedHit[][] = [];
    noGrad(() => {
      const q = normalize(queries.detach().float());
      const docsT = this.vectors.transpose(0, 1);
      for (let start = 0; start < q.shape[0]; start += QUERY_CHUNK) {
        const rows = Math.min(QUERY_CHUNK, q.shape[0] - start);
        const scores = q.narrow(0, start, rows).matmul(docsT).toArray() as Float32Array; // (rows, N)
        for (let r = 0; r < rows; r++) out.push(this.topK(scores, r * this.size, k));
      }
    });
    return out;
  }

  /** Writes the index as one safetensors file (atomically). */
  save(file: string): void {
    saveSafetensors(file, { embeddings: this.vectors }, { format: FORMAT, ids: JSON.stringify(this.ids) });
  }

  /** Reads a file written by `save`. */
  static load(file: string): DenseIndex {
    const { tensors, metadata } = readSafetensors(file, "DenseIndex.load");
    if (metadata?.format !== FORMAT || typeof metadata.ids !== "string" || !tensors.embeddings)
      throw new Error(
        `DenseIndex.load: ${file} is not a dense index (no "embeddings" tensor and "ids" metadata)`,
      );
    const ids: unknown = JSON.parse(metadata.ids);
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string"))
      throw new Error(`DenseIndex.load: ${file}: the "ids" metadata is not a JSON array of strings`);
    return new DenseIndex(ids, tensors.embeddings, { normalized: true });
  }

  /** The k best of one row of scores: a sorted insertion into k slots (k is small next to N). */
  private topK(scores: Float32Array, offset: number, k: number): RankedHit[] {
    const n = Math.min(k, this.size);
    const best: number[] = [];
    for (let i = 0; i < this.size; i++) {
      const s = scores[offset + i];
      if (best.length === n && s <= scores[offset + best[n - 1]]) continue;
      let j = best.length === n ? n - 1 : best.length;
      while (j > 0 && scores[offset + best[j - 1]] < s) {
        best[j] = best[j - 1];
        j--;
      }
      best[j] = i;
    }
    return best.map((i) => ({ docId: this.ids[i], score: scores[offset + i] }));
  }
}
