/** Atomic file writes: a reader (or a crash) sees either the old file or the complete new one. Node only. */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import * as path from "node:path";

let counter = 0;

/** Opens a fresh temporary file beside `target`, retrying if the name is taken. */
function openTemp(target: string): { tmp: string; fd: number } {
  for (;;) {
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${counter++}.tmp`);
    try {
      return { tmp, fd: openSync(tmp, "wx") };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}

/** fsync of the folder, so that the rename itself survives a power cut (not possible on every OS). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Windows cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `bytes` to `file` atomically: into a temporary file in the same folder, fsync'd, then renamed
 * over `file`, then the folder fsync'd. Creates missing parent folders. On failure the old file is left
 * untouched and the temporary file removed.
 * @example gs.io.saveFileAtomic("runs/config.json", new TextEncoder().encode("{}"));
 */
export function saveFileAtomic(file: string, bytes: Uint8Array | string): void {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const dir = path.dirname(path.resolve(file));
  let tmp: string | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    const opened = openTemp(file);
    tmp = opened.tmp;
    try {
      let written = 0;
      while (written < data.length) written += writeSync(opened.fd, data, written, data.length - written);
      fsyncSync(opened.fd);
    } finally {
      closeSync(opened.fd);
    }
    renameSync(tmp, file);
    tmp = undefined;
    syncDir(dir);
  } catch (e) {
    if (tmp !== undefined) {
      try {
        unlinkSync(tmp);
      } catch {
        // Nothing more to clean up.
      }
    }
    throw new Error(`saveFileAtomic: could not write ${file}: ${(e as Error).message}`);
  }
}
