/** u_mass topic coherence (Mimno et al., "Optimizing Semantic Coherence in Topic Models", 2011). */
import type { Bow } from "./corpus.js";

/** Coherence of each topic and their mean. */
export interface Coherence {
  perTopic: number[];
  mean: number;
}

// gensim's EPSILON in log_conditional_probability.
const EPSILON = 1e-12;

/**
 * u_mass coherence of topics given as term ids, most probable first, counted over `corpus`: for each topic
 * the mean over pairs i > j of ln((D(wᵢ, wⱼ) / N + ε) / (D(wⱼ) / N)), where D counts the documents that hold
 * the words, as gensim computes it. Pairs whose wⱼ occurs in no document are left out.
 */
export function umassCoherence(topics: number[][], corpus: Bow[]): Coherence {
  const wanted = new Set(topics.flat());
  const docsOf = new Map<number, Set<number>>();
  for (const id of wanted) docsOf.set(id, new Set());
  corpus.forEach((bow, d) => {
    for (const id of bow.ids) docsOf.get(id)?.add(d);
  });
  const n = corpus.length;
  const perTopic = topics.map((ids) => {
    let sum = 0;
    let pairs = 0;
    for (let i = 1; i < ids.length; i++) {
      const wi = docsOf.get(ids[i])!;
      for (let j = 0; j < i; j++) {
        const wj = docsOf.get(ids[j])!;
        if (wj.size === 0) continue;
        let both = 0;
        for (const d of wi) if (wj.has(d)) both++;
        sum += Math.log((both / n + EPSILON) / (wj.size / n));
        pairs++;
      }
    }
    return pairs === 0 ? 0 : sum / pairs;
  });
  return { perTopic, mean: perTopic.reduce((s, v) => s + v, 0) / Math.max(1, perTopic.length) };
}
