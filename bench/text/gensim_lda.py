"""gensim's LdaModel on prepared token files; prints one JSON object (see bench/text/lda.ts).

usage: python3 gensim_lda.py TRAIN TEST NUM_TOPICS PASSES CHUNKSIZE NO_BELOW NO_ABOVE SEEDS
"""
import json
import sys
import time

from gensim.corpora import Dictionary
from gensim.models import LdaModel
from gensim.models.coherencemodel import CoherenceModel

train_file, test_file = sys.argv[1], sys.argv[2]
k, passes, chunksize, no_below = (int(v) for v in sys.argv[3:7])
no_above, seeds = float(sys.argv[7]), int(sys.argv[8])
read = lambda f: [line.split() for line in open(f, encoding="utf-8")]
train, test = read(train_file), read(test_file)
d = Dictionary(train)
d.filter_extremes(no_below=no_below, no_above=no_above)
bt = [d.doc2bow(t) for t in train]
bs = [d.doc2bow(t) for t in test]
runs = []
for seed in range(seeds):
    t0 = time.time()
    m = LdaModel(bt, id2word=d, num_topics=k, passes=passes, chunksize=chunksize, random_state=seed, eval_every=None)
    seconds = time.time() - t0
    runs.append({
        "seed": seed,
        "seconds": seconds,
        "train": 2 ** -m.log_perplexity(bt),
        "heldout": 2 ** -m.log_perplexity(bs),
        # Documents' part of the bound only: the topic term divided by a huge corpus size.
        "heldoutDocs": 2 ** -m.log_perplexity(bs, total_docs=1e12),
        "umass": CoherenceModel(model=m, corpus=bt, dictionary=d, coherence="u_mass").get_coherence(),
        "topics": [[w for w, _ in m.show_topic(t, 8)] for t in range(k)] if seed == 0 else [],
    })
print(json.dumps({"terms": len(d), "runs": runs}))
