/**
 * Bind groups made once and reused: every kernel binds its parameter slot (a uniform buffer with a
 * dynamic offset) then read-write storage buffers, so one layout per binding list serves every pipeline,
 * and a bind group depends only on the sequence of buffers (and the binding list, which their aliasing
 * decides). Creating a bind group is the largest host cost of
 * a dispatch; a training loop binds the same weights, gradients and pooled buffers step after step.
 */
/// <reference types="@webgpu/types" />

/**
 * The bind group and pipeline layouts for storage buffers at bindings `slots[i] + 1` after the parameter
 * slot (an aliased buffer's binding is left out, so slots may skip numbers).
 */
export class BindingLayouts {
  readonly #bySlots = new WeakMap<readonly number[], GPUBindGroupLayout>();
  readonly #byKey = new Map<string, GPUBindGroupLayout>();
  readonly #pipelines = new WeakMap<GPUBindGroupLayout, GPUPipelineLayout>();

  constructor(readonly device: GPUDevice) {}

  group(slots: readonly number[]): GPUBindGroupLayout {
    let layout = this.#bySlots.get(slots);
    if (layout !== undefined) return layout;
    const key = slots.join(",");
    layout = this.#byKey.get(key);
    if (layout === undefined) {
      layout = this.device.createBindGroupLayout({
        entries: [
          {
            binding: 0,
            visibility: GPUShaderStage.COMPUTE,
            buffer: { type: "uniform", hasDynamicOffset: true },
          },
          ...slots.map((i) => ({
            binding: i + 1,
            visibility: GPUShaderStage.COMPUTE,
            buffer: { type: "storage" as const },
          })),
        ],
      });
      this.#byKey.set(key, layout);
    }
    this.#bySlots.set(slots, layout);
    return layout;
  }

  pipeline(slots: readonly number[]): GPUPipelineLayout {
    const group = this.group(slots);
    let layout = this.#pipelines.get(group);
    if (layout === undefined) {
      layout = this.device.createPipelineLayout({ bindGroupLayouts: [group] });
      this.#pipelines.set(group, layout);
    }
    return layout;
  }
}

interface Node<V> {
  value?: V;
  next?: Map<object, Node<V>>;
}

/**
 * Values keyed by a sequence of objects (a trie of Maps: no key strings to build per call). Holding a
 * bind group keeps its buffers alive, so the cache is cleared when it grows past `limit` entries and
 * when the buffers it names are destroyed (`clear`).
 */
export class BindGroupCache<V> {
  #root: Node<V> = {};
  #size = 0;

  constructor(readonly limit = 16384) {}

  get size(): number {
    return this.#size;
  }

  get(keys: readonly object[]): V | undefined {
    let node: Node<V> | undefined = this.#root;
    for (let i = 0; i < keys.length && node !== undefined; i++) node = node.next?.get(keys[i]);
    return node?.value;
  }

  set(keys: readonly object[], value: V): void {
    if (this.#size >= this.limit) this.clear();
    let node = this.#root;
    for (const k of keys) {
      node.next ??= new Map();
      let child = node.next.get(k);
      if (child === undefined) node.next.set(k, (child = {}));
      node = child;
    }
    if (node.value === undefined) this.#size++;
    node.value = value;
  }

  clear(): void {
    this.#root = {};
    this.#size = 0;
  }
}
