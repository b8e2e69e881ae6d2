// BLEU: sacreBLEU's corpus BLEU (13a, exp smoothing) and d2l's per-sentence BLEU on known cases.
// The expected scores were computed once with sacreBLEU 2.6.0 (corpus_bleu / sentence_bleu); the
// statistics next to them let each be checked by hand with the formula.
import { test } from "node:test";
import assert from "node:assert/strict";
import { computeBleu, corpusBleu, d2lBleu, sentenceBleu } from "../src/text/bleu/bleu.js";
import { tokenize13a } from "../src/text/bleu/tokenize-13a.js";

const close = (got: number, want: number, what: string) =>
  assert.ok(Math.abs(got - want) < 1e-9, `${what}: got ${got}, want ${want}`);

test("tokenize13a splits like mteval-v13a (sacreBLEU's default tokenizer)", () => {
  assert.equal(
    tokenize13a("Hello, world. It costs $3.50 (or 3,000-4,000 yen)!"),
    "Hello , world . It costs $ 3.50 ( or 3,000 - 4,000 yen ) !",
  );
  assert.equal(tokenize13a('A "quoted" &amp; <tag> e-mail: a/b'), 'A " quoted " & < tag > e-mail : a / b');
  assert.equal(tokenize13a("don't stop-gap 1990-2000 end."), "don't stop-gap 1990 - 2000 end .");
  assert.equal(tokenize13a("x.y,z 1.5 a.b"), "x . y , z 1.5 a . b");
});

const hyps = ["The cat sat on the mat.", "A man rides a bike, fast!", "Hello world"];
const refs = ["The cat is sitting on the mat.", "A man is riding a bicycle quickly!", "Hello, world."];

test("corpusBleu equals sacreBLEU: 13a, tokenize none, two references", () => {
  const b = corpusBleu(hyps, refs);
  assert.deepEqual([b.counts, b.totals, b.sysLen, b.refLen], [[12, 5, 2, 1], [17, 14, 11, 9], 17, 20]);
  close(b.score, 22.392473602159665, "13a");
  // BP = exp(1 - 20/17); precisions 12/17, 5/14, 2/11, 1/9.
  close(
    b.score,
    100 * Math.exp(1 - 20 / 17) * Math.pow(((((12 / 17) * 5) / 14) * 2 * 1) / 11 / 9, 1 / 4),
    "formula",
  );
  assert.equal(
    String(b),
    "BLEU = 22.39 70.6/35.7/18.2/11.1 (BP = 0.838 ratio = 0.850 hyp_len = 17 ref_len = 20)",
  );

  const none = corpusBleu(hyps, refs, { tokenize: "none" });
  assert.deepEqual(
    [none.counts, none.totals],
    [
      [8, 4, 1, 0],
      [14, 11, 8, 6],
    ],
  );
  close(none.score, 18.698098241258904, "tokenize none (exp smoothing of the zero 4-gram count)");

  const refs2 = ["The cat sat on a mat.", "A man rides a bicycle fast!", "Hello world!"];
  const multi = corpusBleu(hyps, [refs, refs2]);
  assert.deepEqual([multi.counts, multi.refLen], [[15, 11, 6, 3], 18]);
  close(multi.score, 56.180983827038304, "two reference streams");
});

test("corpusBleu smoothing: exp by default, none gives 0; clipping; sentence BLEU", () => {
  // 1-grams 5/5, 2-grams 2/4, 3-grams 0/3 -> 100/(2·3), 4-grams 0/2 -> 100/(4·2); BP = exp(1 - 7/5).
  const exp = corpusBleu(["a b c d e"], ["a b x c d y e"]);
  close(exp.score, 21.414818552625793, "exp");
  close(exp.score, Math.exp(-0.4) * Math.pow(100 * 50 * (100 / 6) * 12.5, 1 / 4), "exp formula");
  assert.equal(corpusBleu(["a b c d e"], ["a b x c d y e"], { smoothMethod: "none" }).score, 0);
  const clipped = corpusBleu(["the the the the the the the"], ["the cat is on the mat"]);
  assert.deepEqual(clipped.counts, [2, 0, 0, 0]);
  close(clipped.score, 7.809849842300637, "clipped counts");
  close(
    sentenceBleu("the cat", ["the cat sat"]).score,
    60.653065971263366,
    "sentence_bleu (effective order)",
  );
  assert.equal(corpusBleu(["x y"], ["a b"]).score, 0);
  close(
    corpusBleu(["Same words here ."], ["same words here ."], { lowercase: true }).score,
    100,
    "lowercase",
  );
  assert.equal(computeBleu([0, 0, 0, 0], [3, 2, 1, 0], 3, 3).score, 0);
  assert.throws(() => corpusBleu(["a", "b"], ["a"]), /reference stream 0 has 1 sentences, expected 2/);
});

test("d2lBleu: d2l's per-sentence BLEU", () => {
  assert.equal(d2lBleu("va !", "va !", 2), 1);
  // Same length (BP 1); 1-grams 2/3, 2-grams 1/2: (2/3)^(1/2) · (1/2)^(1/4).
  close(d2lBleu("il court .", "il court !", 2), Math.sqrt(2 / 3) * Math.pow(0.5, 0.25), "partial match");
  // A short prediction is penalised: exp(1 - 4/2) · 1 · 1.
  close(d2lBleu("je suis", "je suis chez moi", 2), Math.exp(1 - 4 / 2), "brevity");
  assert.equal(d2lBleu("a b", "c d", 2), 0);
});
