// PyTorch parity for the op and loss reference cases, forward and backward, in float32 and float64.
import { test } from "node:test";
import { loadFixture } from "./helpers/fixtures.js";
import { checkParity } from "./helpers/parity.js";
import { opCases, opForwardOnly } from "./helpers/op-cases.js";

for (const [name, fn] of Object.entries(opCases)) {
  for (const dtype of ["float32", "float64"] as const) {
    test(`parity ${name} (${dtype})`, () => checkParity(loadFixture(name), fn, dtype, opForwardOnly[name]));
  }
}
