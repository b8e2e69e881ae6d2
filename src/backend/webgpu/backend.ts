/**
 * The webgpu backend: storage in GPU buffers (context.ts), every kernel of the table that has a WGSL
 * version, and an error naming the kernel for those that do not yet (never a wrong result, never a
 * silent copy to the CPU).
 */
/// <reference types="@webgpu/types" />
import type { Backend, DType, KernelName, Storage } from "../types.js";
import { gpuBufferOf, WEBGPU_DEVICE } from "./buffer.js";
import { GpuContext } from "./context.js";
import { adamStep } from "./adam.js";
import { crossEntropy } from "./cross-entropy.js";
import { binary, cast, copy, fill, unary, where } from "./elementwise.js";
import { gelu, geluBackward } from "./gelu.js";
import { gather, indexAdd, indexSelect, scatterAdd } from "./indexing.js";
import { layerNorm, layerNormBackward } from "./layer-norm.js";
import { matmul } from "./matmul.js";
import { recurrentGatesBackward, recurrentGatesForward } from "./recurrent-gates.js";
import { argReduce, reduce } from "./reduce.js";
import { softmax } from "./softmax.js";

/** Kernels with no WGSL version yet: calling one is an error that says so. */
export const NOT_YET_ON_WEBGPU = [
  "causalAttention",
  "causalAttentionBackward",
] as const satisfies readonly KernelName[];

function notYet(kernel: string): () => never {
  return () => {
    throw new Error(
      `webgpu: the ${kernel} kernel is not yet on webgpu; run this model on "cpu" (await t.toAsync("cpu"))`,
    );
  };
}

/** Host elements as the 32-bit words the GPU stores (bool as one u32 each). */
function fromWords(words: ArrayBuffer, dtype: DType): Storage {
  if (dtype === "float32") return new Float32Array(words);
  if (dtype === "int32") return new Int32Array(words);
  return Uint8Array.from(new Uint32Array(words));
}

export type WebGpuBackend = Backend & { readonly context: GpuContext };

export function makeWebGpuBackend(device: GPUDevice): WebGpuBackend {
  const ctx = new GpuContext(device);
  const kernels = {
    unary: (...a) => unary(ctx, ...a),
    binary: (...a) => binary(ctx, ...a),
    where: (...a) => where(ctx, ...a),
    copy: (...a) => copy(ctx, ...a),
    cast: (...a) => cast(ctx, ...a),
    reduce: (...a) => reduce(ctx, ...a),
    argReduce: (...a) => argReduce(ctx, ...a),
    matmul: (...a) => matmul(ctx, ...a),
    indexSelect: (...a) => indexSelect(ctx, ...a),
    indexAdd: (...a) => indexAdd(ctx, ...a),
    gather: (...a) => gather(ctx, ...a),
    scatterAdd: (...a) => scatterAdd(ctx, ...a),
    softmax: (...a) => softmax(ctx, ...a),
    layerNorm: (...a) => layerNorm(ctx, ...a),
    layerNormBackward: (...a) => layerNormBackward(ctx, ...a),
    crossEntropy: (...a) => crossEntropy(ctx, ...a),
    gelu: (...a) => gelu(ctx, ...a),
    geluBackward: (...a) => geluBackward(ctx, ...a),
    adamStep: (...a) => adamStep(ctx, ...a),
    recurrentGatesForward: (...a) => recurrentGatesForward(ctx, ...a),
    recurrentGatesBackward: (...a) => recurrentGatesBackward(ctx, ...a),
  } satisfies Partial<Backend>;
  const missing = Object.fromEntries(NOT_YET_ON_WEBGPU.map((k) => [k, notYet(k)])) as unknown as Pick<
    Backend,
    (typeof NOT_YET_ON_WEBGPU)[number]
  >;
  return {
    name: "webgpu",
    threads: 1,
    isa: "wgsl",
    nativeKernels: Object.keys(kernels) as KernelName[],
    // The op layer runs these compositions instead of the kernels above that are not written yet.
    preferComposition: ["causalAttention"],
    device: WEBGPU_DEVICE,
    hostVisible: false,
    context: ctx,
    alloc: (dtype, n) => ctx.alloc(dtype, n) as unknown as Storage,
    upload: (host) => ctx.upload(host, dtypeOfHost(host)) as unknown as Storage,
    fill: (buf, value, begin, end) => fill(ctx, buf, value, begin, end),
    read: async (buf, begin, end) => {
      const b = gpuBufferOf(buf, "read");
      return fromWords(await ctx.read(b, begin, end), b.dtype);
    },
    sync: () => ctx.sync(),
    ...kernels,
    ...missing,
  };
}

function dtypeOfHost(host: Storage): DType {
  if (host instanceof Float32Array) return "float32";
  if (host instanceof Int32Array) return "int32";
  if (host instanceof Uint8Array) return "bool";
  throw new Error("webgpu: float64 is not supported (WebGPU computes in float32); use float32");
}
