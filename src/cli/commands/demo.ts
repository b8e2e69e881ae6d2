/**
 * `gradstack demo`: the main job on shipped data. Trains a small character GPT on tiny Shakespeare for
 * about two minutes with live progress, then prints samples from it.
 */
import { defineCommand } from "../command.js";
import { formatConfig } from "../config.js";
import { GPT_OPTION_HELP, GPT_OPTION_RULES, trainWithProgress } from "./train-gpt.js";
import { GPT_TRAIN_DEFAULTS } from "../../train/gpt-train.js";
import { manualSeed } from "../../tensor/random.js";
import { tensor } from "../../tensor/create.js";

export const command = defineCommand({
  name: "demo",
  summary: "train a small GPT on tiny Shakespeare for about two minutes, then sample",
  defaults: {
    ...GPT_TRAIN_DEFAULTS,
    out_dir: "out-demo",
    max_seconds: 120,
    eval_interval: 100,
    log_interval: 10,
  },
  help: GPT_OPTION_HELP,
  rules: GPT_OPTION_RULES,
  // The demo samples with the CPU's synchronous generate.
  validate: (c) =>
    c.device === "cpu"
      ? undefined
      : `the demo runs on the CPU; train on a GPU with: gradstack train gpt --device=${c.device}`,
  async run(config, { progress }) {
    console.log(
      "gradstack demo: a character-level GPT learns tiny Shakespeare (about two minutes on a laptop CPU)\n",
    );
    // Printed here rather than by printConfig, so that the line above comes first.
    console.log(formatConfig(config));
    const { model, tokenizer } = await trainWithProgress(config, progress);
    manualSeed(1);
    const out = model.generate(tensor([tokenizer.encode("\n")], { dtype: "int32" }), 300, {
      temperature: 0.8,
      topK: 200,
    });
    console.log("\nA sample from the trained model:\n");
    console.log(tokenizer.decode((out.tolist() as number[][])[0]));
  },
});
