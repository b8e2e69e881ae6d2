/** FNV-1a over the bits of every parameter of a model: equal for equal results, bit for bit. */
import type * as gs from "../../src/index.js";

export function paramHash(model: gs.nn.Module): number {
  let h = 2166136261;
  for (const p of model.parameters())
    for (const word of new Uint32Array(Float32Array.from(p.storage as Float32Array).buffer))
      h = Math.imul(h ^ word, 16777619) >>> 0;
  return h;
}
