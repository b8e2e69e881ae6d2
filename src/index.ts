/**
 * gradstack: tensors with reverse-mode autograd, nn, optim and a model zoo, in TypeScript. This is the
 * Node entry; bundlers targeting browsers get browser.ts (package.json's "browser" condition).
 * @example
 * import * as gs from "gradstack";
 * const x = gs.tensor([1, 2, 3], { dtype: "float32", requiresGrad: true });
 * x.mul(x).sum().backward(); // x.grad = [2, 4, 6]
 */
export * from "./core.js";
export * as data from "./data/index.js";
export * as io from "./io/index.js";
export * as text from "./text/index.js";
export * as webgpu from "./backend/webgpu/index.js";
export * as wasm from "./backend/wasm/index.js";
