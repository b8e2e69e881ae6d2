/**
 * Host storage for the native backend: typed arrays over the addon's arena (native/src/host_arena.cc),
 * whose blocks come back for reuse as soon as V8 collects the ArrayBuffer over them. Fresh ordinary
 * ArrayBuffers count as V8 external memory and make V8 collect every few tens of MiB (a GPT step's
 * activations cost a collection per step, ~15 µs an allocation); arena blocks do not, and a collection
 * that does run gives them back, in a synchronous loop too. The arena serves the main thread only and
 * stays under a budget; otherwise allocation is cpu-js's (host-storage.ts). Released arrays (the
 * autograd engine's temporaries) still go to host-pool.ts first.
 */
import type { DeviceStorage } from "./device.js";
import { allocHost, allocHostUninit, BYTES, hostView } from "./host-storage.js";
import { releaseHost, takePooled } from "./host-pool.js";
import type { DType, Storage } from "./types.js";

/** The addon's arena: an ArrayBuffer of `bytes` uncleared bytes, or undefined when it declines. */
export type HostAlloc = (bytes: number) => ArrayBuffer | undefined;
/** Gives an arena ArrayBuffer's block back now: 1 done, 2 given back before, 0 not the arena's. */
export type HostRelease = (buffer: ArrayBufferLike) => number;

/**
 * Only large uncleared arrays come from the arena. Measured (`bench/ab.ts`, 2 threads, 2026-12-05):
 * serving arrays from 1 KiB up made the MLP step 1.5× slower and the char-LSTM step 1.06× (a block
 * waits for a collection before it is reused, so a small step cycles through the whole budget);
 * serving cleared arrays too cost the char-LSTM step 4%. From 1 MiB, uncleared only, the MLP and
 * char-LSTM steps are unchanged and the GPT step keeps its gain (0.86× the time).
 */
const MIN_BYTES = 1 << 20;

function arenaArray(hostAlloc: HostAlloc, dtype: DType, n: number): Storage | undefined {
  const bytes = n * BYTES[dtype];
  if (bytes < MIN_BYTES) return undefined;
  const buffer = hostAlloc(bytes);
  return buffer === undefined ? undefined : hostView(dtype, buffer, n);
}

/**
 * `allocUninit` over the arena (pool first, then arena, then ordinary arrays), `alloc` as cpu-js's, and
 * `release`, which gives an arena array's block straight back (its next use is a new, young
 * ArrayBuffer that a scavenge can collect, where a pooled array would grow old) and pools the others.
 */
export function arenaStorage(
  hostAlloc: HostAlloc,
  hostRelease: HostRelease,
): Pick<DeviceStorage, "alloc" | "allocUninit" | "release"> {
  return {
    release: (buf) => {
      const whole = buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength;
      if (!whole || hostRelease(buf.buffer) === 0) releaseHost(buf);
    },
    alloc: (dtype, n) => takePooled(dtype, n)?.fill(0) ?? allocHost(dtype, n),
    allocUninit: (dtype, n) =>
      takePooled(dtype, n) ?? arenaArray(hostAlloc, dtype, n) ?? allocHostUninit(dtype, n),
  };
}
