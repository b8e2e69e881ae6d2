/**
 * gs.optim: optimizers with PyTorch's update rules, and learning-rate schedules (gs.optim.lrScheduler).
 * @example
 * const opt = new gs.optim.AdamW(model.parameters(), { lr: 6e-4, weightDecay: 0.1 });
 * const sched = new gs.optim.lrScheduler.CosineWithWarmupLR(opt, { warmupIters: 100, lrDecayIters: 5000, minLr: 6e-5 });
 * for (const batch of batches) {
 *   opt.zeroGrad();
 *   model.forward(batch.x, batch.y).loss!.backward();
 *   opt.step();
 *   sched.step();
 * }
 */
export {
  Optimizer,
  type BaseOptions,
  type ParamGroup,
  type ParamGroupSpec,
  type Params,
  type ParamState,
  type ParamUpdate,
  type FloatStorage,
  type OptimizerStateDict,
} from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, type AdamOptions } from "./adam.js";
export * as lrScheduler from "./lr-scheduler.js";
