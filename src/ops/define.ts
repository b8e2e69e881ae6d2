/**
 * How an op is defined: once, with its forward (which calls kernels) and its vjp (written with other
 * ops) side by side. The vjp is a required field; an op without a gradient says `vjp: "none"`.
 */
import { isGradEnabled } from "../autograd/grad-mode.js";
import type { Tensor } from "../tensor/tensor.js";
import { sameDevice } from "../tensor/device.js";

/** Gradients for each input given the output's gradient `g`. Shapes may be broadcast: the engine sums them. */
export type Vjp<P> = (
  g: Tensor,
  inputs: readonly Tensor[],
  out: Tensor,
  attrs: P,
) => readonly (Tensor | null)[];

export interface OpDef<P> {
  name: string;
  forward(inputs: readonly Tensor[], attrs: P): Tensor;
  vjp: Vjp<P> | "none";
}

export type Op<P> = (inputs: readonly Tensor[], attrs: P) => Tensor;

export function defineOp<P = undefined>(def: OpDef<P>): Op<P> {
  const { name, forward, vjp } = def;
  return (inputs, attrs) => {
    if (inputs.length > 1) sameDevice(name, inputs);
    const out = forward(inputs, attrs);
    if (vjp !== "none" && isGradEnabled() && anyRequiresGrad(inputs)) {
      out.setGradFn({ name, inputs, backward: (g) => vjp(g, inputs, out, attrs) });
    }
    return out;
  };
}

/** inputs.some(requiresGrad) without a closure: it runs on every op call. */
function anyRequiresGrad(inputs: readonly Tensor[]): boolean {
  for (let i = 0; i < inputs.length; i++) if (inputs[i].requiresGrad) return true;
  return false;
}
