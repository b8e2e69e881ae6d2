/**
 * "Use your own text": a file chosen by the user replaces the shipped text of a character model (the
 * worker rebuilds the model on it); a button goes back to the shipped text.
 */
import type { TaskName } from "../protocol";
import type { TrainerClient } from "./trainer-client";

export function textUpload<N extends TaskName>(parent: HTMLElement, client: TrainerClient<N>): void {
  const label = Object.assign(document.createElement("label"), {
    className: "upload",
    textContent: "your own text ",
  });
  const input = Object.assign(document.createElement("input"), {
    type: "file",
    name: "text-file",
    accept: ".txt,text/*",
  });
  const shipped = Object.assign(document.createElement("button"), {
    textContent: "shipped text",
    className: "shipped-text",
  });
  const note = Object.assign(document.createElement("span"), { className: "text-note" });
  label.append(input);
  parent.append(label, shipped, note);
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    const text = await file.text();
    note.textContent = `training on ${file.name} (${text.length.toLocaleString()} characters)`;
    client.send({ kind: "useText", name: file.name, text });
  });
  shipped.onclick = () => {
    input.value = "";
    note.textContent = "";
    client.send({ kind: "useText", name: "", text: null });
  };
}
