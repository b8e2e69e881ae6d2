/** Reading and writing the JSON files that tokenizers save. Node only. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** Writes `value` as JSON to `file`, creating missing folders. */
export function writeJson(file: string, value: unknown, where: string): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, JSON.stringify(value));
  } catch (e) {
    throw new Error(`${where}: cannot write ${file}: ${(e as Error).message}`);
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

/** Checks that a parsed file is an object whose `type` field is `type`, and returns it. */
export function expectType(value: unknown, type: string, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || (value as { type?: unknown }).type !== type)
    throw new Error(`${where}: expected a saved ${type} (an object with "type": "${type}")`);
  return value as Record<string, unknown>;
}
