/**
 * Tensor memory of the wasm backend: typed arrays over the instance's shared memory, so its kernels
 * read and write the very arrays the tensors own (no copies). Each array comes from the module's
 * allocator (native/src/wasm_libc.cc) and goes back to it when `release` gives it back (the autograd
 * engine's temporaries) or when its last tensor is garbage-collected (a FinalizationRegistry), as
 * the CPU backends' pool and the WebGPU buffers are handled.
 *
 * V8 runs finalization callbacks only as tasks of their own, after a full collection: a script that
 * never yields (a plain `for (...) step()` loop) would never free a block and run out of the 4 GiB.
 * So past a soft limit, new tensors get ordinary ArrayBuffers, which the garbage collector frees by
 * itself, and kernel calls copy them in and out (staging.ts). Once callbacks free blocks again (the
 * script yielded), allocation returns to wasm memory; where they ran and the blocks are still in use,
 * the tensors are truly live and the limit rises, up to the 4 GiB error. As the memory grows, the
 * collector is nudged (nudgeCollector), so that a yielding loop gets its blocks back sooner.
 */
import type { DType, Storage } from "../types.js";
import type { WasmInstance } from "./instance.js";

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** The wasm32 address space: the memory cannot grow past 4 GiB. */
const LIMIT_BYTES = 2 ** 32;
/** Tensor bytes in wasm memory before new tensors go outside it (until callbacks show the script yields). */
const SOFT_LIMIT_BYTES = 2 ** 29;
/** The share of the memory's most that tensors may fill, the rest being room for staging copies. */
const TENSOR_SHARE = 0.75;
/** Memory growth between two nudges of the garbage collector (nudgeCollector). */
const NUDGE_EVERY_BYTES = 2 ** 25;
/** The untouched ArrayBuffer a nudge makes: large enough that V8 starts a full collection soon. */
const NUDGE_BYTES = 2 ** 28;

/** The last nudge's ArrayBuffer, kept only so that no compiler drops its allocation. */
let _ballast: ArrayBuffer | null = null;

/**
 * V8 counts ArrayBuffers toward the external memory that schedules its full collections, but not a
 * shared WebAssembly memory. A loop that yields between steps then saw a full collection (and with it
 * the finalization callbacks that free blocks) only every 15 or so GPT steps, while the memory grew by
 * the step's 32 MiB of garbage each step, every new page faulted in on its first write (~1 ms per MiB
 * here). So as the memory grows, an ArrayBuffer that nothing writes (the OS maps its pages only on a
 * write) stands in for the growth, and V8 collects sooner. GPT at 2 threads, 30 awaiting steps: the
 * process's memory 670 → 400 MiB, step CPU time −8% (−2% counting the collections between steps).
 */
function nudgeCollector(): void {
  try {
    _ballast = new ArrayBuffer(NUDGE_BYTES);
  } catch {
    _ballast = null; // no room even for address space: the nudge is only a hint
  }
}

interface Block {
  ptr: number;
  bytes: number;
}

export class WasmHeap {
  /** Every SharedArrayBuffer this memory has shown (it shows a new, longer one after each growth). */
  private readonly ours = new WeakSet<ArrayBufferLike>();
  private buffer: ArrayBufferLike | null = null;
  /**
   * Each live array's block, freed when the array is collected. The array is its own unregister
   * token, so `release` finds its block by unregistering (no WeakMap: the engine's many small
   * tensors made one a large part of the garbage collector's work).
   */
  private readonly registry: FinalizationRegistry<Block>;
  /** Bytes handed out and not yet freed. */
  liveBytes = 0;
  /** Bytes given back through `release` so far (the autograd engine's temporaries, for tests). */
  releasedBytes = 0;
  /** Tensor bytes in wasm memory past which new tensors are ordinary arrays (see the file's comment). */
  softLimit: number;
  /** Blocks freed by finalization callbacks so far: each one shows that the script yielded. */
  collected = 0;
  /** `collected` when an allocation first found the soft limit reached; -1 while under it. */
  private collectedAtLimit = -1;
  /** Arrays handed out outside wasm memory so far (for tests and diagnostics). */
  outsideCount = 0;
  /** Times the memory's growth nudged the garbage collector (for tests and diagnostics). */
  nudges = 0;
  /** The memory's size when last seen, and its growth since the last nudge. */
  private seenBytes = 0;
  private grownBytes = 0;
  /** `collected` at the last nudge; -1 before the first. */
  private collectedAtNudge = -1;

  constructor(
    private readonly wasm: WasmInstance,
    /** The most bytes the memory can hold: 4 GiB when it grows, its fixed size otherwise. */
    private readonly capacity = wasm.shared ? LIMIT_BYTES : wasm.memory.buffer.byteLength,
  ) {
    this.refresh();
    this.softLimit = Math.min(SOFT_LIMIT_BYTES, capacity * TENSOR_SHARE);
    this.registry = new FinalizationRegistry((block) => {
      this.collected++;
      this.free(block);
    });
  }

  /** The memory's buffer now: views of new blocks must be made over it after the memory grew. */
  private refresh(): ArrayBufferLike {
    const b = this.wasm.memory.buffer;
    if (b !== this.buffer) {
      this.ours.add(b);
      this.buffer = b;
      this.noteGrowth(b.byteLength);
    }
    return b;
  }

  /**
   * Counts the memory's growth (none the first time) and nudges the collector each NUDGE_EVERY_BYTES,
   * unless no finalization callback has run since the last nudge: a loop that never yields gets no
   * block back from a collection, only its cost (its staging takes over at the soft limit).
   */
  private noteGrowth(bytes: number): void {
    if (this.seenBytes > 0) this.grownBytes += bytes - this.seenBytes;
    this.seenBytes = bytes;
    if (this.grownBytes < NUDGE_EVERY_BYTES) return;
    this.grownBytes = 0;
    if (this.collectedAtNudge >= 0 && this.collected === this.collectedAtNudge) return;
    this.collectedAtNudge = this.collected;
    this.nudges++;
    nudgeCollector();
  }

  /** Whether `arr` lies in this memory (its byteOffset is then its address). */
  owns(arr: Storage): boolean {
    return this.ours.has(arr.buffer);
  }

  /** Raw bytes for the module's own use (staging); null at the 4 GiB limit. */
  malloc(bytes: number): number | null {
    const ptr = this.wasm.exports.gs_alloc(bytes) >>> 0;
    return ptr === 0 ? null : ptr;
  }

  /** Gives back what `malloc` returned. */
  freeRaw(ptr: number): void {
    this.wasm.exports.gs_free(ptr);
  }

  /** A view of `bytes` bytes at `ptr` over the current buffer. */
  bytesAt(ptr: number, bytes: number): Uint8Array {
    return new Uint8Array(this.refresh(), ptr, bytes);
  }

  /**
   * A typed array of n elements in wasm memory; zero-filled unless `uninit`. Past the soft limit, or
   * when a single-thread module's fixed memory is full, an ordinary array instead (its calls copy it
   * in and out: staging.ts).
   */
  alloc(dtype: DType, n: number, uninit = false): Storage {
    const bytes = n * BYTES[dtype];
    // A block too large to stage beside the others skips the soft limit: in memory, or the error below.
    const stageable = bytes <= this.capacity * (1 - TENSOR_SHARE);
    if (stageable && !this.underSoftLimit(bytes)) return this.outside(dtype, n, bytes);
    const ptr = bytes > LIMIT_BYTES ? null : this.malloc(bytes);
    if (ptr === null && !this.wasm.shared && bytes <= LIMIT_BYTES) return this.outside(dtype, n, bytes);
    if (ptr === null)
      throw new Error(
        `wasm backend: cannot allocate ${n} ${dtype} elements (${formatBytes(bytes)}): WebAssembly ` +
          `memory is limited to 4 GiB (wasm32) and ${formatBytes(this.liveBytes)} are in use by tensors; ` +
          `use the native or js backend for larger data`,
      );
    if (!uninit) this.wasm.exports.gs_zero(ptr, bytes);
    const arr = view(this.refresh(), dtype, ptr, n);
    this.registry.register(arr, { ptr, bytes }, arr);
    this.liveBytes += bytes;
    return arr;
  }

  /**
   * Whether `bytes` more fit under the soft limit. Past it, the first time finalization callbacks are
   * seen to have run since it was reached, the blocks still in use are truly live: the limit rises
   * (up to the memory's tensor share; beyond that the 4 GiB error) and this allocation goes in.
   */
  private underSoftLimit(bytes: number): boolean {
    const wanted = this.liveBytes + bytes;
    if (wanted <= this.softLimit) {
      this.collectedAtLimit = -1;
      return true;
    }
    if (this.collectedAtLimit < 0) this.collectedAtLimit = this.collected;
    else if (this.collected > this.collectedAtLimit) {
      this.collectedAtLimit = -1;
      const most = this.capacity * TENSOR_SHARE;
      this.softLimit = Math.min(Math.max(2 * this.softLimit, wanted), most);
      return wanted <= this.softLimit || this.wasm.shared;
    }
    return false;
  }

  /** An ordinary zero-filled array, freed by the garbage collector; kernel calls stage it. */
  private outside(dtype: DType, n: number, bytes: number): Storage {
    this.outsideCount++;
    return view(new ArrayBuffer(bytes), dtype, 0, n);
  }

  /**
   * Sets elements [begin, end) of an array in this memory to +0 with the module's memory.fill: a
   * typed array's own fill over shared memory is about 6× slower in V8.
   */
  zero(arr: Storage, begin = 0, end = arr.length): void {
    const size = arr.BYTES_PER_ELEMENT;
    this.wasm.exports.gs_zero(arr.byteOffset + begin * size, (end - begin) * size);
  }

  /** Frees an array that `alloc` returned; nothing may use it afterwards. Others are ignored. */
  release(arr: Storage): void {
    if (!this.registry.unregister(arr)) return; // not ours, or released already
    const block = { ptr: arr.byteOffset, bytes: arr.byteLength };
    this.releasedBytes += block.bytes;
    this.free(block);
  }

  private free(block: Block): void {
    this.liveBytes -= block.bytes;
    this.wasm.exports.gs_free(block.ptr);
  }
}

function view(buffer: ArrayBufferLike, dtype: DType, ptr: number, n: number): Storage {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer, ptr, n);
    case "float64":
      return new Float64Array(buffer, ptr, n);
    case "int32":
      return new Int32Array(buffer, ptr, n);
    case "bool":
      return new Uint8Array(buffer, ptr, n);
  }
}

function formatBytes(b: number): string {
  return b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`;
}
