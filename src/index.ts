/**
 * gradstack: tensors with reverse-mode autograd, nn, optim and a model zoo, in TypeScript.
 * @example
 * import * as gs from "gradstack";
 * const x = gs.tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
 * x.mul(x).sum().backward(); // x.grad = [2, 4, 6]
 */
export { Tensor, type TensorLike, type Dims, type IndexSpec } from "./tensor/tensor.js";
export type { DType, Storage } from "./tensor/dtype.js";
export type { Shape } from "./tensor/shape.js";
export {
  tensor,
  zeros,
  ones,
  full,
  arange,
  linspace,
  eye,
  randn,
  rand,
  randint,
  randperm,
  zerosLike,
  onesLike,
  fullLike,
  randnLike,
  randLike,
  empty,
  type TensorOptions,
  type TensorData,
} from "./tensor/create.js";
export {
  Generator,
  manualSeed,
  defaultGenerator,
  getRngState,
  setRngState,
  type GeneratorState,
} from "./tensor/random.js";
export { noGrad, enableGrad, isGradEnabled } from "./autograd/grad-mode.js";
export { backend, setBackend, profileKernels } from "./backend/index.js";
export { device, type Device } from "./tensor/device.js";
export { devices, registerDevice, unregisterDevice } from "./backend/devices.js";
export type { DeviceStorage, DeviceBuffer } from "./backend/device.js";
export * from "./functions.js";
export * as autograd from "./autograd/index.js";
export * as nn from "./nn/index.js";
export * as micrograd from "./micrograd/index.js";
export * as optim from "./optim/index.js";
export * as data from "./data/index.js";
export * as io from "./io/index.js";
export * as models from "./models/index.js";
export { multinomial } from "./models/sampling.js";
export * as text from "./text/index.js";
