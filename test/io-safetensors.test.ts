import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  loadSafetensors,
  parseSafetensors,
  readSafetensors,
  saveSafetensors,
  serializeSafetensors,
} from "../src/io/index.js";
import { arange, tensor, Tensor } from "../src/index.js";

const tmp = mkdtempSync(path.join(tmpdir(), "gradstack-st-"));

/** A safetensors file from a header (object or raw text, padded with spaces) and data bytes. */
function build(header: object | string, data: ArrayLike<number> = [], headerLen?: bigint): Uint8Array {
  let text = typeof header === "string" ? header : JSON.stringify(header);
  while (text.length % 8 !== 0) text += " ";
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function bytesOf(values: number[], kind: "f32" | "u16" | "i64"): number[] {
  const size = { f32: 4, u16: 2, i64: 8 }[kind];
  const v = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((x, i) => {
    if (kind === "f32") v.setFloat32(i * 4, x, true);
    else if (kind === "u16") v.setUint16(i * 2, x, true);
    else v.setBigInt64(i * 8, BigInt(x), true);
  });
  return Array.from(new Uint8Array(v.buffer));
}

test("serializeSafetensors: byte-exact layout of the reference writer", () => {
  const t = arange(6).float().reshape([1, 2, 3]);
  const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.equal(json.length, 64);
  const want = [
    64,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    ...new TextEncoder().encode(json),
    ...bytesOf([0, 1, 2, 3, 4, 5], "f32"),
  ];
  assert.deepEqual(Array.from(serializeSafetensors({ "attn.0": t })), want);
  // The header is padded with spaces to a multiple of 8.
  const meta = serializeSafetensors({}, { framework: "pt" });
  assert.deepEqual(Array.from(meta.subarray(0, 8)), [40, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(new TextDecoder().decode(meta.subarray(8)), '{"__metadata__":{"framework":"pt"}}     ');
  assert.equal(new TextDecoder().decode(serializeSafetensors({}).subarray(8)), "{}      ");
});

test("serializeSafetensors: data ordered by decreasing dtype alignment, then by name", () => {
  const bytes = serializeSafetensors({
    b: tensor([1, 2], { dtype: "float32" }),
    e: tensor([true]),
    a: tensor([3], { dtype: "float32" }),
    d: tensor([4, 5, 6], { dtype: "int32" }),
    c: tensor([7], { dtype: "float64" }),
    "10": tensor([8], { dtype: "float32" }),
  });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  const names = [...text.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
  assert.deepEqual(names, ["c", "10", "a", "b", "d", "e"]);
  const header = JSON.parse(text);
  assert.deepEqual(header.c.data_offsets, [0, 8]);
  assert.deepEqual(header["10"].data_offsets, [8, 12]);
  assert.deepEqual(header.e, { dtype: "BOOL", shape: [1], data_offsets: [36, 37] });
});

test("safetensors round trip: every saved dtype, scalars, empty and non-contiguous tensors, metadata", () => {
  const tensors: Record<string, Tensor> = {
    f32: tensor(
      [
        [1.5, -2],
        [3.25, 1e-8],
      ],
      { dtype: "float32" },
    ),
    f64: tensor([Math.PI, -1e300], { dtype: "float64" }),
    i32: tensor([-2147483648, 0, 2147483647], { dtype: "int32" }),
    bool: tensor([true, false, true]),
    scalar: tensor(2.5),
    empty: Tensor.empty([0, 3]),
    transposed: arange(6).float().reshape([2, 3]).T,
    ["__proto__"]: tensor([9]),
  };
  const file = path.join(tmp, "all.safetensors");
  saveSafetensors(file, tensors, { note: "hi", step: "3" });
  const { tensors: got, metadata } = readSafetensors(file);
  assert.deepEqual(metadata, { note: "hi", step: "3" });
  assert.deepEqual(Object.keys(got).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    assert.equal(got[name].dtype, t.dtype, name);
    assert.deepEqual(got[name].shape, t.shape, name);
    assert.deepEqual(got[name].tolist(), t.tolist(), name);
  }
  assert.deepEqual(Object.keys(loadSafetensors(file)).length, 8);
  assert.deepEqual(parseSafetensors(readFileSync(file)).metadata, metadata);
  assert.throws(() => serializeSafetensors({ __metadata__: tensor([1]) }), /"__metadata__" is reserved/);
  assert.throws(() => serializeSafetensors({ a: [1] as unknown as Tensor }), /"a" is not a Tensor/);
  assert.throws(
    () => serializeSafetensors({}, { a: 1 as unknown as string }),
    /metadata value of "a" must be a string/,
  );
});

test("loading F16, BF16, I64, U8, I8, I16, U16, U32 from hand-built bytes", () => {
  const f16 = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x8000]; // 1 -2 .5 65504 2^-24 inf -inf -0
  const bf16 = [0x3f80, 0xc000, 0x4049, 0x0000]; // 1 -2 3.140625 0
  const i64 = [5, -1, 2147483647, -2147483648];
  const i8 = [0x80, 0xff, 0x7f];
  const data = [
    ...bytesOf(i64, "i64"), // 32 bytes
    ...bytesOf(f16, "u16"), // 16
    ...bytesOf(bf16, "u16"), // 8
    ...bytesOf([65535, 1], "u16"), // 4
    ...[0x00, 0x80, 0xff, 0xff], // I16 -32768, -1
    ...[0xff, 0x7f, 0x00, 0x00], // U8 255, 127, 0, 0
    ...i8,
  ];
  const header = {
    i64: { dtype: "I64", shape: [2, 2], data_offsets: [0, 32] },
    f16: { dtype: "F16", shape: [8], data_offsets: [32, 48] },
    bf16: { dtype: "BF16", shape: [4], data_offsets: [48, 56] },
    u16: { dtype: "U16", shape: [2], data_offsets: [56, 60] },
    i16: { dtype: "I16", shape: [2], data_offsets: [60, 64] },
    u8: { dtype: "U8", shape: [4], data_offsets: [64, 68] },
    i8: { dtype: "I8", shape: [3], data_offsets: [68, 71] },
  };
  const { tensors } = parseSafetensors(build(header, data));
  assert.deepEqual(tensors.i64.tolist(), [
    [5, -1],
    [2147483647, -2147483648],
  ]);
  assert.equal(tensors.i64.dtype, "int32");
  assert.equal(tensors.f16.dtype, "float32");
  assert.deepEqual(Array.from(tensors.f16.toArray()), [1, -2, 0.5, 65504, 2 ** -24, Infinity, -Infinity, -0]);
  assert.deepEqual(Array.from(tensors.bf16.toArray()), [1, -2, 3.140625, 0]);
  assert.deepEqual(tensors.u16.tolist(), [65535, 1]);
  assert.deepEqual(tensors.i16.tolist(), [-32768, -1]);
  assert.deepEqual(tensors.u8.tolist(), [255, 127, 0, 0]);
  assert.deepEqual(tensors.i8.tolist(), [-128, -1, 127]);
  const u32 = parseSafetensors(
    build({ u: { dtype: "U32", shape: [1], data_offsets: [0, 4] } }, [7, 0, 0, 0]),
  );
  assert.deepEqual(u32.tensors.u.tolist(), [7]);
  const nan = parseSafetensors(build({ h: { dtype: "F16", shape: [], data_offsets: [0, 2] } }, [0x00, 0x7e]));
  assert.ok(Number.isNaN(nan.tensors.h.item()));
});

test("loading: values that do not fit int32 and unsupported dtypes are errors", () => {
  const big = build(
    { big: { dtype: "I64", shape: [2], data_offsets: [0, 16] } },
    bytesOf([1, 2 ** 31], "i64"),
  );
  assert.throws(
    () => parseSafetensors(big),
    /tensor "big": I64 value 2147483648 at element 1 does not fit in int32/,
  );
  const f8 = build({ q: { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }, [1]);
  assert.throws(() => parseSafetensors(f8), /tensor "q": dtype F8_E4M3 is not supported/);
});

test("hostile files are rejected with a clear message before any large allocation", () => {
  const entry = (dtype: string, shape: number[], offsets: number[]) => ({
    dtype,
    shape,
    data_offsets: offsets,
  });
  const cases: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(3), /only 3 bytes, too short for the 8-byte header length/],
    [
      "header > file",
      build({}, [], 1000n),
      /header length 1000 runs past the end of the file \(16 bytes; truncated\?\)/,
    ],
    [
      "header > 100MB",
      build({}, [], 2n ** 62n),
      /header length 4611686018427387904 exceeds the 100000000-byte limit/,
    ],
    ["invalid JSON", build('{"a": {"dtype": "F32",', []), /the header is not valid JSON/],
    ["not an object", build("[1, 2]", []), /the header must be a JSON object/],
    ["invalid UTF-8", build("{}", []).fill(0xff, 9, 10), /not valid UTF-8/],
    [
      "unknown dtype",
      build({ w: entry("F12", [1], [0, 4]) }, [0, 0, 0, 0]),
      /tensor "w": unknown dtype "F12"/,
    ],
    [
      "bad shape",
      build({ w: entry("F32", [-1], [0, 4]) }, [0, 0, 0, 0]),
      /tensor "w": shape \[-1\] must be an array of non-negative integers/,
    ],
    [
      "bad offsets",
      build({ w: entry("F32", [1], [4, 0]) }, [0, 0, 0, 0]),
      /tensor "w": data_offsets \[4,0\] must be \[begin, end\]/,
    ],
    [
      "offsets out of bounds",
      build({ w: entry("F32", [1000000, 1000000], [0, 4e12]) }, [0, 0, 0, 0]),
      /tensor "w": data_offsets \[0, 4000000000000\] point past the end of the data buffer \(4 bytes\)/,
    ],
    [
      "overlap",
      build({ a: entry("F32", [2], [0, 8]), b: entry("F32", [1], [4, 8]) }, new Array(8).fill(0)),
      /tensor "b": data_offsets \[4, 8\] overlap those of "a" \[0, 8\]/,
    ],
    [
      "hole",
      build({ a: entry("F32", [1], [0, 4]), b: entry("F32", [1], [8, 12]) }, new Array(12).fill(0)),
      /hole in the data buffer: bytes \[4, 8\) are not covered by any tensor \(next is "b"\)/,
    ],
    [
      "uncovered tail",
      build({ a: entry("F32", [1], [0, 4]) }, new Array(12).fill(0)),
      /the last 8 bytes of the data buffer are not covered by any tensor/,
    ],
    [
      "wrong size for shape",
      build({ a: entry("F32", [1e8, 1e8], [0, 8]) }, new Array(8).fill(0)),
      /tensor "a": shape \[100000000, 100000000\] of F32 needs 40000000000000000 bytes, but data_offsets \[0, 8\] hold 8/,
    ],
    [
      "bad metadata",
      build({ __metadata__: { a: 1 } }, []),
      /__metadata__ must be an object of string values/,
    ],
  ];
  for (const [name, bytes, want] of cases) {
    assert.throws(
      () => parseSafetensors(bytes, name),
      (e: Error) => e.message.startsWith(`parseSafetensors: ${name}: `) && want.test(e.message),
      name,
    );
    const file = path.join(tmp, `${name}.safetensors`);
    writeFileSync(file, bytes);
    assert.throws(
      () => loadSafetensors(file),
      (e: Error) => e.message.startsWith(`loadSafetensors: ${file}: `) && want.test(e.message),
      name,
    );
  }
});

test("truncated files and missing files", () => {
  const good = serializeSafetensors({ w: arange(10).float(), b: arange(3) });
  for (const cut of [4, 20, good.length - 1]) {
    const file = path.join(tmp, `cut${cut}.safetensors`);
    writeFileSync(file, good.subarray(0, cut));
    assert.throws(
      () => loadSafetensors(file),
      (e: Error) => e.message.includes(file),
      `cut at ${cut}`,
    );
  }
  assert.throws(
    () => loadSafetensors(path.join(tmp, "none.safetensors")),
    /loadSafetensors: cannot open .*none\.safetensors/,
  );
});
