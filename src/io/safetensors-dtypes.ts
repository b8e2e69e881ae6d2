/**
 * The safetensors dtypes and their conversion to and from gradstack storages. Values in the file are
 * little-endian; the host's byte order is checked so that big-endian machines read them correctly too.
 */
import type { DType, Storage } from "../tensor/dtype.js";

/** safetensors dtypes in the reference's declaration order, which is increasing alignment. */
export const ST_DTYPES = [
  "BOOL",
  "U8",
  "I8",
  "F8_E5M2",
  "F8_E4M3",
  "I16",
  "U16",
  "F16",
  "BF16",
  "I32",
  "U32",
  "F32",
  "F64",
  "I64",
  "U64",
] as const;

export type SafetensorsDType = (typeof ST_DTYPES)[number];

export const ST_SIZE: Record<SafetensorsDType, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

export function isStDType(d: unknown): d is SafetensorsDType {
  return typeof d === "string" && (ST_DTYPES as readonly string[]).includes(d);
}

/** The safetensors dtype a gradstack dtype is saved as. */
export const SAVE_DTYPE: Record<DType, SafetensorsDType> = {
  float32: "F32",
  float64: "F64",
  int32: "I32",
  bool: "BOOL",
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The elements of a gradstack storage as little-endian bytes (a view when the host is little-endian). */
export function storageBytes(values: Storage): Uint8Array {
  if (HOST_LITTLE_ENDIAN || values.BYTES_PER_ELEMENT === 1)
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(i * 4, values[i], true);
    else if (values instanceof Float64Array) view.setFloat64(i * 8, values[i], true);
    else view.setInt32(i * 4, values[i], true);
  }
  return out;
}

/** IEEE 754 half precision bits to a number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Copies little-endian bytes into a fresh typed array of the given kind. */
function copyLE<A extends Float32Array | Float64Array | Int32Array>(
  bytes: Uint8Array,
  make: (n: number) => A,
  get: (v: DataView, at: number) => number,
): A {
  const out = make(bytes.length / make(0).BYTES_PER_ELEMENT);
  if (HOST_LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = get(view, i * out.BYTES_PER_ELEMENT);
  }
  return out;
}

/**
 * Decodes one tensor's bytes into a gradstack storage: F32 and F64 keep their precision, F16 and BF16
 * become float32, integer types become int32 (an error names the first value that does not fit), BOOL
 * stays bool. `fail` builds the error for a value or dtype that cannot be converted.
 */
export function decodeStorage(
  dtype: SafetensorsDType,
  bytes: Uint8Array,
  fail: (p: string) => Error,
): Storage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / ST_SIZE[dtype];
  const ints = (get: (at: number) => number): Int32Array => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = get(i);
      if (v < -2147483648 || v > 2147483647)
        throw fail(`${dtype} value ${v} at element ${i} does not fit in int32`);
      out[i] = v;
    }
    return out;
  };
  switch (dtype) {
    case "F32":
      return copyLE(
        bytes,
        (k) => new Float32Array(k),
        (v, at) => v.getFloat32(at, true),
      );
    case "F64":
      return copyLE(
        bytes,
        (k) => new Float64Array(k),
        (v, at) => v.getFloat64(at, true),
      );
    case "I32":
      return copyLE(
        bytes,
        (k) => new Int32Array(k),
        (v, at) => v.getInt32(at, true),
      );
    case "F16":
      return Float32Array.from({ length: n }, (_, i) => halfToNumber(view.getUint16(2 * i, true)));
    case "BF16": {
      const bits = Uint32Array.from({ length: n }, (_, i) => view.getUint16(2 * i, true) << 16);
      return new Float32Array(bits.buffer);
    }
    case "BOOL":
      return Uint8Array.from(bytes, (b) => (b !== 0 ? 1 : 0));
    case "U8":
      return Int32Array.from(bytes);
    case "I8":
      return ints((i) => view.getInt8(i));
    case "I16":
      return ints((i) => view.getInt16(2 * i, true));
    case "U16":
      return ints((i) => view.getUint16(2 * i, true));
    case "U32":
      return ints((i) => view.getUint32(4 * i, true));
    case "I64":
      return ints((i) => view.getInt32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true));
    case "U64":
      return ints((i) => view.getUint32(8 * i + 4, true) * 2 ** 32 + view.getUint32(8 * i, true));
    default:
      throw fail(
        `dtype ${dtype} is not supported by gradstack (supported: F32, F64, F16, BF16, integers, BOOL)`,
      );
  }
}
