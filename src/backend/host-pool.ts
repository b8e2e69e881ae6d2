/**
 * Typed arrays given back by code that knows nothing will read them again (the autograd engine after
 * backward, an op after its scratch copies), kept by dtype and length for the next allocation of the
 * same size. A training step allocates the same sizes every step, and a fresh multi-megabyte typed
 * array costs zeroing, page faults and garbage-collector pressure each time.
 */
import type { DType, Storage } from "./types.js";

/** Bytes the pool keeps at most; what is given back beyond that is left to the garbage collector. */
const LIMIT_BYTES = 512 * 2 ** 20;
/** Arrays this small live on V8's heap and cost less to make than to look up. */
const MIN_BYTES = 256;

const free: Record<DType, Map<number, Storage[]>> = {
  float32: new Map(),
  float64: new Map(),
  int32: new Map(),
  bool: new Map(),
};
/** The arrays in the pool now: a second release of one of them must not hand it out twice. */
const pooled = new WeakSet<Storage>();
let pooledBytes = 0;

export function dtypeOfHost(buf: Storage): DType | null {
  if (buf instanceof Float32Array) return "float32";
  if (buf instanceof Float64Array) return "float64";
  if (buf instanceof Int32Array) return "int32";
  if (buf instanceof Uint8Array) return "bool";
  return null;
}

/** A pooled array of n elements (its old contents left in place), or undefined when none is free. */
export function takePooled(dtype: DType, n: number): Storage | undefined {
  const buf = free[dtype].get(n)?.pop();
  if (buf === undefined) return undefined;
  pooled.delete(buf);
  pooledBytes -= buf.byteLength;
  return buf;
}

/**
 * Keeps `buf` for a later allocation. Only whole arrays (not `subarray` ranges) are kept, each once.
 * The caller guarantees that nothing reads or writes `buf` afterwards.
 */
export function releaseHost(buf: Storage): void {
  const dtype = dtypeOfHost(buf);
  if (dtype === null || buf.byteLength < MIN_BYTES || pooled.has(buf)) return;
  if (buf.byteOffset !== 0 || buf.byteLength !== buf.buffer.byteLength) return;
  if (pooledBytes + buf.byteLength > LIMIT_BYTES) return;
  const list = free[dtype].get(buf.length);
  if (list === undefined) free[dtype].set(buf.length, [buf]);
  else list.push(buf);
  pooled.add(buf);
  pooledBytes += buf.byteLength;
}

/** Bytes held by the pool (for tests and profiles). */
export function pooledHostBytes(): number {
  return pooledBytes;
}
