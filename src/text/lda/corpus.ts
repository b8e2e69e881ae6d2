/**
 * Preparing a corpus for topic models, as gensim does: `simplePreprocess` tokenizes, `Dictionary` maps tokens
 * to ids, filters rare and common ones, and turns documents into bags of words.
 */

/** A document as a bag of words: term ids in increasing order and their counts. */
export interface Bow {
  ids: Int32Array;
  counts: Float64Array;
}

// gensim's PAT_ALPHABETIC, (((?![\d])\w)+): runs of letters, non-decimal numerals and underscores.
const ALPHABETIC = /(?:(?!\p{Nd})[\p{L}\p{N}_])+/gu;

/**
 * gensim's `simple_preprocess`: lowercases, keeps runs of letters (no digits), and drops tokens shorter than
 * `minLen` or longer than `maxLen` characters and tokens that start with "_".
 * @example
 * gs.text.simplePreprocess("Hello, World! It's 2024."); // ["hello", "world", "it"]
 */
export function simplePreprocess(doc: string, minLen = 2, maxLen = 15): string[] {
  if (typeof doc !== "string")
    throw new Error(
      `simplePreprocess: the document must be a string, got ${doc === null ? "null" : typeof doc}`,
    );
  const out: string[] = [];
  for (const m of doc.toLowerCase().matchAll(ALPHABETIC)) {
    const t = m[0];
    const n = [...t].length;
    if (n >= minLen && n <= maxLen && !t.startsWith("_")) out.push(t);
  }
  return out;
}

/** Checks that `docs` is an array of token arrays; `where` names the caller in errors. */
export function checkTokenDocs(docs: unknown, where: string, noun = "document"): asserts docs is string[][] {
  if (!Array.isArray(docs))
    throw new Error(`${where}: expected an array of ${noun}s (string[][]), got ${typeof docs}`);
  for (let d = 0; d < docs.length; d++) {
    const doc: unknown = docs[d];
    if (!Array.isArray(doc))
      throw new Error(
        `${where}: ${noun} ${d} must be an array of tokens (string[]), got ${typeof doc === "string" ? "a string; tokenize it first, e.g. with simplePreprocess" : typeof doc}`,
      );
    for (const t of doc)
      if (typeof t !== "string")
        throw new Error(`${where}: ${noun} ${d} holds a ${typeof t}, expected string tokens`);
  }
}

/**
 * A token ↔ id mapping with document and collection frequencies, like gensim's `corpora.Dictionary`: ids are
 * given in order of first appearance (new tokens of one document in sorted order).
 * @example
 * const dict = gs.text.Dictionary.fromDocuments(docs);
 * dict.filterExtremes({ noBelow: 2, noAbove: 0.5 });
 * dict.doc2bow(["cat", "sat", "cat"]); // { ids: Int32Array [0, 3], counts: Float64Array [2, 1] }
 */
export class Dictionary {
  /** Token → id, like `token2id`. */
  token2id = new Map<string, number>();
  /** Id → token. */
  id2token: string[] = [];
  /** Number of documents that hold each id, like `dfs`. */
  dfs: number[] = [];
  /** Number of occurrences of each id in the corpus, like `cfs`. */
  cfs: number[] = [];
  /** Documents processed, tokens processed, and (document, token) pairs stored. */
  numDocs = 0;
  numPos = 0;
  numNnz = 0;

  /** A dictionary of every token in `docs`. */
  static fromDocuments(docs: string[][]): Dictionary {
    return new Dictionary().addDocuments(docs);
  }

  /** The number of tokens. */
  get size(): number {
    return this.id2token.length;
  }

  /** Adds the tokens of `docs` and updates the frequencies. */
  addDocuments(docs: string[][]): this {
    checkTokenDocs(docs, "Dictionary.addDocuments");
    for (const doc of docs) this.doc2bow(doc, true);
    return this;
  }

  /**
   * The bag of words of `tokens`, with ids in increasing order. Unknown tokens are left out, unless
   * `allowUpdate`, which adds them and counts the document in the frequencies.
   */
  doc2bow(tokens: readonly string[], allowUpdate = false): Bow {
    const counter = new Map<string, number>();
    for (const t of tokens) counter.set(t, (counter.get(t) ?? 0) + 1);
    if (allowUpdate) {
      const missing = [...counter.keys()]
        .filter((t) => !this.token2id.has(t))
        .sort((a, b) => (a < b ? -1 : 1));
      for (const t of missing) {
        this.token2id.set(t, this.id2token.length);
        this.id2token.push(t);
        this.dfs.push(0);
        this.cfs.push(0);
      }
    }
    const pairs: [number, number][] = [];
    for (const [t, c] of counter) {
      const id = this.token2id.get(t);
      if (id !== undefined) pairs.push([id, c]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    if (allowUpdate) {
      this.numDocs++;
      this.numPos += tokens.length;
      this.numNnz += pairs.length;
      for (const [id, c] of pairs) {
        this.cfs[id] += c;
        this.dfs[id] += 1;
      }
    }
    return { ids: Int32Array.from(pairs, (p) => p[0]), counts: Float64Array.from(pairs, (p) => p[1]) };
  }

  /**
   * Keeps tokens found in at least `noBelow` documents and at most `noAbove` (a fraction) of them, then only
   * the `keepN` most frequent (null: all), as gensim's `filter_extremes`; ids are then renumbered from 0 in
   * their old order. Tokens in `keepTokens` are always kept.
   */
  filterExtremes(
    options: {
      noBelow?: number;
      noAbove?: number;
      keepN?: number | null;
      keepTokens?: Iterable<string>;
    } = {},
  ): this {
    const { noBelow = 5, noAbove = 0.5, keepN = 100000 } = options;
    if (!(noAbove >= 0 && noAbove <= 1))
      throw new Error(`Dictionary.filterExtremes: noAbove must be a fraction in [0, 1], got ${noAbove}`);
    const noAboveAbs = Math.floor(noAbove * this.numDocs);
    const keep = new Set<number>();
    for (const t of options.keepTokens ?? []) {
      const id = this.token2id.get(t);
      if (id !== undefined) keep.add(id);
    }
    const key = (id: number) => (keep.has(id) ? this.numDocs : this.dfs[id]);
    let good = this.id2token
      .map((_, id) => id)
      .filter((id) => keep.has(id) || (this.dfs[id] >= noBelow && this.dfs[id] <= noAboveAbs));
    good.sort((a, b) => key(b) - key(a)); // stable, as Python's sort(reverse=True)
    if (keepN !== null && keepN !== undefined) good = good.slice(0, keepN);
    return this.filterTokens({ goodIds: good });
  }

  /** Removes the ids in `badIds`, or all but those in `goodIds`, and renumbers the rest from 0. */
  filterTokens(options: { badIds?: Iterable<number>; goodIds?: Iterable<number> }): this {
    let keep = this.id2token.map(() => true);
    if (options.goodIds) {
      keep = keep.map(() => false);
      for (const id of options.goodIds) keep[id] = true;
    }
    for (const id of options.badIds ?? []) keep[id] = false;
    const old = { id2token: this.id2token, dfs: this.dfs, cfs: this.cfs };
    this.id2token = [];
    this.dfs = [];
    this.cfs = [];
    this.token2id = new Map();
    for (let id = 0; id < old.id2token.length; id++) {
      if (!keep[id]) continue;
      this.token2id.set(old.id2token[id], this.id2token.length);
      this.id2token.push(old.id2token[id]);
      this.dfs.push(old.dfs[id]);
      this.cfs.push(old.cfs[id]);
    }
    return this;
  }
}
