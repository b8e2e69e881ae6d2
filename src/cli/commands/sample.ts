/**
 * `gradstack sample --ckpt DIR --start "ROMEO:" --num_samples 3 --max_new_tokens 500 --temperature 0.8 --top_k 200 --seed 1`
 * With `--device=webgpu` the model stays on the GPU and each step's logits are read back with `await`;
 * the same seed gives the CPU's text.
 */
import { defineCommand } from "../command.js";
import { COUNT, NON_NEGATIVE_INT } from "../option-rules.js";
import { loadGPTCheckpoint } from "../../train/gpt-train.js";
import { manualSeed } from "../../tensor/random.js";
import { tensor } from "../../tensor/create.js";
import { DEVICE_HELP, DEVICE_RULE, openDevice } from "../device-option.js";

export const command = defineCommand({
  name: "sample",
  summary: "sample text from a trained GPT: gradstack sample --ckpt DIR --start TEXT",
  defaults: {
    ckpt: "out-shakespeare-char",
    start: "\n",
    num_samples: 3,
    max_new_tokens: 500,
    temperature: 0.8,
    top_k: 200,
    top_p: 1.0,
    seed: 1337,
    device: "cpu",
  },
  help: {
    ckpt: "folder of the checkpoint (train gpt's --out_dir)",
    start: "the text to continue (\\n: a newline)",
    num_samples: "how many samples",
    max_new_tokens: "characters generated per sample",
    temperature: "divides the logits (below 1: more likely characters)",
    top_k: "sample among the k most likely characters (0: all)",
    top_p: "sample among the most likely characters that hold this probability (1: all)",
    seed: "random seed",
    device: DEVICE_HELP,
  },
  rules: {
    num_samples: COUNT,
    max_new_tokens: NON_NEGATIVE_INT,
    temperature: { above: 0 },
    top_k: NON_NEGATIVE_INT,
    top_p: { above: 0, max: 1 },
    seed: { int: true },
    device: DEVICE_RULE,
  },
  async run(c) {
    await openDevice(c.device);
    const { model: loaded, tokenizer } = loadGPTCheckpoint(c.ckpt);
    const model = loaded.to(c.device);
    manualSeed(c.seed);
    const start = tokenizer.encode(c.start.replace(/\\n/g, "\n"));
    if (start.length === 0) throw new Error("sample: --start must hold at least one character");
    for (let i = 0; i < c.num_samples; i++) {
      const out = await model.generateAsync(
        tensor([start], { dtype: "int32", device: c.device }),
        c.max_new_tokens,
        {
          temperature: c.temperature,
          topK: c.top_k > 0 ? c.top_k : null,
          topP: c.top_p < 1 ? c.top_p : null,
        },
      );
      console.log(tokenizer.decode(((await out.tolistAsync()) as number[][])[0]));
      console.log("---------------");
    }
  },
});
