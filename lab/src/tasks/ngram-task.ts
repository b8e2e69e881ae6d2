/**
 * n-gram models on names: the bigram counts (makemore's table, N[a, b] = how often b follows a), and the
 * MLP language model of Bengio et al. with a 2-D embedding per character, drawn as it moves.
 */
import * as gs from "gradstack";
import type { Task } from "./task";
import { buildCharModel, type CharLMView } from "./char-lm-task";
import { languageModelStep, randomWindows, sampleAfterNewline } from "./text-windows";
import { sampleLength } from "./char-lm-settings";
import { place, type TaskDevice } from "./device-twin";
import { ngramCharSettings, type NgramSettings } from "./ngram-settings";

export interface NgramView extends CharLMView {
  /** The characters, "\n" (a name's start and end) first. */
  vocab: string[];
  /** vocab² bigram counts of the whole text, row = character, column = the next one; in the first view only. */
  counts?: Int32Array;
  /** The embedding of each character: x0, y0, x1, y1, ... */
  embedding: Float32Array;
}

/** How often each character follows each other one in `ids`. */
export function bigramCounts(ids: Int32Array, vocabSize: number): Int32Array {
  const counts = new Int32Array(vocabSize * vocabSize);
  for (let i = 0; i + 1 < ids.length; i++) counts[ids[i] * vocabSize + ids[i + 1]]++;
  return counts;
}

export function ngramTask(s: NgramSettings, text: string, device?: TaskDevice): Task<NgramView> {
  const settings = ngramCharSettings(s);
  gs.manualSeed(s.seed);
  const tokenizer = gs.text.CharTokenizer.fromText(text);
  const ids = Int32Array.from(tokenizer.encode(text));
  const V = tokenizer.vocabSize;
  const vocab = Array.from({ length: V }, (_, i) => tokenizer.decode([i]));
  const build = () => buildCharModel(settings, V) as gs.models.MLPLanguageModel;
  const placed = place(build(), device, build);
  const { model } = placed;
  const optimizer = new gs.optim.Adam(model.parameters(), { lr: s.lr });
  const nextBatch = randomWindows(ids, s.batchSize, s.seqLen, s.seed);
  let counts: Int32Array | undefined = bigramCounts(ids, V);
  return {
    parameters: model.numParameters(),
    device,
    step: () => languageModelStep(model, optimizer, nextBatch(), placed.here),
    async view() {
      const host = await placed.onHost();
      // The embedding table has one more row, the padding before a text's start: not a character.
      const embedding = Float32Array.from(host.wte.weight.dataSync().subarray(0, 2 * V));
      const view = {
        vocab,
        counts,
        embedding,
        sample: sampleAfterNewline(host, tokenizer, sampleLength("names"), s.seed),
      };
      counts = undefined; // sent once per run: it does not change
      return view;
    },
  };
}
