// test/browser-bundle.test.ts runs the browser bundle in Debian's chromium, and test/webgpu/ runs the
// webgpu backend on chromium's SwiftShader Vulkan driver through Dawn, which loads Debian's libvulkan1.
// A fresh CI machine runs `npm ci && npm test` as root without them, so install them there; elsewhere
// say how (those tests then fail).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const CHROMIUM = "/usr/bin/chromium";
/** SwiftShader's Vulkan driver, shipped with Debian's chromium: the webgpu tests' GPU. */
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";
const LIBVULKAN = ["/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib/aarch64-linux-gnu/libvulkan.so.1"];

/** Installs Debian's chromium (and libvulkan1) with apt-get when missing and we are root; prints one line. */
export function ensureChromium() {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push("chromium");
  if (!LIBVULKAN.some((p) => existsSync(p))) missing.push("libvulkan1");
  if (missing.length === 0) return true;
  const list = missing.join(" ");
  if (process.getuid?.() !== 0) {
    console.log(
      `# chromium: ${list} missing and we are not root, so the browser and webgpu tests will fail; ` +
        `install with \`sudo apt-get install -y ${list}\``,
    );
    return false;
  }
  console.log(`# chromium: ${list} missing; installing Debian's packages (apt-get install -y ${list})`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", ...missing]]) {
    const r = spawnSync("apt-get", ["-q", ...args], { env, encoding: "utf8" });
    if (r.status !== 0) {
      process.stdout.write(r.stdout ?? "");
      process.stderr.write(r.stderr ?? String(r.error ?? ""));
      console.log(`# chromium: \`apt-get ${args.join(" ")}\` failed; the browser and webgpu tests will fail`);
      return false;
    }
  }
  const installed = existsSync(CHROMIUM) && LIBVULKAN.some((p) => existsSync(p));
  console.log(`# chromium: ${installed ? `installed ${list}` : `apt-get ran but ${list} is still missing`}`);
  return installed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exit(ensureChromium() ? 0 : 1);
