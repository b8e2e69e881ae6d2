/**
 * One GPUDevice and the stream of work recorded on it: kernels are recorded into a command encoder and
 * submitted in batches (when the batch is full, when the host reads, on `sync`, or on a later turn of
 * the event loop), so a training step does not wait for the GPU until the user asks for a value.
 */
/// <reference types="@webgpu/types" />
import type { DType, Storage } from "../types.js";
import { GpuBuffer, wgslType } from "./buffer.js";
import { BufferPool, fmtBytes } from "./pool.js";
import { BindGroupCache, BindingLayouts } from "./binding-cache.js";
import { MAIN_64, PARAM_SLOT_BYTES, PARAM_WORDS, paramsPrelude } from "./wgsl.js";
import { perElement, type Groups, type WorkTable } from "./work.js";

/** Kernel calls per submitted batch (each uses one 256-byte slot of the parameter buffer). */
const SLOTS_PER_BATCH = 512;
/** Threads per workgroup of the element-wise kernels. */
export const WORKGROUP = 64;
export const MAX_GROUPS_PER_DIM = 65535;

/**
 * Zeroes the first pu(0) words of a buffer. A new buffer is zero already, but `alloc` runs it on every
 * buffer: a step's dispatches then do not depend on which of its buffers the pool had.
 */
const ZERO = `@group(0) @binding(1) var<storage, read_write> b0: array<u32>;
${MAIN_64} {
  let i = thread_id(wid, nwg, lid);
  if (i < pu(0u)) { b0[i] = 0u; }
}`;

/** The work of the context's own kernel (work.ts). */
export const WORK: WorkTable = { zero: perElement(1, 0) };

/** A kernel call: its WGSL body (the parameter prelude is added), its buffers, its u32 parameters. */
export interface Dispatch {
  kernel: string;
  code: string;
  buffers: readonly GpuBuffer[];
  params: readonly number[];
  /** Workgroups to run: a count (spread over x and y), or [x, y, z]. */
  groups: number | readonly [number, number, number];
}

/** The register-blocked matmul tile's variant: plain, or with subgroup (quad) broadcasts. */
export type MatmulKernel = "tiled" | "subgroups";

/** Sees every dispatch as it is recorded, with its workgroups (the occupancy report). */
export type DispatchObserver = (d: Dispatch, groups: Groups) => void;

export class GpuContext {
  readonly pool: BufferPool;
  /** Called with each dispatch recorded while set (null: nothing is called, nothing allocated). */
  observer: DispatchObserver | null = null;
  /** The big matmul tile's variant; "subgroups" only where the device has the feature (`setMatmulKernel`). */
  #matmulKernel: MatmulKernel = "tiled";
  /** Each kernel's code with its bindings as written, and the variants of aliased calls (`#variant`). */
  readonly #plain = new Map<string, KernelVariant>();
  readonly #aliased = new Map<KernelVariant, Map<string, KernelVariant>>();
  readonly #pipelines = new Map<KernelVariant, GPUComputePipeline>();
  /** The pipeline set last in the open compute pass. */
  #lastPipeline: GPUComputePipeline | null = null;
  readonly #layouts: BindingLayouts;
  readonly #bindGroups = new BindGroupCache<GPUBindGroup>();
  readonly #params: GPUBuffer;
  readonly #paramsHost = new Uint32Array((SLOTS_PER_BATCH * PARAM_SLOT_BYTES) / 4);
  #slots = 0;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #staging: GPUBuffer[] = [];
  #flushScheduled = false;
  #error: string | null = null;
  /** Out of memory comes first: the errors of the kernels that used the missing buffer follow from it. */
  #oom: string | null = null;
  /** The first kernel that used each buffer whose allocation is not yet known to have succeeded. */
  readonly #firstUse = new Map<GPUBuffer, string>();

  constructor(readonly device: GPUDevice) {
    this.pool = new BufferPool(device, (gpu, bytes, error) => {
      const user = this.#firstUse.get(gpu);
      this.#firstUse.delete(gpu);
      if (error === null) return;
      const m = this.pool.memory();
      this.#oom ??= `out of GPU memory allocating ${fmtBytes(bytes)}${user === undefined ? "" : ` for ${user}`} (${fmtBytes(m.live)} held by tensors, ${fmtBytes(m.pooled)} pooled): ${error}`;
    });
    this.#layouts = new BindingLayouts(device);
    this.#params = device.createBuffer({
      size: SLOTS_PER_BATCH * PARAM_SLOT_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    device.addEventListener("uncapturederror", (e) => {
      this.#error ??= (e as GPUUncapturedErrorEvent).error.message;
    });
    void device.lost.then((info) => {
      this.#error ??= `the GPU device was lost (${info.reason}): ${info.message}`;
    });
  }

  /**
   * A zero-filled buffer of n elements. A pooled buffer is zeroed by a kernel recorded in the compute
   * pass (a clearBuffer would have to end the pass, and clearing every released buffer ahead, as this
   * did before, zeroed the many that `allocUninit` hands out to be overwritten anyway).
   */
  alloc(dtype: DType, n: number): GpuBuffer {
    wgslType(dtype);
    const b = this.#watched(this.pool.take(n * 4), dtype, n);
    this.run({ kernel: "zero", code: ZERO, buffers: [b], params: [n], groups: groupsFor(n) });
    return b;
  }

  /**
   * A buffer of n elements with unspecified contents, for an output a kernel overwrites entirely: a
   * pooled buffer is not cleared (no clear to record, no break in the compute pass, no GPU memset).
   */
  allocUninit(dtype: DType, n: number): GpuBuffer {
    wgslType(dtype);
    return this.#watched(this.pool.take(n * 4), dtype, n);
  }

  /** Gives `b` back to the pool now (its caller uses it no more); a view is left to its root. */
  release(b: GpuBuffer): void {
    if (b.root === null) this.pool.giveBack(b, b.gpu);
  }

  #watched(gpu: GPUBuffer, dtype: DType, n: number): GpuBuffer {
    const b = new GpuBuffer(gpu, dtype, 0, n);
    this.pool.watch(b, gpu);
    return b;
  }

  /** A buffer holding `host`'s elements, copied in order with the recorded work. */
  upload(host: Storage, dtype: DType): GpuBuffer {
    wgslType(dtype);
    const n = host.length;
    const gpu = this.pool.take(n * 4);
    const b = this.#watched(gpu, dtype, n);
    if (n === 0) return b;
    const staging = this.device.createBuffer({
      size: gpu.size,
      usage: GPUBufferUsage.COPY_SRC,
      mappedAtCreation: true,
    });
    const range = staging.getMappedRange();
    if (dtype === "float32") new Float32Array(range).set(host);
    else if (dtype === "int32") new Int32Array(range).set(host);
    else new Uint32Array(range).set(host);
    staging.unmap();
    this.#commands().copyBufferToBuffer(staging, 0, gpu, 0, n * 4);
    this.#staging.push(staging);
    return b;
  }

  /**
   * Records one kernel call. This is the host's cost of every dispatch, so it allocates nothing on the
   * common path: the code string is the caller's cached one (its hash is computed once), parameters go
   * straight into the batch's uniform block, and a pipeline already set is not set again.
   */
  run(d: Dispatch): void {
    // A count of workgroups is spread over x (then y) within the per-dimension limit.
    const g = d.groups;
    let gx: number;
    let gy = 1;
    let gz = 1;
    if (typeof g !== "number") {
      gx = g[0];
      gy = g[1];
      gz = g[2];
    } else if (g <= MAX_GROUPS_PER_DIM) gx = g;
    else {
      gy = Math.ceil(g / MAX_GROUPS_PER_DIM);
      gx = Math.ceil(g / gy);
    }
    if (gx * gy * gz === 0) return;
    if (this.observer !== null) this.observer(d, [gx, gy, gz]);
    const params = d.params;
    if (params.length > PARAM_WORDS) throw new Error(`webgpu ${d.kernel}: too many parameters`);
    if (this.#slots === SLOTS_PER_BATCH) this.flush();
    const slot = this.#slots++;
    const host = this.#paramsHost;
    const base = slot * (PARAM_SLOT_BYTES / 4);
    for (let i = 0; i < params.length; i++) host[base + i] = params[i];
    if (this.pool.pending.size > 0) this.#noteFirstUse(d);
    const variant = this.#variant(d.code, d.buffers);
    const pipeline = this.#pipeline(d.kernel, variant);
    const group = this.#bindGroup(d.buffers, variant.unique);
    const pass = this.#computePass();
    if (pipeline !== this.#lastPipeline) {
      pass.setPipeline(pipeline);
      this.#lastPipeline = pipeline;
    }
    // The parameter slot is a dynamic offset, so a bind group serves every call on the same buffers.
    pass.setBindGroup(0, group, [slot * PARAM_SLOT_BYTES]);
    pass.dispatchWorkgroups(gx, gy, gz);
    if (!this.#flushScheduled) this.#scheduleFlush();
  }

  get matmulKernel(): MatmulKernel {
    return this.#matmulKernel;
  }

  /** Chooses the matmul variant; "subgroups" falls back to "tiled" without the feature. Returns the one in use. */
  setMatmulKernel(kernel: MatmulKernel): MatmulKernel {
    this.#matmulKernel = kernel === "subgroups" && this.device.features.has("subgroups") ? kernel : "tiled";
    return this.#matmulKernel;
  }

  /** Frees the pooled buffers, and the cached bind groups that may name them. */
  trim(): void {
    this.#bindGroups.clear();
    this.pool.trim();
  }

  /** Submits the recorded work. */
  flush(): void {
    if (this.#encoder === null) return;
    this.#endPass();
    if (this.#slots > 0)
      this.device.queue.writeBuffer(
        this.#params,
        0,
        this.#paramsHost,
        0,
        (this.#slots * PARAM_SLOT_BYTES) / 4,
      );
    this.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = null;
    this.#slots = 0;
    for (const s of this.#staging) s.destroy(); // freed once the submitted copies are done
    this.#staging = [];
  }

  /** Elements [begin, end) of `b` as raw 32-bit words, after the work recorded so far. */
  async read(b: GpuBuffer, begin: number, end: number): Promise<ArrayBuffer> {
    const n = Math.max(0, end - begin);
    const bytes = Math.max(4, n * 4);
    const target = this.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    if (n > 0) this.#commands().copyBufferToBuffer(b.gpu, (b.offset + begin) * 4, target, 0, n * 4);
    this.flush();
    try {
      await target.mapAsync(GPUMapMode.READ);
    } catch (e) {
      this.#throwIfFailed();
      throw e;
    }
    const out = target.getMappedRange().slice(0, n * 4);
    target.unmap();
    target.destroy();
    this.#throwIfFailed();
    return out;
  }

  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    const error = this.#oom ?? this.#error;
    if (error !== null) throw new Error(`webgpu: ${error}`);
  }

  #noteFirstUse(d: Dispatch): void {
    if (d.code === ZERO) return; // an allocation's own zeroing: the op that uses the buffer next names it
    for (const b of d.buffers)
      if (this.pool.pending.has(b.gpu) && !this.#firstUse.has(b.gpu)) this.#firstUse.set(b.gpu, d.kernel);
  }

  /**
   * The code a call runs with its buffers: the kernel's own when no GPUBuffer is bound twice, else the
   * variant with the repeated bindings folded (see `unaliased`), made once per code and aliasing.
   */
  #variant(code: string, buffers: readonly GpuBuffer[]): KernelVariant {
    let plain = this.#plain.get(code);
    if (plain === undefined) this.#plain.set(code, (plain = { code, unique: allOf(buffers.length) }));
    if (!hasAlias(buffers)) return plain;
    const firsts = buffers.map((b) => buffers.findIndex((c) => c.gpu === b.gpu));
    let variants = this.#aliased.get(plain);
    if (variants === undefined) this.#aliased.set(plain, (variants = new Map()));
    const key = firsts.join(",");
    let v = variants.get(key);
    if (v === undefined) variants.set(key, (v = unaliased(code, firsts)));
    return v;
  }

  #pipeline(kernel: string, v: KernelVariant): GPUComputePipeline {
    let p = this.#pipelines.get(v);
    if (p === undefined) {
      // WGSL wants `enable` directives before any declaration, so they go ahead of the prelude.
      const enables = /^(enable [^;]+;\n)*/.exec(v.code)![0];
      const module = this.device.createShaderModule({
        label: kernel,
        code: enables + paramsPrelude + v.code.slice(enables.length),
      });
      p = this.device.createComputePipeline({
        label: kernel,
        layout: this.#layouts.pipeline(v.unique),
        compute: { module, entryPoint: "main" },
      });
      this.#pipelines.set(v, p);
    }
    return p;
  }

  /** The bind group of the parameter buffer and `buffers[unique[i]]`, made once per layout and buffers. */
  #bindGroup(buffers: readonly GpuBuffer[], unique: readonly number[]): GPUBindGroup {
    const layout = this.#layouts.group(unique);
    const key: object[] = [layout];
    for (const i of unique) key.push(buffers[i].gpu);
    const hit = this.#bindGroups.get(key);
    if (hit !== undefined) return hit;
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.#params, size: PARAM_SLOT_BYTES } },
      ...unique.map((i) => ({ binding: i + 1, resource: { buffer: buffers[i].gpu } })),
    ];
    const group = this.device.createBindGroup({ layout, entries });
    this.#bindGroups.set(key, group);
    return group;
  }

  #commands(): GPUCommandEncoder {
    this.#endPass();
    this.#scheduleFlush();
    return (this.#encoder ??= this.device.createCommandEncoder());
  }

  #computePass(): GPUComputePassEncoder {
    if (this.#pass === null) {
      this.#encoder ??= this.device.createCommandEncoder();
      this.#pass = this.#encoder.beginComputePass();
      this.#lastPipeline = null;
    }
    return this.#pass;
  }

  #endPass(): void {
    this.#pass?.end();
    this.#pass = null;
  }

  // Work recorded in one synchronous stretch of JavaScript goes to the GPU on the next turn.
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setTimeout(() => {
      this.#flushScheduled = false;
      this.flush();
    }, 0);
  }
}

/** A kernel's code as a call binds it, and the indices of the buffers it binds. */
interface KernelVariant {
  readonly code: string;
  readonly unique: readonly number[];
}

/**
 * WebGPU forbids binding one buffer twice when a binding writes it (an in-place op, or two views of one
 * buffer), so each GPUBuffer is bound once: later bindings of it are dropped from the WGSL and their
 * name (b<i>) becomes the first one's. `firsts[i]` is the first buffer index bound to buffer i's GPUBuffer.
 */
function unaliased(code: string, firsts: readonly number[]): KernelVariant {
  const unique: number[] = [];
  let out = code;
  firsts.forEach((first, i) => {
    if (first === i) {
      unique.push(i);
      return;
    }
    out = out.replace(new RegExp(`@group\\(0\\) @binding\\(${i + 1}\\)[^;]*;\\n?`), "");
    out = out.replace(new RegExp(`\\bb${i}\\b`, "g"), `b${first}`);
  });
  return { code: out, unique };
}

function hasAlias(buffers: readonly GpuBuffer[]): boolean {
  for (let i = 1; i < buffers.length; i++)
    for (let j = 0; j < i; j++) if (buffers[i].gpu === buffers[j].gpu) return true;
  return false;
}

const ALL: number[][] = [];
/** [0, 1, …, n − 1], shared. */
function allOf(n: number): readonly number[] {
  return (ALL[n] ??= Array.from({ length: n }, (_, i) => i));
}

/** Workgroups for one thread per element. */
export function groupsFor(threads: number, perGroup = WORKGROUP): number {
  return Math.ceil(threads / perGroup);
}
