/** Reading files (gzip detected from the 1f 8b magic bytes) and finding the files shipped with gradstack (`data/`). Node only. */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { constants as bufferConstants } from "node:buffer";
import { constants as zlibConstants, gunzipSync } from "node:zlib";

/** The most bytes one read returns: what a Buffer can hold. */
export const MAX_FILE_BYTES = bufferConstants.MAX_LENGTH;
/** The most bytes a text file may have: the longest string V8 makes. */
export const MAX_TEXT_BYTES = bufferConstants.MAX_STRING_LENGTH;
/** Deflate's best ratio (zlib's 1032:1): n bytes of gzip hold at most about 1032·n bytes of content. */
export const DEFLATE_MAX_RATIO = 1032;

/** The file's bytes as stored (no gunzip); the error names `where` and the file. */
export function readRawBytes(file: string, where: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`${where}: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Whether bytes start with the gzip magic bytes 1f 8b. */
export function isGzip(raw: Uint8Array): boolean {
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
}

/**
 * Gunzips `raw`, stopping with an error as soon as the output would pass `maxBytes` (a gzip bomb never
 * inflates beyond it). `tooLarge` says why the limit is what it is.
 */
export function gunzipCapped(
  raw: Uint8Array,
  file: string,
  where: string,
  maxBytes: number,
  tooLarge = `the ${maxBytes}-byte limit`,
): Uint8Array {
  try {
    return gunzipSync(raw, { maxOutputLength: Math.max(1, Math.min(maxBytes, MAX_FILE_BYTES)) });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      throw new Error(`${where}: ${file}: the gzip data decompresses to more than ${tooLarge}`);
    throw new Error(`${where}: ${file}: the gzip data is corrupt or truncated (${(e as Error).message})`);
  }
}

/**
 * The start of a gzip file's content, from its first `compressed` bytes only: reading a header costs at
 * most ~1032 × `compressed` bytes however large the content is.
 */
export function gunzipPrefix(raw: Uint8Array, file: string, where: string, compressed = 4096): Uint8Array {
  try {
    return gunzipSync(raw.subarray(0, compressed), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (e) {
    throw new Error(`${where}: ${file}: the gzip data is corrupt (${(e as Error).message})`);
  }
}

/** The bytes of a file, gunzipped when it starts with the gzip magic bytes; more than `maxBytes` is an error. */
export function readBytes(file: string, where = "readBytes", maxBytes = MAX_FILE_BYTES): Uint8Array {
  const raw = readRawBytes(file, where);
  if (isGzip(raw)) return gunzipCapped(raw, file, where, maxBytes);
  if (raw.length > maxBytes)
    throw new Error(`${where}: ${file}: ${raw.length} bytes exceed the ${maxBytes}-byte limit`);
  return raw;
}

/**
 * A text file as a string (UTF-8; gzip detected automatically). Text longer than a JavaScript string can
 * be is an error naming the file, found before it is inflated in full.
 * @example const text = gs.data.readText("data/tinyshakespeare/input.txt");
 */
export function readText(file: string, where = "readText"): string {
  return new TextDecoder("utf-8").decode(readBytes(file, where, MAX_TEXT_BYTES));
}

let cachedRoot: string | undefined;

/** The gradstack package root: the nearest folder above this module whose package.json is gradstack's. */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && readPackageName(pkg) === "gradstack") return (cachedRoot = dir);
    if (path.dirname(dir) === dir)
      throw new Error(`packageRoot: no package.json of gradstack found in ${start} or any folder above it`);
  }
}

function readPackageName(pkg: string): unknown {
  try {
    return (JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

/** The path of a shipped dataset folder, `<package root>/data/<name>`. */
export function datasetDir(name: string): string {
  return path.join(packageRoot(), "data", name);
}

/** Throws an error that says where `where` looked when `file` does not exist. */
export function requireFile(file: string, where: string): void {
  if (!existsSync(file))
    throw new Error(
      `${where}: dataset file not found: looked for ${path.resolve(file)}; pass the folder or file that holds it`,
    );
}
