/**
 * LDA, gradstack vs gensim's LdaModel, on the Lee background corpus (300 documents; the 50 Lee evaluation
 * documents held out), with the same tokens, dictionary filter and hyperparameters, over several seeds.
 *
 *   python3 bench/text/prepare.py && npm run build:test && node build/bench/text/lda.js [SEEDS]
 */
import * as gs from "gradstack";
import * as path from "node:path";
import { fmtMeanSd, outDir, prepare, printTable, readTokens, runPython } from "./common.js";
import { benchArgs } from "../args.js";

const K = 10;
const PASSES = 20;
const CHUNK = 100;
const NO_BELOW = 2;
const NO_ABOVE = 0.5;
const { positionals } = benchArgs({
  usage: "node build/bench/text/lda.js [SEEDS]",
  positionals: [
    {
      name: "SEEDS",
      description: "seeds, each a run",
      default: "10",
      value: "a positive integer",
      pattern: /^[1-9][0-9]*$/,
    },
  ],
  options: {},
});
const seeds = Number(positionals[0]);

interface Run {
  seconds: number;
  train: number;
  heldout: number;
  heldoutDocs: number;
  umass: number;
  topics: string[][];
}

prepare();
const train = readTokens("lee-train.txt");
const test = readTokens("lee-test.txt");
const gensim = runPython<{ terms: number; runs: Run[] }>("gensim_lda.py", [
  path.join(outDir, "lee-train.txt"),
  path.join(outDir, "lee-test.txt"),
  ...[K, PASSES, CHUNK, NO_BELOW, NO_ABOVE, seeds].map(String),
]);

const dict = gs.text.Dictionary.fromDocuments(train).filterExtremes({ noBelow: NO_BELOW, noAbove: NO_ABOVE });
const ours: Run[] = [];
for (let seed = 0; seed < seeds; seed++) {
  const t0 = performance.now();
  const lda = new gs.text.LDA({ numTopics: K, passes: PASSES, chunkSize: CHUNK, seed, dictionary: dict }).fit(
    train,
  );
  const seconds = (performance.now() - t0) / 1000;
  ours.push({
    seconds,
    train: lda.perplexity(train),
    heldout: lda.perplexity(test),
    heldoutDocs: lda.perplexity(test, 1e12),
    umass: lda.coherence().mean,
    topics: seed === 0 ? Array.from({ length: K }, (_, k) => lda.topWords(k, 8).map((w) => w.word)) : [],
  });
}

console.log(
  `LDA on the Lee background corpus: ${train.length} training documents, ${test.length} held out, ` +
    `${dict.size} terms (gensim: ${gensim.terms}); K=${K}, passes=${PASSES}, chunksize=${CHUNK}, ` +
    `alpha=eta=1/K, ${seeds} seeds (mean ± sd)\n`,
);
const col = (runs: Run[], key: keyof Run, d: number) =>
  fmtMeanSd(
    runs.map((r) => r[key] as number),
    d,
  );
printTable(
  ["metric", "gensim 4.2 LdaModel", "gradstack LDA"],
  [
    [
      "held-out perplexity, gensim's 2^-bound (lower is better)",
      col(gensim.runs, "heldout", 0),
      col(ours, "heldout", 0),
    ],
    [
      "held-out perplexity, documents' part of the bound",
      col(gensim.runs, "heldoutDocs", 1),
      col(ours, "heldoutDocs", 1),
    ],
    ["training perplexity, 2^-bound", col(gensim.runs, "train", 1), col(ours, "train", 1)],
    [
      "u_mass coherence, top 20 words (higher is better)",
      col(gensim.runs, "umass", 3),
      col(ours, "umass", 3),
    ],
    ["training time, s", col(gensim.runs, "seconds", 2), col(ours, "seconds", 2)],
  ],
);
for (const [name, runs] of [
  ["gensim", gensim.runs],
  ["gradstack", ours],
] as const) {
  console.log(`\nTop words, seed 0, ${name}:`);
  runs[0].topics.forEach((t, k) => console.log(`  ${k}: ${t.join(" ")}`));
}
