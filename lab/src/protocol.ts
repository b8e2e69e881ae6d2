/** The messages between a page and its training worker (worker.ts). */
import type { PlaygroundSettings } from "./tasks/playground-settings";
import type { PlaygroundView } from "./tasks/playground-task";
import type { CharLMSettings } from "./tasks/char-lm-settings";
import type { CharLMView } from "./tasks/char-lm-task";
import type { GPTSettings } from "./tasks/gpt-settings";
import type { GPTView } from "./tasks/gpt-task";
import type { MnistSettings } from "./tasks/mnist-settings";
import type { MnistView } from "./tasks/mnist-task";
import type { NgramSettings } from "./tasks/ngram-settings";
import type { NgramView } from "./tasks/ngram-task";
import type { RNNSettings } from "./tasks/rnn-settings";
import type { RNNView } from "./tasks/rnn-task";
import type { EmbeddingsSettings } from "./tasks/embeddings-settings";
import type { EmbeddingsView } from "./tasks/embeddings-task";
import type { TranslationSettings } from "./tasks/translation-settings";
import type { TranslationView } from "./tasks/translation-task";

/** Each task's settings, keyed by the task's name. */
export interface TaskSettings {
  playground: PlaygroundSettings;
  "char-lm": CharLMSettings;
  gpt: GPTSettings;
  mnist: MnistSettings;
  ngram: NgramSettings;
  rnn: RNNSettings;
  embeddings: EmbeddingsSettings;
  translation: TranslationSettings;
}

/** Each task's picture of the model, sent with the progress. */
export interface TaskViews {
  playground: PlaygroundView;
  "char-lm": CharLMView;
  gpt: GPTView;
  mnist: MnistView;
  ngram: NgramView;
  rnn: RNNView;
  embeddings: EmbeddingsView;
  translation: TranslationView;
}

export type TaskName = keyof TaskSettings;

export type ToWorker<N extends TaskName = TaskName> =
  /** Builds a fresh model and data for these settings (a reset with new hyper-parameters). */
  | { kind: "configure"; task: N; settings: TaskSettings[N] }
  | { kind: "start" }
  | { kind: "pause" }
  | { kind: "step" }
  | { kind: "reset" }
  /** New values of settings that the model takes as it trains (a GPT's sampling): no rebuild. */
  | { kind: "tune"; settings: TaskSettings[N] }
  /** Trains on this text (a file the user chose) instead of the shipped one; null: back to the shipped text. */
  | { kind: "useText"; name: string; text: string | null }
  /** Replaces the model by the one in this file (the GPT page), keeping the settings' optimizer and data. */
  | { kind: "load"; name: string; bytes: Uint8Array }
  /** Asks for the model as a file (answered by "saved"). */
  | { kind: "save" };

export interface Progress<N extends TaskName = TaskName> {
  kind: "progress";
  /** Steps taken since the last reset. */
  step: number;
  /** The loss of each step taken since the previous progress message. */
  losses: number[];
  stepsPerSecond: number;
  running: boolean;
  /** The task's view, when one was drawn since the last message. */
  view?: TaskViews[N];
}

export type FromWorker<N extends TaskName = TaskName> =
  /** The worker built a model; `backend` is gradstack's kernel backend in the worker. */
  | { kind: "ready"; backend: string; parameters: number }
  | Progress<N>
  | { kind: "error"; message: string }
  /** Answers "load": what was loaded, or why the file was refused (the model stays as it was). */
  | { kind: "loaded"; description: string }
  | { kind: "loadFailed"; message: string }
  /** Answers "save". */
  | { kind: "saved"; bytes: Uint8Array };
