/**
 * Tensor: a storage on a device seen through a shape, strides and an offset. Views (reshape, permute,
 * transpose, expand, slicing) share the storage and only change the strides. Every method is a thin
 * call into `ops/`, where each op is defined once with its gradient. The storage is a typed array on
 * CPU backends and a backend's own buffer elsewhere (see backend/device.ts): only its device's
 * backend touches it, and reads of the values go through that backend.
 */
import type { GradNode } from "../autograd/node.js";
import { isGradEnabled } from "../autograd/grad-mode.js";
import { runBackward } from "../autograd/engine.js";
import { devices } from "../backend/devices.js";
import { DTYPES, dtypeOfStorage, type DType, type Storage } from "./dtype.js";
import { backendFor, backendOf, checkDevice, deviceOfStorage, hostData, type Device } from "./device.js";
import {
  checkAllocation,
  contiguousStrides,
  fmtShape,
  MAX_NUMEL,
  numelOf,
  sizesArg,
  type Shape,
} from "./shape.js";
import { formatTensor } from "./format.js";
import { noteAllocation } from "./alloc-scope.js";
import * as E from "../ops/elementwise.js";
import * as R from "../ops/reduce.js";
import * as M from "../ops/movement.js";
import * as I from "../ops/indexing.js";
import * as C from "../ops/composite.js";
import { matmul } from "../ops/matmul.js";
import { noGrad } from "../autograd/grad-mode.js";

/** A tensor, or a number/boolean that broadcasts like a 0-d tensor. */
export type TensorLike = Tensor | number | boolean;
export type Dims = number | readonly number[];
export type IndexSpec = number | string | null | Tensor;

/** Refuses index specs that Tensor.index would read differently from PyTorch (a JS array). */
function checkIndexSpec(s: unknown): void {
  if (Array.isArray(s)) {
    const list = `[${s.map(String).join(", ")}]`;
    throw new TypeError(
      `index: an array index ${list} is ambiguous; to pick elements as PyTorch's t[${list}] does, pass gs.tensor(${list}); for a slice pass a string such as "${s[0] ?? ""}:${s[1] ?? ""}"`,
    );
  }
  const ok =
    s === null ||
    s instanceof Tensor ||
    typeof s === "string" ||
    (typeof s === "number" && Number.isInteger(s));
  if (!ok)
    throw new TypeError(
      `index: unsupported index ${typeof s === "number" ? s : typeof s}; use integers, ":", "a:b:c", "...", null or an int32 tensor`,
    );
}

/**
 * `dims` itself when already frozen (another tensor's shape: shared, since nobody can change it), else
 * a frozen copy. Copying a frozen array and freezing the copy costs V8 three times as much as a plain one.
 */
function frozenCopy(dims: readonly number[]): readonly number[] {
  return Object.isFrozen(dims) ? dims : Object.freeze(dims.slice());
}

export class Tensor {
  /** The storage this tensor reads (shared with its views): a typed array on CPU backends. */
  readonly storage: Storage;
  /** Where the storage lives: "cpu", "webgpu", ... Ops run on their inputs' device. */
  readonly device: Device;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  /** The op that produced this tensor, or null for a leaf. */
  gradFn: GradNode | null = null;
  /** True when a non-leaf keeps its .grad (see retainGrad). */
  retainsGrad = false;
  private _requiresGrad = false;
  private _grad: Tensor | null = null;

  /**
   * Low-level constructor: wraps a storage. Users call `gs.tensor`, `gs.zeros`, ... The device
   * defaults to the storage's ("cpu" for a typed array); a device whose storage is typed arrays too
   * (a second CPU-like backend) is named explicitly, as views and ops do.
   */
  constructor(storage: Storage, shape: Shape, strides?: Shape, offset = 0, device?: Device) {
    this.storage = storage;
    this.shape = frozenCopy(shape);
    this.strides = strides ? frozenCopy(strides) : Object.freeze(contiguousStrides(shape));
    this.offset = offset;
    this.dtype = dtypeOfStorage(storage);
    this.device = device ?? deviceOfStorage(storage);
  }

  /** A new zero-filled contiguous tensor, allocated by the backend of `device`. */
  static empty(shape: Shape, dtype: DType = "float32", device: Device = "cpu"): Tensor {
    const n = numelOf(shape);
    // The last guard before an allocation: callers that take a user's shape check it first by name.
    if (!(n <= MAX_NUMEL && n >= 0)) checkAllocation(shape, "Tensor.empty");
    const storage = backendFor(device).alloc(dtype, n);
    noteAllocation(device, storage);
    return new Tensor(storage, shape, undefined, 0, device);
  }

  /**
   * A new contiguous tensor whose elements are unspecified (a pooled buffer's old contents): only for
   * an output that a kernel overwrites entirely before anything reads it.
   */
  static uninitialized(shape: Shape, dtype: DType = "float32", device: Device = "cpu"): Tensor {
    const be = backendFor(device);
    const n = numelOf(shape);
    if (!(n <= MAX_NUMEL && n >= 0)) checkAllocation(shape, "Tensor.uninitialized");
    const storage = be.allocUninit === undefined ? be.alloc(dtype, n) : be.allocUninit(dtype, n);
    noteAllocation(device, storage);
    return new Tensor(storage, shape, undefined, 0, device);
  }

  get ndim(): number {
    return this.shape.length;
  }

  numel(): number {
    return numelOf(this.shape);
  }

  /** The size of one dim, or the whole shape. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape.slice();
    return this.shape[M.dimIndex(this, dim, "size")];
  }

  stride(): number[] {
    return this.strides.slice();
  }

  isContiguous(): boolean {
    let s = 1;
    for (let d = this.ndim - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== s) return false;
      s *= this.shape[d];
    }
    return true;
  }

  // ---- autograd -------------------------------------------------------------------------------

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (this.gradFn !== null && !value)
      throw new Error("requiresGrad: cannot turn off requiresGrad of a non-leaf tensor; use detach()");
    if (value && this.dtype !== "float32" && this.dtype !== "float64")
      throw new TypeError(
        `requiresGrad: only floating-point tensors can require grad, this one is ${this.dtype}`,
      );
    this._requiresGrad = value;
  }

  /** Sets requiresGrad in place and returns this (like PyTorch's requires_grad_). */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** The accumulated gradient; populated by backward() for leaves (and for tensors that retainGrad()). */
  get grad(): Tensor | null {
    return this._grad;
  }

  set grad(g: Tensor | null) {
    if (g !== null && (g.shape.length !== this.ndim || g.shape.some((s, i) => s !== this.shape[i])))
      throw new RangeError(
        `grad: shape ${fmtShape(g.shape)} does not match the tensor's shape ${fmtShape(this.shape)}`,
      );
    if (g !== null && g.device !== this.device)
      throw new Error(
        `grad: a gradient on ${g.device} for a tensor on ${this.device}; move it with g.to("${this.device}")`,
      );
    this._grad = g;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Keeps .grad for this non-leaf tensor during backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** Sets .grad to null. */
  zeroGrad(): void {
    this._grad = null;
  }

  /** Attaches the op that produced this tensor (used by ops/define). */
  setGradFn(node: GradNode): void {
    this.gradFn = node;
    this._requiresGrad = true;
  }

  /**
   * Accumulates d(this)/d(leaf) into every leaf's .grad. `grad` defaults to 1 for a one-element tensor.
   */
  backward(grad?: TensorLike): void {
    if (!this.requiresGrad)
      throw new Error(
        "backward: this tensor does not require grad and has no grad_fn (did you set requiresGrad on the inputs, or call it inside noGrad?)",
      );
    let g: Tensor;
    if (grad === undefined) {
      if (this.numel() !== 1)
        throw new Error(
          `backward: grad can be implicitly created only for one-element outputs; this tensor has shape ${fmtShape(this.shape)}, pass a gradient of that shape`,
        );
      g = Tensor.uninitialized(this.shape, this.dtype, this.device).fill_(1); // filled whole: not zeroed first
    } else {
      g =
        grad instanceof Tensor
          ? grad
          : Tensor.uninitialized(this.shape, this.dtype, this.device).fill_(Number(grad));
      if (g.shape.length !== this.ndim || g.shape.some((s, i) => s !== this.shape[i]))
        throw new RangeError(
          `backward: gradient shape ${fmtShape(g.shape)} does not match the tensor's shape ${fmtShape(this.shape)}`,
        );
    }
    runBackward(this, g.detach());
  }

  /** The same data with no history (shares storage). */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset, this.device);
  }

  // ---- reading values -------------------------------------------------------------------------
  // Synchronous reads work on CPU backends; the async forms work on every device.

  /** The elements in row-major order, as a new contiguous typed array (CPU backends; see data()). */
  toArray(): Storage {
    return this.readSync("toArray", "await t.data()");
  }

  /** The same as toArray(): a new typed array of the elements (CPU backends; see data()). */
  dataSync(): Storage {
    return this.readSync("dataSync", "await t.data()");
  }

  /** The elements in row-major order, as a new typed array, once the kernels that write them ran. */
  async data(): Promise<Storage> {
    const c = this.contiguous();
    return backendOf(c).read(c.storage, c.offset, c.offset + c.numel());
  }

  /** The value of a one-element tensor (CPU backends; see itemAsync()). */
  item(): number {
    this.checkItem();
    return hostData(this, "item", "await t.itemAsync()")[this.offset];
  }

  /** The value of a one-element tensor, on any device. */
  async itemAsync(): Promise<number> {
    this.checkItem();
    return (await this.data())[0];
  }

  /** Nested JS arrays (booleans for bool tensors); a 0-d tensor gives a number (CPU backends). */
  tolist(): unknown {
    return this.nest(this.readSync("tolist", "await t.tolistAsync()"));
  }

  /** tolist() on any device. */
  async tolistAsync(): Promise<unknown> {
    return this.nest(await this.data());
  }

  private checkItem(): void {
    if (this.numel() !== 1)
      throw new RangeError(
        `item: only one-element tensors can be converted to a number; shape is ${fmtShape(this.shape)}`,
      );
  }

  private readSync(op: string, asyncForm: string): Storage {
    const c = this.contiguous();
    return hostData(c, op, asyncForm).slice(c.offset, c.offset + c.numel());
  }

  private nest(values: Storage): unknown {
    const flat = Array.from(values, (v) => (this.dtype === "bool" ? v !== 0 : v));
    if (this.ndim === 0) return flat[0];
    let pos = 0;
    const build = (d: number): unknown[] => {
      const out: unknown[] = [];
      for (let i = 0; i < this.shape[d]; i++) out.push(d === this.ndim - 1 ? flat[pos++] : build(d + 1));
      return out;
    };
    return build(0);
  }

  toString(): string {
    return formatTensor(this);
  }

  // ---- elementwise ----------------------------------------------------------------------------

  add(other: TensorLike, opts?: { alpha?: number }): Tensor {
    return E.add(this, other, opts);
  }
  sub(other: TensorLike, opts?: { alpha?: number }): Tensor {
    return E.sub(this, other, opts);
  }
  mul(other: TensorLike): Tensor {
    return E.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return E.div(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return E.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return E.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return E.minimum(this, other);
  }
  neg(): Tensor {
    return E.neg(this);
  }
  exp(): Tensor {
    return E.exp(this);
  }
  log(): Tensor {
    return E.log(this);
  }
  sqrt(): Tensor {
    return E.sqrt(this);
  }
  rsqrt(): Tensor {
    return E.rsqrt(this);
  }
  tanh(): Tensor {
    return E.tanh(this);
  }
  sigmoid(): Tensor {
    return E.sigmoid(this);
  }
  relu(): Tensor {
    return E.relu(this);
  }
  abs(): Tensor {
    return E.abs(this);
  }
  sin(): Tensor {
    return E.sin(this);
  }
  cos(): Tensor {
    return E.cos(this);
  }
  erf(): Tensor {
    return E.erf(this);
  }
  log1p(): Tensor {
    return E.log1p(this);
  }
  expm1(): Tensor {
    return E.expm1(this);
  }
  reciprocal(): Tensor {
    return E.reciprocal(this);
  }
  square(): Tensor {
    return E.mul(this, this);
  }
  sign(): Tensor {
    return E.sign(this);
  }
  floor(): Tensor {
    return E.floor(this);
  }
  ceil(): Tensor {
    return E.ceil(this);
  }
  round(): Tensor {
    return E.round(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return E.clamp(this, min, max);
  }
  eq(other: TensorLike): Tensor {
    return E.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return E.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return E.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return E.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return E.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return E.ge(this, other);
  }
  logicalNot(): Tensor {
    return E.logicalNot(this);
  }
  logicalAnd(other: TensorLike): Tensor {
    return E.logicalAnd(this, other);
  }
  logicalOr(other: TensorLike): Tensor {
    return E.logicalOr(this, other);
  }
  /** this where `cond` is true, else `other` (PyTorch's x.where(cond, y)). */
  where(cond: Tensor, other: TensorLike): Tensor {
    return E.where(cond, this, other);
  }
  /** Replaces the elements where `mask` (bool, broadcastable) is true by `value`. */
  maskedFill(mask: Tensor, value: number): Tensor {
    return E.maskedFill(this, mask, value);
  }

  // ---- casts ----------------------------------------------------------------------------------

  /**
   * A copy in another dtype or on another device (this tensor itself when it is already there). The
   * copy is differentiable: gradients flow back to this tensor's device.
   * @example const g = t.to("webgpu"); const h = t.to("float64");
   */
  to(target: DType | Device): Tensor {
    if ((DTYPES as readonly string[]).includes(target)) return E.cast(this, target as DType);
    if (typeof target === "string" && !devices().includes(target))
      throw new TypeError(
        `to: unknown device ${JSON.stringify(target)}; available devices: ${devices().join(", ")} (dtypes: ${DTYPES.join(", ")})`,
      );
    return M.toDevice(this, checkDevice(target, "to"));
  }
  /**
   * to(device) for every device: it waits for the host to read this tensor when its device cannot
   * be read synchronously (a GPU). Also differentiable.
   * @example const cpu = await logits.toAsync("cpu");
   */
  async toAsync(device: Device): Promise<Tensor> {
    return M.toDeviceAsync(this, checkDevice(device, "toAsync"));
  }
  float(): Tensor {
    return this.to("float32");
  }
  double(): Tensor {
    return this.to("float64");
  }
  int(): Tensor {
    return this.to("int32");
  }
  bool(): Tensor {
    return this.to("bool");
  }

  // ---- reductions -----------------------------------------------------------------------------

  sum(dim?: Dims, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: Dims, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  prod(dim?: number, keepdim = false): Tensor {
    return R.prod(this, dim, keepdim);
  }
  /**
   * max() over all elements, or `{ values, indices }` over one dim, as PyTorch's named tuple (it
   * also destructures: `const [values, indices] = x.max(1)`).
   * @example const { values, indices } = x.max(1);
   */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): R.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | R.ValuesIndices {
    return dim === undefined ? R.amax(this) : R.maxDim(this, dim, keepdim, "max");
  }
  /** min() over all elements, or `{ values, indices }` over one dim (see max). */
  min(): Tensor;
  min(dim: number, keepdim?: boolean): R.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | R.ValuesIndices {
    return dim === undefined ? R.amin(this) : R.maxDim(this, dim, keepdim, "min");
  }
  amax(dim?: Dims, keepdim = false): Tensor {
    return R.amax(this, dim, keepdim);
  }
  amin(dim?: Dims, keepdim = false): Tensor {
    return R.amin(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return R.argmin(this, dim, keepdim);
  }
  /** Variance with Bessel's correction by default (correction = 1), like PyTorch. */
  var(dim?: Dims, opts?: { correction?: number; keepdim?: boolean }): Tensor {
    return R.variance(this, dim, opts);
  }
  std(dim?: Dims, opts?: { correction?: number; keepdim?: boolean }): Tensor {
    return R.std(this, dim, opts);
  }
  logsumexp(dim: Dims, keepdim = false): Tensor {
    return C.logsumexp(this, dim, keepdim);
  }
  softmax(dim: number): Tensor {
    return C.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return C.logSoftmax(this, dim);
  }
  norm(p = 2, dim?: Dims, keepdim = false): Tensor {
    return C.norm(this, p, dim, keepdim);
  }

  // ---- linear algebra -------------------------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }
  /** The transpose of the last two dims. */
  get mT(): Tensor {
    return M.transpose(this, -2, -1);
  }
  /** The transpose of a 2-d tensor. */
  get T(): Tensor {
    if (this.ndim > 2)
      throw new RangeError(
        `T: expects a tensor with at most 2 dims, got ${fmtShape(this.shape)}; use mT or permute`,
      );
    return this.ndim < 2 ? this : M.transpose(this, 0, 1);
  }

  // ---- views and movement ---------------------------------------------------------------------

  // Sizes and dims go as one array or as separate integers, as in PyTorch: x.view(2, 3), x.view([2, 3]).
  reshape(shape: Shape): Tensor;
  reshape(...shape: number[]): Tensor;
  reshape(...shape: unknown[]): Tensor {
    return M.reshape(this, sizesArg(shape, "reshape"));
  }
  view(shape: Shape): Tensor;
  view(...shape: number[]): Tensor;
  view(...shape: unknown[]): Tensor {
    return M.view(this, sizesArg(shape, "view"));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return M.transpose(this, dim0, dim1);
  }
  permute(dims: Shape): Tensor;
  permute(...dims: number[]): Tensor;
  permute(...dims: unknown[]): Tensor {
    return M.permute(this, sizesArg(dims, "permute", "dims"));
  }
  unsqueeze(dim: number): Tensor {
    return M.unsqueeze(this, dim);
  }
  squeeze(dim?: Dims): Tensor {
    return M.squeeze(this, dim);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return M.flatten(this, startDim, endDim);
  }
  unflatten(dim: number, sizes: Shape): Tensor {
    return M.unflatten(this, dim, sizes);
  }
  expand(shape: Shape): Tensor;
  expand(...shape: number[]): Tensor;
  expand(...shape: unknown[]): Tensor {
    return M.expand(this, sizesArg(shape, "expand"));
  }
  expandAs(other: Tensor): Tensor {
    return M.expand(this, other.shape);
  }
  /** A contiguous tensor with the same values (this tensor itself if already contiguous). */
  contiguous(): Tensor {
    return M.contiguous(this);
  }
  /** A contiguous copy that autograd differentiates through. */
  clone(): Tensor {
    return M.clone(this);
  }
  /** Elements start..start+length-1 of `dim` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    return M.narrow(this, dim, start, length);
  }
  /** Python's `t[start:end:step]` along `dim` (a view); negative and omitted bounds as in Python. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return M.slice(this, dim, start, end, step);
  }
  /** Index `index` of `dim`, removing the dim (a view). */
  select(dim: number, index: number): Tensor {
    return M.select(this, dim, index);
  }
  /**
   * PyTorch-style indexing, one spec per leading dim: a number selects, `null` or ":" keeps a dim,
   * "a:b:c" slices, "..." fills the dims in between, and an int32 tensor picks elements along its
   * dim (advanced indexing). `t.index(0, ":", "1:3")` is `t[0, :, 1:3]`; PyTorch's `t[[0, 2]]` is
   * `t.index(gs.tensor([0, 2]))`. A plain array is refused: it could mean either.
   */
  index(...specs: IndexSpec[]): Tensor {
    for (const s of specs as unknown[]) checkIndexSpec(s);
    return I.index(this, specs);
  }
  flip(dims: Dims): Tensor;
  flip(...dims: number[]): Tensor;
  flip(...dims: unknown[]): Tensor {
    return M.flip(this, sizesArg(dims, "flip", "dims"));
  }
  repeat(sizes: Shape): Tensor;
  repeat(...sizes: number[]): Tensor;
  repeat(...sizes: unknown[]): Tensor {
    return M.repeat(this, sizesArg(sizes, "repeat", "sizes"));
  }
  tril(diagonal = 0): Tensor {
    return C.tril(this, diagonal);
  }
  triu(diagonal = 0): Tensor {
    return C.triu(this, diagonal);
  }
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return I.split(this, splitSize, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return I.chunk(this, chunks, dim);
  }
  gather(dim: number, index: Tensor): Tensor {
    return I.gather(this, dim, index);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return I.indexSelect(this, dim, index);
  }
  /** A copy of this tensor with `src` added at `index` along `dim` (out-of-place scatter_add). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return I.scatterAdd(this, dim, index, src);
  }
  indexAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return I.indexAdd(this, dim, index, src);
  }

  // ---- in place (for optimizers and initialisers; refused on leaves that require grad) ---------

  private checkInPlace(op: string): void {
    if (isGradEnabled() && this.requiresGrad)
      throw new Error(
        `${op}: a tensor that requires grad cannot be modified in place while autograd records; wrap the update in gs.noGrad(() => ...)`,
      );
  }

  /** Writes `src` (broadcast to this shape, cast to this dtype) into this tensor's elements. */
  copy_(src: TensorLike): this {
    this.checkInPlace("copy_");
    const s = E.asTensor(src, this.dtype, this.device).to(this.dtype);
    const b = M.expand(
      noGrad(() => s.to(this.device)),
      this.shape,
    );
    backendOf(this).copy(
      { data: b.storage, offset: b.offset, strides: b.strides },
      { data: this.storage, offset: this.offset, strides: this.strides },
      this.shape,
    );
    return this;
  }
  fill_(value: number | boolean): this {
    this.checkInPlace("fill_");
    if (this.isContiguous())
      backendOf(this).fill(this.storage, Number(value), this.offset, this.offset + this.numel());
    else this.copy_(value);
    return this;
  }
  zero_(): this {
    return this.fill_(0);
  }
  /** `this = op(this, other)`: written by the kernel where safe (E.binaryInPlace), else computed and copied in. */
  private binary_(op: "add" | "sub" | "mul" | "div", other: TensorLike, opts?: { alpha?: number }): this {
    this.checkInPlace(`${op}_`);
    if (opts === undefined && E.binaryInPlace(op, this, other)) return this;
    return this.copy_(noGrad(() => E[op](this, other, opts)));
  }
  add_(other: TensorLike, opts?: { alpha?: number }): this {
    return this.binary_("add", other, opts);
  }
  sub_(other: TensorLike, opts?: { alpha?: number }): this {
    return this.binary_("sub", other, opts);
  }
  mul_(other: TensorLike): this {
    return this.binary_("mul", other);
  }
  div_(other: TensorLike): this {
    return this.binary_("div", other);
  }
  clamp_(min?: number | null, max?: number | null): this {
    return this.copy_(noGrad(() => E.clamp(this, min, max)));
  }
}
