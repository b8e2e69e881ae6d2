"""gensim's Word2Vec on a prepared corpus; prints one JSON object (see bench/text/word2vec.ts) and saves the
vectors in the word2vec text format to VECTORS.

usage: python3 gensim_word2vec.py CORPUS SG WORKERS EPOCHS ANALOGIES PAIRS VECTORS
"""
import json
import sys
import time

from gensim.models import Word2Vec

corpus, sg, workers, epochs, analogies, pairs, out = sys.argv[1:8]
sentences = [line.split() for line in open(corpus, encoding="utf-8")]
m = Word2Vec(vector_size=100, window=5, min_count=5, sg=int(sg), negative=5, sample=1e-3, alpha=0.025,
             min_alpha=0.0001, workers=int(workers), epochs=int(epochs), seed=1)
m.build_vocab(sentences)
raw = sum(len(s) for s in sentences)
t0, c0 = time.time(), time.process_time()
m.train(sentences, total_examples=len(sentences), epochs=m.epochs)
seconds, cpu = time.time() - t0, time.process_time() - c0
score, sections = m.wv.evaluate_word_analogies(analogies)
(pearson, _), (spearman, _), oov = m.wv.evaluate_word_pairs(pairs)
m.wv.save_word2vec_format(out)
count = lambda ss, key: sum(len(s[key]) for s in ss)
print(json.dumps({
    "vocab": len(m.wv),
    "seconds": seconds,
    "wordsPerSecond": raw * m.epochs / seconds,
    "cpuSeconds": cpu,
    "analogy": score,
    "semantic": count(sections[:5], "correct") / max(1, count(sections[:5], "correct") + count(sections[:5], "incorrect")),
    "syntactic": count(sections[5:-1], "correct") / max(1, count(sections[5:-1], "correct") + count(sections[5:-1], "incorrect")),
    "answered": count(sections[-1:], "correct") + count(sections[-1:], "incorrect"),
    "spearman": spearman,
    "pearson": pearson,
    "pairsOovRatio": oov,
}))
