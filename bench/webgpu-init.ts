/**
 * Shared by the bench/webgpu-*.ts scripts: `--key=value` flags, and the webgpu device (`--swiftshader`
 * points Dawn at chromium's SwiftShader driver, for a run on a machine without a GPU; `--matmul=subgroups`
 * picks the matmul tile's subgroup variant, `--matmul=tiled` the default).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as gs from "../src/index.js";

/** The `--key=value` (or bare `--key`, which is "true") flags of the command line. */
export function flags(): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of process.argv.slice(2)) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m === null) throw new Error(`unknown argument ${a}: flags are --key=value`);
    out.set(m[1], m[2] ?? "true");
  }
  return out;
}

export function numberFlag(f: Map<string, string>, key: string, fallback: number): number {
  const v = f.get(key);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${key} must be a number, got ${v}`);
  return n;
}

/** Registers the webgpu device and prints (and returns) what was found. */
export async function initBenchGpu(f: Map<string, string>): Promise<gs.webgpu.WebGpuInfo> {
  if (f.has("swiftshader")) {
    process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
    process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), "gradstack-xdg-"));
  }
  const matmul = f.get("matmul") ?? "tiled";
  if (matmul !== "tiled" && matmul !== "subgroups")
    throw new Error(`--matmul is tiled or subgroups, got ${matmul}`);
  const info = await gs.webgpu.init({ matmulKernel: matmul });
  const used = gs.webgpu.setMatmulKernel(matmul);
  console.log(
    `webgpu adapter: ${info.vendor} ${info.architecture} ${info.description}, matmul ${used}`.trim(),
  );
  return info;
}
