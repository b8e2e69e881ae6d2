/**
 * Bundles bench/tfjs-step for Node with esbuild: TensorFlow.js's Node build of tfjs-core leaves its
 * gradients out (the `@tensorflow/tfjs` union package registers them), and their registration exists
 * only as extension-less ES modules, which Node cannot import. The bundle (CommonJS, because the wasm
 * backend's Emscripten glue calls `require`) holds core, the gradients and the wasm backend's glue;
 * the .wasm files stay in node_modules (tfjs-step.ts points the backend at them).
 */
import { build } from "esbuild";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Writes build/bench/tfjs-step.cjs from the compiled tfjs-step.js and returns its path. */
export async function bundleTfjsStep(): Promise<string> {
  const outfile = path.join(here, "tfjs-step.cjs");
  await build({
    entryPoints: [path.join(here, "tfjs-step.js")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    // tfjs's ES modules, which import the gradients; its "main" is the Node build without them.
    mainFields: ["module", "main"],
    logLevel: "error",
  });
  return outfile;
}
