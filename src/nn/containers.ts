/** Containers of modules: Sequential, ModuleList and ModuleDict, as in torch.nn. */
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

function checkModule<M extends Module>(where: string, m: M, what: string): M {
  if (!(m instanceof Module))
    throw new TypeError(`${where}: ${what} must be a Module, got ${m === null ? "null" : typeof m}`);
  return m;
}

function checkKey(where: string, key: unknown): string {
  if (typeof key !== "string" || key === "" || key.includes("."))
    throw new TypeError(`${where}: key must be a non-empty string without ".", got ${JSON.stringify(key)}`);
  return key;
}

/** Python-style index: negative counts from the end; out of range throws. */
function itemIndex(where: string, i: number, length: number): number {
  if (!Number.isInteger(i) || i < -length || i >= length)
    throw new RangeError(`${where}: index ${i} is out of range for ${length} modules`);
  return i < 0 ? i + length : i;
}

/** Modules in order, each under a name: the common part of Sequential and ModuleList. */
abstract class OrderedModules<M extends Module> extends Module {
  readonly #items: [string, M][] = [];

  protected override containedModules(): Iterable<[string, Module]> {
    return this.#items;
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at position i (negative counts from the end). */
  at(i: number): M {
    return this.#items[itemIndex(`${this.constructor.name}.at`, i, this.#items.length)][1];
  }

  /** Adds a module at the end, named by its position; returns this. */
  append(module: M): this {
    return this.add(String(this.#items.length), module);
  }

  protected add(key: string, module: M): this {
    const where = this.constructor.name;
    this.#items.push([checkKey(where, key), checkModule(where, module, `module "${key}"`)]);
    return this;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items.map(([, m]) => m)[Symbol.iterator]();
  }
}

/**
 * Runs its modules one after the other, each on the previous one's output. Children are named
 * "0", "1", ... or, given one record, by its keys.
 * @example
 * const model = new gs.nn.Sequential(new gs.nn.Linear(784, 256), new gs.nn.ReLU(), new gs.nn.Linear(256, 10));
 * const logits = model.forward(x);
 */
export class Sequential extends OrderedModules<Module> {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const [first] = modules;
    if (modules.length === 1 && first !== null && typeof first === "object" && !(first instanceof Module))
      for (const [key, m] of Object.entries(first)) this.add(key, m);
    else for (const m of modules) this.append(m as Module);
  }

  override forward(input: Tensor): Tensor {
    let x: unknown = input;
    for (const m of this) x = m.forward(x);
    return x as Tensor;
  }
}

/**
 * A list of modules whose parameters belong to the owner (a plain array would hide them), named
 * "0", "1", ... like nanoGPT's `transformer.h`. It has no forward: iterate over it.
 * @example
 * this.h = new gs.nn.ModuleList<Block>(Array.from({ length: nLayer }, () => new Block(config)));
 * for (const block of this.h) x = block.forward(x);
 */
export class ModuleList<M extends Module = Module> extends OrderedModules<M> {
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** Adds modules at the end; returns this. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  override forward(): never {
    throw new Error("ModuleList: has no forward; iterate over its modules and call theirs");
  }
}

/**
 * Modules by name, in insertion order; their parameters belong to the owner. Iterates like a Map.
 * @example
 * const heads = new gs.nn.ModuleDict({ cls: new gs.nn.Linear(64, 10), reg: new gs.nn.Linear(64, 1) });
 * heads.get("cls").forward(h);
 */
export class ModuleDict<M extends Module = Module> extends Module {
  readonly #items = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? modules : Object.entries(modules);
    for (const [key, m] of entries) this.set(key, m);
  }

  protected override containedModules(): Iterable<[string, Module]> {
    return this.#items;
  }

  get size(): number {
    return this.#items.size;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** The module under `key`; a missing key throws. */
  get(key: string): M {
    const m = this.#items.get(key);
    if (!m)
      throw new RangeError(
        `ModuleDict.get: no module "${key}"; keys are ${[...this.#items.keys()].map((k) => `"${k}"`).join(", ")}`,
      );
    return m;
  }

  /** Adds or replaces the module under `key`; returns this. */
  set(key: string, module: M): this {
    this.#items.set(checkKey("ModuleDict", key), checkModule("ModuleDict", module, `module "${key}"`));
    return this;
  }

  delete(key: string): boolean {
    return this.#items.delete(key);
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  values(): IterableIterator<M> {
    return this.#items.values();
  }

  entries(): IterableIterator<[string, M]> {
    return this.#items.entries();
  }

  [Symbol.iterator](): IterableIterator<[string, M]> {
    return this.#items.entries();
  }

  override forward(): never {
    throw new Error("ModuleDict: has no forward; get a module by name and call its forward");
  }
}
