/**
 * What browser bundles get instead of node-threads.ts (package.json's "browser" map): the wasm
 * backend runs on one thread there (Web Worker threads are not wired up yet).
 */
import type * as NodeThreads from "./node-threads.js";

export const wasmThreadCount: typeof NodeThreads.wasmThreadCount = () => 1;

export const startThreads: typeof NodeThreads.startThreads = () => {};
