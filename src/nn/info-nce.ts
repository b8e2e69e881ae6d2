/**
 * The contrastive loss of dense retrieval: InfoNCE with in-batch negatives, as sentence-transformers'
 * MultipleNegativesRankingLoss (cosine similarity times a scale of 20, cross-entropy whose target for
 * query i is document i, every other document in the batch a negative).
 */
import type { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { arange } from "../tensor/create.js";
import { crossEntropy } from "./functional.js";

/**
 * Rows scaled to unit L2 norm: x / max(‖x‖₂, eps) along `dim`, as torch.nn.functional.normalize(p=2).
 * @example gs.nn.functional.normalize(gs.randn([4, 8])); // every row has norm 1
 */
export function normalize(x: Tensor, opts: { dim?: number; eps?: number } = {}): Tensor {
  const norm = x.norm(2, opts.dim ?? -1, true);
  return x.div(norm.clamp(opts.eps ?? 1e-12, null));
}

export interface InfoNCEOptions {
  /** Multiplies the similarities: the inverse temperature (default 20, MultipleNegativesRankingLoss's). */
  scale?: number;
  /** Also score each document against the queries and average both losses (default false). */
  symmetric?: boolean;
  /** "cos" (default) normalises q and d first; "dot" uses them as they are. */
  similarity?: "cos" | "dot";
}

/**
 * InfoNCE with in-batch negatives. q (B, E) are the queries, d (B + extra, E) their positives in the same
 * order, then optionally extra negatives (hard negatives) that no query is paired with. The loss is
 * cross-entropy of scale · sim(q, d) (B, B + extra) against the targets 0..B-1; with `symmetric`, the mean
 * of that and the same over the first B documents scored against the queries (the transposed block).
 * @example
 * const loss = gs.nn.functional.infoNCE(model.encode(queries), model.encode(docs), { scale: 20 });
 */
export function infoNCE(q: Tensor, d: Tensor, opts: InfoNCEOptions = {}): Tensor {
  const { scale = 20, symmetric = false, similarity = "cos" } = opts;
  if (q.ndim !== 2 || d.ndim !== 2 || q.shape[1] !== d.shape[1] || d.shape[0] < q.shape[0] || q.shape[0] < 1)
    throw new Error(
      `infoNCE: expected queries (B, E) and documents (B + extra, E), got ${fmtShape(q.shape)} and ${fmtShape(d.shape)}`,
    );
  if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`infoNCE: scale must be > 0, got ${scale}`);
  if (similarity !== "cos" && similarity !== "dot")
    throw new RangeError(`infoNCE: similarity must be "cos" or "dot", got ${String(similarity)}`);
  const B = q.shape[0];
  const [qs, ds] = similarity === "cos" ? [normalize(q), normalize(d)] : [q, d];
  const scores = qs.matmul(ds.transpose(0, 1)).mul(scale); // (B, B + extra)
  const target = arange(B, undefined, 1, { dtype: "int32", device: q.device });
  const forward = crossEntropy(scores, target);
  if (!symmetric) return forward;
  const backward = crossEntropy(scores.narrow(1, 0, B).transpose(0, 1), target);
  return forward.add(backward).mul(0.5);
}
