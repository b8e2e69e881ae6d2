/**
 * A CPU copy of a trained model for the work that reads a value at every step (sampling text token by
 * token): on a device, the weights are read back once into a fresh model; on the CPU it is the model.
 */
import type { Module } from "../nn/module.js";
import { hostTensors, readsSync, type Reads } from "./reads.js";

/** `model` when the host reads it directly; otherwise `make()` (same architecture) with its weights. */
export function* hostModel<M extends Module>(model: M, make: () => M): Reads<M> {
  if (model.parameters().every(readsSync)) return model;
  const copy = make();
  copy.loadStateDict(yield* hostTensors(model.stateDict()));
  copy.train(model.training);
  return copy;
}
