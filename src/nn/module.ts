/**
 * Module: the base class of layers and models, as torch.nn.Module. A module finds its parameters,
 * buffers and submodules among its own properties, so the property names are the state_dict keys.
 */
import { Tensor } from "../tensor/tensor.js";
import { checkDType, DTYPES, isFloating, type DType } from "../tensor/dtype.js";
import { checkDevice, type Device } from "../tensor/device.js";
import { fmtShape } from "../tensor/shape.js";
import { noGrad } from "../autograd/grad-mode.js";
import { Parameter } from "./parameter.js";
import { optionsOf } from "../util/options.js";

/** Parameters and persistent buffers by dotted name, as PyTorch's state_dict. */
export type StateDict = Record<string, Tensor>;

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

function checkName(where: string, name: unknown): string {
  if (typeof name !== "string" || name === "" || name.includes("."))
    throw new TypeError(`${where}: name must be a non-empty string without ".", got ${JSON.stringify(name)}`);
  return name;
}

/** Indents every line but the first, as PyTorch's _addindent. */
function indentTail(s: string, spaces: number): string {
  return s.split("\n").join("\n" + " ".repeat(spaces));
}

/**
 * Base class of all layers and models. Subclasses assign their pieces to properties and write forward:
 * - a property holding a `Parameter` is a parameter,
 * - a property holding a `Module` is a child module,
 * - a tensor registered with `registerBuffer` is a buffer (saved in the state dict unless non-persistent).
 * Everything else (numbers, plain tensors, arrays) is ordinary state. Names and order in `stateDict()`
 * follow the properties: the order in which they are first defined (class fields in declaration order),
 * own parameters first, then own buffers, then each child's entries under `child.`. Integer-like property
 * names ("0", "1") come first in JavaScript's property order; hold numbered children in a ModuleList.
 * Assigning `null` (an absent bias) leaves the entry out. The same Parameter assigned in two places (tied
 * weights) is one parameter to `parameters()` and appears under both names in `stateDict()`, as in PyTorch.
 * @example
 * class MLP extends gs.nn.Module {
 *   fc1 = new gs.nn.Linear(784, 256);
 *   fc2 = new gs.nn.Linear(256, 10);
 *   forward(x: gs.Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 * const model = new MLP();
 * Object.keys(model.stateDict()); // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
 */
export abstract class Module {
  /** Whether the module is in training mode (dropout active); set by train() and eval(). */
  training = true;
  /** Buffer names in registration order, each with whether it is persistent. */
  readonly #buffers = new Map<string, boolean>();

  /** The computation; each subclass gives its own signature. */
  abstract forward(...args: unknown[]): unknown;

  /** Children that are not properties (the contents of containers such as Sequential), in order. */
  protected containedModules(): Iterable<[string, Module]> {
    return [];
  }

  /** One line (or several) of settings shown between the parentheses of toString(). */
  extraRepr(): string {
    return "";
  }

  // ---- registration ---------------------------------------------------------------------------

  /**
   * Registers `tensor` (or null) as a buffer: state that is not trained but moves with the module,
   * like BatchNorm's running mean. Non-persistent buffers (a causal mask) stay out of the state dict.
   * Sets the property `name` and returns the tensor.
   * @example this.mask = this.registerBuffer("mask", gs.ones([T, T]).tril(), { persistent: false });
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, opts: { persistent?: boolean } = {}): T {
    checkName("registerBuffer", name);
    if (tensor !== null && !(tensor instanceof Tensor))
      throw new TypeError(`registerBuffer: buffer "${name}" must be a Tensor or null, got ${typeof tensor}`);
    if (tensor instanceof Parameter)
      throw new TypeError(
        `registerBuffer: "${name}" is a Parameter; assign it to a property to make it a parameter, or register a plain tensor`,
      );
    this.#checkFree("registerBuffer", name);
    this.#buffers.set(name, opts.persistent ?? true);
    Reflect.set(this, name, tensor);
    return tensor;
  }

  /** Sets the property `name` to a parameter (or null): for names built at run time, like `weight_ih_l${k}`. */
  registerParameter<T extends Parameter | null>(name: string, param: T): T {
    checkName("registerParameter", name);
    if (param !== null && !(param instanceof Parameter))
      throw new TypeError(
        `registerParameter: "${name}" must be a Parameter or null; wrap the tensor: new nn.Parameter(t)`,
      );
    if (this.#buffers.has(name))
      throw new Error(`registerParameter: "${name}" is already a buffer of ${this.constructor.name}`);
    Reflect.set(this, name, param);
    return param;
  }

  /** Sets the property `name` to a child module (or null): for names built at run time. */
  registerModule<T extends Module | null>(name: string, module: T): T {
    checkName("registerModule", name);
    if (module !== null && !(module instanceof Module))
      throw new TypeError(`registerModule: "${name}" must be a Module or null, got ${typeof module}`);
    if (this.#buffers.has(name))
      throw new Error(`registerModule: "${name}" is already a buffer of ${this.constructor.name}`);
    Reflect.set(this, name, module);
    return module;
  }

  #checkFree(where: string, name: string): void {
    const current: unknown = Reflect.get(this, name);
    if ((current instanceof Parameter || current instanceof Module) && !this.#buffers.has(name))
      throw new Error(
        `${where}: "${name}" is already a ${current instanceof Parameter ? "parameter" : "submodule"} of ${this.constructor.name}`,
      );
  }

  // ---- discovery ------------------------------------------------------------------------------

  #ownParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [name, v] of Object.entries(this))
      if (v instanceof Parameter && !this.#buffers.has(name)) out.push([name, v]);
    return out;
  }

  #ownBuffers(persistentOnly: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, persistent] of this.#buffers) {
      const v: unknown = Reflect.get(this, name);
      if (v instanceof Tensor && (persistent || !persistentOnly)) out.push([name, v]);
    }
    return out;
  }

  #ownChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [name, v] of Object.entries(this)) if (v instanceof Module) out.push([name, v]);
    for (const entry of this.containedModules()) out.push(entry);
    return out;
  }

  /** The direct children with their names (each module once). */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return this.#ownChildren().filter(([, m]) => !seen.has(m) && seen.add(m));
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module ("") and all its descendants with dotted names, depth first, each module once. */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (m: Module, prefix: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [name, child] of m.#ownChildren()) visit(child, prefix ? `${prefix}.${name}` : name);
    };
    visit(this, "");
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Parameters with dotted names (`"0.weight"`, `"transformer.h.0.attn.c_attn.bias"`), in definition
   * order, each parameter once (a tied weight under its first name). `recurse: false` gives only this
   * module's own.
   * @example for (const [name, p] of model.namedParameters()) console.log(name, p.shape);
   */
  namedParameters(opts: { recurse?: boolean } = {}): [string, Parameter][] {
    const mods: [string, Module][] = (opts.recurse ?? true) ? this.namedModules() : [["", this]];
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of mods)
      for (const [name, p] of m.#ownParameters())
        if (!seen.has(p)) {
          seen.add(p);
          out.push([prefix ? `${prefix}.${name}` : name, p]);
        }
    return out;
  }

  /** The parameters, each once: what an optimizer takes. */
  parameters(opts: { recurse?: boolean } = {}): Parameter[] {
    return this.namedParameters(opts).map(([, p]) => p);
  }

  /** Buffers (persistent or not) with dotted names, each once. */
  namedBuffers(opts: { recurse?: boolean } = {}): [string, Tensor][] {
    const mods: [string, Module][] = (opts.recurse ?? true) ? this.namedModules() : [["", this]];
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of mods)
      for (const [name, b] of m.#ownBuffers(false))
        if (!seen.has(b)) {
          seen.add(b);
          out.push([prefix ? `${prefix}.${name}` : name, b]);
        }
    return out;
  }

  buffers(opts: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  /** The module at a dotted path (`"transformer.h.0"`); "" is this module. */
  getSubmodule(target: string): Module {
    const parts = target === "" ? [] : target.split(".");
    return parts.reduce((m: Module, part, i) => {
      const next = m.#ownChildren().find(([name]) => name === part)?.[1];
      if (!next) {
        const at = i > 0 ? ` at "${parts.slice(0, i).join(".")}"` : "";
        throw new Error(
          `getSubmodule: ${m.constructor.name}${at} has no submodule "${part}" (looking for "${target}")`,
        );
      }
      return next;
    }, this);
  }

  /** The number of parameter elements (tied weights counted once). */
  numParameters(opts: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts.trainableOnly || p.requiresGrad) n += p.numel();
    return n;
  }

  // ---- state dict -----------------------------------------------------------------------------

  /** Visits every state-dict entry: own parameters, own persistent buffers, then each child's (not deduplicated). */
  #visitState(prefix: string, visit: (key: string, t: Tensor) => void): void {
    for (const [name, p] of this.#ownParameters()) visit(prefix + name, p);
    for (const [name, b] of this.#ownBuffers(true)) visit(prefix + name, b);
    for (const [name, child] of this.#ownChildren()) child.#visitState(`${prefix}${name}.`, visit);
  }

  /**
   * The parameters and persistent buffers under PyTorch's state_dict names, detached (sharing storage
   * with the module: clone them to keep a snapshot).
   * @example gs.io.saveSafetensors("model.safetensors", model.stateDict());
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    this.#visitState("", (key, t) => {
      out[key] = t.detach();
    });
    return out;
  }

  /**
   * Copies `dict`'s tensors into the module's parameters and buffers, in place (cast to their dtypes).
   * Every missing key, unexpected key and shape mismatch is reported in one error, and then nothing is
   * copied. With `strict: false`, missing and unexpected keys are allowed and returned; shape mismatches
   * still throw.
   * @example model.loadStateDict(gs.io.loadSafetensors("model.safetensors"));
   */
  loadStateDict(
    dict: Record<string, Tensor> | Map<string, Tensor>,
    opts: { strict?: boolean } | boolean = {},
  ): LoadStateDictResult {
    // PyTorch's positional load_state_dict(sd, strict) as well as { strict }.
    const strict =
      typeof opts === "boolean" ? opts : (optionsOf("loadStateDict", opts, ["strict"]).strict ?? true);
    if (typeof strict !== "boolean")
      throw new TypeError(`loadStateDict: strict must be true or false, got ${String(strict)}`);
    if (dict === null || typeof dict !== "object")
      throw new TypeError(`loadStateDict: expected a Record or Map of tensors, got ${String(dict)}`);
    const given = dict instanceof Map ? dict : new Map(Object.entries(dict));
    const targets = new Map<string, Tensor>();
    this.#visitState("", (key, t) => targets.set(key, t));

    const missingKeys = [...targets.keys()].filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !targets.has(k));
    const mismatches: string[] = [];
    for (const [key, target] of targets) {
      const src: unknown = given.get(key);
      if (src === undefined) continue;
      if (!(src instanceof Tensor)) mismatches.push(`${key}: expected a Tensor, got ${typeof src}`);
      else if (src.ndim !== target.ndim || src.shape.some((s, i) => s !== target.shape[i]))
        mismatches.push(
          `size mismatch for ${key}: the state dict has shape ${fmtShape(src.shape)}, the module has ${fmtShape(target.shape)}`,
        );
    }
    const problems: string[] = [];
    if (strict && missingKeys.length) problems.push(`missing key(s): ${missingKeys.map(quote).join(", ")}`);
    if (strict && unexpectedKeys.length)
      problems.push(`unexpected key(s): ${unexpectedKeys.map(quote).join(", ")}`);
    problems.push(...mismatches);
    if (problems.length)
      throw new Error(
        `loadStateDict: error(s) in loading the state dict for ${this.constructor.name}; nothing was loaded:\n  ${problems.join("\n  ")}`,
      );

    noGrad(() => {
      for (const [key, target] of targets) {
        const src = given.get(key);
        if (src) target.copy_(src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- modes and bulk updates -----------------------------------------------------------------

  /** Sets training mode on this module and every descendant (dropout on); returns this. */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError(`train: mode must be a boolean, got ${typeof mode}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  /** Evaluation mode (dropout off): train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Calls fn on every descendant, then on this module (as PyTorch's apply); returns this. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Sets every parameter's .grad to null (PyTorch's zero_grad with set_to_none=True). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Turns gradient tracking of every parameter on or off (to freeze a module); returns this. */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad = requiresGrad;
    return this;
  }

  /**
   * Converts the floating-point parameters and buffers to `dtype` (float32 or float64), or moves every
   * parameter and buffer to a device ("webgpu" after `await gs.webgpu.init()`), replacing them by new
   * tensors (tied weights stay tied). Do it before creating an optimizer, which holds the old ones.
   * @example const lin = new gs.nn.Linear(3, 2).double(); // for gradcheck
   */
  to(target: DType | Device): this {
    const toDevice = !(DTYPES as readonly string[]).includes(target);
    if (toDevice) checkDevice(target, "Module.to");
    else if (!isFloating(checkDType(target, "Module.to")))
      throw new TypeError(`Module.to: parameters must stay floating point, got dtype ${target}`);
    const there = (t: Tensor) => (toDevice ? t.device === target : t.dtype === target);
    const converted = new Map<Tensor, Tensor>();
    const convert = (t: Tensor, make: (c: Tensor) => Tensor): Tensor => {
      let c = converted.get(t);
      if (!c) {
        c = make(noGrad(() => t.to(target)));
        converted.set(t, c);
      }
      return c;
    };
    for (const m of this.modules()) {
      for (const [name, p] of m.#ownParameters()) {
        if (there(p)) continue;
        Reflect.set(
          m,
          name,
          convert(p, (c) => {
            const q = new Parameter(c.detach(), p.requiresGrad);
            if (p.grad) q.grad = p.grad.to(target);
            return q;
          }),
        );
      }
      for (const [name, b] of m.#ownBuffers(false))
        if ((toDevice || isFloating(b.dtype)) && !there(b))
          Reflect.set(
            m,
            name,
            convert(b, (c) => c),
          );
    }
    return this;
  }

  double(): this {
    return this.to("float64");
  }

  float(): this {
    return this.to("float32");
  }

  // ---- printing -------------------------------------------------------------------------------

  /**
   * The module tree as PyTorch prints it.
   * @example
   * String(new gs.nn.Sequential(new gs.nn.Linear(784, 256), new gs.nn.ReLU()));
   * // Sequential(
   * //   (0): Linear(in_features=784, out_features=256, bias=True)
   * //   (1): ReLU()
   * // )
   */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split("\n") : [];
    const childLines = this.#ownChildren().map(([name, m]) => `(${name}): ${indentTail(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this.constructor.name}(`;
    if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
    else if (lines.length) s += `\n  ${lines.join("\n  ")}\n`;
    return s + ")";
  }

  /** toString() followed by the parameter counts (`Total parameters: 203,530`). */
  summary(): string {
    const fmt = (n: number) => n.toLocaleString("en-US");
    return `${this.toString()}\nTotal parameters: ${fmt(this.numParameters())}\nTrainable parameters: ${fmt(this.numParameters({ trainableOnly: true }))}`;
  }

  /** console.log(module) in Node prints the tree, like print(module) in Python. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

const quote = (k: string) => JSON.stringify(k);
