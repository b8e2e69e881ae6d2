"""Writes the benchmark inputs shared by gensim/scikit-learn and gradstack, tokenized once by gensim so that
both sides read identical tokens (one document or sentence per line, tokens separated by spaces).

  lee-train.txt, lee-test.txt  Lee background corpus (300 docs) and the 50 Lee evaluation docs:
                               simple_preprocess, gensim's STOPWORDS removed (LDA)
  w2v-corpus.txt               English sentences: fra-eng (English side), tiny Shakespeare, The Time Machine,
                               Multi30k train (English), Lee background, SciFact titles and abstracts (word2vec)

usage: python3 bench/text/prepare.py [OUT_DIR]   (default /tmp/gradstack-bench-text; data from ../shared/data)
"""
import gzip
import json
import os
import sys

from gensim.parsing.preprocessing import STOPWORDS
from gensim.utils import simple_preprocess

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("GS_SHARED_DATA", os.path.join(HERE, "../../../shared/data"))
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/gradstack-bench-text"
os.makedirs(OUT, exist_ok=True)


def lee(name, encoding):
    with open(os.path.join(DATA, "lee-corpus", name), encoding=encoding) as f:
        return [[t for t in simple_preprocess(line) if t not in STOPWORDS] for line in f if line.strip()]


def write(name, docs):
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        for d in docs:
            f.write(" ".join(d) + "\n")
    print(f"{name}: {len(docs)} lines, {sum(len(d) for d in docs)} tokens")


write("lee-train.txt", lee("lee_background.cor", "utf-8"))
write("lee-test.txt", lee("lee.cor", "latin-1"))


def lines():
    with gzip.open(os.path.join(DATA, "fra-eng/fra.txt.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            yield line.split("\t")[0]
    for name in ["tinyshakespeare/input.txt", "timemachine/timemachine.txt", "lee-corpus/lee_background.cor"]:
        with open(os.path.join(DATA, name), encoding="utf-8") as f:
            yield from f
    with gzip.open(os.path.join(DATA, "multi30k/train.en.gz"), "rt", encoding="utf-8") as f:
        yield from f
    with gzip.open(os.path.join(DATA, "scifact/corpus.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            yield doc.get("title", "")
            yield doc.get("text", "")


write("w2v-corpus.txt", [t for t in (simple_preprocess(line) for line in lines()) if t])
