/**
 * Multi-tensor kernels (adamSteps, listNorm, clipScale) take as many tensors a dispatch as the device
 * binds: a stage binds at most `maxStorageBuffersPerShaderStage` storage buffers (8 by default, what
 * `init` asks of the adapter), and a GPUBuffer that holds several of the tensors is bound once
 * (context.ts folds repeated bindings), so tensors that share one (views of one allocation) cost one.
 */
import type { GpuBuffer } from "./buffer.js";
import type { GpuContext } from "./context.js";

/**
 * `items` cut into consecutive chunks of at most `maxItems` whose buffers, with `fixed` (bound by every
 * dispatch), need at most the device's storage bindings. An item's buffers must fit with `fixed`.
 */
export function chunksByBindings<T>(
  ctx: GpuContext,
  items: readonly T[],
  buffersOf: (item: T) => readonly GpuBuffer[],
  fixed: readonly GpuBuffer[],
  maxItems: number,
): T[][] {
  const limit = ctx.device.limits.maxStorageBuffersPerShaderStage;
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bound = new Set<GPUBuffer>(fixed.map((b) => b.gpu));
  for (const item of items) {
    const buffers = buffersOf(item);
    const added = buffers.filter((b) => !bound.has(b.gpu));
    const fresh = new Set(added.map((b) => b.gpu)).size;
    if (chunk.length > 0 && (chunk.length >= maxItems || bound.size + fresh > limit)) {
      chunks.push(chunk);
      chunk = [];
      bound = new Set<GPUBuffer>(fixed.map((b) => b.gpu));
    }
    for (const b of buffers) bound.add(b.gpu);
    if (bound.size > limit)
      throw new Error(`webgpu: a kernel needs ${bound.size} storage buffers, the device binds ${limit}`);
    chunk.push(item);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
