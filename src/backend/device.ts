/**
 * The storage side of a backend: where a tensor's elements live and how they move to and from the
 * host. CPU backends keep them in typed arrays that their kernels index directly; a GPU backend keeps
 * them in its own buffers (objects that implement `DeviceBuffer`) and hands those to its own kernels
 * under the same parameter types, so the tensor and ops layers are the same for every device.
 */
import type { DType, Storage } from "./types.js";

/** A device name: "cpu" for the CPU backends (cpu-js, cpu-native), "webgpu", ... */
export type Device = string;

/**
 * A buffer owned by a device whose memory the host cannot address (a GPU buffer, or a range of one).
 * The tensor layer reads only these fields; `subarray` is the range of elements [begin, end) without
 * a copy, as on a typed array, because the ops layer hands kernels contiguous ranges that way.
 * Such a buffer travels through the kernel interface typed as `Storage` (cast at the backend's
 * boundary), so CPU kernels keep indexing typed arrays with no extra indirection.
 */
export interface DeviceBuffer {
  readonly device: Device;
  readonly dtype: DType;
  readonly length: number;
  subarray(begin?: number, end?: number): DeviceBuffer;
}

/**
 * What every backend implements for storage. Every tensor's storage was made by its device's
 * `alloc` or `upload`, so a GPU backend returns its own buffers. A backend may pool them: all the
 * views of a tensor hold the very object that `alloc` returned (ranges made with `subarray` only
 * live during a kernel call), so a FinalizationRegistry on those objects sees when the last tensor
 * using a buffer is gone.
 */
export interface DeviceStorage {
  /** The device this backend's buffers live on. */
  readonly device: Device;
  /**
   * True when buffers are typed arrays that the host reads and writes directly (CPU backends): the
   * synchronous reads (`item`, `tolist`, `dataSync`) and CPU-only code work on them.
   */
  readonly hostVisible: boolean;
  /**
   * A zero-filled buffer of n elements (some ops add into their output). A pooled buffer must be
   * cleared first; outputs that a kernel overwrites entirely ask `allocUninit` instead.
   */
  alloc(dtype: DType, n: number): Storage;
  /**
   * A buffer of n elements whose contents are unspecified, for an output that a kernel overwrites
   * entirely (no clearing). A backend without a pool may leave it out: callers then use `alloc`.
   */
  allocUninit?(dtype: DType, n: number): Storage;
  /**
   * Gives back a buffer that `alloc` or `allocUninit` returned, for a later allocation to reuse. The
   * caller guarantees that nothing reads or writes it afterwards: the autograd engine gives back the
   * temporaries of a backward pass, an op the scratch copies it made. Optional, like the pool.
   */
  release?(buf: Storage): void;
  /** A buffer holding `host`'s elements. It takes ownership: the caller must not write `host` afterwards. */
  upload(host: Storage): Storage;
  /** Sets elements [begin, end) of `buf` to `value`. */
  fill(buf: Storage, value: number, begin: number, end: number): void;
  /** A new typed array with elements [begin, end) of `buf`, once the work that writes them is done. */
  read(buf: Storage, begin: number, end: number): Promise<Storage>;
  /** Resolves when every kernel queued so far has finished. */
  sync(): Promise<void>;
}
