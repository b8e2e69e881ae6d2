/**
 * `gradstack import --format pytorch --from FILE.safetensors --out_dir DIR`: a GPT trained in PyTorch
 * (scripts/torch/continue.py's output, or nanoGPT's ckpt.pt converted by scripts/torch/nanogpt_ckpt.py)
 * as a `train gpt` checkpoint for sample, evaluate and resuming.
 */
import { defineCommand } from "../command.js";
import { importGPTRun } from "../../train/gpt-handover.js";

export const command = defineCommand({
  name: "import",
  summary: "bring a GPT trained in PyTorch back: gradstack import --from FILE.safetensors --out_dir DIR",
  defaults: { format: "pytorch", from: "", out_dir: "" },
  help: {
    format: '"pytorch": FILE.safetensors + FILE.json, as scripts/torch/ writes them',
    from: "the .safetensors file of the pair",
    out_dir: "folder for the gradstack checkpoint (then: gradstack sample --ckpt DIR)",
  },
  validate(c) {
    if (c.format !== "pytorch") return `--format must be "pytorch", got "${c.format}"`;
    if (!c.from) return "--from FILE.safetensors is required";
    if (!c.out_dir) return "--out_dir DIR is required";
    return undefined;
  },
  run(c) {
    console.log(`wrote ${importGPTRun(c.from, c.out_dir)}`);
  },
});
