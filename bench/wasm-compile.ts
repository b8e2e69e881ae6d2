/**
 * The loading cost of the wasm backend's modules in Node (the goal: under 200 ms each):
 * `node build/bench/wasm-compile.js` compiles each variant of wasm/ in a fresh process (V8 keeps
 * compiled modules by their bytes within a process, so a second compile there would cost nothing)
 * and prints one JSON line, `[{ file, bytes, ms }]`. `npm run bench` prints the same figures under
 * its table, and `npm run bench:browser` measures them in chromium.
 * `node build/bench/wasm-compile.js FILE` times one module in this process.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { enableRelaxedSimd, wasmBytesSync } from "../src/backend/wasm/node-bytes.js";
import { WASM_FILES, type WasmFile } from "../src/backend/wasm/variants.js";
import { webAssembly } from "../src/backend/wasm/webassembly.js";
import { benchArgs } from "./args.js";

export interface CompileTime {
  file: string;
  bytes: number;
  ms: number;
}

/** `WebAssembly.compile` of one variant's bytes in this process. */
async function compileOnce(file: WasmFile): Promise<CompileTime> {
  // Node 20's V8 has relaxed SIMD behind a flag (node-bytes.ts), set before the compile as the loader does.
  if (file.includes("relaxed")) enableRelaxedSimd();
  const bytes = wasmBytesSync(file);
  const t0 = performance.now();
  await webAssembly().compile(bytes);
  return { file, bytes: bytes.length, ms: performance.now() - t0 };
}

/** Each variant compiled in a fresh Node process. */
export function nodeCompileTimes(): CompileTime[] {
  const script = fileURLToPath(import.meta.url);
  return WASM_FILES.map((file) => {
    const r = spawnSync(process.execPath, [script, file], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`compiling ${file} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as CompileTime;
  });
}

/** "gradstack.wasm 890 KiB 31 ms, …": one line for a report. */
export function compileTimesLine(times: CompileTime[]): string {
  return times.map((t) => `${t.file} (${Math.round(t.bytes / 1024)} KiB) ${t.ms.toFixed(0)} ms`).join(", ");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { positionals } = benchArgs({
    usage: "node build/bench/wasm-compile.js [FILE]",
    positionals: [
      {
        name: "FILE",
        description: "time this module in this process (default: each in a fresh process)",
        choices: WASM_FILES,
        optional: true,
      },
    ],
    options: {},
  });
  const file = positionals[0] as WasmFile | undefined;
  if (file !== undefined) console.log(JSON.stringify(await compileOnce(file)));
  else console.log(JSON.stringify(nodeCompileTimes()));
}
