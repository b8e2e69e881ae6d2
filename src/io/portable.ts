/**
 * The part of gs.io that runs anywhere (Node, browsers, workers): safetensors to and from bytes.
 * @example
 * const bytes = gs.io.serializeSafetensors(model.stateDict());
 * model.loadStateDict(gs.io.parseSafetensors(bytes).tensors);
 */
export { serializeSafetensors, parseSafetensors, MAX_HEADER_SIZE, type TensorDict } from "./safetensors.js";
export type { SafetensorsDType } from "./safetensors-dtypes.js";
