/**
 * Reverse-mode differentiation. The graph is walked with an explicit stack (never recursion), so an
 * RNN unrolled over many thousands of steps backpropagates without overflowing the JS stack.
 */
import type { Tensor } from "../tensor/tensor.js";
import { fmtShape, sameShape } from "../tensor/shape.js";
import { sumToShape } from "../ops/reduce.js";
import { noGrad } from "./grad-mode.js";

/** Tensors that `root` depends on through recorded ops, children before parents. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].gradFn?.inputs ?? [];
    if (top[1] < inputs.length) {
      const child = inputs[top[1]++];
      if (child.requiresGrad && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(top[0]);
    }
  }
  return order;
}

/** Brings a gradient to its input's shape (summing broadcast dims) and dtype. */
function fitGrad(g: Tensor, input: Tensor, op: string): Tensor {
  let out = g;
  if (!sameShape(out.shape, input.shape)) out = sumToShape(out, input.shape, op);
  if (out.dtype !== input.dtype) out = out.to(input.dtype);
  return out;
}

export function runBackward(root: Tensor, grad: Tensor): void {
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>([[root, grad]]);
    const order = topoOrder(root);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t); // free it as soon as it has been used
      // A leaf's .grad gets its own storage: g may be shared with other tensors or be a broadcast view.
      if (t.gradFn === null || t.retainsGrad) t.grad = t.grad === null ? g.clone() : t.grad.add(g);
      const node = t.gradFn;
      if (node === null) continue;
      const inputGrads = node.backward(g);
      node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!input.requiresGrad || gi === null || gi === undefined) return;
        const fitted = fitGrad(gi, input, node.name);
        if (!sameShape(fitted.shape, input.shape))
          throw new Error(
            `backward of ${node.name}: gradient of shape ${fmtShape(fitted.shape)} for an input of shape ${fmtShape(input.shape)}`,
          );
        const prev = grads.get(input);
        grads.set(input, prev === undefined ? fitted : prev.add(fitted));
      });
    }
  });
}
