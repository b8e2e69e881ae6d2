/**
 * `gradstack translate --ckpt DIR "ein Mann fährt Fahrrad ." [--beam_size 5 --length_penalty 0.6 --attention]`:
 * translates sentences given as arguments (or the lines of --input FILE) with a trained model.
 */
import { readFileSync } from "node:fs";
import { defineCommand } from "../command.js";
import { decodeLimit, loadTranslator } from "../../train/mt-model.js";
import { COUNT, NON_NEGATIVE } from "../option-rules.js";
import { translateSentences, type Translation } from "../../train/mt-eval.js";

const SHADES = " .:-=+*#%@";

/** The attention as a text heatmap: one row per output token, one column per source token. */
export function attentionTable(t: Translation): string {
  const out = [...t.tokens, "<eos>"];
  const width = Math.max(...out.map((s) => s.length));
  const header = " ".repeat(width + 1) + t.srcTokens.map((s) => s.padEnd(Math.max(3, s.length) + 1)).join("");
  const rows = t.attention.map((row, i) => {
    const cells = row.map((w, s) => {
      const shade = SHADES[Math.min(SHADES.length - 1, Math.floor(w * SHADES.length))];
      return shade.repeat(Math.max(3, t.srcTokens[s].length)) + " ";
    });
    return `${(out[i] ?? "").padEnd(width)} ${cells.join("")}`;
  });
  return [header, ...rows].join("\n");
}

export const command = defineCommand({
  name: "translate",
  summary: 'translate with a trained model: gradstack translate --ckpt DIR "ein Mann fährt Fahrrad ."',
  defaults: {
    ckpt: "out-mt-transformer-multi30k",
    input: "",
    beam_size: 1,
    length_penalty: 0,
    max_len: 50,
    attention: false,
  },
  help: {
    ckpt: "folder of the checkpoint (train translate's --out_dir)",
    input: "a file of sentences to translate, one per line (instead of arguments)",
    beam_size: "beam width (1: greedy)",
    length_penalty: "length penalty of the beam search (0: none)",
    max_len: "longest translation in tokens (cut to the model's limit, e.g. a transformer's positions)",
    attention: "print the attention of each output token over the source tokens",
  },
  rules: { beam_size: COUNT, length_penalty: NON_NEGATIVE, max_len: COUNT },
  args: { usage: "[SENTENCE ...]", help: "sentences to translate (each one argument, in quotes)" },
  run(c, { args }) {
    const sentences = c.input
      ? readFileSync(c.input, "utf8")
          .split(/\r?\n/)
          .filter((l) => l.trim() !== "")
      : args;
    if (sentences.length === 0)
      throw new Error(
        'translate: give sentences to translate, e.g. gradstack translate --ckpt DIR "ein Mann fährt Fahrrad ."',
      );
    const t = loadTranslator(c.ckpt);
    const out = translateSentences(t.model, sentences, t, {
      beamSize: c.beam_size,
      lengthPenalty: c.length_penalty,
      maxLen: Math.min(c.max_len, decodeLimit(t.model)),
    });
    for (const tr of out) {
      console.log(tr.text);
      if (c.attention) console.log(attentionTable(tr) + "\n");
    }
  },
});
