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

/** The parsed header of an IDX file; the values start at `dataOffset` and the file is `byteLength` bytes. */
export interface IdxHeader {
  typeCode: number;
  shape: number[];
  dataOffset: number;
  byteLength: number;
}

/**
 * Reads the magic number and the dims from the start of an IDX file (`head` may be just its first bytes)
 * and the length in bytes they imply; `file` names the source in errors.
 */
export function idxLayout(head: Uint8Array, file: string, where = "readIdx"): IdxHeader {
  const fail = (problem: string) => new Error(`${where}: ${file}: ${problem}`);
  if (head.length < 4) throw fail(`only ${head.length} bytes, too short for the 4-byte magic number`);
  const typeCode = head[2];
  const ndim = head[3];
  const magic = [...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (head[0] !== 0 || head[1] !== 0 || !(typeCode in TYPES))
    throw fail(
      `bad magic number 0x${magic}; expected 0x000008XX with type byte 08 (ubyte), 09, 0B, 0C, 0D or 0E`,
    );
  if (ndim === 0) throw fail(`magic number 0x${magic} declares 0 dims`);
  const dataOffset = 4 + 4 * ndim;
  if (head.length < dataOffset)
    throw fail(`truncated header: ${ndim} dims need ${dataOffset} bytes, the file has ${head.length}`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const shape = Array.from({ length: ndim }, (_, d) => view.getUint32(4 + 4 * d));
  const byteLength = dataOffset + shape.reduce((a, b) => a * b, 1) * TYPES[typeCode].size;
  return { typeCode, shape, dataOffset, byteLength };
}

/** How the header describes the data, for errors: "shape [2, 3] of ubyte". */
export function idxDescription(h: IdxHeader): string {
  return `shape [${h.shape.join(", ")}] of ${TYPES[h.typeCode].name}`;
}

/** Validates the magic number, the dims and the data length; `file` names the source in errors. */
export function parseIdxHeader(bytes: Uint8Array, file: string, where = "readIdx"): IdxHeader {
  const h = idxLayout(bytes, file, where);
  const want = h.byteLength - h.dataOffset;
  const have = bytes.length - h.dataOffset;
  if (have < want)
    throw new Error(`${where}: ${file}: truncated data: ${idxDescription(h)} needs ${want} bytes, found ${have}`);
  if (have > want)
    throw new Error(`${where}: ${file}: ${have - want} unexpected bytes after the data of shape [${h.shape.join(", ")}]`);
  return h;
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
