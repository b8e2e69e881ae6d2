/**
 * Translation data for training: Multi30k (line-aligned gzip files, read from a folder the user gives,
 * never copied into the repository) and d2l's fra-eng (shipped), tokenised, with word vocabularies
 * built on the training split only.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { Vocab } from "../text/tokenizers/vocab.js";
import { datasetDir } from "../io/files.js";
import { readParallelCorpus, readTatoeba } from "./readers.js";
import {
  preprocessNmt,
  splitSpaces,
  tokenizeSentence,
  PackedPairs,
  type ParallelText,
} from "./parallel.js";

export type MTDataName = "multi30k" | "fra-eng";

export interface MTDataOptions {
  data: string;
  /** Folder of the corpus: required for multi30k (not shipped); "" means the shipped data/fra-eng. */
  data_dir: string;
  src: string;
  tgt: string;
  min_freq: number;
  /** fra-eng: training pairs (d2l: 512) and validation pairs after them (d2l: 128). */
  num_train: number;
  num_val: number;
  /** Longest token sequence kept when training (longer ones are cut, as d2l's num_steps). */
  max_tokens: number;
}

export interface MTSplit {
  /** The raw sentences (references for BLEU). */
  text: ParallelText;
  /** Token lists of both sides. */
  srcTokens: string[][];
  tgtTokens: string[][];
}

export interface MTData {
  name: MTDataName;
  train: MTSplit;
  val: MTSplit;
  /** Multi30k: test_2016_flickr; fra-eng: d2l's four sample sentences. */
  test: MTSplit;
  srcVocab: Vocab;
  tgtVocab: Vocab;
}

/** How sentences of a dataset become tokens (the same function at training and translation time). */
export function mtTokenizer(name: MTDataName): (text: string) => string[] {
  return name === "fra-eng" ? (t) => splitSpaces(preprocessNmt(t)) : (t) => tokenizeSentence(t);
}

export function checkDataName(data: string): MTDataName {
  if (data !== "multi30k" && data !== "fra-eng")
    throw new Error(`translate: --data must be "multi30k" or "fra-eng", got "${data}"`);
  return data;
}

/** The folder of a corpus: --data_dir, or the shipped fra-eng (Multi30k is not shipped: its folder must be given). */
export function dataDirOf(name: MTDataName, dataDir: string): string {
  if (dataDir) return dataDir;
  if (name === "fra-eng") return datasetDir("fra-eng");
  throw new Error(
    "multi30k is not shipped with gradstack: pass --data_dir with the folder holding {train,val,test_2016_flickr}.{de,en}.gz, or --data=fra-eng for the shipped pairs",
  );
}

function split(text: ParallelText, tokenize: (t: string) => string[]): MTSplit {
  return { text, srcTokens: text.src.map(tokenize), tgtTokens: text.tgt.map(tokenize) };
}

/** d2l's four sample sentences (English -> French) and their references. */
export const D2L_SAMPLES: ParallelText = {
  src: ["go .", "i lost .", "he's calm .", "i'm home ."],
  tgt: ["va !", "j'ai perdu .", "il est calme .", "je suis chez moi ."],
};

function readMulti30k(dir: string, o: MTDataOptions, file: string): ParallelText {
  const at = (lang: string) => path.join(dir, `${file}.${lang}.gz`);
  for (const lang of [o.src, o.tgt])
    if (!existsSync(at(lang)))
      throw new Error(
        `multi30k: no ${at(lang)}; pass --data_dir with the folder holding {train,val,test_2016_flickr}.{${o.src},${o.tgt}}.gz`,
      );
  return readParallelCorpus(at(o.src), at(o.tgt));
}

function readFraEng(dir: string, o: MTDataOptions): { train: ParallelText; val: ParallelText } {
  const file = [path.join(dir, "fra.txt.gz"), path.join(dir, "fra.txt")].find((f) => existsSync(f));
  if (!file) throw new Error(`fra-eng: no fra.txt.gz or fra.txt in ${dir}`);
  const pairs = readTatoeba(file, { maxExamples: o.num_train + o.num_val });
  const langs = `${o.src}-${o.tgt}`;
  if (langs !== "en-fr" && langs !== "fr-en")
    throw new Error(`fra-eng: --src/--tgt must be en/fr or fr/en, got ${o.src}/${o.tgt}`);
  const all = langs === "en-fr" ? pairs : { src: pairs.tgt, tgt: pairs.src };
  const part = (a: number, b: number) => ({ src: all.src.slice(a, b), tgt: all.tgt.slice(a, b) });
  return { train: part(0, o.num_train), val: part(o.num_train, o.num_train + o.num_val) };
}

/** Reads a corpus, tokenises it, and builds the vocabularies on the training split. */
export function loadMTData(o: MTDataOptions): MTData {
  const name = checkDataName(o.data);
  const dir = dataDirOf(name, o.data_dir);
  const tokenize = mtTokenizer(name);
  let train: MTSplit, val: MTSplit, test: MTSplit;
  if (name === "multi30k") {
    train = split(readMulti30k(dir, o, "train"), tokenize);
    val = split(readMulti30k(dir, o, "val"), tokenize);
    test = split(readMulti30k(dir, o, "test_2016_flickr"), tokenize);
  } else {
    const parts = readFraEng(dir, o);
    train = split(parts.train, tokenize);
    val = split(parts.val, tokenize);
    const samples = o.src === "en" ? D2L_SAMPLES : { src: D2L_SAMPLES.tgt, tgt: D2L_SAMPLES.src };
    test = split(samples, tokenize);
  }
  const srcVocab = Vocab.build(train.srcTokens, { minFreq: o.min_freq });
  const tgtVocab = Vocab.build(train.tgtTokens, { minFreq: o.min_freq });
  return { name, train, val, test, srcVocab, tgtVocab };
}

/** Id sequences: source tokens + <eos>, target <bos> + tokens + <eos>, each cut to maxTokens. */
export function encodeSplit(s: MTSplit, srcVocab: Vocab, tgtVocab: Vocab, maxTokens = Infinity): PackedPairs {
  const eosS = srcVocab.eosId!;
  const bos = tgtVocab.bosId!;
  const eosT = tgtVocab.eosId!;
  return PackedPairs.from(
    s.srcTokens.map((src, i) => ({
      src: Int32Array.from([...srcVocab.encode(src).slice(0, maxTokens - 1), eosS]),
      tgt: Int32Array.from([bos, ...tgtVocab.encode(s.tgtTokens[i]).slice(0, maxTokens - 1), eosT]),
    })),
  );
}

/** Source ids of one sentence, as at training time (tokens + <eos>). */
export function encodeSource(text: string, name: MTDataName, srcVocab: Vocab): Int32Array {
  return Int32Array.from([...srcVocab.encode(mtTokenizer(name)(text)), srcVocab.eosId!]);
}
