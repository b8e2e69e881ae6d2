/**
 * word2vec's skip-gram with negative sampling (Mikolov et al. 2013) as d2l trains it (section 15.4): two
 * embedding tables, a centre word's vector scored against its context word's output vector (label 1) and
 * against noise words drawn from the unigram distribution to the power 3/4 (label 0), with the binary
 * cross-entropy of those scores as the loss. Frequent words are subsampled once, as d2l does.
 */
import * as gs from "gradstack";

export class SkipGram extends gs.nn.Module {
  centre: gs.nn.Embedding;
  context: gs.nn.Embedding;

  constructor(vocabSize: number, dim: number) {
    super();
    this.centre = new gs.nn.Embedding(vocabSize, dim);
    this.context = new gs.nn.Embedding(vocabSize, dim);
    // Small initial vectors, so that the first scores are near 0 and the loss starts near ln 2.
    gs.noGrad(() => {
      this.centre.weight.mul_(0.1);
      this.context.weight.mul_(0.1);
    });
  }

  /** centres (B) and candidates (B, 1 + K): the context word first, then the noise words -> the loss. */
  forward(centres: gs.Tensor, candidates: gs.Tensor): gs.Tensor {
    const v = this.centre.forward(centres).unsqueeze(2); // (B, d, 1)
    const u = this.context.forward(candidates); // (B, 1 + K, d)
    const scores = u.matmul(v).squeeze(2); // (B, 1 + K)
    const [B, K1] = scores.shape;
    const labels = new Float32Array(B * K1);
    for (let b = 0; b < B; b++) labels[b * K1] = 1;
    return gs.nn.functional.binaryCrossEntropyWithLogits(scores, gs.tensor(labels).reshape([B, K1]));
  }
}

/** The word stream of the corpus as ids of vocabulary words, with frequent words subsampled. */
export function subsampledStream(
  docs: string[][],
  index: Map<string, number>,
  counts: number[],
  seed: number,
): Int32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  const generator = new gs.Generator(seed);
  const ids: number[] = [];
  for (const doc of docs)
    for (const word of doc) {
      const id = index.get(word);
      // d2l's rule: keep a word with probability sqrt(1e-4 / its frequency).
      if (id !== undefined && generator.random() < Math.sqrt(1e-4 / (counts[id] / total))) ids.push(id);
    }
  return Int32Array.from(ids);
}

/** Returns what draws a batch: centres (B), and per centre its context word then K noise words (B, 1 + K). */
export function skipGramBatches(
  stream: Int32Array,
  counts: number[],
  {
    batchSize: B,
    window,
    negatives: K,
    seed,
  }: { batchSize: number; window: number; negatives: number; seed: number },
): () => { centres: gs.Tensor; candidates: gs.Tensor } {
  const generator = new gs.Generator(seed);
  // The noise distribution's cumulative sums, for drawing by binary search.
  const cumulative = new Float64Array(counts.length);
  counts.reduce((sum, c, i) => (cumulative[i] = sum + c ** 0.75), 0);
  const noise = (): number => {
    const r = generator.random() * cumulative[cumulative.length - 1];
    let [lo, hi] = [0, cumulative.length - 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return () => {
    const centres = new Int32Array(B);
    const candidates = new Int32Array(B * (1 + K));
    for (let b = 0; b < B; b++) {
      const i = window + Math.floor(generator.random() * (stream.length - 2 * window));
      const offset = 1 + Math.floor(generator.random() * window);
      centres[b] = stream[i];
      candidates[b * (1 + K)] = stream[generator.random() < 0.5 ? i - offset : i + offset];
      for (let k = 1; k <= K; k++) candidates[b * (1 + K) + k] = noise();
    }
    return {
      centres: gs.tensor(centres, { dtype: "int32" }),
      candidates: gs.tensor(candidates, { dtype: "int32" }).reshape([B, 1 + K]),
    };
  };
}
