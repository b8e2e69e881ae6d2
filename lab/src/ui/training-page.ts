/**
 * What every lab page shares: the run controls (start, pause, step once, reset), the status line
 * (backend, step, loss, steps/s), the hyper-parameter form, the loss chart and the gradstack code of
 * the current settings. A page adds its own picture of the model through `view`.
 */
import type { FromWorker, TaskName, TaskSettings, TaskViews } from "../protocol";
import { LossChart } from "./loss-chart";
import { settingsForm, type Field } from "./settings-form";
import { TrainerClient } from "./trainer-client";

export interface TrainingPageSpec<N extends TaskName> {
  task: N;
  title: string;
  blurb: string;
  fields: readonly Field<TaskSettings[N]>[];
  defaults: TaskSettings[N];
  /** Settings that the running model takes as it is (sampling): changing only these keeps the training. */
  liveKeys?: readonly (keyof TaskSettings[N])[];
  /** The gradstack program that trains what these settings describe. */
  code(settings: TaskSettings[N]): string;
  /** Builds the page's picture into `parent`; returns what draws each view the worker sends. */
  view(parent: HTMLElement): (view: TaskViews[N]) => void;
  /** Builds more inputs under the form (an upload); `extend` rebuilds the model with these settings added. */
  moreSettings?(parent: HTMLElement, extend: (extra: Partial<TaskSettings[N]>) => void): void;
  /**
   * Extra controls below the run controls (a file to load, a download): builds them into `parent` with the
   * worker's client; may return what handles the worker's answers to them (true when it took the message).
   */
  tools?(parent: HTMLElement, client: TrainerClient<N>): ((message: FromWorker<N>) => boolean) | void;
}

/** Losses averaged for the status line, so that the number shown is steady. */
const STATUS_WINDOW = 20;

/** Steps per second as the status shows it: a tenth when under 10 (a GPU page on a software adapter). */
const stepsPerSecond = (rate: number) => rate.toFixed(rate < 10 ? 1 : 0);

/** A new element with a class and text. */
export const element = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = "") =>
  Object.assign(document.createElement(tag), { className, textContent: text });

/** Mounts the page into `root`; returns what unmounts it (and stops its worker). */
export function mountTrainingPage<N extends TaskName>(
  root: HTMLElement,
  spec: TrainingPageSpec<N>,
): () => void {
  const page = element("section", `page page-${spec.task}`);
  page.append(element("h2", "", spec.title), element("p", "blurb", spec.blurb));

  const controls = element("div", "controls");
  const startButton = element("button", "start", "Start");
  const stepButton = element("button", "step", "Step");
  const resetButton = element("button", "reset", "Reset");
  const status = element("span", "status", "starting the worker…");
  controls.append(startButton, stepButton, resetButton, status);

  const settingsBox = element("div", "settings");
  const viewBox = element("div", "view");
  const chartBox = element("div", "chart");
  const layout = element("div", "layout");
  layout.append(settingsBox, viewBox, chartBox);
  const code = element("pre", "code");
  page.append(controls, layout, element("h3", "", "The gradstack code of these settings"), code);
  root.append(page);

  const chart = new LossChart(chartBox);
  const drawView = spec.view(viewBox);
  let backend = "";
  let running = false;
  let recent: number[] = [];
  let handleTool: ((message: FromWorker<N>) => boolean) | undefined;

  const setRunning = (on: boolean) => {
    running = on;
    startButton.textContent = on ? "Pause" : "Start";
    status.dataset.running = String(on);
  };

  const onMessage = (message: FromWorker<N>) => {
    if (handleTool?.(message)) return;
    if (message.kind === "error") {
      setRunning(false);
      status.textContent = `error: ${message.message}`;
      status.dataset.error = message.message;
      return;
    }
    if (message.kind === "ready") {
      backend = message.backend;
      recent = [];
      chart.clear();
      delete status.dataset.firstLoss;
      status.dataset.backend = backend;
      status.dataset.parameters = String(message.parameters);
      status.dataset.step = "0";
      status.textContent = `backend ${backend} · ${message.parameters.toLocaleString()} parameters · ready`;
      return;
    }
    if (message.kind !== "progress") return;
    const first = message.step - message.losses.length;
    chart.append(first, message.losses);
    if (message.losses.length > 0 && status.dataset.firstLoss === undefined)
      status.dataset.firstLoss = String(message.losses[0]);
    recent = [...recent, ...message.losses].slice(-STATUS_WINDOW);
    const loss = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
    status.dataset.step = String(message.step);
    if (recent.length) status.dataset.recentLoss = String(loss);
    status.textContent =
      `backend ${backend} · step ${message.step} · loss ${Number.isNaN(loss) ? "–" : loss.toFixed(3)}` +
      ` · ${stepsPerSecond(message.stepsPerSecond)} steps/s`;
    if (message.view) drawView(message.view);
    setRunning(message.running);
  };

  const client = new TrainerClient<N>(onMessage);
  if (spec.tools) {
    const toolsBox = element("div", "tools");
    controls.after(toolsBox);
    handleTool = spec.tools(toolsBox, client) ?? undefined;
  }
  let settings = spec.defaults;
  let extra: Partial<TaskSettings[N]> = {};
  const configure = () => {
    setRunning(false);
    client.configure(spec.task, { ...settings, ...extra });
    code.textContent = spec.code({ ...settings, ...extra });
  };
  settingsForm(settingsBox, spec.fields, spec.defaults, (next) => {
    const changed = (Object.keys(next) as (keyof TaskSettings[N])[]).filter((k) => next[k] !== settings[k]);
    settings = next;
    if (changed.length === 0 || !changed.every((k) => spec.liveKeys?.includes(k))) return configure();
    client.send({ kind: "tune", settings: { ...settings, ...extra } });
    code.textContent = spec.code({ ...settings, ...extra });
  });
  spec.moreSettings?.(settingsBox, (more) => {
    extra = { ...extra, ...more };
    configure();
  });
  startButton.onclick = () => {
    client.send({ kind: running ? "pause" : "start" });
    setRunning(!running);
  };
  stepButton.onclick = () => client.send({ kind: "step" });
  resetButton.onclick = () => {
    setRunning(false);
    client.send({ kind: "reset" });
  };
  configure();

  return () => {
    client.terminate();
    chart.destroy();
    page.remove();
  };
}
