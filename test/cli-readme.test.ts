// Every `npx gradstack ...` command written in the README and docs/ still parses as written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { gradstackCli, route } from "./helpers/cli.js";
import { repoRoot } from "./helpers/fixtures.js";

/** The words of a shell command line, with "..." and '...' quoting (enough for the docs' examples). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

function documentedCommands(): string[] {
  const files = [
    path.join(repoRoot, "README.md"),
    ...readdirSync(path.join(repoRoot, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => path.join(repoRoot, "docs", f)),
  ];
  const lines = files.flatMap((f) =>
    [...readFileSync(f, "utf8").matchAll(/npx gradstack ([^`#|\n]*)/g)].map((m) => m[1].trim()),
  );
  // Lines with shell variables ($s in a loop over seeds) are templates, not commands.
  return [...new Set(lines)].filter((l) => !l.includes("$"));
}

test("the documented commands parse with today's options", async () => {
  process.chdir(repoRoot); // --config paths are relative to the repository
  const commands = documentedCommands();
  assert.ok(commands.length >= 20, `found ${commands.length}`);
  for (const line of commands) {
    const argv = shellWords(line);
    if (argv.includes("--help")) {
      assert.equal(gradstackCli(...argv).status, 0, line);
      continue;
    }
    const { command, rest } = await route(argv);
    assert.doesNotThrow(() => command.parse(rest), line);
  }
  const { command, rest } = await route(shellWords('sample --ckpt out --start "ROMEO:" --num_samples 3'));
  assert.deepEqual(command.parse(rest).config, {
    ...command.defaults,
    ckpt: "out",
    start: "ROMEO:",
    num_samples: 3,
  });
  const gru = await route(["train", "gru", "--data=names"]);
  assert.equal(gru.command.parse(gru.rest).config.out_dir, "out-names-gru");
});
