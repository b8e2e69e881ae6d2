import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import {
  csvToTensors,
  loadDigits,
  minMaxScale,
  normalize,
  packageRoot,
  parseCsv,
  readCsv,
  readIdx,
  readText,
  standardize,
} from "../src/data/index.js";
import { tensor } from "../src/index.js";
import { repoRoot } from "./helpers/fixtures.js";

const tmp = mkdtempSync(path.join(tmpdir(), "gradstack-data-"));
const fixture = (name: string) => path.join(repoRoot, "test/fixtures/data", name);

/** An IDX file: magic 0x0000 type ndim, big-endian uint32 dims, then the payload. */
function idxBytes(type: number, dims: number[], payload: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  head.setUint8(2, type);
  head.setUint8(3, dims.length);
  dims.forEach((d, i) => head.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(head.byteLength + payload.length);
  out.set(new Uint8Array(head.buffer));
  out.set(payload, head.byteLength);
  return out;
}

function write(name: string, bytes: Uint8Array | string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

test("readIdx: ubyte round trip, plain and gzipped", () => {
  const payload = Uint8Array.from([0, 1, 2, 127, 128, 255]);
  const bytes = idxBytes(0x08, [2, 3], payload);
  for (const file of [write("u8.idx", bytes), write("u8.idx.gz", gzipSync(bytes))]) {
    const t = readIdx(file);
    assert.equal(t.dtype, "int32");
    assert.deepEqual(t.shape, [2, 3]);
    assert.deepEqual(t.tolist(), [
      [0, 1, 2],
      [127, 128, 255],
    ]);
  }
});

test("readIdx: big-endian float, double, short and signed byte", () => {
  const f = new DataView(new ArrayBuffer(12));
  [1.5, -2.25, 1e-3].forEach((v, i) => f.setFloat32(4 * i, v));
  const t = readIdx(write("f32.idx", idxBytes(0x0d, [3], new Uint8Array(f.buffer))));
  assert.equal(t.dtype, "float32");
  assert.deepEqual(Array.from(t.toArray()), [1.5, -2.25, Math.fround(1e-3)]);
  const d = new DataView(new ArrayBuffer(16));
  d.setFloat64(0, Math.PI);
  d.setFloat64(8, -1e300);
  const t64 = readIdx(write("f64.idx", idxBytes(0x0e, [1, 2], new Uint8Array(d.buffer))));
  assert.equal(t64.dtype, "float64");
  assert.deepEqual(t64.tolist(), [[Math.PI, -1e300]]);
  const s = new DataView(new ArrayBuffer(4));
  s.setInt16(0, -300);
  s.setInt16(2, 1000);
  assert.deepEqual(
    readIdx(write("i16.idx", idxBytes(0x0b, [2], new Uint8Array(s.buffer)))).tolist(),
    [-300, 1000],
  );
  assert.deepEqual(
    readIdx(write("i8.idx", idxBytes(0x09, [2], Uint8Array.from([0xff, 5])))).tolist(),
    [-1, 5],
  );
});

test("readIdx: wrong magic, truncated data and truncated gzip are errors naming the file", () => {
  const good = idxBytes(0x08, [2, 3], new Uint8Array(6));
  const wrongType = good.slice();
  wrongType[2] = 0x07;
  const p1 = write("bad-magic.idx", wrongType);
  assert.throws(
    () => readIdx(p1),
    (e: Error) => e.message.includes(p1) && /bad magic number 0x00000702/.test(e.message),
  );
  const notIdx = write("text.idx", "hello world, not idx");
  assert.throws(() => readIdx(notIdx), /bad magic number 0x68656c6c/);
  const p2 = write("short.idx", good.subarray(0, good.length - 2));
  assert.throws(
    () => readIdx(p2),
    (e: Error) =>
      e.message.includes(p2) &&
      /truncated data: shape \[2, 3\] of ubyte needs 6 bytes, found 4/.test(e.message),
  );
  const p3 = write("short-header.idx", good.subarray(0, 9));
  assert.throws(() => readIdx(p3), /truncated header: 2 dims need 12 bytes, the file has 9/);
  const gz = gzipSync(idxBytes(0x08, [100], new Uint8Array(100).fill(7)));
  const p4 = write("cut.idx.gz", gz.subarray(0, gz.length - 6));
  assert.throws(
    () => readIdx(p4),
    (e: Error) => e.message.includes(p4) && /gzip data is corrupt or truncated/.test(e.message),
  );
  assert.throws(() => readIdx(path.join(tmp, "missing.idx")), /readIdx: cannot read .*missing\.idx/);
});

test("readCsv: header, quotes, blank lines and missing values", () => {
  const t = readCsv(fixture("small.csv"));
  assert.deepEqual(t.columns, ["x1", "x2", "label"]);
  assert.equal(t.rows.length, 3);
  assert.deepEqual(t.rows[0], [1.5, 2, 0]);
  assert.deepEqual(t.rows[1], [-3, 400, 1]);
  assert.ok(Number.isNaN(t.rows[2][1]));
  const { x, y } = csvToTensors(t, { label: "label" });
  assert.deepEqual(x.shape, [3, 2]);
  assert.deepEqual(y?.tolist(), [0, 1, 2]);
  assert.equal(y?.dtype, "int32");
  const noHeader = parseCsv('1;2\n"3";4\r\n', { header: false, delimiter: ";" });
  assert.deepEqual(noHeader, {
    columns: ["0", "1"],
    rows: [
      [1, 2],
      [3, 4],
    ],
  });
  assert.deepEqual(readCsv("a,b\n5,6").rows, [[5, 6]]);
  const gz = write("small.csv.gz", gzipSync("p,q\n1,2\n"));
  assert.deepEqual(readCsv(gz).rows, [[1, 2]]);
});

test("readCsv: ragged rows and non-numbers name the line", () => {
  const file = fixture("ragged.csv");
  assert.throws(
    () => readCsv(file),
    (e: Error) =>
      e.message.includes(file) && /line 4 has 2 fields, expected 3 \(as on line 1\)/.test(e.message),
  );
  assert.throws(
    () => parseCsv("a,b\n1,2\n3,x\n"),
    /readCsv: <text>: line 3, column "b": "x" is not a number/,
  );
  assert.throws(() => parseCsv('a\n"1\n'), /line 2: unterminated quoted field/);
  assert.throws(() => csvToTensors(parseCsv("a,b\n1,2.5\n")), /label 2.5 is not an integer/);
  assert.throws(() => csvToTensors(parseCsv("a,b\n1,2\n"), { label: "c" }), /no column named "c"/);
});

test("readText: utf8, gzip detected", () => {
  const text = "héllo\nwörld ✓\n";
  assert.equal(readText(write("t.txt", text)), text);
  assert.equal(readText(write("t.txt.gz", gzipSync(text))), text);
});

test("loadDigits: shipped scikit-learn digits", () => {
  const { images, labels } = loadDigits();
  assert.deepEqual(images.shape, [1797, 8, 8]);
  assert.deepEqual(labels.shape, [1797]);
  assert.deepEqual(Array.from(labels.toArray().subarray(0, 5)), [0, 1, 2, 3, 4]);
  // First row of the CSV: 0,0,5,13,9,1,0,0 scaled by 1/16.
  assert.deepEqual(
    Array.from(images.select(0, 0).select(0, 0).toArray()),
    [0, 0, 5, 13, 9, 1, 0, 0].map((v) => Math.fround(v / 16)),
  );
  assert.equal(loadDigits(undefined, { scale: false }).images.amax().item(), 16);
  assert.throws(
    () => loadDigits(path.join(tmp, "nope.csv")),
    /loadDigits: dataset file not found: looked for .*nope\.csv/,
  );
});

test("packageRoot finds the repository", () => {
  assert.equal(packageRoot(), repoRoot);
});

test("normalize, standardize and minMaxScale", () => {
  const x = tensor([
    [1, 10, 5],
    [3, 30, 5],
  ]);
  assert.deepEqual(normalize(x, [1, 10, 5], [2, 20, 1]).tolist(), [
    [0, 0, 0],
    [1, 1, 0],
  ]);
  const s = standardize(x);
  assert.deepEqual(s.mean.tolist(), [2, 20, 5]);
  assert.deepEqual(s.std.tolist(), [1, 10, 0]);
  assert.deepEqual(s.x.tolist(), [
    [-1, -1, 0],
    [1, 1, 0],
  ]);
  // Training statistics applied to new data.
  assert.deepEqual(standardize(tensor([[4, 40, 6]]), s).x.tolist(), [[2, 2, 1]]);
  const m = minMaxScale(x);
  assert.deepEqual(m.x.tolist(), [
    [0, 0, 0],
    [1, 1, 0],
  ]);
  assert.deepEqual(minMaxScale(tensor([[2, 20, 7]]), m).x.tolist(), [[0.5, 0.5, 2]]);
  assert.throws(() => standardize(tensor(3)), /standardize: expects a tensor with at least one row/);
});
