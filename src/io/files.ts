/** Reading files (gzip detected from the 1f 8b magic bytes) and finding the files shipped with gradstack (`data/`). Node only. */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

/** The bytes of a file, gunzipped when it starts with the gzip magic bytes. */
export function readBytes(file: string, where = "readBytes"): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileSync(file);
  } catch (e) {
    throw new Error(`${where}: cannot read ${file}: ${(e as Error).message}`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new Error(`${where}: ${file}: the gzip data is corrupt or truncated (${(e as Error).message})`);
    }
  }
  return raw;
}

/**
 * A text file as a string (UTF-8; gzip detected automatically).
 * @example const text = gs.data.readText("data/tinyshakespeare/input.txt");
 */
export function readText(file: string): string {
  return new TextDecoder("utf-8").decode(readBytes(file, "readText"));
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
