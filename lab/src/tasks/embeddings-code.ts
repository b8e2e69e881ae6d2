/** The gradstack program that the embeddings page's settings describe (what the worker runs). */
import type { EmbeddingsSettings } from "./embeddings-settings";

export function embeddingsCode(s: EmbeddingsSettings): string {
  const K = s.negatives;
  return `import * as gs from "gradstack";

gs.manualSeed(${s.seed});
const text = await (await fetch("data/timemachine/timemachine.txt")).text();
const paragraphs = text.split(/\\n\\s*\\n/).filter((p) => p.split(/\\s+/).length >= 20);
const docs = paragraphs.map((p) => gs.text.simplePreprocess(p));

// word2vec, skip-gram with ${K} noise words per pair (d2l 15.4): words seen >= ${s.minCount} times,
// frequent ones subsampled; centre vectors v, context vectors u.
const centre = new gs.nn.Embedding(vocabSize, ${s.dim});
const context = new gs.nn.Embedding(vocabSize, ${s.dim});
const optimizer = new gs.optim.Adam([...centre.parameters(), ...context.parameters()], { lr: ${s.lr} });
for (let step = 0; step < 5000; step++) {
  // ${s.batchSize} centre words, each with a context word within ${s.window} positions and ${K} words drawn
  // from unigram counts^0.75: candidates (${s.batchSize}, ${1 + K}), labels 1 then ${K} zeros.
  const { centres, candidates, labels } = skipGramBatch();
  const scores = context.forward(candidates).matmul(centre.forward(centres).unsqueeze(2)).squeeze(2);
  const loss = gs.nn.functional.binaryCrossEntropyWithLogits(scores, labels);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}

// LDA topics by online variational Bayes, a chunk of 32 paragraphs at a time.
const dictionary = gs.text.Dictionary.fromDocuments(docs).filterExtremes({ noBelow: 3, noAbove: 0.3 });
const lda = new gs.text.LDA({ numTopics: ${s.topics}, seed: ${s.seed}, dictionary, alpha: "auto" });
lda.fit(docs.slice(0, 32));
lda.update(docs.slice(32, 64)); // ...
console.log(lda.topWords(0, 8), lda.transform([docs[0]])[0]);

// Search: BM25 (or gs.text.TfidfIndex) over the paragraphs.
const bm25 = new gs.text.BM25().fit(paragraphs);
console.log(bm25.search("time machine", 3));
`;
}
