// Runs the compiled test suite with node's test runner, once per available backend:
// the conformance tests (parity, gradcheck, bad input) must pass on cpu-js and on cpu-native.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureChromium } from "./ensure-chromium.mjs";

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return testFiles(p);
    return p.endsWith(".test.js") ? [p] : [];
  });
}

ensureChromium(); // for test/browser-bundle.test.ts
const files = testFiles("build/test").sort();
const nativeBuilt = existsSync("native/build/Release/gradstack_native.node");
const backends = nativeBuilt ? ["js", "native"] : ["js"];
if (!nativeBuilt) console.log("# native addon not built: running the suite on cpu-js only");
let failed = false;
for (const b of backends) {
  console.log(`# backend: ${b}`);
  const r = spawnSync(process.execPath, ["--test", "--test-concurrency=2", ...files], {
    stdio: "inherit",
    env: { ...process.env, GRADSTACK_BACKEND: b },
  });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
