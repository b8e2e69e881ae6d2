import type * as gs from "gradstack";

/** What the worker runs: a model with its data and optimizer, one training step at a time. */
export interface Task<V> {
  /** Trainable scalars in the model. */
  readonly parameters: number;
  /** "webgpu" when the model trains on the GPU (see device-twin.ts); absent on the CPU. */
  readonly device?: "webgpu";
  /**
   * One optimizer step; returns the step's loss, a one-element tensor where the model trains (the
   * worker reads it at once on the CPU, and several steps' losses in one readback on the GPU).
   */
  step(): gs.Tensor;
  /** The task's picture of the model now (boundary, samples), for the page. */
  view(): V | Promise<V>;
  /** Takes new values of the settings that need no new model (the page's `liveKeys`). */
  tune?(settings: unknown): void;
  /** The model as a file's bytes, for the tasks whose page offers a download. */
  save?(): Uint8Array | Promise<Uint8Array>;
}
