/** Atomic file writes: a reader (or a crash) sees either the old file or the complete new one. Node only. */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import * as path from "node:path";

let counter = 0;

/** The temporary file of a write to `target`: `.<name>.<pid>.<n>.tmp`, so that its writer can be told from its name. */
function tempName(target: string, pid: number, n: number): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${pid}.${n}.tmp`);
}

const TEMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/;

/** Whether a process with this id is running (signal 0 tests without signalling). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // alive, but another user's
  }
}

/**
 * Removes the temporary files that writers killed mid-write (kill -9, a power cut) left in `dir`:
 * those named as saveFileAtomic names them, of a process that no longer runs. Returns their paths.
 * A missing folder has none.
 * @example gs.io.removeStaleTemps("out-shakespeare-char");
 */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    // This process writes synchronously, so none of its own temporary files is mid-write now.
    if (pid !== process.pid && isAlive(pid)) continue;
    try {
      unlinkSync(path.join(dir, name));
      removed.push(path.join(dir, name));
    } catch {
      // Removed by someone else meanwhile, or not ours to remove.
    }
  }
  return removed;
}

/** Opens a fresh temporary file beside `target`, retrying if the name is taken. */
function openTemp(target: string): { tmp: string; fd: number } {
  for (;;) {
    const tmp = tempName(target, process.pid, counter++);
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
