/**
 * `gradstack demo`: the main job on shipped data. Trains a small character GPT on tiny Shakespeare for
 * about two minutes with live progress, then prints samples from it.
 */
import { runTraining } from "./train-gpt.js";
import { manualSeed } from "../../tensor/random.js";
import { tensor } from "../../tensor/create.js";

export function run(argv: string[]): void {
  console.log(
    "gradstack demo: a character-level GPT learns tiny Shakespeare (about two minutes on a laptop CPU)\n",
  );
  const { model, tokenizer } = runTraining(argv, {
    out_dir: "out-demo",
    max_seconds: 120,
    eval_interval: 100,
    log_interval: 10,
  });
  manualSeed(1);
  const out = model.generate(tensor([tokenizer.encode("\n")], { dtype: "int32" }), 300, {
    temperature: 0.8,
    topK: 200,
  });
  console.log("\nA sample from the trained model:\n");
  console.log(tokenizer.decode((out.tolist() as number[][])[0]));
}
