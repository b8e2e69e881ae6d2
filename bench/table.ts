/**
 * Prints saved `npm run bench -- --json FILE` results as Markdown, the tables of README.md and
 * BENCHMARKS.md: `node build/bench/table.js FILE.json` gives one run's report; several files (one
 * per thread count, as bench/threads.sh writes) give the thread-scaling tables.
 */
import { readFileSync } from "node:fs";
import { reportMarkdown, threadsMarkdown, type Report } from "./report.js";
import { benchArgs } from "./args.js";

const { positionals: files } = benchArgs({
  usage: "node build/bench/table.js RESULTS.json [MORE.json ...]",
  positionals: [
    {
      name: "RESULTS.json",
      description: "saved runs (npm run bench -- --json FILE); several: the thread-scaling tables",
      many: true,
    },
  ],
  options: {},
});
const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as Report);
console.log(runs.length === 1 ? reportMarkdown(runs[0]) : threadsMarkdown(runs));
