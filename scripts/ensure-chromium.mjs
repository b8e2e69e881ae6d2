// test/browser-bundle.test.ts runs the browser bundle in Debian's chromium. A fresh CI machine runs
// `npm ci && npm test` as root without it, so install it there; elsewhere say how (the test then fails).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const CHROMIUM = "/usr/bin/chromium";

/** Installs Debian's chromium with apt-get when it is missing and we are root; prints one line. */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  if (process.getuid?.() !== 0) {
    console.log(
      `# chromium: ${CHROMIUM} is missing and we are not root, so the browser test will fail; ` +
        "install it with `sudo apt-get install -y chromium`",
    );
    return false;
  }
  console.log(
    `# chromium: ${CHROMIUM} is missing; installing Debian's chromium (apt-get install -y chromium)`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "chromium"]]) {
    const r = spawnSync("apt-get", ["-q", ...args], { env, encoding: "utf8" });
    if (r.status !== 0) {
      process.stdout.write(r.stdout ?? "");
      process.stderr.write(r.stderr ?? String(r.error ?? ""));
      console.log(`# chromium: \`apt-get ${args.join(" ")}\` failed; the browser test will fail`);
      return false;
    }
  }
  const installed = existsSync(CHROMIUM);
  console.log(
    `# chromium: ${installed ? `installed ${CHROMIUM}` : `apt-get ran but ${CHROMIUM} is still missing`}`,
  );
  return installed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) process.exit(ensureChromium() ? 0 : 1);
