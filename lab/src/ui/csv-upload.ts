/** A file input for the learner's own CSV, with a line that says what was read or what is wrong. */
export function csvUpload<T>(
  parent: HTMLElement,
  hint: string,
  read: (text: string, name: string) => T,
  describe: (data: T) => string,
  onData: (data: T) => void,
): void {
  const box = Object.assign(document.createElement("div"), { className: "csv-upload" });
  const label = Object.assign(document.createElement("label"), { textContent: "use your own CSV" });
  const input = Object.assign(document.createElement("input"), {
    type: "file",
    accept: ".csv,text/csv",
    name: "csv",
  });
  label.append(input);
  const message = Object.assign(document.createElement("div"), {
    className: "csv-message",
    textContent: hint,
  });
  box.append(label, message);
  parent.append(box);
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    try {
      const data = read(await file.text(), file.name);
      message.textContent = describe(data);
      message.classList.remove("error");
      delete message.dataset.error;
      onData(data);
    } catch (e) {
      message.textContent = (e as Error).message;
      message.classList.add("error");
      message.dataset.error = (e as Error).message;
    }
  });
}
