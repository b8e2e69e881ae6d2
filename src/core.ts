/**
 * The part of the API that both entries share as it is (index.ts for Node, browser.ts for browsers):
 * tensors, autograd, the backend choice, nn, optim, micrograd and the models.
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
export { init, type InitOptions, type InitResult, type BackendRequest } from "./backend/init.js";
export { device, type Device } from "./tensor/device.js";
export { devices, registerDevice, unregisterDevice } from "./backend/devices.js";
export type { DeviceStorage, DeviceBuffer } from "./backend/device.js";
export * from "./functions.js";
export * as autograd from "./autograd/index.js";
export * as nn from "./nn/index.js";
export * as micrograd from "./micrograd/index.js";
export * as optim from "./optim/index.js";
export * as models from "./models/index.js";
export { multinomial } from "./models/sampling.js";
