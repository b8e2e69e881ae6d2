/**
 * Which storages were allocated while a scope was open. The autograd engine opens one around a
 * backward pass: every gradient temporary is allocated inside it, so afterwards the engine can give
 * back to their device's pool all of them except the gradients it stored in `.grad`.
 */
import type { Device } from "../backend/device.js";
import type { Storage } from "../backend/types.js";

/** The storages allocated in a scope, each with its device. */
export type Allocations = Map<Storage, Device>;

let open: Allocations | null = null;

/** Notes a storage made by `Tensor.empty` or `Tensor.uninitialized` in the open scope, if any. */
export function noteAllocation(device: Device, storage: Storage): void {
  if (open !== null) open.set(storage, device);
}

/**
 * Runs `fn(allocations)` with a new scope open and returns what it allocated through the tensor
 * layer (`fn` may look at the map as it grows). A scope opened inside another hides its allocations
 * from the outer one, so nothing is given back twice or by the wrong owner.
 */
export function allocationsOf(fn: (allocations: Allocations) => void): Allocations {
  const outer = open;
  const mine: Allocations = new Map();
  open = mine;
  try {
    fn(mine);
  } finally {
    open = outer;
  }
  return mine;
}
