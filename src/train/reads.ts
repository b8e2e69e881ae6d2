/**
 * How a training program reads numbers off its device without being written twice. The loop and the
 * trainers are generators that yield what they need read (requests below) and resume with the values;
 * a driver answers: `runSync` on the CPU backends (`item()`, the same numbers in the same order as a
 * plain loop), `runAsync` on any device (one readback per request, awaited). A read is split in two,
 * `start` and `settle`, so that a program can record more work (the next training step) while a
 * device copies the numbers back.
 */
import { Tensor } from "../tensor/tensor.js";
import { cat } from "../ops/indexing.js";
import { noGrad } from "../autograd/grad-mode.js";
import { backendOf } from "../tensor/device.js";
import { backend } from "../backend/index.js";

/** Numbers being read: already there (CPU) or on their way (a device). */
export type Reading = number[] | Promise<number[]>;

export type ReadRequest =
  /** Start reading one-element tensors (numbers pass through); answered with a Reading. */
  | { kind: "start"; values: readonly (number | Tensor)[] }
  /** Wait for a Reading; answered with its numbers. */
  | { kind: "settle"; reading: Reading }
  /** Copies of tensors on the CPU (the same tensors when they are there already), e.g. to save them. */
  | { kind: "host"; tensors: Record<string, Tensor> };

/** A program that reads through a driver and returns R. */
export type Reads<R> = Generator<ReadRequest, R, unknown>;

/** Whether the host reads `t`'s memory directly (CPU backends), so reading it costs nothing. */
export function readsSync(t: Tensor): boolean {
  return t.device === "cpu" || backendOf(t).hostVisible;
}

/** Starts reading `values` (see `settle`). */
export function* start(values: readonly (number | Tensor)[]): Reads<Reading> {
  return (yield { kind: "start", values }) as Reading;
}

/** The numbers of a Reading. */
export function* settle(reading: Reading): Reads<number[]> {
  return (yield { kind: "settle", reading }) as number[];
}

/** Reads `values` now. */
export function* readNumbers(values: readonly (number | Tensor)[]): Reads<number[]> {
  return yield* settle(yield* start(values));
}

/** CPU copies of `tensors` (read back once each). */
export function* hostTensors(tensors: Record<string, Tensor>): Reads<Record<string, Tensor>> {
  return (yield { kind: "host", tensors }) as Record<string, Tensor>;
}

/** Whether a trainer's hook returned a program to run rather than a value. */
export function isReads<R>(x: R | Reads<R>): x is Reads<R> {
  return typeof (x as { next?: unknown })?.next === "function" && Symbol.iterator in (x as object);
}

/** Runs a program on the CPU backends: every read is synchronous (`item()`), so no await. */
export function runSync<R>(program: Reads<R>): R {
  let answer: unknown;
  for (;;) {
    const r = program.next(answer);
    if (r.done) return r.value;
    const q = r.value;
    if (q.kind === "start") answer = q.values.map((v) => (typeof v === "number" ? v : v.item()));
    else if (q.kind === "settle") {
      if (!Array.isArray(q.reading))
        throw new Error("runSync: a device read is in flight; run this program with runAsync");
      answer = q.reading;
    } else answer = q.tensors; // hostData reads them later, with its error on a device
  }
}

/** Runs a program on any device: reads of device memory are awaited, one readback per request. */
export async function runAsync<R>(program: Reads<R>): Promise<R> {
  let answer: unknown;
  for (;;) {
    const r = program.next(answer);
    if (r.done) return r.value;
    const q = r.value;
    if (q.kind === "start") answer = startAsync(q.values);
    else if (q.kind === "settle")
      answer = Array.isArray(q.reading) ? await hostReading(q.reading) : await q.reading;
    else answer = await hostCopies(q.tensors);
  }
}

/**
 * Numbers already read on the host. On the wasm backend, after a turn of the event loop: V8 runs the
 * finalization callbacks that free its tensors' blocks only between tasks (backend/wasm/heap.ts), and
 * an await on numbers alone is no task. The numbers, and so the run, are the same.
 */
async function hostReading(numbers: number[]): Promise<number[]> {
  if (backend().name === "wasm") await nextTask();
  return numbers;
}

/** Resolves in a later task of the event loop (setImmediate; setTimeout where there is none). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === "function" ? setImmediate : setTimeout)(resolve));
}

/** One readback for all device values (concatenated on the device); host values are read at once. */
function startAsync(values: readonly (number | Tensor)[]): Reading {
  const onDevice = values.filter((v): v is Tensor => v instanceof Tensor && !readsSync(v));
  if (onDevice.length === 0) return values.map((v) => (typeof v === "number" ? v : v.item()));
  const flat = noGrad(() => cat(onDevice.map((t) => t.detach().reshape([1]).float())));
  const data = flat.data();
  return data.then((d) => {
    let k = 0;
    return values.map((v) => (typeof v === "number" ? v : readsSync(v) ? v.item() : Number(d[k++])));
  });
}

async function hostCopies(tensors: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const entries = await Promise.all(
    Object.entries(tensors).map(
      async ([name, t]) => [name, readsSync(t) ? t : (await t.toAsync("cpu")).detach()] as const,
    ),
  );
  return Object.fromEntries(entries);
}
