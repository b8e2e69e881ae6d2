/**
 * NumPy's `.npy` format (version 1.0) for a float32 matrix: the magic "\x93NUMPY", version 1.0, a
 * little-endian header length, a Python-dict header padded with spaces to a multiple of 64 bytes and ending
 * in "\n", then the C-order little-endian data. `numpy.load` reads it, and from there FAISS
 * (`index.add(np.load("vectors.npy"))`) or any vector database's Python client.
 */

/** The bytes of a `.npy` file holding `data` as a float32 array of `shape` (C order). */
export function npyBytes(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new Error(
      `npyBytes: shape [${shape.join(", ")}] holds ${count} values, the data has ${data.length}`,
    );
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // magic (6) + version (2) + header length (2) + header, padded so the data starts on a 64-byte boundary.
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, ...new TextEncoder().encode("NUMPY"), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const body = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) body.setFloat32(4 * i, data[i], true);
  return out;
}

/** Reads a float32 `.npy` file's bytes (version 1.0, C order) back: its shape and data. */
export function parseNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  const magic = new TextDecoder().decode(bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== "NUMPY")
    throw new Error("parseNpy: not a .npy file (no \\x93NUMPY magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint16(8, true);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  if (!header.includes("'descr': '<f4'") || !header.includes("'fortran_order': False"))
    throw new Error(
      `parseNpy: only little-endian float32 in C order is read, the header is ${header.trim()}`,
    );
  const dims = /'shape': \(([^)]*)\)/.exec(header)?.[1] ?? "";
  const shape = dims
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "")
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 10 + headerLength;
  if (bytes.length - start !== 4 * count)
    throw new Error(
      `parseNpy: shape (${shape.join(", ")}) needs ${4 * count} bytes, the file has ${bytes.length - start}`,
    );
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(start + 4 * i, true);
  return { shape, data };
}
