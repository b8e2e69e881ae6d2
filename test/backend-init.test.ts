// gs.init() in Node: the process default (the backend of this test pass), explicit CPU requests, and
// errors that name what failed. The browser's path is test/backend-init-browser.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as gs from "../src/index.js";

test("gs.init() in Node keeps the process's backend and trains on the cpu device", async () => {
  const before = gs.backend().name;
  const r = await gs.init();
  assert.deepEqual(r, { device: "cpu", backend: before, fallbacks: [] });
});

test("gs.init({ backend }) switches the CPU backend, as setBackend does", async () => {
  const before = gs.backend().name;
  try {
    assert.equal((await gs.init({ backend: "js" })).backend, "cpu-js");
    assert.equal(gs.backend().name, "cpu-js");
    const wasm = await gs.init({ backend: "wasm" });
    assert.deepEqual(wasm, { device: "cpu", backend: "wasm", fallbacks: [] });
  } finally {
    gs.setBackend(before === "cpu-js" ? "js" : before === "cpu-native" ? "native" : "wasm");
  }
});

test("gs.init rejects an unknown backend, naming the ones it knows", async () => {
  await assert.rejects(
    gs.init({ backend: "cuda" as gs.BackendRequest }),
    /gs\.init: backend must be one of webgpu, wasm, js, native, got cuda/,
  );
});

test("gs.init, wasm.init and webgpu.init reject an unknown option, naming it and the known ones", async () => {
  await assert.rejects(
    gs.init({ backed: "wasm" } as gs.InitOptions),
    /gs\.init: unknown option "?backed"?; expected one of backend, wasm, webgpu/,
  );
  await assert.rejects(
    gs.init({ backend: "wasm", wasm: { thread: 2 } as gs.wasm.WasmInitOptions }),
    /wasm\.init: unknown option "?thread"?; expected one of module, sharedMemory, relaxedSimd, threads, activate/,
  );
  await assert.rejects(
    gs.webgpu.init({ matmul: "subgroups" } as gs.webgpu.WebGpuInitOptions),
    /webgpu\.init: unknown option "?matmul"?; expected one of gpu, dawnFlags, powerPreference, matmulKernel/,
  );
});
