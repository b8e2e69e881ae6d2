/**
 * The training worker: builds a task's model on gradstack and trains it in slices of about 30 ms, so that
 * messages (pause, step) are handled between slices and the page never waits on training.
 */
import * as gs from "gradstack";
import namesUrl from "../../data/names/names.txt?url";
import shakespeareUrl from "../../data/tinyshakespeare/input.txt?url";
import timeMachineUrl from "../../data/timemachine/timemachine.txt?url";
import fraEngUrl from "../data/fra-eng-subset/fra-20000.txt.gz?url"; // FRA_ENG_SUBSET_PAIRS lines
import type { FromWorker, TaskName, TaskSettings, TaskViews, ToWorker } from "./protocol";
import type { Task } from "./tasks/task";
import { playgroundTask } from "./tasks/playground-task";
import { charLMTask } from "./tasks/char-lm-task";
import { mnistTask } from "./tasks/mnist-task";
import { ngramTask } from "./tasks/ngram-task";
import { gptTask, gptTaskOf } from "./tasks/gpt-task";
import { gptFromFile, type LoadedGPT } from "./tasks/gpt-file";
import { rnnTask } from "./tasks/rnn-task";
import type { RNNCorpus } from "./tasks/rnn-settings";
import { embeddingsTask } from "./tasks/embeddings-task";
import { translationTask } from "./tasks/translation-task";
import { fetchGzipText } from "./tasks/gzip-text";
import type { CharCorpus } from "./tasks/char-lm-settings";
import { chooseBackend } from "./worker-backend";
import { readLosses } from "./tasks/device-twin";

const SLICE_MS = 30;
/**
 * On the GPU the worker records up to this many steps before it reads their losses back in one wait (as
 * the CLI reads once per log interval): the device keeps working while the next steps are recorded.
 */
const READ_EVERY = 8;
/**
 * At most this often the task draws its view: a boundary grid costs one forward pass, a sample one per
 * character (a GPT's sample about as long as a second of training on cpu-js).
 */
const VIEW_INTERVAL_MS: Record<TaskName, number> = {
  playground: 100,
  "char-lm": 700,
  gpt: 1500,
  mnist: 1000,
  ngram: 500,
  rnn: 1000,
  embeddings: 1200,
  translation: 1000,
};

const scope = self as unknown as {
  name: string;
  postMessage(message: FromWorker): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};
/** Settles once the kernel backend is chosen and loaded (true: WebGPU is ready too); every message waits for it. */
const backendChosen = chooseBackend(scope.name);
/** The device for the tasks that train on the GPU (every page's but the embeddings', see embeddings-task.ts). */
const deviceOf = async (): Promise<"webgpu" | undefined> => ((await backendChosen) ? "webgpu" : undefined);

const CORPORA: Record<CharCorpus, string> = { names: namesUrl, shakespeare: shakespeareUrl };
/** The text the user chose to train the character models on instead of the shipped one (null: shipped). */
let uploadedText: string | null = null;
const texts = new Map<CharCorpus, Promise<string>>();
function corpusText(corpus: CharCorpus): Promise<string> {
  if (uploadedText !== null) return Promise.resolve(uploadedText);
  if (!texts.has(corpus))
    texts.set(
      corpus,
      fetch(CORPORA[corpus]).then((r) => r.text()),
    );
  return texts.get(corpus)!;
}
const RNN_CORPORA: Record<RNNCorpus, string> = { timemachine: timeMachineUrl, shakespeare: shakespeareUrl };

let configured: Extract<ToWorker, { kind: "configure" }> | null = null;
let task: Task<TaskViews[TaskName]> | null = null;
let step = 0;
let running = false;
let pending: number[] = [];
let lastView = 0;
let stepsPerSecond = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

async function build(): Promise<void> {
  if (!configured) return;
  const { task: name, settings } = configured;
  if (name === "playground") task = playgroundTask(settings as TaskSettings["playground"], await deviceOf());
  else if (name === "mnist") task = await mnistTask(settings as TaskSettings["mnist"], await deviceOf());
  else if (name === "ngram")
    task = ngramTask(settings as TaskSettings["ngram"], await corpusText("names"), await deviceOf());
  else if (name === "char-lm") {
    const charSettings = settings as TaskSettings["char-lm"];
    task = charLMTask(charSettings, await corpusText(charSettings.corpus), await deviceOf());
  } else if (name === "rnn") {
    const rnnSettings = settings as TaskSettings["rnn"];
    task = rnnTask(
      rnnSettings,
      uploadedText ?? (await (await fetch(RNN_CORPORA[rnnSettings.corpus])).text()),
      await deviceOf(),
    );
  } else if (name === "embeddings") {
    task = embeddingsTask(settings as TaskSettings["embeddings"], await (await fetch(timeMachineUrl)).text());
  } else if (name === "translation") {
    task = translationTask(
      settings as TaskSettings["translation"],
      await fetchGzipText(fraEngUrl),
      await deviceOf(),
    );
  } else {
    const gptSettings = settings as TaskSettings["gpt"];
    task = gptTask(gptSettings, await corpusText(gptSettings.corpus), await deviceOf());
  }
  await begin(task);
}

/** The status line's backend: the GPU's, or the CPU's, saying so when WebGPU is on but this page's task is not device-ready. */
async function backendName(task: Task<TaskViews[TaskName]>): Promise<string> {
  if (task.device) return task.device;
  const cpu = gs.backend().name;
  return (await backendChosen) ? `webgpu: this page trains on ${cpu}` : cpu;
}

/** Announces a new model (built or loaded): the step count starts again. */
async function begin(task: Task<TaskViews[TaskName]>): Promise<void> {
  step = 0;
  pending = [];
  stepsPerSecond = 0;
  scope.postMessage({ kind: "ready", backend: await backendName(task), parameters: task.parameters });
  await report(true);
}

/** Sends the losses since the last report, and the view when it is due (or `forceView`). */
async function report(forceView: boolean): Promise<void> {
  if (!task || !configured) return;
  const viewDue = forceView || performance.now() - lastView >= VIEW_INTERVAL_MS[configured.task];
  if (!viewDue && pending.length === 0) return;
  const view = viewDue ? await task.view() : undefined;
  if (view) lastView = performance.now();
  scope.postMessage({ kind: "progress", step, losses: pending, stepsPerSecond, running, view });
  pending = [];
}

/**
 * The slice in progress: a task on the GPU awaits its losses, so messages arrive mid-slice; those that
 * touch the model wait for it (`settled`) rather than step the model twice at once.
 */
let slice: Promise<void> = Promise.resolve();
const settled = () => slice.catch(() => undefined);

function trainSlice(): void {
  timer = undefined;
  if (!running || !task) return;
  slice = trainFor(task).then(
    () => {
      if (running) timer = setTimeout(trainSlice, 0);
    },
    (e) => fail(e),
  );
}

async function trainFor(task: Task<TaskViews[TaskName]>): Promise<void> {
  const start = performance.now();
  let steps = 0;
  while (running && performance.now() - start < SLICE_MS) {
    const recorded = await stepsOf(task, () => running && performance.now() - start < SLICE_MS);
    step += recorded;
    steps += recorded;
  }
  const seconds = (performance.now() - start) / 1000;
  // A running average, so that the number on the page is steady.
  const rate = steps / seconds;
  stepsPerSecond = stepsPerSecond === 0 ? rate : 0.8 * stepsPerSecond + 0.2 * rate;
  await report(false);
}

/**
 * Takes one step, or on the GPU up to READ_EVERY while `more()`, and adds their losses to `pending`
 * (read at once on the CPU, in one wait on the GPU); returns how many.
 */
async function stepsOf(task: Task<TaskViews[TaskName]>, more: () => boolean): Promise<number> {
  if (!task.device) {
    pending.push(task.step().item() as number);
    return 1;
  }
  const losses = [task.step()];
  while (losses.length < READ_EVERY && more()) losses.push(task.step());
  pending.push(...(await readLosses(losses)));
  return losses.length;
}

function fail(e: unknown): void {
  running = false;
  scope.postMessage({ kind: "error", message: e instanceof Error ? e.message : String(e) });
}

async function handle(message: ToWorker): Promise<void> {
  await backendChosen;
  await settled();
  if (message.kind === "configure") {
    configured = message;
    running = false;
    await build();
  } else if (message.kind === "reset") {
    running = false;
    await build();
  } else if (message.kind === "tune" && configured && task) {
    configured = { ...configured, settings: message.settings };
    task.tune?.(message.settings);
    await report(true);
  } else if (message.kind === "start") {
    running = true;
    if (timer === undefined) timer = setTimeout(trainSlice, 0);
  } else if (message.kind === "pause") {
    running = false;
    await report(true);
  } else if (message.kind === "step" && task) {
    running = false;
    step += await stepsOf(task, () => false);
    await report(true);
  } else if (message.kind === "useText") {
    uploadedText = message.text;
    running = false;
    await build();
  } else if (message.kind === "load" && configured?.task === "gpt") {
    running = false;
    const settings = configured.settings as TaskSettings["gpt"];
    const text = await corpusText(settings.corpus);
    let loaded: LoadedGPT;
    try {
      loaded = gptFromFile(message.bytes, message.name, text);
    } catch (e) {
      scope.postMessage({ kind: "loadFailed", message: (e as Error).message });
      return;
    }
    task = gptTaskOf(settings, text, loaded.model, loaded.tokenizer, await deviceOf());
    scope.postMessage({ kind: "loaded", description: loaded.description });
    await begin(task);
  } else if (message.kind === "save" && task?.save) {
    scope.postMessage({ kind: "saved", bytes: await task.save() });
  }
}

scope.onmessage = (event) => {
  handle(event.data).catch(fail);
};
