/**
 * WebGPU in Node: the optional `webgpu` package (Dawn). package.json's "browser" map swaps in
 * node-gpu.browser.ts, so bundles never pull it in.
 */
/// <reference types="@webgpu/types" />

/** Dawn's GPU object, or an error that says how to get it. */
export async function nodeGpu(flags: readonly string[] = []): Promise<GPU> {
  let mod: { create(flags: string[]): GPU; globals: object };
  try {
    mod = (await import("webgpu" as string)) as typeof mod;
  } catch (e) {
    throw new Error(
      `webgpu.init: the optional package "webgpu" (Dawn for Node) is not installed: npm install webgpu (${(e as Error).message})`,
    );
  }
  // The GPUBufferUsage, GPUMapMode... constants the backend reads from the global scope.
  for (const [k, v] of Object.entries(mod.globals))
    if (!(k in globalThis)) Object.assign(globalThis, { [k]: v });
  return mod.create([...flags]);
}
