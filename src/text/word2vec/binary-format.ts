/**
 * The binary format of word2vec.c (and gensim's `binary=True`): a text line "<word count> <vector size>",
 * then per word its UTF-8 bytes, a space and `size` little-endian float32s (a newline may precede a word).
 * The header is checked against the file's length before any vector is allocated.
 */

export interface WordVectorTable {
  words: string[];
  vectors: Float32Array;
  size: number;
}

/** Parses the bytes of a binary word2vec file; `source` names it in errors, which give the byte offset. */
export function parseWord2VecBinary(bytes: Uint8Array, source: string): WordVectorTable {
  const where = `KeyedVectors.load(${source})`;
  const newline = bytes.subarray(0, 64).indexOf(0x0a);
  const headerText = new TextDecoder().decode(bytes.subarray(0, newline < 0 ? 64 : newline));
  const header = headerText.trim().split(/\s+/).map(Number);
  if (
    newline < 0 ||
    header.length !== 2 ||
    !header.every((v) => Number.isSafeInteger(v) && v >= 0) ||
    header[1] === 0
  )
    throw new Error(
      `${where}: the first line must be "<word count> <vector size>", got ${JSON.stringify(headerText.slice(0, 40))}`,
    );
  const [count, size] = header;
  let at = newline + 1;
  // Each word takes at least one byte, a space and its floats.
  const least = count * (2 + 4 * size);
  if (least > bytes.length - at)
    throw new Error(
      `${where}: the header promises ${count} words of ${size} floats (at least ${least} bytes), the file has ${bytes.length - at} after it`,
    );
  const words: string[] = [];
  const seen = new Set<string>();
  const vectors = new Float32Array(count * size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (let i = 0; i < count; i++) {
    while (bytes[at] === 0x0a) at++;
    const space = bytes.indexOf(0x20, at);
    if (space < 0 || space === at)
      throw new Error(`${where}: byte ${at}: expected word ${i + 1} of ${count} followed by a space`);
    let word: string;
    try {
      word = decoder.decode(bytes.subarray(at, space));
    } catch {
      throw new Error(`${where}: byte ${at}: word ${i + 1} is not valid UTF-8`);
    }
    if (seen.has(word))
      throw new Error(`${where}: byte ${at}: the word ${JSON.stringify(word)} appears twice`);
    seen.add(word);
    at = space + 1;
    if (at + 4 * size > bytes.length)
      throw new Error(
        `${where}: byte ${at}: the vector of ${JSON.stringify(word)} needs ${4 * size} bytes, the file ends first`,
      );
    for (let c = 0; c < size; c++, at += 4) {
      const v = view.getFloat32(at, true);
      if (!Number.isFinite(v))
        throw new Error(`${where}: byte ${at}: component ${c} of ${JSON.stringify(word)} is ${v}`);
      vectors[i * size + c] = v;
    }
    words.push(word);
  }
  return { words, vectors, size };
}

/** The binary format's bytes for `words` and their vectors (a newline after each vector, as word2vec.c writes). */
export function word2vecBinary(table: WordVectorTable): Uint8Array {
  const utf8 = new TextEncoder();
  const parts: Uint8Array[] = [utf8.encode(`${table.words.length} ${table.size}\n`)];
  const d = table.size;
  table.words.forEach((w, i) => {
    parts.push(utf8.encode(`${w} `));
    const floats = new Uint8Array(4 * d);
    const view = new DataView(floats.buffer);
    for (let c = 0; c < d; c++) view.setFloat32(4 * c, table.vectors[i * d + c], true);
    parts.push(floats, Uint8Array.of(0x0a));
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
