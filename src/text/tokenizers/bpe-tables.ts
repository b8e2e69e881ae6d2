/** Building a BPE tokenizer's lookup tables from learned merges or from tiktoken-style ranks. */
import { MAX_VOCAB, pairKey } from "./bpe-merge.js";

/** Ids 0..255 are the bytes; merge i makes id 256 + i from two earlier ids. Returns the vocabulary bytes. */
export function buildFromMerges(
  merges: [number, number][],
  byteIds: Int32Array,
  pairs: Map<number, number>,
  where: string,
): Uint8Array[] {
  if (256 + merges.length > MAX_VOCAB) throw new Error(`${where}: too many merges (${merges.length})`);
  const vocab: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) {
    vocab.push(Uint8Array.of(b));
    byteIds[b] = b;
  }
  merges.forEach(([left, right], i) => {
    const id = 256 + i;
    const a = vocab[left];
    const b = vocab[right];
    if (!Number.isInteger(left) || !Number.isInteger(right) || a === undefined || b === undefined)
      throw new Error(`${where}: merge ${i} is [${left}, ${right}], but ids must be below ${id}`);
    const key = pairKey(left, right);
    if (pairs.has(key)) throw new Error(`${where}: merge ${i} [${left}, ${right}] repeats an earlier merge`);
    pairs.set(key, id);
    const bytes = new Uint8Array(a.length + b.length);
    bytes.set(a);
    bytes.set(b, a.length);
    vocab.push(bytes);
  });
  return vocab;
}

/** tiktoken-style ranks: each token's byte string (as a latin1 key) goes in `wholeTokens`. Returns the vocabulary bytes. */
export function buildFromRanks(
  ranks: Uint8Array[],
  byteIds: Int32Array,
  wholeTokens: Map<string, number>,
  where: string,
): Uint8Array[] {
  if (ranks.length > MAX_VOCAB) throw new Error(`${where}: too many ranks (${ranks.length})`);
  ranks.forEach((bytes, id) => {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0)
      throw new Error(`${where}: token ${id} must be a non-empty Uint8Array`);
    const key = latin1(bytes);
    if (wholeTokens.has(key))
      throw new Error(`${where}: tokens ${wholeTokens.get(key)} and ${id} have the same bytes`);
    wholeTokens.set(key, id);
    if (bytes.length === 1) byteIds[bytes[0]] = id;
  });
  const missing = byteIds.indexOf(-1);
  if (missing >= 0)
    throw new Error(`${where}: no token for the single byte ${missing}; all 256 bytes are needed`);
  return ranks.map((r) => r.slice());
}

/** A byte string as a string of chars 0..255, usable as a Map key. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
