/**
 * `gradstack rag --data DIR|--index DIR [--mode ...] [--ckpt GPT_DIR] "question"`: retrieval-augmented
 * generation. Retrieves the best passages for the question (BM25, dense or hybrid, as `gradstack search`),
 * prints them and the sentences among them that best match the question (BM25 over those sentences), and,
 * given a GPT checkpoint (as `gradstack sample` loads), continues a prompt made of those sentences and the
 * question. A small character-level GPT continues the prompt's style, not its facts: the retrieved passages
 * and sentences are the answer; the generation shows the plumbing.
 */
import { defineCommand } from "../command.js";
import { COUNT, NON_NEGATIVE_INT } from "../option-rules.js";
import { UsageError } from "../usage-error.js";
import { BM25 } from "../../text/vectorizers/bm25.js";
import { docText } from "../../train/retrieval.js";
import { loadGPTCheckpoint } from "../../train/gpt-train.js";
import { loadPretrainedGPT } from "../../models/pretrained-gpt.js";
import type { GPT } from "../../models/gpt.js";
import { manualSeed } from "../../tensor/random.js";
import { tensor } from "../../tensor/create.js";
import { RETRIEVER_DEFAULTS, RETRIEVER_HELP, clip, openCorpusSearch } from "./retrievers.js";

const DEFAULTS = {
  data: "",
  question: "",
  ...RETRIEVER_DEFAULTS,
  passages: 3,
  sentences: 3,
  ckpt: "",
  max_new_tokens: 200,
  temperature: 0.8,
  top_k: 200,
  seed: 1337,
  width: 300,
};

export const command = defineCommand({
  name: "rag",
  summary: "retrieve passages for a question, show the best-matching sentences, and condition a GPT on them",
  defaults: DEFAULTS,
  help: {
    data: "a BEIR or Cranfield folder, or a text file with one document per line (default: the corpus --index names)",
    question: "the question (words after the options are added to it)",
    ...RETRIEVER_HELP,
    passages: "passages to retrieve",
    sentences: "best-matching sentences to show and to put in the prompt",
    ckpt: "a GPT to generate with: a checkpoint folder (train gpt's --out_dir), or one .safetensors file in nanoGPT's or Hugging Face GPT-2's names (GPT-2 BPE; n_head from a config.json beside it) (\"\": retrieval only)",
    max_new_tokens: "tokens generated",
    temperature: "divides the logits (below 1: more likely tokens)",
    top_k: "sample among the k most likely tokens (0: all)",
    seed: "random seed",
    width: "characters of each passage to print",
  },
  rules: {
    passages: COUNT,
    sentences: COUNT,
    max_new_tokens: NON_NEGATIVE_INT,
    temperature: { above: 0 },
    top_k: NON_NEGATIVE_INT,
    seed: { int: true },
  },
  args: { usage: "[WORD ...]", help: "more words of the question" },
  run: (c, { args }) => rag({ ...c, question: [c.question, ...args].filter(Boolean).join(" ") }),
});

/** The sentences of a text: split after ., ! or ? followed by white space. */
export function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function rag(c: typeof DEFAULTS): void {
  const where = "rag";
  if (!c.question.trim())
    throw new UsageError('rag: give the question, e.g. gradstack rag --data DIR "words?"', where);
  const { byId, retrieve } = openCorpusSearch(c, where);
  const hits = retrieve(new Map([["q", c.question]]), c.passages).get("q")!;
  console.log(`passages (${c.mode}):`);
  const passages = hits.map((h) => docText(byId.get(h.docId)!).trim());
  hits.forEach((h, i) => console.log(`${h.score.toFixed(4)}  ${h.docId}  ${clip(passages[i], c.width)}`));
  const sentences = passages.flatMap(sentencesOf);
  const best =
    sentences.length === 0
      ? []
      : new BM25()
          .fit(sentences)
          .search(c.question, c.sentences)
          .filter((h) => h.score > 0)
          .map((h) => sentences[h.index]);
  console.log("best-matching sentences:");
  if (best.length === 0) console.log("  (no sentence shares a word with the question)");
  for (const s of best) console.log(`  - ${s}`);
  if (!c.ckpt) return;

  const prompt = `${best.join(" ")}\nQuestion: ${c.question}\nAnswer:`;
  const { model, encode, decode } = generatorOf(c.ckpt);
  // The prompt keeps its end (the question) when it is longer than the model's context.
  const start = encode(prompt).slice(-model.config.blockSize);
  manualSeed(c.seed);
  const out = model.generate(tensor([start], { dtype: "int32" }), c.max_new_tokens, {
    temperature: c.temperature,
    topK: c.top_k > 0 ? c.top_k : null,
  });
  const generated = (out.tolist() as number[][])[0].slice(start.length);
  console.log(`generation (${c.ckpt}, conditioned on the sentences and the question):`);
  console.log(decode(generated));
}

/** The GPT of --ckpt with its text coding: a `train gpt` folder (characters) or one .safetensors file (GPT-2 BPE). */
function generatorOf(ckpt: string): {
  model: GPT;
  encode: (s: string) => number[];
  decode: (ids: number[]) => string;
} {
  if (ckpt.endsWith(".safetensors")) {
    const { model, tokenizer } = loadPretrainedGPT(ckpt);
    return { model, encode: (s) => tokenizer.encode(s), decode: (ids) => tokenizer.decode(ids) };
  }
  const { model, tokenizer } = loadGPTCheckpoint(ckpt);
  return {
    model,
    // A character model knows only its alphabet: characters outside it are left out of the prompt.
    encode: (s) => {
      const known = [...s].filter((ch) => tokenizer.stoi.has(ch)).join("");
      if (known.length === 0) throw new Error(`rag: no character of the prompt is in ${ckpt}'s alphabet`);
      return tokenizer.encode(known);
    },
    decode: (ids) => tokenizer.decode(ids),
  };
}
