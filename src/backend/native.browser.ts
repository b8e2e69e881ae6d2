/**
 * What browser bundles get instead of native.ts (package.json's "browser" map): there is no addon to load,
 * so cpu-js runs every kernel.
 */
import type * as NodeLoader from "./native.js";

export const loadNative: typeof NodeLoader.loadNative = () => ({
  error: "a browser has no native addon (cpu-js runs every kernel)",
});
