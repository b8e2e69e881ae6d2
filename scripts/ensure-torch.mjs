// test/export-pytorch.test.ts continues a gradstack run in PyTorch. A fresh CI machine runs `npm test` as
// root without PyTorch, so install Debian's python3-torch there; elsewhere say how (the tests then skip).
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";

export const INSTALL_HINT =
  "install Debian's PyTorch (`sudo apt-get install -y python3-torch`) or `pip install torch`, " +
  "or point GRADSTACK_PYTHON at a python3 that has it";

/** The first python3 that imports torch (GRADSTACK_PYTHON, python3, /usr/bin/python3), or null. */
export function findTorchPython() {
  const candidates = [process.env.GRADSTACK_PYTHON, "python3", "/usr/bin/python3"].filter(Boolean);
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import torch, torch.distributed"], { encoding: "utf8" });
    if (r.status === 0) return python;
  }
  return null;
}

/** A python3 with PyTorch, installing Debian's python3-torch with apt-get when we are root; prints one line. */
export function ensureTorch() {
  const found = findTorchPython();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    console.log(`# torch: no python3 with PyTorch and we are not root, so its tests skip; ${INSTALL_HINT}`);
    return null;
  }
  console.log("# torch: no python3 with PyTorch; installing Debian's python3-torch (apt-get install -y)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "python3-torch"]]) {
    const r = spawnSync("apt-get", ["-q", ...args], { env, encoding: "utf8" });
    if (r.status !== 0) {
      process.stdout.write(r.stdout ?? "");
      process.stderr.write(r.stderr ?? String(r.error ?? ""));
      console.log(`# torch: \`apt-get ${args.join(" ")}\` failed; its tests skip`);
      return null;
    }
  }
  const installed = findTorchPython();
  console.log(
    `# torch: ${installed ? `installed (${installed})` : "apt-get ran but torch still does not import"}`,
  );
  return installed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exit(ensureTorch() ? 0 : 1);
