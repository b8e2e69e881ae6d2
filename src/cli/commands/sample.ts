/** `gradstack sample --ckpt DIR --start "ROMEO:" --num_samples 3 --max_new_tokens 500 --temperature 0.8 --top_k 200 --seed 1` */
import { resolveConfig } from "../config.js";
import { loadGPTCheckpoint } from "../../train/gpt-train.js";
import { manualSeed } from "../../tensor/random.js";
import { tensor } from "../../tensor/create.js";

export const SAMPLE_DEFAULTS = {
  ckpt: "out-shakespeare-char",
  start: "\n",
  num_samples: 3,
  max_new_tokens: 500,
  temperature: 0.8,
  top_k: 200,
  top_p: 1.0,
  seed: 1337,
};

export function run(argv: string[]): void {
  const { config: c } = resolveConfig(SAMPLE_DEFAULTS, argv);
  const { model, tokenizer } = loadGPTCheckpoint(c.ckpt);
  manualSeed(c.seed);
  const start = tokenizer.encode(c.start.replace(/\\n/g, "\n"));
  if (start.length === 0) throw new Error("sample: --start must hold at least one character");
  for (let i = 0; i < c.num_samples; i++) {
    const out = model.generate(tensor([start], { dtype: "int32" }), c.max_new_tokens, {
      temperature: c.temperature,
      topK: c.top_k > 0 ? c.top_k : null,
      topP: c.top_p < 1 ? c.top_p : null,
    });
    console.log(tokenizer.decode((out.tolist() as number[][])[0]));
    console.log("---------------");
  }
}
