/**
 * An approximate nearest-neighbour index (HNSW, Malkov & Yashunin 2016) over a DenseIndex's vectors, through
 * hnswlib-node: Node bindings of hnswlib, the reference HNSW implementation by the algorithm's authors that
 * FAISS's and most vector databases' HNSW follow. It is an optional dependency (a native addon built by
 * node-gyp, like gradstack's own): where it did not install, `HnswIndex.build` says so. The exact index
 * is fast enough for SciFact's 5,183 documents; HNSW is for corpora where one matrix product per query is not.
 */
import { createRequire } from "node:module";
import type { Tensor } from "../../tensor/tensor.js";
import { fmtShape } from "../../tensor/shape.js";
import type { DenseIndex } from "./index.js";
import type { RankedHit } from "./metrics.js";

/** The part of hnswlib-node's HierarchicalNSW used here. */
interface HnswLib {
  initIndex(opts: { maxElements: number; m?: number; efConstruction?: number; randomSeed?: number }): void;
  addPoint(point: number[], label: number): void;
  setEf(ef: number): void;
  searchKnn(query: number[], k: number): { distances: number[]; neighbors: number[] };
}
type HnswModule = { HierarchicalNSW: new (space: "cosine" | "ip" | "l2", dim: number) => HnswLib };

/** hnswlib-node, or null where the optional dependency is not installed. */
export function loadHnswlib(): HnswModule | null {
  try {
    return createRequire(import.meta.url)("hnswlib-node") as HnswModule;
  } catch {
    return null;
  }
}

export interface HnswOptions {
  /** Links per node (hnswlib's M; default 16). */
  m?: number;
  /** Candidate list while building (default 200). */
  efConstruction?: number;
  /** Candidate list while searching, at least k (default 100): higher is slower and closer to exact. */
  efSearch?: number;
  seed?: number;
}

/**
 * @example
 * const ann = gs.text.HnswIndex.build(denseIndex, { efSearch: 64 });
 * ann.search(queryVectors, 10); // as DenseIndex.search, approximately
 */
export class HnswIndex {
  private constructor(
    private readonly graph: HnswLib,
    readonly ids: readonly string[],
    readonly dim: number,
    private readonly efSearch: number,
  ) {}

  /** Builds the graph over `index`'s vectors (inner product of unit vectors: cosine). */
  static build(index: DenseIndex, opts: HnswOptions = {}): HnswIndex {
    const lib = loadHnswlib();
    if (lib === null)
      throw new Error(
        "HnswIndex: the optional dependency hnswlib-node is not installed (npm install hnswlib-node; it compiles with node-gyp)",
      );
    const graph = new lib.HierarchicalNSW("ip", index.dim);
    graph.initIndex({
      maxElements: index.size,
      m: opts.m ?? 16,
      efConstruction: opts.efConstruction ?? 200,
      randomSeed: opts.seed ?? 100,
    });
    const data = index.vectors.toArray() as Float32Array;
    for (let i = 0; i < index.size; i++)
      graph.addPoint(Array.from(data.subarray(i * index.dim, (i + 1) * index.dim)), i);
    return new HnswIndex(graph, index.ids, index.dim, opts.efSearch ?? 100);
  }

  get size(): number {
    return this.ids.length;
  }

  /** About the k most similar documents (cosine) for each row of `queries` (Q, dim), best first. */
  search(queries: Tensor, k = 10): RankedHit[][] {
    if (queries.ndim !== 2 || queries.shape[1] !== this.dim)
      throw new Error(`HnswIndex.search: expected queries (Q, ${this.dim}), got ${fmtShape(queries.shape)}`);
    const n = Math.min(k, this.size);
    this.graph.setEf(Math.max(this.efSearch, n));
    const q = queries.detach().float().toArray() as Float32Array;
    const out: RankedHit[][] = [];
    for (let r = 0; r < queries.shape[0]; r++) {
      const row = Array.from(q.subarray(r * this.dim, (r + 1) * this.dim));
      const norm = Math.hypot(...row) || 1;
      const { distances, neighbors } = this.graph.searchKnn(
        row.map((v) => v / norm),
        n,
      );
      // hnswlib's "ip" distance is 1 − dot; its results come nearest first.
      out.push(neighbors.map((label, i) => ({ docId: this.ids[label], score: 1 - distances[i] })));
    }
    return out;
  }
}
