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

  let loading = "";
  const load = async (file: File) => {
    loading = file.name;
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
      const code = parent.closest(".page")?.querySelector("pre.code");
      if (code) code.textContent = loadedModelCode(loading) + code.textContent;
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

/** What the code pane says when the model came from a file rather than from the settings. */
function loadedModelCode(name: string): string {
  return `// The model is ${name}, read as gradstack reads it, instead of the new gs.models.GPT below:
// const { tensors, metadata } = gs.io.parseSafetensors(new Uint8Array(await file.arrayBuffer()));
// (a train gpt checkpoint keeps the model's tensors under "model.", its vocabulary in metadata.extra)
// const model = gs.models.GPT.fromStateDict(tensors, { nHead: Number(metadata.n_head) });
// const tokenizer = gs.text.CharTokenizer.fromJSON({ type: "CharTokenizer", chars: JSON.parse(metadata.vocab) });

`;
}
