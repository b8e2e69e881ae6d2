/**
 * The part of ONNX's onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, IR version 8) that a model file
 * needs, as a protobufjs JSON descriptor: message and field names and numbers are onnx.proto's. The
 * messages are encoded by protobufjs (its "light" build: reflection without the .proto parser).
 */
import protobuf from "protobufjs/light.js";

const repeated = (type: string, id: number) => ({ rule: "repeated", type, id });

const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: "int64", id: 1 },
            producer_name: { type: "string", id: 2 },
            producer_version: { type: "string", id: 3 },
            domain: { type: "string", id: 4 },
            model_version: { type: "int64", id: 5 },
            doc_string: { type: "string", id: 6 },
            graph: { type: "GraphProto", id: 7 },
            opset_import: repeated("OperatorSetIdProto", 8),
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: "string", id: 1 }, version: { type: "int64", id: 2 } },
        },
        GraphProto: {
          fields: {
            node: repeated("NodeProto", 1),
            name: { type: "string", id: 2 },
            initializer: repeated("TensorProto", 5),
            doc_string: { type: "string", id: 10 },
            input: repeated("ValueInfoProto", 11),
            output: repeated("ValueInfoProto", 12),
          },
        },
        NodeProto: {
          fields: {
            input: repeated("string", 1),
            output: repeated("string", 2),
            name: { type: "string", id: 3 },
            op_type: { type: "string", id: 4 },
            attribute: repeated("AttributeProto", 5),
            domain: { type: "string", id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: "string", id: 1 },
            f: { type: "float", id: 2 },
            i: { type: "int64", id: 3 },
            ints: repeated("int64", 8),
            type: { type: "int32", id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: repeated("int64", 1),
            data_type: { type: "int32", id: 2 },
            name: { type: "string", id: 8 },
            raw_data: { type: "bytes", id: 9 },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: "string", id: 1 }, type: { type: "TypeProto", id: 2 } },
        },
        TypeProto: {
          fields: { tensor_type: { type: "TypeProtoTensor", id: 1 } },
        },
        // onnx.proto nests it as TypeProto.Tensor; the name does not reach the bytes.
        TypeProtoTensor: {
          fields: { elem_type: { type: "int32", id: 1 }, shape: { type: "TensorShapeProto", id: 2 } },
        },
        TensorShapeProto: { fields: { dim: repeated("Dimension", 1) } },
        // TensorShapeProto.Dimension in onnx.proto.
        Dimension: {
          fields: { dim_value: { type: "int64", id: 1 }, dim_param: { type: "string", id: 2 } },
        },
      },
    },
  },
};

/** TensorProto.DataType values. */
export const ONNX_DTYPE = { float: 1, int32: 6, int64: 7 } as const;
/** AttributeProto.AttributeType values. */
export const ONNX_ATTR = { float: 1, int: 2, ints: 7 } as const;
/** The IR version of onnx.proto's fields used here (ONNX 1.10+), and the operator set the graphs use. */
export const IR_VERSION = 8;
export const OPSET = 17;

const ModelProto = protobuf.Root.fromJSON(descriptor).lookupType("onnx.ModelProto");

/** The bytes of a ModelProto given as a plain object with onnx.proto's field names. */
export function encodeModel(model: Record<string, unknown>): Uint8Array {
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`ONNX export: invalid model: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
