// Usage errors of every command: unknown and mistyped options, wrong types, stray arguments; exit status 2.
import { test } from "node:test";
import assert from "node:assert/strict";
import { UsageError } from "../src/cli/usage-error.js";
import { closestNames, editDistance } from "../src/cli/suggest.js";
import { typeOf } from "../src/cli/config.js";
import { commandTree, gradstackCli } from "./helpers/cli.js";

const { commands } = await commandTree();

const usageError = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof UsageError, String(e));
  assert.match(e.message, pattern);
  return true;
};
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");

test("a mistyped option is rejected before anything runs, naming the command and the closest option", async () => {
  for (const c of commands) {
    for (const key of Object.keys(c.defaults)) {
      const typo = `${key}x`;
      await assert.rejects(
        c.main([`--${typo}=1`]),
        usageError(
          new RegExp(
            `^${escape(c.name)}: unknown key "${typo}" in the command line; did you mean .*--${key}\\b`,
          ),
        ),
      );
    }
    // Nothing close: the known keys are listed instead.
    await assert.rejects(
      c.main(["--qqqqqqqqqqqq"]),
      usageError(
        new RegExp(
          `unknown key "qqqqqqqqqqqq" in the command line; known keys: ${Object.keys(c.defaults)[0]}, `,
        ),
      ),
    );
  }
});

test("a value of the wrong type names the option, the value and the expected type", () => {
  for (const c of commands) {
    for (const [key, value] of Object.entries(c.defaults)) {
      const kind = typeOf(value);
      if (kind === "number")
        assert.throws(
          () => c.parse([`--${key}=abc`]),
          usageError(new RegExp(`^${escape(c.name)}: --${key} expects a number, got "abc"`)),
        );
      if (kind === "boolean")
        assert.throws(
          () => c.parse([`--${key}=maybe`]),
          usageError(new RegExp(`--${key} expects true or false`)),
        );
      if (kind === "array")
        assert.throws(
          () => c.parse([`--${key}=[1,`]),
          usageError(new RegExp(`--${key} expects a JSON array`)),
        );
    }
  }
});

test("a stray argument is rejected by every command that takes none", () => {
  for (const c of commands) {
    if (c.args) assert.deepEqual(c.parse(["stray"]).args, ["stray"]);
    else
      assert.throws(
        () => c.parse(["stray"]),
        usageError(new RegExp(`^${escape(c.name)}: unexpected argument "stray"`)),
      );
  }
});

test("usage errors exit with status 2 and one line that points at the command's help", () => {
  const option = gradstackCli("train", "gpt", "--n_layers=3");
  assert.equal(option.status, 2);
  assert.equal(
    option.stderr,
    'gradstack: train gpt: unknown key "n_layers" in the command line; did you mean --n_layer? (see gradstack train gpt --help)\n',
  );
  const type = gradstackCli("sample", "--top_k=many");
  assert.equal(type.status, 2);
  assert.equal(
    type.stderr,
    'gradstack: sample: --top_k expects a number, got "many" (see gradstack sample --help)\n',
  );
  const command = gradstackCli("trian");
  assert.equal(command.status, 2);
  assert.equal(
    command.stderr,
    'gradstack: unknown command "trian"; did you mean train? (see gradstack --help)\n',
  );
  const model = gradstackCli("train", "gtp");
  assert.match(
    model.stderr,
    /^gradstack: train: unknown model "gtp"; did you mean gpt\? \(see gradstack train --help\)\n$/,
  );
  const names = gradstackCli("train", "gru", "--data=names", "--num_step=8");
  assert.equal(names.status, 2);
  assert.match(names.stderr, /train gru --data=names: unknown key "num_step"/);
  const cell = gradstackCli("train", "lstm", "--cell=gru");
  assert.equal(cell.status, 2);
  assert.equal(cell.stdout, "", "checked before the config is printed");
  assert.match(cell.stderr, /train lstm: the cell is given by the command; use "train gru"/);
  const stray = gradstackCli("evaluate", "out-shakespeare-char");
  assert.equal(stray.status, 2);
  assert.match(stray.stderr, /evaluate: unexpected argument "out-shakespeare-char"/);
});

test("suggestions: the nearest names within a third of the word's length, else the names it begins", () => {
  assert.equal(editDistance("n_layers", "n_layer"), 1);
  assert.equal(editDistance("learnign", "learning"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  const keys = [
    "learning_rate",
    "lr_decay_iters",
    "eval_interval",
    "eval_iters",
    "eval_only",
    "n_layer",
    "n_head",
  ];
  assert.deepEqual(closestNames("n_layers", keys), ["n_layer"]);
  assert.deepEqual(closestNames("learnig_rate", keys), ["learning_rate"]);
  assert.deepEqual(closestNames("eval", keys), ["eval_interval", "eval_iters", "eval_only"]);
  assert.deepEqual(closestNames("lr", keys), []);
  assert.deepEqual(closestNames("zebra", keys), []);
});
