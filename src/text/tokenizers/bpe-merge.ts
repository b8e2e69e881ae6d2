/** The BPE merge loop for one pre-token: repeatedly merge the adjacent pair of lowest rank, leftmost first. */
import { MinHeap } from "./heap.js";

/** Token ids must stay below 2^21 so that a pair of ids packs into one number. */
export const MAX_VOCAB = 1 << 21;

/** The key of the adjacent pair (left, right) in a tokenizer's pair table. */
export function pairKey(left: number, right: number): number {
  return left * MAX_VOCAB + right;
}

const POS_SCALE = 2 ** 32;

/**
 * The id that two adjacent parts merge into, or undefined: `left` and `right` are their ids, and together they
 * span the pre-token's bytes [start, end).
 */
export type MergeRule = (left: number, right: number, start: number, end: number) => number | undefined;

/**
 * Applies BPE merges to `ids` (the byte tokens of one pre-token) and returns the merged ids. The id a pair
 * merges into is also its rank, so lower ids merge first, and among equal ranks the leftmost pair merges first
 * (as tiktoken and GPT-2's encoder.py do). A heap of candidate pairs keeps long pre-tokens at O(n log n)
 * instead of the simple loop's O(n^2).
 */
export function mergePairs(ids: number[], rule: MergeRule): number[] {
  const n = ids.length;
  if (n < 2) return ids;
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  // A candidate is rank * 2^32 + position: popping the smallest gives the lowest rank, then the leftmost.
  const heap = new MinHeap<number>((a, b) => a < b);
  const rankAt = (pos: number): number | undefined => {
    const right = next[pos];
    if (right < 0) return undefined;
    const end = next[right] < 0 ? n : next[right];
    return rule(ids[pos], ids[right], pos, end);
  };
  const offer = (pos: number): void => {
    if (pos < 0) return;
    const rank = rankAt(pos);
    if (rank !== undefined) heap.push(rank * POS_SCALE + pos);
  };
  for (let i = 0; i + 1 < n; i++) offer(i);
  for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
    const rank = Math.floor(top / POS_SCALE);
    const pos = top - rank * POS_SCALE;
    // Skip candidates made stale by earlier merges: the pair at `pos` must still merge into `rank`.
    if (ids[pos] < 0 || rankAt(pos) !== rank) continue;
    const right = next[pos];
    ids[pos] = rank;
    ids[right] = -1;
    next[pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = pos;
    offer(prev[pos]);
    offer(pos);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(ids[i]);
  return out;
}
