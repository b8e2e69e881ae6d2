/**
 * The webgpu backend: storage in GPU buffers (context.ts) and every kernel of the table in WGSL (one
 * file per kernel family), so nothing is silently copied to the CPU.
 */
/// <reference types="@webgpu/types" />
import type { Backend, DType, KernelName, Storage } from "../types.js";
import { gpuBufferOf, WEBGPU_DEVICE } from "./buffer.js";
import { GpuContext } from "./context.js";
import { adamStep, adamSteps } from "./adam.js";
import { causalAttention, causalAttentionBackward } from "./attention.js";
import { clipScale, listNorm } from "./clip.js";
import { crossEntropy, crossEntropyBackward } from "./cross-entropy.js";
import { binary, cast, copy, fill, unary, where } from "./elementwise.js";
import { gelu, geluBackward } from "./gelu.js";
import { matmulBias, reluBackward } from "./epilogue.js";
import { gather, indexAdd, indexSelect, scatterAdd } from "./indexing.js";
import { layerNorm, layerNormBackward } from "./layer-norm.js";
import { matmul } from "./matmul.js";
import { dropout } from "./random.js";
import { recurrentGatesBackward, recurrentGatesForward } from "./recurrent-gates.js";
import { stepwiseSequenceKernels } from "../rnn-sequence-js.js";
import { argReduce, reduce } from "./reduce.js";
import { softmax } from "./softmax.js";

/** Host elements as the 32-bit words the GPU stores (bool as one u32 each). */
function fromWords(words: ArrayBuffer, dtype: DType): Storage {
  if (dtype === "float32") return new Float32Array(words);
  if (dtype === "int32") return new Int32Array(words);
  return Uint8Array.from(new Uint32Array(words));
}

export type WebGpuBackend = Backend & { readonly context: GpuContext };

export function makeWebGpuBackend(device: GPUDevice): WebGpuBackend {
  const ctx = new GpuContext(device);
  // Each kernel with the context bound (a bound function costs a call less than a spreading arrow).
  const kernels = {
    unary: unary.bind(null, ctx),
    binary: binary.bind(null, ctx),
    where: where.bind(null, ctx),
    copy: copy.bind(null, ctx),
    cast: cast.bind(null, ctx),
    reduce: reduce.bind(null, ctx),
    argReduce: argReduce.bind(null, ctx),
    matmul: matmul.bind(null, ctx),
    indexSelect: indexSelect.bind(null, ctx),
    indexAdd: indexAdd.bind(null, ctx),
    gather: gather.bind(null, ctx),
    scatterAdd: scatterAdd.bind(null, ctx),
    softmax: softmax.bind(null, ctx),
    layerNorm: layerNorm.bind(null, ctx),
    layerNormBackward: layerNormBackward.bind(null, ctx),
    crossEntropy: crossEntropy.bind(null, ctx),
    crossEntropyBackward: crossEntropyBackward.bind(null, ctx),
    gelu: gelu.bind(null, ctx),
    geluBackward: geluBackward.bind(null, ctx),
    reluBackward: reluBackward.bind(null, ctx),
    matmulBias: matmulBias.bind(null, ctx),
    adamStep: adamStep.bind(null, ctx),
    dropout: dropout.bind(null, ctx),
    // As many tensors a dispatch as the device can bind (4 buffers each, 2 with their state in one block).
    adamSteps: adamSteps.bind(null, ctx),
    // Clipping's norm and scaling: as many gradients a dispatch as the device binds.
    listNorm: listNorm.bind(null, ctx),
    clipScale: clipScale.bind(null, ctx),
    causalAttention: causalAttention.bind(null, ctx),
    causalAttentionBackward: causalAttentionBackward.bind(null, ctx),
    recurrentGatesForward: recurrentGatesForward.bind(null, ctx),
    recurrentGatesBackward: recurrentGatesBackward.bind(null, ctx),
    // The steps one by one on this backend's own matmul and gate kernels.
    ...stepwiseSequenceKernels(() => backend),
  } satisfies Partial<Backend>;
  const backend: WebGpuBackend = {
    name: "webgpu",
    threads: 1,
    isa: "wgsl",
    nativeKernels: Object.keys(kernels) as KernelName[],
    preferComposition: [],
    device: WEBGPU_DEVICE,
    hostVisible: false,
    context: ctx,
    alloc: (dtype, n) => ctx.alloc(dtype, n) as unknown as Storage,
    allocUninit: (dtype, n) => ctx.allocUninit(dtype, n) as unknown as Storage,
    release: (buf) => ctx.release(gpuBufferOf(buf, "release")),
    upload: (host) => ctx.upload(host, dtypeOfHost(host)) as unknown as Storage,
    fill: (buf, value, begin, end) => fill(ctx, buf, value, begin, end),
    read: async (buf, begin, end) => {
      const b = gpuBufferOf(buf, "read");
      return fromWords(await ctx.read(b, begin, end), b.dtype);
    },
    sync: () => ctx.sync(),
    ...kernels,
  };
  return backend;
}

function dtypeOfHost(host: Storage): DType {
  if (host instanceof Float32Array) return "float32";
  if (host instanceof Int32Array) return "int32";
  if (host instanceof Uint8Array) return "bool";
  throw new Error("webgpu: float64 is not supported (WebGPU computes in float32); use float32");
}
