/** The optimizers the training programs offer by name. */
import type { Tensor } from "../tensor/tensor.js";
import { SGD } from "../optim/sgd.js";
import { Adam, AdamW } from "../optim/adam.js";
import type { Optimizer } from "../optim/optimizer.js";

/** "sgd" (plain), "adam" or "adamw", with a learning rate and weight decay. */
export function makeOptimizer(name: string, params: Tensor[], lr: number, weightDecay: number): Optimizer {
  if (name === "sgd") return new SGD(params, { lr, weightDecay }) as unknown as Optimizer;
  if (name === "adam") return new Adam(params, { lr, weightDecay }) as unknown as Optimizer;
  if (name === "adamw") return new AdamW(params, { lr, weightDecay }) as unknown as Optimizer;
  throw new RangeError(`optimizer must be "sgd", "adam" or "adamw", got "${name}"`);
}
