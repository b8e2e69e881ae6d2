/** The tiny GPT's hyper-parameters and their defaults (no gradstack here: the page imports this). */
import type { CharCorpus } from "./char-lm-settings";

export interface GPTSettings {
  corpus: CharCorpus;
  nLayer: number;
  nHead: number;
  /** Channels per head: the model's width is nHead × headSize. */
  headSize: number;
  /** Characters of context (the model's block size) and of each training window. */
  blockSize: number;
  lr: number;
  batchSize: number;
  /** The text whose attention pattern the page draws (its first blockSize known characters). */
  prompt: string;
  /** The samples' temperature (0: greedy) and top-k (0: every character); they change no training. */
  temperature: number;
  topK: number;
  seed: number;
}

export const GPT_SETTINGS_DEFAULTS: GPTSettings = {
  corpus: "shakespeare",
  nLayer: 2,
  nHead: 2,
  headSize: 16,
  blockSize: 32,
  lr: 0.003,
  batchSize: 16,
  prompt: "ROMEO: But soft, what light through yonder window",
  temperature: 1,
  topK: 0,
  seed: 1,
};

/** The settings that the page changes while the model trains. */
export const GPT_SAMPLING_KEYS = ["temperature", "topK"] as const;

/** gs.models' sampling options of the settings. */
export const samplingOptions = (s: Pick<GPTSettings, "temperature" | "topK">) => ({
  temperature: s.temperature,
  topK: s.topK > 0 ? s.topK : null,
});

/** Characters per sample shown. */
export const GPT_SAMPLE_LENGTH = 80;
