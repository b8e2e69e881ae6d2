/** The gradstack program of the n-gram page: the bigram counts, then the MLP language model's script. */
import { charLMCode } from "./char-lm-code";
import { ngramCharSettings, type NgramSettings } from "./ngram-settings";

export function ngramCode(s: NgramSettings): string {
  const script = charLMCode(ngramCharSettings(s));
  return `${script}
// The bigram counts drawn on the left: N[a, b] counts b after a (ids.length - 1 pairs)
const V = tokenizer.vocabSize;
const N = new Int32Array(V * V);
for (let i = 0; i + 1 < ids.length; i++) N[ids[i] * V + ids[i + 1]]++;
// The 2-D embedding drawn on the right: one (x, y) per character
const embedding = model.wte.weight.narrow(0, 0, V); // (V, 2)
`;
}
