/**
 * gradstack for browsers and Web Workers: the same API as the Node entry (index.ts) without the file
 * system and the native addon. gs.io holds safetensors to and from bytes, gs.data the datasets, loaders
 * and parsers, gs.text the tokenizers, vectorizers and LDA; every kernel runs on cpu-js.
 * @example
 * import * as gs from "gradstack"; // a bundler targeting browsers resolves this file
 * const gpt = new gs.models.GPT({ blockSize: 64, vocabSize: 65, nLayer: 2, nHead: 2, nEmbd: 64 });
 * const bytes = new Uint8Array(await (await fetch("gpt.safetensors")).arrayBuffer());
 * gpt.loadStateDict(gs.io.parseSafetensors(bytes).tensors);
 */
export * from "./core.js";
export * as data from "./data/portable.js";
export * as io from "./io/portable.js";
export * as text from "./text/portable.js";
export * as webgpu from "./backend/webgpu/index.js";
export * as wasm from "./backend/wasm/index.js";
