/**
 * Memory of the CPU backends' typed arrays, kept by byte length for the next allocation of the same
 * size: a training step allocates the same sizes every step, and a fresh multi-megabyte array costs
 * zeroing, page faults and garbage collections (V8 starts a scavenge for "external memory pressure"
 * as fresh ArrayBuffers pile up, about two per GPT step, and the mark-compacts follow) each time.
 *
 * A buffer comes back two ways. `releaseHost`: code that knows nothing reads it again gives the array
 * back at once (the autograd engine its gradient temporaries, an op its scratch), and it is handed out
 * again as the same object. `trackHost`: the arrays that `alloc` hands out are registered with a
 * FinalizationRegistry whose target is the typed array and whose held value is its ArrayBuffer, so when
 * the array object (the one every view of a tensor holds: backend/device.ts) is collected, the buffer
 * goes back to the pool, whatever the user did with the tensor. V8 clears these targets only in a mark-compact (not in a scavenge), and runs the
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

/**
 * A pool entry: an array given back by `releaseHost`, handed out again as the same object (its
 * registration, if any, stays valid), or the buffer of a collected array, wrapped anew when taken.
 */
type Entry = Storage | ArrayBuffer;
/** What the registry keeps for a tracked array: its buffer, and its size for the count. */
interface Held {
  buffer: ArrayBuffer;
  bytes: number;
}

/** Free entries by byte length; the Map's order is that of the last give-back, oldest first. */
const free = new Map<number, Entry[]>();
/** What the pool holds now: a second release of one of them must not hand it out twice. */
const pooled = new WeakSet<Entry>();
let pooledBytes = 0;
/** Bytes of tracked arrays not collected yet (a released array stays registered while it is reused). */
let trackedBytes = 0;
/** The bound on trackedBytes: PROBE_BYTES until the registry's callbacks are seen to run. */
let trackLimit = PROBE_BYTES;

/** Gives back the buffer of a tracked array once that array has been collected. */
const registry = new FinalizationRegistry<Held>((held) => {
  trackLimit = TRACK_LIMIT_BYTES;
  trackedBytes -= held.bytes;
  keep(held.buffer); // ignored if it was transferred to another thread (its byteLength is then 0)
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
 * A pooled array of n elements of `dtype` (its old contents left in place), or undefined when the last
 * entry of that size is neither a collected array's buffer nor a released array of that dtype (a
 * released array of another dtype may still be registered: its buffer must not change hands).
 */
export function takePooled(dtype: DType, n: number): Storage | undefined {
  const bytes = n * BYTES[dtype];
  const list = free.get(bytes);
  if (list === undefined) return undefined;
  const entry = list[list.length - 1];
  let arr: Storage;
  if (entry instanceof ArrayBuffer) arr = trackHost(wrapHost(dtype, entry, n));
  else if (dtypeOfHost(entry) === dtype) arr = entry;
  else return undefined;
  list.pop();
  if (list.length === 0) free.delete(bytes);
  pooled.delete(entry);
  pooledBytes -= bytes;
  return arr;
}

/**
 * Tracks an array that `alloc` hands out, so that its buffer returns when it is collected, while the
 * bytes tracked stay within the bound (past it, the array is left to the collector alone).
 */
export function trackHost<S extends Storage>(arr: S): S {
  const bytes = arr.byteLength;
  if (bytes >= TRACK_MIN_BYTES && trackedBytes + bytes <= trackLimit && poolable(arr)) {
    registry.register(arr, { buffer: arr.buffer as ArrayBuffer, bytes });
    trackedBytes += bytes;
  }
  return arr;
}

/**
 * Keeps `buf` for a later allocation of its dtype and length. Only whole arrays (not `subarray` ranges)
 * are kept, each once. The caller guarantees that nothing reads or writes `buf` afterwards.
 */
export function releaseHost(buf: Storage): void {
  if (poolable(buf)) keep(buf);
}

/** Puts an entry in the pool, making room by dropping the least recently given back sizes. */
function keep(entry: Entry): void {
  const bytes = entry.byteLength;
  if (bytes < MIN_BYTES || bytes > POOL_LIMIT_BYTES || pooled.has(entry)) return;
  for (const [size, list] of free) {
    if (pooledBytes + bytes <= POOL_LIMIT_BYTES) break;
    while (list.length > 0 && pooledBytes + bytes > POOL_LIMIT_BYTES) {
      pooled.delete(list.pop()!);
      pooledBytes -= size;
    }
    if (list.length === 0) free.delete(size);
  }
  const list = free.get(bytes);
  if (list === undefined) free.set(bytes, [entry]);
  else {
    list.push(entry);
    free.delete(bytes); // re-inserted last: the most recently given back size
    free.set(bytes, list);
  }
  pooled.add(entry);
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
