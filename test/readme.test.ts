// The README's example runs as written and reaches what its comment says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { repoRoot } from "./helpers/fixtures.js";

test("the README example trains linear regression to the true weights", () => {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(code, "README has a ts example");
  // The example is TypeScript only through non-null assertions; strip them to run it as JS.
  const file = path.join(repoRoot, "build", "readme-example.mjs");
  writeFileSync(file, code.replace(/!\./g, "."));
  const out = execFileSync(process.execPath, [file], { encoding: "utf8", env: { ...process.env } });
  const nums = out.match(/-?\d+(\.\d+)?(e-?\d+)?/g)!.map(Number);
  const want = [2, -1, 0.5, 0.3];
  nums.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-3, `value ${i}: ${v} vs ${want[i]}`));
});
