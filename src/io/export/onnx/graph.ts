/**
 * A small builder of ONNX graphs: initializers from typed arrays, nodes with generated output names, and
 * the model's bytes (onnx-schema.ts encodes them). Names of weights are kept as given (nanoGPT's keys),
 * so a graph viewer shows where each one came from.
 */
import { encodeModel, IR_VERSION, ONNX_ATTR, ONNX_DTYPE, OPSET } from "./onnx-schema.js";

type Attribute = { name: string; type: number; i?: number; f?: number; ints?: number[] };

export const int = (value: number) => ({ type: ONNX_ATTR.int, i: value });
export const float = (value: number) => ({ type: ONNX_ATTR.float, f: value });
export const ints = (values: number[]) => ({ type: ONNX_ATTR.ints, ints: values });

/** A graph input or output: its name, element type and dimensions (a string names a dynamic axis). */
export interface ValueInfo {
  name: string;
  dtype: keyof typeof ONNX_DTYPE;
  dims: (number | string)[];
}

const bytesOf = (a: Float32Array | BigInt64Array) =>
  new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

export class OnnxGraph {
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly initializers: Record<string, unknown>[] = [];
  private readonly constants = new Map<string, string>();
  private count = 0;

  /** A float32 initializer; returns its name. */
  weight(name: string, data: Float32Array, dims: readonly number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size)
      throw new RangeError(`ONNX export: ${name} holds ${data.length} values, dims [${dims}] need ${size}`);
    this.initializers.push({ name, dims: [...dims], data_type: ONNX_DTYPE.float, raw_data: bytesOf(data) });
    return name;
  }

  /** An int64 constant: a 1-d tensor of `values`, or a scalar with `scalar`. */
  int64(values: number[], scalar = false): string {
    return this.constant(`i64:${scalar}:${values}`, () => ({
      dims: scalar ? [] : [values.length],
      data_type: ONNX_DTYPE.int64,
      raw_data: bytesOf(BigInt64Array.from(values.map(BigInt))),
    }));
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.constant(`f32:${value}`, () => ({
      dims: [],
      data_type: ONNX_DTYPE.float,
      raw_data: bytesOf(Float32Array.of(value)),
    }));
  }

  /** Adds a node; returns its one output's name (`outputs` > 1: use `opMany`). */
  op(type: string, inputs: string[], attrs: Record<string, Omit<Attribute, "name">> = {}): string {
    return this.opMany(type, inputs, 1, attrs)[0];
  }

  opMany(
    type: string,
    inputs: string[],
    outputs: number,
    attrs: Record<string, Omit<Attribute, "name">> = {},
  ): string[] {
    const n = this.count++;
    const out = Array.from({ length: outputs }, (_, k) => `${type}_${n}${outputs > 1 ? `_${k}` : ""}`);
    const attribute = Object.entries(attrs).map(([name, a]) => ({ name, ...a }));
    this.nodes.push({ name: `${type}_${n}`, op_type: type, input: inputs, output: out, attribute });
    return out;
  }

  /** Renames the value `from` to `to` (the graph's outputs have fixed names): an Identity node. */
  alias(from: string, to: string): void {
    this.nodes.push({ name: to, op_type: "Identity", input: [from], output: [to], attribute: [] });
  }

  /** The bytes of an ONNX model holding this graph. */
  encode(o: {
    name: string;
    doc: string;
    inputs: ValueInfo[];
    outputs: ValueInfo[];
    producerVersion: string;
  }) {
    const info = (v: ValueInfo) => ({
      name: v.name,
      type: {
        tensor_type: {
          elem_type: ONNX_DTYPE[v.dtype],
          shape: { dim: v.dims.map((d) => (typeof d === "string" ? { dim_param: d } : { dim_value: d })) },
        },
      },
    });
    return encodeModel({
      ir_version: IR_VERSION,
      producer_name: "gradstack",
      producer_version: o.producerVersion,
      opset_import: [{ domain: "", version: OPSET }],
      graph: {
        name: o.name,
        doc_string: o.doc,
        node: this.nodes,
        initializer: this.initializers,
        input: o.inputs.map(info),
        output: o.outputs.map(info),
      },
    });
  }

  private constant(key: string, make: () => Record<string, unknown>): string {
    const known = this.constants.get(key);
    if (known) return known;
    const name = `const_${this.constants.size}`;
    this.initializers.push({ name, ...make() });
    this.constants.set(key, name);
    return name;
  }
}
