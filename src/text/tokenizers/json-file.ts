/** Reading and writing the JSON files that tokenizers save. Node only (browsers get json-file.browser.ts). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
export { expectType } from "./json-file-type.js";

/** Writes `value` as JSON to `file`, creating missing folders. */
export function writeJson(file: string, value: unknown, where: string): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, JSON.stringify(value));
  } catch (e) {
    throw new Error(`${where}: cannot write ${file}: ${(e as Error).message}`);
  }
}

/**
 * Reads the JSON file `file` and rebuilds an object from it with `fromJSON`; every error, the file's
 * and fromJSON's, names the file.
 */
export function loadJson<T>(file: string, where: string, fromJSON: (json: unknown) => T): T {
  const json = readJson(file, where);
  try {
    return fromJSON(json);
  } catch (e) {
    throw new Error(`${where}: ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/** Reads and parses the JSON file `file`; the error names the file and says what went wrong. */
export function readJson(file: string, where: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${where}: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: ${file} is not valid JSON: ${(e as Error).message}`);
  }
}
