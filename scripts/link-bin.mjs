// npm links the bins of dependencies, not the project's own; link `gradstack` into node_modules/.bin
// so that `npx gradstack ...` runs this checkout's CLI (instead of trying to install a package).
import { chmodSync, mkdirSync, rmSync, symlinkSync } from "node:fs";

const target = "../../dist/cli/main.js";
mkdirSync("node_modules/.bin", { recursive: true });
rmSync("node_modules/.bin/gradstack", { force: true });
symlinkSync(target, "node_modules/.bin/gradstack");
chmodSync("dist/cli/main.js", 0o755);
