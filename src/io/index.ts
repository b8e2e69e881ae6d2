/**
 * gs.io: safetensors (bytes and files), atomic checkpoints, JSONL metrics and file reading. The file
 * functions are Node only; portable.ts is the part that also runs in browsers.
 * @example
 * gs.io.saveSafetensors("model.safetensors", model.stateDict());
 * model.loadStateDict(gs.io.loadSafetensors("model.safetensors"));
 */
export * from "./portable.js";
export { saveSafetensors, loadSafetensors, readSafetensors } from "./safetensors-file.js";
export { readBytes, readText, packageRoot, datasetDir } from "./files.js";
export { saveFileAtomic } from "./atomic.js";
export { saveCheckpoint, loadCheckpoint, checkpointFile, type Checkpoint } from "./checkpoint.js";
export { MetricsLogger, readJsonl } from "./metrics.js";
