// The progress display that every command gets: bars, and log lines that start below a bar on a terminal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Progress } from "../src/cli/progress.js";

/** A stream that records what is written to it. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => written.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

function captureStdout(fn: () => void): string[] {
  const lines: string[] = [];
  const log = console.log;
  console.log = (line: string) => void lines.push(line);
  try {
    fn();
  } finally {
    console.log = log;
  }
  return lines;
}

test("on a terminal, a log line ends the bar's line first, once", () => {
  const { stream, written } = fakeStream(true);
  const p = new Progress(stream);
  p.start(4, "train");
  p.update(1, { loss: 1.5 });
  assert.match(written.join(""), /^\rtrain \[#+\.+\] 1\/4 loss 1\.5000 · /);
  const out = captureStdout(() => {
    p.log("step 1: val loss 1.4");
    p.log("another line");
  });
  assert.deepEqual(out, ["step 1: val loss 1.4", "another line"]);
  assert.equal(written.filter((w) => w === "\n").length, 1);
  p.done({ loss: 1.2 });
  assert.match(written.at(-2)!, /4\/4 loss 1\.2000/);
  assert.equal(written.at(-1), "\n");
  p.end();
  assert.equal(written.filter((w) => w === "\n").length, 2, "end() after done() writes nothing");
});

test("in a log file, each drawn bar is a line of its own", () => {
  const { stream, written } = fakeStream(false);
  const p = new Progress(stream);
  const report = p.counter("translating");
  for (let done = 1; done <= 3; done++) report(done, 3);
  assert.equal(written.length, 2, "the first draw and the full bar: redraws are a line every 5 s at most");
  assert.ok(written.every((w) => w.startsWith("translating [") && w.endsWith("\n")));
  assert.match(written.at(-1)!, / 3\/3 /);
});
