/** safetensors files on disk: read with random access (no copy of the whole file), saved atomically. Node only. */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Tensor } from "../tensor/tensor.js";
import { saveFileAtomic } from "./atomic.js";
import { decodeSafetensors, serializeSafetensors, type TensorDict } from "./safetensors.js";

/** Reads a safetensors file's tensors and its `__metadata__` (null when absent). */
export function readSafetensors(
  file: string,
  where = "readSafetensors",
): { tensors: Record<string, Tensor>; metadata: Record<string, string> | null } {
  const fail = (p: string) => new Error(`${where}: ${file}: ${p}`);
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new Error(`${where}: cannot open ${file}: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const read = (begin: number, end: number): Uint8Array => {
      const buf = new Uint8Array(end - begin);
      let got = 0;
      while (got < buf.length) {
        const k = readSync(fd, buf, got, buf.length - got, begin + got);
        if (k === 0) throw fail(`the file ended early (changed while reading?)`);
        got += k;
      }
      return buf;
    };
    return decodeSafetensors({ size, read }, fail);
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads a safetensors file as a name -> Tensor record (float32/float64/int32/bool; F16 and BF16 become
 * float32, other integer types int32).
 * @example model.loadStateDict(gs.io.loadSafetensors("model.safetensors"));
 */
export function loadSafetensors(file: string): Record<string, Tensor> {
  return readSafetensors(file, "loadSafetensors").tensors;
}

/**
 * Saves tensors (e.g. a stateDict) as a safetensors file, atomically.
 * @example gs.io.saveSafetensors("model.safetensors", model.stateDict(), { step: "1000" });
 */
export function saveSafetensors(file: string, tensors: TensorDict, metadata?: Record<string, string>): void {
  saveFileAtomic(file, serializeSafetensors(tensors, metadata));
}
