// gs.init()'s plan from its facts: the browser's order webgpu (hardware adapter) > wasm > cpu-js, Node's
// process default, and what an explicit request does. The adapters here are the facts a browser gives;
// the real path runs in chromium (test/backend-init-browser.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  isHardwareAdapter,
  needsAdapter,
  planBackends,
  type AdapterFacts,
} from "../src/backend/default-choice.js";

const HARDWARE: AdapterFacts = { info: { vendor: "nvidia", architecture: "ampere", description: "" } };
const SWIFTSHADER: AdapterFacts = {
  info: { vendor: "google", architecture: "swiftshader", description: "SwiftShader Device (Subzero)" },
};
const FALLBACK: AdapterFacts = { isFallbackAdapter: true, info: { vendor: "nvidia" } };
const FALLBACK_IN_INFO: AdapterFacts = { info: { vendor: "intel", isFallbackAdapter: true } };

test("only a real GPU counts as a hardware adapter", () => {
  assert.equal(isHardwareAdapter(HARDWARE), true);
  assert.equal(isHardwareAdapter(SWIFTSHADER), false);
  assert.equal(isHardwareAdapter({ info: { description: "swiftshader" } }), false);
  assert.equal(isHardwareAdapter(FALLBACK), false);
  assert.equal(isHardwareAdapter(FALLBACK_IN_INFO), false);
  assert.equal(isHardwareAdapter(null), false);
});

test("a browser's default: webgpu on a hardware adapter, and wasm then cpu-js for the CPU", () => {
  assert.deepEqual(planBackends({ node: false, adapter: HARDWARE }), { webgpu: "try", cpu: ["wasm", "js"] });
  for (const adapter of [SWIFTSHADER, FALLBACK, null])
    assert.deepEqual(planBackends({ node: false, adapter }), { webgpu: "no", cpu: ["wasm", "js"] });
});

test("Node's default keeps the process's choice (cpu-native) and never starts webgpu by itself", () => {
  assert.deepEqual(planBackends({ node: true, adapter: HARDWARE }), { webgpu: "no", cpu: "process-default" });
  assert.equal(needsAdapter(undefined, true), false);
  assert.equal(needsAdapter(undefined, false), true);
});

test("an explicit request is the only choice: no fallback, and webgpu even on a software adapter", () => {
  for (const node of [true, false]) {
    assert.equal(needsAdapter("webgpu", node), false);
    assert.deepEqual(planBackends({ requested: "wasm", node, adapter: HARDWARE }), {
      webgpu: "no",
      cpu: ["wasm"],
    });
    assert.deepEqual(planBackends({ requested: "js", node, adapter: HARDWARE }), {
      webgpu: "no",
      cpu: ["js"],
    });
    assert.deepEqual(planBackends({ requested: "native", node, adapter: null }), {
      webgpu: "no",
      cpu: ["native"],
    });
  }
  assert.deepEqual(planBackends({ requested: "webgpu", node: false, adapter: SWIFTSHADER }), {
    webgpu: "require",
    cpu: ["wasm", "js"],
  });
  assert.deepEqual(planBackends({ requested: "webgpu", node: true, adapter: null }), {
    webgpu: "require",
    cpu: "process-default",
  });
});
