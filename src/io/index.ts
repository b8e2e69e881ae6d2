/**
 * gs.io: safetensors files, atomic checkpoints and JSONL metrics. Node only.
 * @example
 * gs.io.saveSafetensors("model.safetensors", model.stateDict());
 * model.loadStateDict(gs.io.loadSafetensors("model.safetensors"));
 */
export {
  serializeSafetensors,
  parseSafetensors,
  saveSafetensors,
  loadSafetensors,
  readSafetensors,
  MAX_HEADER_SIZE,
  type TensorDict,
} from "./safetensors.js";
export type { SafetensorsDType } from "./safetensors-dtypes.js";
export { saveFileAtomic } from "./atomic.js";
export { saveCheckpoint, loadCheckpoint, checkpointFile, type Checkpoint } from "./checkpoint.js";
export { MetricsLogger, readJsonl } from "./metrics.js";
