/**
 * GPU buffers reused by size: a tensor's buffer goes back to the pool when the tensor (and every view
 * of it) has been garbage-collected, which a FinalizationRegistry reports; `alloc` takes from the pool
 * first. Reuse is safe without waiting for the GPU: every later use is recorded after the earlier ones
 * in the same queue.
 * A size's free buffers are taken lowest creation number first, not in the order the collector released
 * them: a training step then gets the same buffers as the step before it, whose bind groups are cached
 * (a GPU binds a buffer by identity), instead of making new ones whenever finalizers ran in another order.
 * Out of memory: a size over the device's buffer limits is an error at once; a new buffer (a pool
 * miss, rare once a training loop runs) is created inside an 'out-of-memory' error scope, whose answer
 * goes to `onCreated` (the context names a failure by the kernel that used the buffer).
 */
/// <reference types="@webgpu/types" />

/** Bytes held by tensors now (`live`) and kept for reuse (`pooled`). */
export interface GpuMemory {
  live: number;
  pooled: number;
  liveBuffers: number;
  pooledBuffers: number;
}

/** Buffers are rounded up to 16 bytes (copies need multiples of 4; 16 keeps the classes few). */
export function roundedBytes(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

/** Bytes as a short human figure (KiB, MiB, GiB). */
export function fmtBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

export class BufferPool {
  /** Free buffers by size, each list sorted by creation number, highest first (`take` pops the lowest). */
  readonly #free = new Map<number, GPUBuffer[]>();
  readonly #serial = new WeakMap<GPUBuffer, number>();
  #created = 0;
  readonly #registry = new FinalizationRegistry<GPUBuffer>((b) => this.#release(b));
  #live = 0;
  #liveBuffers = 0;
  #pooled = 0;
  #pooledBuffers = 0;

  /** Buffers whose creation's error scope has not answered yet. */
  readonly pending = new Set<GPUBuffer>();

  constructor(
    readonly device: GPUDevice,
    readonly onCreated: (gpu: GPUBuffer, bytes: number, error: string | null) => void = () => {},
  ) {}

  /** The largest buffer a kernel can use: every buffer is bound whole as storage. */
  get maxBytes(): number {
    const l = this.device.limits;
    return Math.min(l.maxBufferSize, l.maxStorageBufferBindingSize);
  }

  /** A buffer of at least `bytes`: a pooled one holds a previous tensor's contents, a new one zeros. */
  take(bytes: number): GPUBuffer {
    const size = roundedBytes(bytes);
    const free = this.#free.get(size);
    const pooled = free?.pop();
    if (pooled !== undefined) {
      this.#pooled -= size;
      this.#pooledBuffers--;
      this.#addLive(size);
      return pooled;
    }
    if (size > this.maxBytes) {
      const l = this.device.limits;
      const which =
        l.maxBufferSize <= l.maxStorageBufferBindingSize ? "maxBufferSize" : "maxStorageBufferBindingSize";
      throw new RangeError(
        `webgpu: out of memory: a buffer of ${fmtBytes(size)} (${size} bytes) is over this GPU's limit of ${fmtBytes(this.maxBytes)} (${which}); use smaller tensors (a smaller batch) or the CPU`,
      );
    }
    this.device.pushErrorScope("out-of-memory");
    const gpu = this.device.createBuffer({
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.#serial.set(gpu, this.#created++);
    this.pending.add(gpu);
    void this.device.popErrorScope().then((error) => {
      this.pending.delete(gpu);
      this.onCreated(gpu, size, error === null ? null : error.message);
    });
    this.#addLive(size);
    return gpu;
  }

  /** Returns `gpu` to the pool once `owner` is garbage-collected. */
  watch(owner: object, gpu: GPUBuffer): void {
    this.#registry.register(owner, gpu, owner);
  }

  /**
   * Returns `gpu` to the pool now, before `owner` is collected (the autograd engine gives back its
   * temporaries): a step's later allocations reuse it at once. A buffer given back twice counts once.
   */
  giveBack(owner: object, gpu: GPUBuffer): void {
    if (this.#registry.unregister(owner)) this.#release(gpu);
  }

  memory(): GpuMemory {
    return {
      live: this.#live,
      pooled: this.#pooled,
      liveBuffers: this.#liveBuffers,
      pooledBuffers: this.#pooledBuffers,
    };
  }

  /** Frees the pooled buffers (the live ones stay). */
  trim(): void {
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
    this.#pooled = 0;
    this.#pooledBuffers = 0;
  }

  #addLive(size: number): void {
    this.#live += size;
    this.#liveBuffers++;
  }

  #release(gpu: GPUBuffer): void {
    const size = gpu.size;
    this.#live -= size;
    this.#liveBuffers--;
    let list = this.#free.get(size);
    if (list === undefined) this.#free.set(size, (list = []));
    // Binary search for the first buffer created after this one (the list is in descending order).
    const serial = this.#serial.get(gpu)!;
    let [lo, hi] = [0, list.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#serial.get(list[mid])! > serial) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, gpu);
    this.#pooled += size;
    this.#pooledBuffers++;
  }
}
