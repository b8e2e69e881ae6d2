#!/usr/bin/env node
/** The `gradstack` executable: runs the command table (gradstack.ts) and reports errors in one line. */
import { gradstack } from "./gradstack.js";
import { UsageError } from "./usage-error.js";

gradstack.main(process.argv.slice(2)).catch((e: unknown) => {
  // Errors from bad input are meant for the user: one line with the message, not a stack trace.
  const help =
    e instanceof UsageError && e.command !== undefined
      ? ` (see gradstack${e.command ? ` ${e.command}` : ""} --help)`
      : "";
  process.stderr.write(`gradstack: ${e instanceof Error ? e.message : String(e)}${help}\n`);
  if (process.env.GRADSTACK_DEBUG) console.error(e);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
