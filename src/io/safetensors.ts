/**
 * safetensors (huggingface/safetensors), spec-exact: an 8-byte little-endian u64 header length N, N bytes
 * of UTF-8 JSON `{"__metadata__": {..}, "name": {"dtype", "shape", "data_offsets": [begin, end]}, ..}`
 * padded with spaces to a multiple of 8, then the data. Like the reference writer, tensors are laid out
 * by decreasing dtype alignment, then by name. Files are validated like the reference reader does, before
 * any tensor is allocated. This file works on bytes (browsers too); safetensors-file.ts reads and writes files.
 */
import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import {
  ST_DTYPES,
  ST_SIZE,
  SAVE_DTYPE,
  decodeStorage,
  isStDType,
  storageBytes,
  type SafetensorsDType,
} from "./safetensors-dtypes.js";

/** The reference implementation's limit on the header size. */
export const MAX_HEADER_SIZE = 100_000_000;

export type TensorDict = Record<string, Tensor> | ReadonlyMap<string, Tensor>;

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Sets an own property even for names such as "__proto__". */
function setOwn<V>(obj: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Byte-wise comparison of the UTF-8 encodings, as Rust orders Strings. */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

const utf8 = new TextEncoder();

/**
 * The bytes of a safetensors file holding `tensors` (and string `metadata` under `__metadata__`).
 * @example const bytes = gs.io.serializeSafetensors({ w: gs.randn([2, 3]) }, { format: "pt" });
 */
export function serializeSafetensors(tensors: TensorDict, metadata?: Record<string, string>): Uint8Array {
  const items = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const prepared = items.map(([name, t]) => {
    if (name === "__metadata__")
      throw new RangeError('serializeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    if (!(t instanceof Tensor)) throw new TypeError(`serializeSafetensors: "${name}" is not a Tensor`);
    return { name, dtype: SAVE_DTYPE[t.dtype], shape: t.shape.slice(), data: storageBytes(t.toArray()) };
  });
  const rank = (d: SafetensorsDType) => ST_DTYPES.indexOf(d);
  prepared.sort((a, b) => rank(b.dtype) - rank(a.dtype) || compareUtf8(a.name, b.name));

  const fields: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata))
      if (typeof v !== "string")
        throw new TypeError(
          `serializeSafetensors: metadata value of "${k}" must be a string, got ${typeof v}`,
        );
    fields.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const p of prepared) {
    const info = { dtype: p.dtype, shape: p.shape, data_offsets: [offset, offset + p.data.length] };
    fields.push(`${JSON.stringify(p.name)}:${JSON.stringify(info)}`);
    offset += p.data.length;
  }
  const json = new TextEncoder().encode(`{${fields.join(",")}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const p of prepared) {
    out.set(p.data, at);
    at += p.data.length;
  }
  return out;
}

/** Random access to the bytes of a file or buffer. */
export interface ByteSource {
  size: number;
  read(begin: number, end: number): Uint8Array;
}

function checkEntry(name: string, raw: unknown, fail: (p: string) => Error): Entry {
  const bad = (p: string) => fail(`tensor ${JSON.stringify(name)}: ${p}`);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw bad("entry must be an object with dtype, shape and data_offsets");
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (!isStDType(dtype))
    throw bad(`unknown dtype ${JSON.stringify(dtype)}; expected one of ${ST_DTYPES.join(", ")}`);
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0))
    throw bad(`shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  )
    throw bad(`data_offsets ${JSON.stringify(offsets)} must be [begin, end] with integers 0 <= begin <= end`);
  return { name, dtype, shape, begin: offsets[0], end: offsets[1] };
}

/** Checks that the entries tile the data buffer exactly and that each one's size matches its shape. */
function checkLayout(entries: Entry[], dataLen: number, fail: (p: string) => Error): void {
  for (const e of entries)
    if (e.end > dataLen)
      throw fail(
        `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] point past the end of the data buffer (${dataLen} bytes)`,
      );
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (e.begin > expected)
      throw fail(
        `hole in the data buffer: bytes [${expected}, ${e.begin}) are not covered by any tensor (next is ${JSON.stringify(e.name)})`,
      );
    if (e.begin < expected && prev)
      throw fail(
        `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap those of ${JSON.stringify(prev.name)} [${prev.begin}, ${prev.end}]`,
      );
    let numel = 1;
    for (const s of e.shape) numel *= s;
    const want = numel * ST_SIZE[e.dtype];
    if (want !== e.end - e.begin)
      throw fail(
        `tensor ${JSON.stringify(e.name)}: shape ${fmtShape(e.shape)} of ${e.dtype} needs ${want} bytes, but data_offsets [${e.begin}, ${e.end}] hold ${e.end - e.begin}`,
      );
    expected = e.end;
    prev = e;
  }
  if (expected !== dataLen)
    throw fail(`the last ${dataLen - expected} bytes of the data buffer are not covered by any tensor`);
}

/** Validates the whole layout, then decodes the tensors one by one. */
export function decodeSafetensors(src: ByteSource, fail: (p: string) => Error) {
  if (src.size < 8) throw fail(`only ${src.size} bytes, too short for the 8-byte header length`);
  const lenBytes = src.read(0, 8);
  const n = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE))
    throw fail(
      `header length ${n} exceeds the ${MAX_HEADER_SIZE}-byte limit (corrupt or not a safetensors file)`,
    );
  const headerLen = Number(n);
  if (8 + headerLen > src.size)
    throw fail(`header length ${headerLen} runs past the end of the file (${src.size} bytes; truncated?)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(src.read(8, 8 + headerLen));
  } catch {
    throw fail("the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header))
    throw fail("the header must be a JSON object");
  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name !== "__metadata__") {
      entries.push(checkEntry(name, raw, fail));
      continue;
    }
    if (
      typeof raw !== "object" ||
      raw === null ||
      Array.isArray(raw) ||
      !Object.values(raw).every((v) => typeof v === "string")
    )
      throw fail("__metadata__ must be an object of string values");
    metadata = {};
    for (const [k, v] of Object.entries(raw as Record<string, string>)) setOwn(metadata, k, v);
  }
  const dataStart = 8 + headerLen;
  checkLayout(entries, src.size - dataStart, fail);
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const storage = decodeStorage(e.dtype, src.read(dataStart + e.begin, dataStart + e.end), (p) =>
      fail(`tensor ${JSON.stringify(e.name)}: ${p}`),
    );
    setOwn(tensors, e.name, new Tensor(storage, e.shape));
  }
  return { tensors, metadata };
}

/**
 * Reads the tensors and metadata of an in-memory safetensors file; `source` names it in errors.
 * @example const { tensors, metadata } = gs.io.parseSafetensors(bytes);
 */
export function parseSafetensors(
  bytes: Uint8Array,
  source = "<bytes>",
): { tensors: Record<string, Tensor>; metadata: Record<string, string> | null } {
  const fail = (p: string) => new Error(`parseSafetensors: ${source}: ${p}`);
  return decodeSafetensors({ size: bytes.length, read: (b, e) => bytes.subarray(b, e) }, fail);
}
