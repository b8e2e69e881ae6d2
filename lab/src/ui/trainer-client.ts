/** The page's side of the training worker: sends commands, hands each message to `onMessage`. */
import type { FromWorker, TaskName, TaskSettings, ToWorker } from "../protocol";

export class TrainerClient<N extends TaskName> {
  private readonly worker = new Worker(new URL("../worker.ts", import.meta.url), {
    type: "module",
    name: location.search, // the worker reads its backend override (?backend=...) from the page's query
  });

  constructor(onMessage: (message: FromWorker<N>) => void) {
    this.worker.onmessage = (event: MessageEvent<FromWorker<N>>) => onMessage(event.data);
    this.worker.onerror = (event) => onMessage({ kind: "error", message: event.message });
  }

  configure(task: N, settings: TaskSettings[N]): void {
    this.send({ kind: "configure", task, settings });
  }

  send(message: ToWorker<N>): void {
    this.worker.postMessage(message);
  }

  terminate(): void {
    this.worker.terminate();
  }
}
