/**
 * word2vec, gradstack vs gensim's Word2Vec, on one corpus with the same hyperparameters (vector_size 100,
 * window 5, min_count 5, negative 5, sample 1e-3, alpha 0.025 → 0.0001, 5 epochs): training speed on 1 and
 * 2 threads, analogy accuracy on questions-words.txt and Spearman ρ on WordSim-353. gensim's vectors are also
 * scored by gradstack's evaluator, to check that both evaluators agree.
 *
 *   python3 bench/text/prepare.py && npm run build:test && node build/bench/text/word2vec.js [sg,cbow] [1,2]
 */
import * as gs from "gradstack";
import * as path from "node:path";
import { outDir, prepare, printTable, readTokens, repoRoot, runPython, sharedData } from "./common.js";
import { benchArgs } from "../args.js";

interface Result {
  vocab: number;
  seconds: number;
  wordsPerSecond: number;
  /** CPU time of all threads of the process during training. */
  cpuSeconds: number;
  analogy: number;
  semantic: number;
  syntactic: number;
  answered: number;
  spearman: number;
  pearson: number;
}

const { positionals } = benchArgs({
  usage: "node build/bench/text/word2vec.js [MODELS] [THREADS]",
  positionals: [
    {
      name: "MODELS",
      description: "skip-gram, CBOW or both",
      default: "sg,cbow",
      value: "sg, cbow or sg,cbow",
      pattern: /^(sg|cbow)(,(sg|cbow))*$/,
    },
    {
      name: "THREADS",
      description: "the thread counts to train with",
      default: "1,2",
      value: "positive integers, comma-separated",
      pattern: /^[1-9][0-9]*(,[1-9][0-9]*)*$/,
    },
  ],
  options: {},
});
const models = positionals[0].split(",");
const threads = positionals[1].split(",").map(Number);
const analogies = path.join(repoRoot, "data/word-analogy/questions-words.txt");
const pairs = path.join(sharedData, "word-similarity/wordsim353.tsv");

prepare();
const corpusFile = path.join(outDir, "w2v-corpus.txt");
const sentences = readTokens("w2v-corpus.txt");
const tokens = sentences.reduce((s, x) => s + x.length, 0);

/** Scores vectors with gradstack's evaluator (semantic = the first 5 sections, as Mikolov et al.). */
function evaluate(
  kv: gs.text.KeyedVectors,
): Omit<Result, "vocab" | "seconds" | "wordsPerSecond" | "cpuSeconds"> {
  const a = kv.evaluateWordAnalogies(analogies);
  const acc = (ss: gs.text.AnalogySection[]) => {
    const c = ss.reduce((s, x) => s + x.correct, 0);
    return (
      c /
      Math.max(
        1,
        ss.reduce((s, x) => s + x.correct + x.incorrect, 0),
      )
    );
  };
  const p = kv.evaluateWordPairs(pairs);
  return {
    analogy: a.accuracy,
    semantic: acc(a.sections.slice(0, 5)),
    syntactic: acc(a.sections.slice(5)),
    answered: a.correct + a.incorrect,
    spearman: p.spearman,
    pearson: p.pearson,
  };
}

console.log(
  `word2vec on ${sentences.length} sentences, ${tokens} tokens (${corpusFile}); ` +
    `${gs.backend().name} backend for evaluation; node ${process.version}\n`,
);
const rows: (string | number)[][] = [];
const pct = (x: number) => (100 * x).toFixed(2);
for (const model of models) {
  for (const workers of threads) {
    const sg = model === "sg" ? "1" : "0";
    const vectors = path.join(outDir, `gensim-${model}-${workers}.txt`);
    const g = runPython<Result>("gensim_word2vec.py", [
      corpusFile,
      sg,
      String(workers),
      "5",
      analogies,
      pairs,
      vectors,
    ]);
    const gOurs = evaluate(gs.text.KeyedVectors.load(vectors));
    const w2v = new gs.text.Word2Vec({ sg: sg === "1" ? 1 : 0, workers, seed: 1 });
    const cpu0 = process.cpuUsage();
    const stats = w2v.train(sentences);
    const cpu = process.cpuUsage(cpu0);
    const o: Result = {
      ...evaluate(w2v.wv),
      vocab: w2v.wv.size,
      seconds: stats.seconds,
      wordsPerSecond: stats.wordsPerSecond,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    for (const [name, r] of [
      ["gensim 4.2", g],
      ["gradstack", o],
    ] as const)
      rows.push([
        `${model === "sg" ? "skip-gram" : "CBOW"}, ${workers} thread${workers > 1 ? "s" : ""}`,
        name,
        r.vocab,
        r.seconds.toFixed(1),
        Math.round(r.wordsPerSecond),
        r.cpuSeconds.toFixed(1),
        `${pct(r.analogy)} (${pct(r.semantic)} / ${pct(r.syntactic)})`,
        r.answered,
        r.spearman.toFixed(4),
      ]);
    console.log(
      `${model}/${workers}: gensim ${g.seconds.toFixed(1)} s, analogy ${pct(g.analogy)}%, ρ ${g.spearman.toFixed(4)}; ` +
        `gradstack ${o.seconds.toFixed(1)} s, analogy ${pct(o.analogy)}%, ρ ${o.spearman.toFixed(4)}`,
    );
    console.log(
      `${model}/${workers}: gensim's vectors by gradstack's evaluator: analogy ${pct(gOurs.analogy)}% ` +
        `(gensim's own ${pct(g.analogy)}%), answered ${gOurs.answered} (${g.answered}), ` +
        `Spearman ${gOurs.spearman.toFixed(4)} (${g.spearman.toFixed(4)})`,
    );
  }
}
console.log();
printTable(
  [
    "model",
    "library",
    "vocab",
    "train s",
    "words/s",
    "CPU s",
    "analogy % (sem / syn)",
    "answered",
    "WordSim ρ",
  ],
  rows,
);
