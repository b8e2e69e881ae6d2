/** gradstack's version, from its package.json (`gradstack --version`). */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { packageRoot } from "../io/files.js";

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
