// Runs the compiled test suite with node's test runner, once per available backend:
// the conformance tests (parity, gradcheck, bad input) must pass on cpu-js, on cpu-native and on
// wasm (the same kernels compiled to WebAssembly, shipped in wasm/).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { ensureChromium, SWIFTSHADER_ICD } from "./ensure-chromium.mjs";

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return testFiles(p);
    return p.endsWith(".test.js") ? [p] : [];
  });
}

ensureChromium(); // for test/browser-bundle.test.ts and test/webgpu/
const files = testFiles("build/test").sort();
// test/webgpu/ compares the webgpu device with the CPU: once, in the cpu-js pass (SwiftShader is slow).
const isWebGpu = (f) => f.startsWith(join("build", "test", "webgpu") + sep);
// Dawn finds SwiftShader (chromium's Vulkan driver) through these when the machine has no GPU setting.
const gpuEnv = {
  VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD,
  XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? mkdtempSync(join(tmpdir(), "gradstack-xdg-")),
};
const nativeBuilt = existsSync("native/build/Release/gradstack_native.node");
const backends = [...(nativeBuilt ? ["js", "native"] : ["js"]), "wasm"];
if (!nativeBuilt) console.log("# native addon not built: running the suite on cpu-js only");
let failed = false;
for (const b of backends) {
  console.log(`# backend: ${b}`);
  const run = b === "js" ? files : files.filter((f) => !isWebGpu(f));
  const r = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...run], {
    stdio: "inherit",
    env: { ...process.env, ...gpuEnv, GRADSTACK_BACKEND: b },
  });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
