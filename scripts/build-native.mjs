// Builds the native backend (native/binding.gyp) with node-gyp. Run by `npm install`.
//
// It never fails the install: gradstack works without the addon (on the TypeScript backend), so any
// failure prints one line saying why and exits 0. An addon newer than its sources that loads is kept
// as is, and concurrent runs (two installs at once) wait for each other instead of clobbering one
// build directory. Environment:
//   GRADSTACK_SKIP_NATIVE=1      do not build
//   GRADSTACK_FORCE_NATIVE=1     rebuild even when the addon is up to date
//   GRADSTACK_NATIVE_VERBOSE=1   show node-gyp's output
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const nativeDir = path.join(root, "native");
const addon = path.join(nativeDir, "build", "Release", "gradstack_native.node");
const stampFile = path.join(nativeDir, "build", "gradstack-build.json");
// The toolchain settings a build used: a change means a rebuild.
const stamp = JSON.stringify(
  Object.fromEntries(["CC", "CXX", "CFLAGS", "CXXFLAGS", "LDFLAGS"].map((k) => [k, process.env[k] ?? ""])),
);
const verbose = Boolean(process.env.GRADSTACK_NATIVE_VERBOSE);

const lockFile = path.join(
  tmpdir(),
  `gradstack-native-${createHash("sha1").update(nativeDir).digest("hex").slice(0, 12)}.lock`,
);
let haveLock = false;

function done(line) {
  if (haveLock) {
    try {
      unlinkSync(lockFile);
    } catch {
      // already gone
    }
  }
  console.log(`gradstack: ${line}`);
  process.exit(0);
}

function fail(why) {
  done(`native build failed (${oneLine(why)}); using the TypeScript backend`);
}

function oneLine(s) {
  const t = String(s).replace(/\s+/g, " ").trim();
  return t.length > 300 ? t.slice(0, 297) + "..." : t;
}

/** node-gyp's entry point: npm's (lifecycle env, or next to this node), else a local install. */
function findNodeGyp() {
  const bin = path.dirname(process.execPath);
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(bin, "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    path.join(bin, "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  try {
    candidates.push(createRequire(path.join(root, "package.json")).resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not installed locally
  }
  return candidates.find((p) => p && existsSync(p));
}

/** The most telling line of a failed build's output. */
function reason(output, status) {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const pick =
    lines.find((l) => /(^|\s)(fatal )?error:/i.test(l) && !/^gyp/.test(l)) ??
    lines.find((l) => /^make: .*(not found|No such file)/.test(l)) ??
    lines.find((l) => /^gyp ERR! stack Error:/.test(l))?.replace(/^gyp ERR! stack /, "") ??
    lines.find((l) => /^gyp ERR!/.test(l) && !/gyp ERR! (cwd|node -v|node-gyp -v|System|command)/.test(l));
  const cxx = process.env.CXX ? ` (CXX=${process.env.CXX})` : "";
  return (pick ?? `node-gyp exited with ${status}`) + cxx;
}

/** Why the addon does not load in a fresh process, or null when it does. */
function loadError() {
  const check = spawnSync(
    process.execPath,
    [
      "-e",
      `const a = require(${JSON.stringify(addon)}); if (typeof a.matmul !== "function") throw new Error("bad exports")`,
    ],
    { encoding: "utf8", timeout: 60 * 1000 },
  );
  if (check.status === 0) return null;
  return (check.stderr || "").split("\n").find((l) => /Error/.test(l)) ?? `exit ${check.status}`;
}

/** True when the addon exists, is newer than every source and loads. */
function upToDate() {
  if (process.env.GRADSTACK_FORCE_NATIVE || !existsSync(addon)) return false;
  try {
    if (readFileSync(stampFile, "utf8") !== stamp) return false;
  } catch {
    return false;
  }
  const built = statSync(addon).mtimeMs;
  const src = path.join(nativeDir, "src");
  const sources = [path.join(nativeDir, "binding.gyp"), fileURLToPath(import.meta.url)];
  for (const f of readdirSync(src)) sources.push(path.join(src, f));
  return sources.every((f) => statSync(f).mtimeMs < built) && loadError() === null;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/** Takes the build lock, first waiting (up to 10 min) for a live build that holds it. */
function lock() {
  const deadline = Date.now() + 10 * 60 * 1000;
  let waited = false;
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      haveLock = true;
      return waited;
    } catch {
      // held: by a live process, or left behind by a dead one
    }
    let pid = NaN;
    try {
      pid = Number(readFileSync(lockFile, "utf8"));
    } catch {
      continue; // released meanwhile
    }
    if (!Number.isInteger(pid) || !alive(pid)) {
      try {
        unlinkSync(lockFile);
      } catch {
        // someone else removed it
      }
      continue;
    }
    if (Date.now() > deadline) fail(`another build (pid ${pid}) holds ${lockFile}`);
    waited = true;
    sleep(500);
  }
}

function main() {
  if (process.env.GRADSTACK_SKIP_NATIVE) done("native build skipped (GRADSTACK_SKIP_NATIVE is set)");
  if (!existsSync(path.join(nativeDir, "binding.gyp"))) fail("native/binding.gyp is missing");
  const waited = lock();
  if (upToDate())
    done(
      `native backend ${waited ? "built by a concurrent install" : "up to date"} (${path.relative(root, addon)})`,
    );
  const gyp = findNodeGyp();
  if (gyp === undefined) fail("node-gyp not found (it ships with npm)");

  const args = [gyp, "rebuild", "--jobs", "max"];
  // Build offline against this node's own headers when they are installed next to it (npm passes
  // its nodedir setting through the environment itself).
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, "include", "node", "node_api.h")))
    args.push(`--nodedir=${prefix}`);

  const res = spawnSync(process.execPath, args, {
    cwd: nativeDir,
    encoding: "utf8",
    stdio: verbose ? "inherit" : "pipe",
    timeout: 10 * 60 * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) fail(res.error.message);
  if (res.status !== 0)
    fail(verbose ? `node-gyp exited with ${res.status}` : reason(`${res.stdout}\n${res.stderr}`, res.status));
  if (!existsSync(addon)) fail(`node-gyp succeeded but ${path.relative(root, addon)} is missing`);

  // Load it once in a child process, so a broken binary is reported now rather than at first use.
  const err = loadError();
  if (err !== null) fail(`built, but it does not load: ${err}`);
  writeFileSync(stampFile, stamp);
  done(`native backend built (${path.relative(root, addon)})`);
}

try {
  main();
} catch (e) {
  fail(e instanceof Error ? e.message : e);
}
