/** BPE training: learn merges from pre-token counts, with incremental pair-count updates. */
import { pairKey, MAX_VOCAB } from "./bpe-merge.js";
import { MinHeap } from "./heap.js";
import { utf8Encode } from "../unicode.js";

interface Candidate {
  count: number;
  key: number;
}

/**
 * Learns up to `numMerges` merges from `pieces` (pre-token → number of occurrences). Merge i creates id
 * 256 + i from the most frequent adjacent pair (ties: smallest left id, then smallest right id). Stops early
 * when no adjacent pair is left.
 *
 * Only the pre-tokens that contain the merged pair are rewritten, and only their pair counts change. A pair
 * that exists before a merge can only lose occurrences; new pairs all contain the new id and get their final
 * count within the step that creates them. So a heap with lazy deletion suffices: a popped candidate whose
 * count is out of date goes back in with its current count.
 */
export function learnMerges(pieces: ReadonlyMap<string, number>, numMerges: number): [number, number][] {
  const words: number[][] = [];
  const freqs: number[] = [];
  for (const [piece, count] of pieces) {
    words.push(Array.from(utf8Encode(piece)));
    freqs.push(count);
  }
  const counts = new Map<number, number>();
  const where = new Map<number, number[]>(); // pair -> words that contain (or once contained) it
  const note = (key: number, w: number): void => {
    const list = where.get(key);
    if (list === undefined) where.set(key, [w]);
    else if (list[list.length - 1] !== w) list.push(w);
  };
  words.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i], word[i + 1]);
      counts.set(key, (counts.get(key) ?? 0) + freqs[w]);
      note(key, w);
    }
  });
  // Most frequent first; among equal counts the smallest key, i.e. the smallest (left, right).
  const heap = new MinHeap<Candidate>((a, b) => a.count > b.count || (a.count === b.count && a.key < b.key));
  for (const [key, count] of counts) heap.push({ count, key });

  const merges: [number, number][] = [];
  const visited = new Int32Array(words.length).fill(-1);
  while (merges.length < numMerges) {
    const best = popBest(heap, counts);
    if (best === undefined) break;
    const newId = 256 + merges.length;
    const left = Math.floor(best / MAX_VOCAB);
    const right = best - left * MAX_VOCAB;
    const created = new Set<number>();
    for (const w of where.get(best) ?? []) {
      if (visited[w] === newId) continue;
      visited[w] = newId;
      const word = words[w];
      const merged = mergeWord(word, left, right, newId);
      if (merged === null) continue;
      const f = freqs[w];
      for (let i = 0; i + 1 < word.length; i++) {
        const key = pairKey(word[i], word[i + 1]);
        counts.set(key, (counts.get(key) as number) - f);
      }
      for (let i = 0; i + 1 < merged.length; i++) {
        const key = pairKey(merged[i], merged[i + 1]);
        counts.set(key, (counts.get(key) ?? 0) + f);
        if (merged[i] === newId || merged[i + 1] === newId) {
          created.add(key);
          note(key, w);
        }
      }
      words[w] = merged;
    }
    counts.delete(best);
    where.delete(best);
    for (const key of created) heap.push({ count: counts.get(key) as number, key });
    merges.push([left, right]);
  }
  return merges;
}

/** The key of the most frequent pair, or undefined when none is left; re-queues out-of-date candidates. */
function popBest(heap: MinHeap<Candidate>, counts: Map<number, number>): number | undefined {
  for (let c = heap.pop(); c !== undefined; c = heap.pop()) {
    const current = counts.get(c.key) ?? 0;
    if (current === c.count && current > 0) return c.key;
    if (current > 0) heap.push({ count: current, key: c.key });
    else counts.delete(c.key);
  }
  return undefined;
}

/** `word` with each occurrence of (left, right), left to right without overlap, replaced by `id`; null if none. */
function mergeWord(word: number[], left: number, right: number, id: number): number[] | null {
  let found = false;
  const out: number[] = [];
  for (let i = 0; i < word.length; i++) {
    if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
      out.push(id);
      i++;
      found = true;
    } else out.push(word[i]);
  }
  return found ? out : null;
}
