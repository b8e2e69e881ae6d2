/** `gradstack embed train|index`: train a dense text encoder, and embed a corpus into an index folder. */
import { defineGroup } from "../command.js";

export const command = defineGroup({
  name: "embed",
  summary:
    "dense retrieval: gradstack embed train --data_dir DIR, gradstack embed index --model CKPT --data DIR",
  member: "step",
  commands: {
    train: () => import("./train-retrieval.js"),
    index: () => import("./embed-index.js"),
  },
});
