/**
 * `gradstack export --ckpt DIR --format pytorch --out FILE.safetensors`: a `train gpt` run as nanoGPT's
 * train.py resumes it (scripts/torch/continue.py continues it, also under torchrun with DDP);
 * `--format onnx --out FILE.onnx`: the GPT as an ONNX graph for serving.
 */
import { defineCommand } from "../command.js";
import { exportGPTRun } from "../../train/gpt-handover.js";
import { loadGPTCheckpoint } from "../../train/gpt-train.js";
import { saveFileAtomic } from "../../io/atomic.js";
import { packageVersion } from "../version.js";

export const command = defineCommand({
  name: "export",
  summary: "hand a trained GPT to PyTorch or ONNX: gradstack export --ckpt DIR --format pytorch --out FILE",
  defaults: { ckpt: "out-shakespeare-char", format: "pytorch", out: "" },
  help: {
    ckpt: "folder of the checkpoint (train gpt's --out_dir)",
    format: '"pytorch" (safetensors + JSON, for scripts/torch/continue.py) or "onnx"',
    out: "the file to write: FILE.safetensors (pytorch) or FILE.onnx (onnx)",
  },
  validate(c) {
    if (c.format !== "pytorch" && c.format !== "onnx")
      return `--format must be "pytorch" or "onnx", got "${c.format}"`;
    if (!c.out) return "--out FILE is required";
    const ext = c.format === "pytorch" ? ".safetensors" : ".onnx";
    if (!c.out.endsWith(ext)) return `--out must end in ${ext} for --format ${c.format}`;
    return undefined;
  },
  async run(c) {
    if (c.format === "pytorch") {
      for (const file of exportGPTRun(c.ckpt, c.out)) console.log(`wrote ${file}`);
      return;
    }
    const { model } = loadGPTCheckpoint(c.ckpt);
    // Loaded here, so that the PyTorch export does not need protobufjs.
    const { gptToOnnx } = await import("../../io/export/onnx/gpt.js");
    saveFileAtomic(c.out, gptToOnnx(model.stateDict(), model.config, packageVersion()));
    console.log(
      `wrote ${c.out} (input idx: int64 batch × sequence; output logits: batch × sequence × vocab)`,
    );
  },
});
