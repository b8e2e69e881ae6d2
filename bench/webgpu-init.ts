/**
 * Shared by the bench/webgpu-*.ts scripts: the options every one of them takes, and the webgpu device
 * (`--swiftshader` points Dawn at chromium's SwiftShader driver, for a run on a machine without a GPU;
 * `--matmul=subgroups` picks the matmul tile's subgroup variant, `--matmul=tiled` the default).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as gs from "../src/index.js";

/** The options of every webgpu bench (bench/args.ts), spread into each script's own. */
export const GPU_OPTIONS = {
  swiftshader: {
    type: "boolean",
    description: "run on chromium's SwiftShader driver (a machine without a GPU)",
  },
  matmul: {
    type: "string",
    default: "tiled",
    choices: ["tiled", "subgroups"],
    description: "the matmul tile, or its subgroup variant",
  },
} as const;

/** Registers the webgpu device and prints (and returns) what was found. */
export async function initBenchGpu(o: {
  swiftshader: boolean;
  matmul: string;
}): Promise<gs.webgpu.WebGpuInfo> {
  if (o.swiftshader) {
    process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
    process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), "gradstack-xdg-"));
  }
  const matmul = o.matmul as "tiled" | "subgroups"; // one of GPU_OPTIONS.matmul.choices: benchArgs checked it
  const info = await gs.webgpu.init({ matmulKernel: matmul });
  const used = gs.webgpu.setMatmulKernel(matmul);
  console.log(
    `webgpu adapter: ${info.vendor} ${info.architecture} ${info.description}, matmul ${used}`.trim(),
  );
  return info;
}
