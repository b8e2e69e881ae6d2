import type { Tensor } from "../tensor/tensor.js";

/** A recorded op: what produced a tensor, from which inputs, and how to send a gradient back to them. */
export interface GradNode {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  /** One gradient per input (null where the input gets none); shapes may be broadcast, the engine reduces them. */
  readonly backward: (grad: Tensor) => readonly (Tensor | null)[];
}
