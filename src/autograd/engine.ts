/**
 * Reverse-mode differentiation. The graph is walked with an explicit stack (never recursion), so an
 * RNN unrolled over many thousands of steps backpropagates without overflowing the JS stack.
 */
import type { Tensor } from "../tensor/tensor.js";
import { fmtShape, sameShape } from "../tensor/shape.js";
import { sumToShape } from "../ops/reduce.js";
import { binaryInPlace } from "../ops/elementwise.js";
import { noGrad } from "./grad-mode.js";
import { allocationsOf, type Allocations } from "../tensor/alloc-scope.js";
import { backendFor } from "../tensor/device.js";
import type { Storage } from "../backend/types.js";

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

/**
 * g as a .grad of its own: g itself when this pass allocated its whole storage and no other .grad
 * holds it (the temporaries that share it die with the pass), else a copy. A copy is needed when g
 * may be shared with other tensors, be a broadcast view, or belong to the caller.
 */
function ownGrad(g: Tensor, fresh: Allocations, stored: Set<Storage>): Tensor {
  return isWhole(g) && fresh.has(g.storage) && !stored.has(g.storage) ? g : g.clone();
}

/** Whether `t` is its whole storage, in order. */
const isWhole = (t: Tensor) => t.offset === 0 && t.numel() === t.storage.length && t.isContiguous();

/** Brings a gradient to its input's shape (summing broadcast dims) and dtype. */
function fitGrad(g: Tensor, input: Tensor, op: string): Tensor {
  let out = g;
  if (!sameShape(out.shape, input.shape)) out = sumToShape(out, input.shape, op);
  if (out.dtype !== input.dtype) out = out.to(input.dtype);
  return out;
}

export function runBackward(root: Tensor, grad: Tensor): void {
  const stored = new Set<Storage>();
  const temporaries = allocationsOf((fresh) => noGrad(() => walk(root, grad, fresh, stored)));
  // walk gave back each temporary once nothing could read it; what is left is given back now.
  for (const [storage, device] of temporaries)
    if (!stored.has(storage)) backendFor(device).release?.(storage);
}

/**
 * The storages of the gradients still waiting in the walk, counted, so that a temporary can be given
 * back as soon as its last reader is done: the next allocation of its size then finds it in cache, as
 * PyTorch's caching allocator would (a GPT step's backward otherwise writes into cold memory).
 */
class Pending {
  private readonly count = new Map<Storage, number>();
  constructor(
    private readonly fresh: Allocations,
    private readonly stored: Set<Storage>,
  ) {}
  hold(g: Tensor): void {
    this.count.set(g.storage, (this.count.get(g.storage) ?? 0) + 1);
  }
  drop(g: Tensor): void {
    const n = this.count.get(g.storage)! - 1;
    if (n === 0) this.count.delete(g.storage);
    else this.count.set(g.storage, n);
  }
  /** Whether `t` is the whole of a storage that this pass made and that nothing else holds. */
  owns(t: Tensor): boolean {
    const s = t.storage;
    return isWhole(t) && this.fresh.has(s) && !this.stored.has(s) && !this.count.has(s);
  }
  /** Gives `storage` back if this pass made it and no pending gradient or .grad holds it. */
  releaseIfDead(storage: Storage): void {
    const device = this.fresh.get(storage);
    if (device === undefined || this.stored.has(storage) || this.count.has(storage)) return;
    this.fresh.delete(storage);
    backendFor(device).release?.(storage);
  }
}

/**
 * Sends `grad` from `root` back through the graph. `fresh` holds the storages allocated so far in
 * this pass; the storages that .grad fields now hold go in `stored`.
 */
function walk(root: Tensor, grad: Tensor, fresh: Allocations, stored: Set<Storage>): void {
  const grads = new Map<Tensor, Tensor>([[root, grad]]);
  const pending = new Pending(fresh, stored);
  pending.hold(grad);
  const order = topoOrder(root);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const g = grads.get(t);
    if (g === undefined) continue;
    grads.delete(t); // free it as soon as it has been used
    pending.drop(g);
    // What this node allocates (its vjp's temporaries and results) is held in a scope of its own, so
    // that whatever no pending gradient holds afterwards can be given back at once.
    const dead: Storage[] = [g.storage];
    const made = allocationsOf(() => {
      if (t.gradFn === null || t.retainsGrad) {
        t.grad = t.grad === null ? ownGrad(g, fresh, stored) : t.grad.add(g);
        stored.add(t.grad.storage);
      }
      const node = t.gradFn;
      if (node === null) return;
      const inputGrads = node.backward(g);
      const inputs = node.inputs;
      for (let k = 0; k < inputs.length; k++) {
        const input = inputs[k];
        const gi = inputGrads[k];
        if (!input.requiresGrad || gi === null || gi === undefined) continue;
        const fitted = fitGrad(gi, input, node.name);
        if (!sameShape(fitted.shape, input.shape))
          throw new Error(
            `backward of ${node.name}: gradient of shape ${fmtShape(fitted.shape)} for an input of shape ${fmtShape(input.shape)}`,
          );
        const prev = grads.get(input);
        let next = fitted;
        if (prev !== undefined) {
          pending.drop(prev);
          // A sum that nothing else holds takes the new term in place, as PyTorch's accumulation does.
          next = pending.owns(prev) && binaryInPlace("add", prev, fitted) ? prev : prev.add(fitted);
          dead.push(prev.storage, fitted.storage);
        }
        grads.set(input, next);
        pending.hold(next);
      }
    });
    for (const [storage, device] of made) {
      fresh.set(storage, device);
      dead.push(storage);
    }
    for (const storage of dead) pending.releaseIfDead(storage);
  }
}
