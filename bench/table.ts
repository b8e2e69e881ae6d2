/**
 * Prints saved `npm run bench -- --json FILE` results as Markdown, the tables of README.md and
 * BENCHMARKS.md: `node build/bench/table.js FILE.json` gives one run's report; several files (one
 * per thread count, as bench/threads.sh writes) give the thread-scaling tables.
 */
import { readFileSync } from "node:fs";
import { reportMarkdown, threadsMarkdown, type Report } from "./report.js";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node build/bench/table.js RESULTS.json [MORE.json ...]");
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as Report);
console.log(runs.length === 1 ? reportMarkdown(runs[0]) : threadsMarkdown(runs));
