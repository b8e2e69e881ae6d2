/**
 * The IDX format of MNIST (LeCun): two zero bytes, a type byte, a dim-count byte, the dims as big-endian
 * uint32, then the values, big-endian, row-major.
 */
import { Tensor } from "../tensor/tensor.js";
import { allocStorage, type DType } from "../tensor/dtype.js";

interface IdxType {
  name: string;
  size: number;
  dtype: DType;
  read: (v: DataView, at: number) => number;
}

const TYPES: Record<number, IdxType> = {
  0x08: { name: "ubyte", size: 1, dtype: "int32", read: (v, at) => v.getUint8(at) },
  0x09: { name: "byte", size: 1, dtype: "int32", read: (v, at) => v.getInt8(at) },
  0x0b: { name: "short", size: 2, dtype: "int32", read: (v, at) => v.getInt16(at) },
  0x0c: { name: "int", size: 4, dtype: "int32", read: (v, at) => v.getInt32(at) },
  0x0d: { name: "float", size: 4, dtype: "float32", read: (v, at) => v.getFloat32(at) },
  0x0e: { name: "double", size: 8, dtype: "float64", read: (v, at) => v.getFloat64(at) },
};

/** The parsed header of an IDX file; the values start at `dataOffset`. */
export interface IdxHeader {
  typeCode: number;
  shape: number[];
  dataOffset: number;
}

/** Validates the magic number, the dims and the data length; `file` names the source in errors. */
export function parseIdxHeader(bytes: Uint8Array, file: string): IdxHeader {
  const fail = (problem: string) => new Error(`readIdx: ${file}: ${problem}`);
  if (bytes.length < 4) throw fail(`only ${bytes.length} bytes, too short for the 4-byte magic number`);
  const typeCode = bytes[2];
  const ndim = bytes[3];
  const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(typeCode in TYPES))
    throw fail(
      `bad magic number 0x${magic}; expected 0x000008XX with type byte 08 (ubyte), 09, 0B, 0C, 0D or 0E`,
    );
  if (ndim === 0) throw fail(`magic number 0x${magic} declares 0 dims`);
  const dataOffset = 4 + 4 * ndim;
  if (bytes.length < dataOffset)
    throw fail(`truncated header: ${ndim} dims need ${dataOffset} bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, d) => view.getUint32(4 + 4 * d));
  const want = shape.reduce((a, b) => a * b, 1) * TYPES[typeCode].size;
  const have = bytes.length - dataOffset;
  if (have < want)
    throw fail(
      `truncated data: shape [${shape.join(", ")}] of ${TYPES[typeCode].name} needs ${want} bytes, found ${have}`,
    );
  if (have > want)
    throw fail(`${have - want} unexpected bytes after the data of shape [${shape.join(", ")}]`);
  return { typeCode, shape, dataOffset };
}

/**
 * Decodes the bytes of an IDX file; `source` names them in errors. Integer types give an int32 tensor,
 * float gives float32 and double float64.
 * @example const labels = gs.data.parseIdx(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function parseIdx(bytes: Uint8Array, source = "<bytes>"): Tensor {
  const { typeCode, shape, dataOffset } = parseIdxHeader(bytes, source);
  const type = TYPES[typeCode];
  const n = (bytes.length - dataOffset) / type.size;
  const out = allocStorage(type.dtype, n);
  if (type.size === 1 && typeCode === 0x08) out.set(bytes.subarray(dataOffset));
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, n * type.size);
    for (let i = 0; i < n; i++) out[i] = type.read(view, i * type.size);
  }
  return new Tensor(out, shape);
}
