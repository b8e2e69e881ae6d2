/** dtypes, their storages, and PyTorch's type promotion (bool < int32 < float32 < float64). */
import type { DType, Storage } from "../backend/types.js";
import type { DeviceBuffer } from "../backend/device.js";
import { allocHost } from "../backend/host-storage.js";

export type { DType, Storage };

export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool"];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

export function isFloating(d: DType): boolean {
  return d === "float32" || d === "float64";
}

export function checkDType(d: unknown, where: string): DType {
  if (typeof d === "string" && (DTYPES as readonly string[]).includes(d)) return d as DType;
  throw new TypeError(`${where}: unknown dtype ${JSON.stringify(d)}; expected one of ${DTYPES.join(", ")}`);
}

/** A zero-filled typed array: CPU storage. Ops allocate through their device's backend instead. */
export const allocStorage = allocHost;

export function dtypeOfStorage(s: Storage): DType {
  if (s instanceof Float32Array) return "float32";
  if (s instanceof Float64Array) return "float64";
  if (s instanceof Int32Array) return "int32";
  if (s instanceof Uint8Array) return "bool";
  return (s as unknown as DeviceBuffer).dtype;
}

/** The larger of two dtypes in promotion order. */
export function promote(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Category: 0 bool, 1 integer, 2 floating. */
export function category(d: DType): number {
  return d === "bool" ? 0 : d === "int32" ? 1 : 2;
}

/** The default dtype for a Python-like number: int32 for integers, float32 otherwise. */
export function scalarDType(v: number | boolean): DType {
  if (typeof v === "boolean") return "bool";
  return Number.isInteger(v) ? "int32" : "float32";
}

/** The dtype a float op (exp, division, mean) computes in: float64 stays, everything else becomes float32. */
export function toFloat(d: DType): DType {
  return d === "float64" ? "float64" : "float32";
}
