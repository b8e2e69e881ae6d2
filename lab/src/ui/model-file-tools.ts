/**
 * Load a GPT from a .safetensors file (dropped on the zone, or chosen) and download the current model as
 * one. The worker reads the file and answers "loaded" (what it found) or "loadFailed" (what it expected).
 */
import type { FromWorker } from "../protocol";
import type { TrainerClient } from "./trainer-client";

export function modelFileTools(
  parent: HTMLElement,
  client: TrainerClient<"gpt">,
): (message: FromWorker<"gpt">) => boolean {
  const zone = Object.assign(document.createElement("div"), {
    className: "drop-zone",
    textContent: "drop a checkpoint here (gradstack train gpt, or nanoGPT-named .safetensors) or ",
  });
  const input = Object.assign(document.createElement("input"), {
    type: "file",
    name: "checkpoint",
    accept: ".safetensors",
  });
  const download = Object.assign(document.createElement("button"), {
    className: "download",
    textContent: "Download .safetensors",
  });
  const note = Object.assign(document.createElement("p"), { className: "file-note" });
  zone.append(input);
  parent.append(zone, download, note);

  const load = async (file: File) => {
    note.textContent = `reading ${file.name}…`;
    delete note.dataset.error;
    client.send({ kind: "load", name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
  };
  zone.addEventListener("dragover", (event) => {
    event.preventDefault(); // allows the drop
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer?.files[0];
    if (file) void load(file);
  });
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) void load(file);
  });
  download.onclick = () => client.send({ kind: "save" });

  return (message) => {
    if (message.kind === "loaded") {
      note.textContent = `loaded ${message.description}`;
      note.dataset.loaded = message.description;
      return true;
    }
    if (message.kind === "loadFailed") {
      note.textContent = message.message;
      note.dataset.error = message.message;
      return true;
    }
    if (message.kind === "saved") {
      const url = URL.createObjectURL(
        new Blob([message.bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }),
      );
      const link = Object.assign(document.createElement("a"), { href: url, download: "gpt.safetensors" });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      return true;
    }
    return false;
  };
}
