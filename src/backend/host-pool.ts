/**
 * Memory of the CPU backends' typed arrays, kept by byte length for the next allocation of the same
 * size: a training step allocates the same sizes every step, and a fresh multi-megabyte array costs
 * zeroing, page faults and garbage-collector pressure (V8 runs a full mark-compact for "external memory
 * pressure" when fresh ArrayBuffers pile up) each time.
 *
 * A buffer comes back two ways. `releaseHost`: code that knows nothing reads it again gives it back at
 * once (the autograd engine its gradient temporaries, an op its scratch). `trackHost`: every other
 * array that `alloc` hands out is registered with a FinalizationRegistry whose target is the typed
 * array and whose held value is its ArrayBuffer, so when the array object (the one every view of a
 * tensor holds: backend/device.ts) is collected, the buffer goes back to the pool, whatever the user
 * did with the tensor. V8 clears these targets only in a mark-compact (not in a scavenge), and runs the
 * callbacks as a task of their own, so a buffer never returns while a synchronous step still runs.
 * That also means a loop that never yields to the event loop gets nothing back, and the registry keeps
 * every buffer it holds alive until the loop yields. So the bytes tracked at a time are bounded: by
 * PROBE_BYTES until a callback has run (a program that never yields keeps that much longer than it
 * would, no more), then by TRACK_LIMIT_BYTES, enough for a loop that awaits between steps to get its
 * activations back after each mark-compact (half the mark-compacts of an awaiting GPT loop).
 * The rule this relies on: a `subarray` or another view over a tensor's ArrayBuffer must not outlive
 * the typed array that `alloc` returned (a kernel call's ranges do not; keep the array, not a view).
 */
import type { DType, Storage } from "./types.js";

/** Bytes the pool keeps at most; past it the least recently used sizes are left to the collector. */
export const POOL_LIMIT_BYTES = 512 * 2 ** 20;
/** Bytes of tracked arrays not back yet, once the registry's callbacks have been seen to run. */
export const TRACK_LIMIT_BYTES = 64 * 2 ** 20;
/** The same bound before any callback ran: what a program that never yields keeps alive longer. */
export const PROBE_BYTES = 8 * 2 ** 20;
/** Arrays this small cost less to make than to look up (and the smallest live on V8's heap). */
const MIN_BYTES = 256;
/** Arrays under a page are cheap for the allocator and the scavenger alike: not worth a registration. */
const TRACK_MIN_BYTES = 4096;

/** Free buffers by byte length; the Map's order is that of last use, oldest first. */
const free = new Map<number, ArrayBuffer[]>();
/** The buffers in the pool now: a second release of one of them must not hand it out twice. */
const pooled = new WeakSet<ArrayBufferLike>();
let pooledBytes = 0;
/** Bytes of tracked arrays that have not come back yet (collected or released). */
let trackedBytes = 0;
/** The bound on trackedBytes: PROBE_BYTES until the registry's callbacks are seen to run. */
let trackLimit = PROBE_BYTES;

/** Gives back the buffer of a tracked array once that array has been collected. */
const registry = new FinalizationRegistry<ArrayBuffer>((buffer) => {
  trackLimit = TRACK_LIMIT_BYTES;
  trackedBytes -= buffer.byteLength;
  keep(buffer);
});

export function dtypeOfHost(buf: Storage): DType | null {
  if (buf instanceof Float32Array) return "float32";
  if (buf instanceof Float64Array) return "float64";
  if (buf instanceof Int32Array) return "int32";
  if (buf instanceof Uint8Array) return "bool";
  return null;
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/** n elements of `dtype` over `buffer` (which holds exactly that many bytes). */
export function wrapHost(dtype: DType, buffer: ArrayBuffer, n: number): Storage {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer, 0, n);
    case "float64":
      return new Float64Array(buffer, 0, n);
    case "int32":
      return new Int32Array(buffer, 0, n);
    case "bool":
      return new Uint8Array(buffer, 0, n);
  }
}

/** Whether `arr` is the whole of a plain ArrayBuffer large enough to pool. */
function poolable(arr: Storage): boolean {
  return (
    arr.byteLength >= MIN_BYTES &&
    arr.byteOffset === 0 &&
    arr.byteLength === arr.buffer.byteLength &&
    arr.buffer instanceof ArrayBuffer
  );
}

/**
 * A pooled array of n elements of `dtype` (its old contents left in place), tracked like a fresh one,
 * or undefined when no buffer of that size is free.
 */
export function takePooled(dtype: DType, n: number): Storage | undefined {
  const bytes = n * BYTES[dtype];
  const list = free.get(bytes);
  const buffer = list?.pop();
  if (buffer === undefined) return undefined;
  pooled.delete(buffer);
  pooledBytes -= bytes;
  free.delete(bytes); // re-inserted last: the most recently used size
  if (list!.length > 0) free.set(bytes, list!);
  return trackHost(wrapHost(dtype, buffer, n));
}

/**
 * Tracks an array that `alloc` hands out, so that its buffer returns when it is collected, while the
 * bytes tracked stay within the bound (past it, the array is left to the collector alone).
 */
export function trackHost<S extends Storage>(arr: S): S {
  const bytes = arr.byteLength;
  if (bytes >= TRACK_MIN_BYTES && trackedBytes + bytes <= trackLimit && poolable(arr)) {
    registry.register(arr, arr.buffer as ArrayBuffer, arr);
    trackedBytes += bytes;
  }
  return arr;
}

/**
 * Keeps `buf`'s memory for a later allocation. Only whole arrays (not `subarray` ranges) are kept, each
 * once. The caller guarantees that nothing reads or writes `buf` afterwards.
 */
export function releaseHost(buf: Storage): void {
  if (!poolable(buf)) return;
  if (registry.unregister(buf)) trackedBytes -= buf.byteLength;
  keep(buf.buffer as ArrayBuffer);
}

/** Puts a buffer in the pool, making room by dropping the least recently used sizes. */
function keep(buffer: ArrayBuffer): void {
  const bytes = buffer.byteLength; // 0 once transferred to another thread: nothing to keep
  if (bytes < MIN_BYTES || bytes > POOL_LIMIT_BYTES || pooled.has(buffer)) return;
  for (const [size, list] of free) {
    if (pooledBytes + bytes <= POOL_LIMIT_BYTES) break;
    while (list.length > 0 && pooledBytes + bytes > POOL_LIMIT_BYTES) {
      pooled.delete(list.pop()!);
      pooledBytes -= size;
    }
    if (list.length === 0) free.delete(size);
  }
  const list = free.get(bytes);
  if (list === undefined) free.set(bytes, [buffer]);
  else {
    list.push(buffer);
    free.delete(bytes);
    free.set(bytes, list);
  }
  pooled.add(buffer);
  pooledBytes += bytes;
}

/** Bytes held by the pool (for tests and profiles). */
export function pooledHostBytes(): number {
  return pooledBytes;
}

/** Bytes of tracked arrays not back yet (for tests and profiles). */
export function trackedHostBytes(): number {
  return trackedBytes;
}
