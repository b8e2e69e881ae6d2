"""scikit-learn's TfidfVectorizer on the Lee background corpus for each option set given as JSON on stdin
(scikit-learn's keyword names); prints JSON: per set the feature names, idf_ (or null) and the CSR matrix.

usage: echo '[{"sublinear_tf": true}]' | python3 sklearn_tfidf.py CORPUS
"""
import json
import sys

from sklearn.feature_extraction.text import TfidfVectorizer

docs = [line for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
out = []
for opts in json.load(sys.stdin):
    if "ngram_range" in opts:
        opts["ngram_range"] = tuple(opts["ngram_range"])
    v = TfidfVectorizer(**opts)
    X = v.fit_transform(docs).tocsr()
    X.sort_indices()
    out.append({
        "features": v.get_feature_names_out().tolist(),
        "idf": v.idf_.tolist() if v.use_idf else None,
        "indptr": X.indptr.tolist(),
        "indices": X.indices.tolist(),
        "data": X.data.tolist(),
    })
json.dump(out, sys.stdout)
