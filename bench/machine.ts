/** What the benchmark header says about the machine: CPU model, vector ISA, cores and load. */
import { readFileSync } from "node:fs";
import * as os from "node:os";

export interface Machine {
  cpu: string;
  /** The widest x86 vector extension the CPU reports (AVX-512, AVX2, SSE), or NEON on Arm. */
  isa: string;
  cores: number;
  os: string;
}

export function machine(): Machine {
  let info = "";
  try {
    info = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    // not Linux: os.cpus() below
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, "m").exec(info)?.[1]?.trim();
  const flags = new Set((field("flags") ?? field("Features") ?? "").split(/\s+/));
  const isa = flags.has("avx512f")
    ? "AVX-512"
    : flags.has("avx2")
      ? "AVX2"
      : flags.has("asimd") || os.arch() === "arm64"
        ? "NEON"
        : flags.has("sse2")
          ? "SSE"
          : os.arch();
  return {
    cpu: field("model name") ?? os.cpus()[0]?.model ?? "unknown CPU",
    isa,
    cores: os.availableParallelism(),
    os: `${os.type()} ${os.arch()}`,
  };
}

/** The 1-, 5- and 15-minute load averages (zeros where the OS has none). */
export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}
