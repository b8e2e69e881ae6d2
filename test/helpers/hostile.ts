/** Shared by the hostile-file tests: what a clean rejection is, and how much a read may allocate. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";

/** Messages of V8 and Node that escape a reader which did not validate first. */
const UNGUARDED =
  /Invalid typed array length|Invalid array length|Array buffer allocation failed|Maximum call stack|Cannot read propert|Cannot set propert|is not a function|is not iterable|Invalid string length|Cannot create a string longer|Cannot create a Buffer larger/;

/** Asserts that `e` is an Error naming `source` (the file) with a message of the reader's, not of V8's. */
export function assertCleanError(e: unknown, source: string): void {
  assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
  assert.ok(!UNGUARDED.test(e.message), `unguarded error: ${e.message}`);
  assert.ok(e.message.includes(source), `the error does not name ${source}: ${e.message}`);
}

/** Bytes of ArrayBuffers and heap now, after a collection when --expose-gc is on. */
function memoryNow(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
}

/**
 * Runs `read` and returns what it allocated and kept until it returned (results included), in bytes;
 * an allocation of gigabytes shows as one, or as the RangeError that assertCleanError rejects.
 */
export function allocatedBy(read: () => unknown): { bytes: number; result?: unknown; error?: unknown } {
  const before = memoryNow();
  try {
    const result = read();
    return { bytes: memoryNow() - before, result };
  } catch (error) {
    return { bytes: memoryNow() - before, error };
  }
}

/** A fresh temporary folder for one test file. */
export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `gradstack-${prefix}-`));
}

export function writeFile(dir: string, name: string, bytes: Uint8Array | string): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Texts that break naive parsers: huge and negative numbers, NaN, quotes, brackets, separators, NUL. */
const NASTY = [
  "99999999999",
  "4294967295",
  "-1",
  "1e308",
  "NaN",
  "Infinity",
  "\u0000",
  '"',
  "{",
  "]",
  ",",
  "\t",
  "\n",
  "\r\n",
  "__proto__",
  '{"__number__":"NaN"}',
  "0.5",
  "",
];
const utf8 = new TextEncoder();

/**
 * Mutations of a valid file: truncation, bit flips, overwritten bytes (0x00, 0xff or random), inserted
 * or deleted runs, a duplicated slice, and nasty tokens spliced in. Each is a small, plausible corruption.
 */
export function mutationsOf(file: Uint8Array): fc.Arbitrary<Uint8Array> {
  const valid = Uint8Array.from(file); // a plain Uint8Array: Buffer's fill throws past the end
  const n = valid.length;
  const at = fc.nat({ max: Math.max(0, n - 1) });
  const splice = (i: number, remove: number, insert: Uint8Array) => {
    const out = new Uint8Array(n - Math.min(remove, n - i) + insert.length);
    out.set(valid.subarray(0, i));
    out.set(insert, i);
    out.set(valid.subarray(Math.min(n, i + remove)), i + insert.length);
    return out;
  };
  return fc.oneof(
    at.map((i) => valid.slice(0, i)),
    fc.tuple(at, fc.nat({ max: 7 })).map(([i, bit]) => {
      const out = valid.slice();
      out[i] ^= 1 << bit;
      return out;
    }),
    fc.tuple(at, fc.constantFrom(0x00, 0xff, 0x7f, 0x80), fc.nat({ max: 8 })).map(([i, b, len]) => {
      const out = valid.slice();
      out.fill(b, i, i + len);
      return out;
    }),
    fc.tuple(at, fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([i, bytes]) => {
      const out = valid.slice();
      out.set(bytes.subarray(0, n - i), i);
      return out;
    }),
    fc.tuple(at, fc.uint8Array({ maxLength: 16 })).map(([i, bytes]) => splice(i, 0, bytes)),
    fc.tuple(at, fc.nat({ max: 32 })).map(([i, len]) => splice(i, len, new Uint8Array(0))),
    fc
      .tuple(at, at)
      .map(([i, j]) => splice(i, 0, valid.slice(Math.min(i, j), Math.max(i, j) + 1).slice(0, 4096))),
    fc
      .tuple(at, fc.nat({ max: 4 }), fc.constantFrom(...NASTY))
      .map(([i, len, t]) => splice(i, len, utf8.encode(t))),
  );
}

/** The fixed seed and the budget of every property in these tests: the same cases on every run. */
export const FUZZ = {
  seed: 19_2026,
  interruptAfterTimeLimit: 4000,
  markInterruptAsFailure: false,
  includeErrorInReport: true,
} as const;
