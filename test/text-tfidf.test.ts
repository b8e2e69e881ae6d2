// TfidfVectorizer and CountVectorizer against tf-idf computed by hand from scikit-learn 1.2's formulas,
// plus a few values printed by scikit-learn 1.2.1 for the same corpus.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CountVectorizer, TfidfTransformer, TfidfVectorizer } from "../src/text/index.js";
import { csrToDense, type CsrMatrix } from "../src/text/vectorizers/sparse.js";

const docs = ["The cat sat on the mat.", "The dog sat.", "A cat and a dog!"];
// Tokens of two or more word characters, lowercased ("a" is too short), in alphabetical columns:
const terms = ["and", "cat", "dog", "mat", "on", "sat", "the"];
const counts = [
  [0, 1, 0, 1, 1, 1, 2],
  [0, 0, 1, 0, 0, 1, 1],
  [1, 1, 1, 0, 0, 0, 0],
];

interface Opts {
  smoothIdf?: boolean;
  sublinearTf?: boolean;
  useIdf?: boolean;
  norm?: "l1" | "l2" | null;
}

/** tf-idf of a dense count matrix, written out from the scikit-learn documentation's formulas. */
function expectedTfidf(tf: number[][], o: Opts = {}): number[][] {
  const n = tf.length;
  const smooth = o.smoothIdf ?? true;
  const idf = tf[0].map((_, j) => {
    const df = tf.filter((row) => row[j] > 0).length;
    return smooth ? Math.log((1 + n) / (1 + df)) + 1 : Math.log(n / df) + 1;
  });
  return tf.map((row) => {
    const w = row.map((c, j) => {
      if (c === 0) return 0;
      const t = o.sublinearTf ? 1 + Math.log(c) : c;
      return (o.useIdf ?? true) ? t * idf[j] : t;
    });
    const norm = o.norm === undefined ? "l2" : o.norm;
    if (norm === null) return w;
    const s =
      norm === "l2" ? Math.sqrt(w.reduce((a, x) => a + x * x, 0)) : w.reduce((a, x) => a + Math.abs(x), 0);
    return s === 0 ? w : w.map((x) => x / s);
  });
}

function assertMatrixClose(got: CsrMatrix, want: number[][], tol = 1e-12): void {
  assert.deepEqual(got.shape, [want.length, want[0].length]);
  const dense = csrToDense(got);
  want.forEach((row, i) =>
    row.forEach((x, j) =>
      assert.ok(Math.abs(dense[i][j] - x) <= tol, `[${i}][${j}]: got ${dense[i][j]}, want ${x}`),
    ),
  );
}

test("CountVectorizer: alphabetical vocabulary and counts", () => {
  const cv = new CountVectorizer();
  const X = cv.fitTransform(docs);
  assert.deepEqual(cv.getFeatureNamesOut(), terms);
  assert.deepEqual(
    [...cv.vocabulary],
    terms.map((t, j) => [t, j]),
  );
  assert.deepEqual(csrToDense(X), counts);
  assert.deepEqual(
    csrToDense(new CountVectorizer({ binary: true }).fitTransform(docs))[0],
    [0, 1, 0, 1, 1, 1, 1],
  );
});

test("TfidfVectorizer defaults: smooth idf, l2 rows; equals scikit-learn 1.2.1's printed values", () => {
  const v = new TfidfVectorizer();
  const X = v.fitTransform(docs);
  assertMatrixClose(X, expectedTfidf(counts));
  // idf: df = 1 -> ln(4/2) + 1; df = 2 -> ln(4/3) + 1
  assert.deepEqual(
    [...v.idf],
    [1, 2, 2, 1, 1, 2, 2].map((df) => Math.log(4 / (1 + df)) + 1),
  );
  const sklearnRow0 = [
    0, 0.32516554853793517, 0, 0.42755362018356385, 0.42755362018356385, 0.32516554853793517,
    0.6503310970758703,
  ];
  const sklearnRow2 = [0.680918560398684, 0.5178561161676974, 0.5178561161676974, 0, 0, 0, 0];
  assertMatrixClose({ ...X, shape: [1, 7], indptr: X.indptr.subarray(0, 2) }, [sklearnRow0], 1e-15);
  sklearnRow2.forEach((x, j) => assert.ok(Math.abs(csrToDense(X)[2][j] - x) < 1e-15));
});

test("TfidfVectorizer option sets follow the formulas", () => {
  const sets: Opts[] = [
    { smoothIdf: false },
    { sublinearTf: true },
    { norm: "l1" },
    { norm: null },
    { norm: null, useIdf: false },
    { sublinearTf: true, smoothIdf: false, norm: "l1" },
  ];
  for (const o of sets)
    assertMatrixClose(new TfidfVectorizer(o).fitTransform(docs), expectedTfidf(counts, o));
  // scikit-learn 1.2.1, smooth_idf=False, row 0, "the" column; sublinear_tf=True, same cell
  assert.ok(
    Math.abs(
      csrToDense(new TfidfVectorizer({ smoothIdf: false }).fitTransform(docs))[0][6] - 0.6184168735758779,
    ) < 1e-15,
  );
  assert.ok(
    Math.abs(
      csrToDense(new TfidfVectorizer({ sublinearTf: true }).fitTransform(docs))[0][6] - 0.5868321916139685,
    ) < 1e-15,
  );
});

test("ngramRange [1, 2]: unigrams and bigrams, formed after dropping short tokens", () => {
  const v = new TfidfVectorizer({ ngramRange: [1, 2] });
  const X = v.fitTransform(docs);
  const names = ["and", "and dog", "cat", "cat and", "cat sat", "dog", "dog sat", "mat", "on", "on the"];
  names.push("sat", "sat on", "the", "the cat", "the dog", "the mat");
  assert.deepEqual(v.getFeatureNamesOut(), names);
  const tf = [
    [0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 2, 1, 0, 1],
    [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0],
    [1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ];
  assertMatrixClose(X, expectedTfidf(tf));
  const bigramsOnly = new CountVectorizer({ ngramRange: [2, 2] });
  bigramsOnly.fit(docs);
  assert.deepEqual(
    bigramsOnly.getFeatureNamesOut(),
    names.filter((t) => t.includes(" ")),
  );
});

test("minDf, maxDf and maxFeatures prune the vocabulary; idf comes from the kept columns", () => {
  const keep = (cols: number[]): number[][] => counts.map((row) => cols.map((j) => row[j]));
  const cases: [ConstructorParameters<typeof TfidfVectorizer>[0], string[], number[]][] = [
    [{ minDf: 2 }, ["cat", "dog", "sat", "the"], [1, 2, 5, 6]],
    [{ minDf: 0.5 }, ["cat", "dog", "sat", "the"], [1, 2, 5, 6]], // 0.5 * 3 = 1.5 documents
    [{ maxDf: 0.5 }, ["and", "mat", "on"], [0, 3, 4]],
    [{ maxDf: { count: 1 } }, ["and", "mat", "on"], [0, 3, 4]],
    [{ maxDf: 1 }, terms, [0, 1, 2, 3, 4, 5, 6]], // 1 is scikit-learn's default 1.0: no limit
    [{ maxDf: 2 }, terms, [0, 1, 2, 3, 4, 5, 6]],
    // total counts: the 3; cat, dog, sat 2; ties keep the alphabetical first, then columns are alphabetical
    [{ maxFeatures: 2 }, ["cat", "the"], [1, 6]],
    [{ maxFeatures: 4 }, ["cat", "dog", "sat", "the"], [1, 2, 5, 6]],
    [{ minDf: 2, maxFeatures: 1 }, ["the"], [6]],
  ];
  for (const [opts, names, cols] of cases) {
    const v = new TfidfVectorizer(opts);
    const X = v.fitTransform(docs);
    assert.deepEqual(v.getFeatureNamesOut(), names, JSON.stringify(opts));
    assertMatrixClose(X, expectedTfidf(keep(cols)));
  }
});

test("sparse structure: CSR with sorted indices, empty rows for empty documents", () => {
  const v = new TfidfVectorizer();
  const X = v.fitTransform([...docs, "", "a b"]);
  assert.deepEqual(X.shape, [5, 7]);
  assert.ok(
    X.indptr instanceof Int32Array && X.indices instanceof Int32Array && X.data instanceof Float64Array,
  );
  assert.deepEqual([...X.indptr], [0, 5, 8, 11, 11, 11]);
  assert.deepEqual([...X.indices], [1, 3, 4, 5, 6, 2, 5, 6, 0, 1, 2]);
  for (let i = 0; i < X.shape[0]; i++)
    for (let k = X.indptr[i] + 1; k < X.indptr[i + 1]; k++) assert.ok(X.indices[k - 1] < X.indices[k]);
});

test("transform uses the fitted vocabulary and idf; unknown words are ignored", () => {
  const v = new TfidfVectorizer();
  v.fit(docs);
  const Y = v.transform(["the bird sat", ""]);
  assert.deepEqual(Y.shape, [2, 7]);
  assertMatrixClose(Y, [
    [0, 0, 0, 0, 0, Math.SQRT1_2, Math.SQRT1_2],
    [0, 0, 0, 0, 0, 0, 0],
  ]);
  assert.deepEqual([...Y.indptr], [0, 2, 2]);
});

test("lowercase, tokenPattern (Python syntax or RegExp), stopWords and a custom tokenizer", () => {
  const names = (opts: ConstructorParameters<typeof CountVectorizer>[0]): string[] =>
    new CountVectorizer(opts).fit(["Hello, World! Ça va? x_y 4½ naïve"]).getFeatureNamesOut();
  // Expected lists: scikit-learn 1.2.1's get_feature_names_out() for the same options.
  assert.deepEqual(names({}), ["4½", "hello", "naïve", "va", "world", "x_y", "ça"]);
  assert.deepEqual(names({ lowercase: false }), ["4½", "Hello", "World", "naïve", "va", "x_y", "Ça"]);
  assert.deepEqual(names({ tokenPattern: String.raw`(?u)\b\w+\b` }), [
    "4½",
    "hello",
    "naïve",
    "va",
    "world",
    "x_y",
    "ça",
  ]);
  assert.deepEqual(names({ tokenPattern: "[a-z]+" }), ["a", "hello", "na", "va", "ve", "world", "x", "y"]);
  assert.deepEqual(names({ tokenPattern: /[a-z]+/ }), ["a", "hello", "na", "va", "ve", "world", "x", "y"]);
  assert.deepEqual(names({ tokenPattern: String.raw`(\w+)!` }), ["world"]); // one group: the group is the token
  assert.deepEqual(names({ stopWords: ["hello", "ça"] }), ["4½", "naïve", "va", "world", "x_y"]);
  assert.deepEqual(names({ tokenizer: (d) => d.split(" ") }), [
    "4½",
    "hello,",
    "naïve",
    "va?",
    "world!",
    "x_y",
    "ça",
  ]);
});

test("vocabulary order is Python's code-point order, not UTF-16 order", () => {
  const v = new CountVectorizer().fit(["ﬀﬀ 𝔘𝔫 zz ÿÿ"]);
  assert.deepEqual(v.getFeatureNamesOut(), ["zz", "ÿÿ", "ﬀﬀ", "𝔘𝔫"]); // U+FB00 < U+1D518
});

test("TfidfTransformer on a count matrix", () => {
  const X = new CountVectorizer().fitTransform(docs);
  const t = new TfidfTransformer({ norm: "l1", sublinearTf: true });
  assertMatrixClose(t.fitTransform(X), expectedTfidf(counts, { norm: "l1", sublinearTf: true }));
  assert.deepEqual(csrToDense(X), counts); // not modified
  assert.throws(() => new TfidfTransformer({ useIdf: false }).fit(X).idf, /no idf when useIdf is false/);
});

test("errors: empty vocabulary, nothing left after pruning, minDf above maxDf, bad options", () => {
  assert.throws(
    () => new TfidfVectorizer().fit(["a b", "c", ""]),
    /empty vocabulary; perhaps the documents only contain stop words/,
  );
  assert.throws(
    () => new TfidfVectorizer({ stopWords: ["the", "cat"] }).fit(["the cat"]),
    /empty vocabulary/,
  );
  assert.throws(() => new TfidfVectorizer().fit([]), /empty vocabulary/);
  assert.throws(() => new TfidfVectorizer({ minDf: 3 }).fit(docs), /after pruning, no terms remain/);
  assert.throws(
    () => new TfidfVectorizer({ minDf: 3, maxDf: 0.5 }).fit(docs),
    /maxDf corresponds to fewer documents \(1\.5\) than minDf \(3\)/,
  );
  assert.throws(() => new TfidfVectorizer({ minDf: 1.5 }), /minDf must be/);
  assert.throws(() => new TfidfVectorizer({ maxFeatures: 0 }), /maxFeatures must be a positive integer/);
  assert.throws(() => new TfidfVectorizer({ ngramRange: [2, 1] }), /ngramRange must be/);
  assert.throws(() => new TfidfVectorizer({ norm: "l3" as "l1" }), /norm must be "l2", "l1" or null/);
  assert.throws(() => new TfidfVectorizer().transform(docs), /not fitted yet/);
  assert.throws(
    () => new TfidfVectorizer().fit("the cat sat" as unknown as string[]),
    /expected an array of documents/,
  );
  assert.throws(
    () => new TfidfVectorizer().fit(["ok doc", null as unknown as string]),
    /each document must be a string, got null/,
  );
  assert.throws(() => new TfidfVectorizer({ tokenPattern: String.raw`(\w)(\w)` }), /2 capturing groups/);
});
