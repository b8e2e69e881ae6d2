// Configuration: typed defaults < JSON file < --key=value flags, with every override type-checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { resolveConfig } from "../src/cli/config.js";
import { GPT_TRAIN_DEFAULTS } from "../src/train/gpt-train.js";
import { repoRoot } from "./helpers/fixtures.js";

const defaults = { lr: 1e-3, batch_size: 12, compile: false, dataset: "shakespeare", betas: [0.9, 0.95] };

test("flags override a config file, which overrides defaults", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "gs-config-"));
  const file = path.join(dir, "c.json");
  writeFileSync(file, JSON.stringify({ lr: 0.01, batch_size: 64 }));
  const { config, rest } = resolveConfig(defaults, [
    "gpt",
    "--config",
    file,
    "--batch_size=32",
    "--compile",
    "--betas=[0.9,0.99]",
  ]);
  assert.deepEqual(config, {
    lr: 0.01,
    batch_size: 32,
    compile: true,
    dataset: "shakespeare",
    betas: [0.9, 0.99],
  });
  assert.deepEqual(rest, ["gpt"]);
  assert.equal(resolveConfig(defaults, ["--batch-size", "8"]).config.batch_size, 8);
});

test("unknown keys and wrong types are errors that name the key", () => {
  assert.throws(
    () => resolveConfig(defaults, ["--lrate=1"]),
    /unknown key "lrate" in the command line; known keys: lr, batch_size/,
  );
  assert.throws(() => resolveConfig(defaults, ["--lr=fast"]), /--lr expects a number, got "fast"/);
  assert.throws(() => resolveConfig(defaults, ["--compile=maybe"]), /--compile expects true or false/);
  const dir = mkdtempSync(path.join(tmpdir(), "gs-config-"));
  const file = path.join(dir, "c.json");
  writeFileSync(file, JSON.stringify({ batch_size: "big" }));
  assert.throws(
    () => resolveConfig(defaults, ["--config", file]),
    /sets "batch_size" to "big", but it must be a number/,
  );
  writeFileSync(file, "{ not json");
  assert.throws(() => resolveConfig(defaults, ["--config", file]), /config: cannot read .*c\.json/);
  assert.throws(
    () => resolveConfig(defaults, ["--config", path.join(dir, "missing.json")]),
    /cannot read .*missing\.json/,
  );
});

test("the shipped GPT configs are valid, and the CPU one is nanoGPT's recipe (the trainer's defaults)", () => {
  const file = (name: string) => path.join(repoRoot, "configs", name);
  const cpu = resolveConfig(GPT_TRAIN_DEFAULTS, ["--config", file("shakespeare_char_cpu.json")]).config;
  assert.deepEqual(cpu, GPT_TRAIN_DEFAULTS);
  const large = resolveConfig(GPT_TRAIN_DEFAULTS, ["--config", file("shakespeare_char_large.json")]).config;
  assert.deepEqual(
    [large.n_layer, large.n_head, large.n_embd, large.block_size, large.batch_size],
    [6, 8, 256, 128, 32],
  );
});
