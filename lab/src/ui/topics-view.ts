/** LDA's topics (top words each) and one paragraph's topic mixture as bars, for a paragraph the user picks. */
import type { EmbeddingsView } from "../tasks/embeddings-task";

/** A colour per topic, shared by the list and the bars. */
const COLOURS = ["#1864ab", "#d9480f", "#2b8a3e", "#862e9c", "#e67700", "#0b7285", "#c2255c", "#5c940d"];
const colourOf = (k: number) => COLOURS[k % COLOURS.length];

export function topicsView(parent: HTMLElement): (view: EmbeddingsView) => void {
  const list = Object.assign(document.createElement("ol"), { className: "topics", start: 0 });
  const picker = Object.assign(document.createElement("input"), {
    type: "number",
    name: "paragraph",
    min: "0",
    value: "0",
  });
  const label = Object.assign(document.createElement("label"), {
    textContent: "paragraph ",
    className: "query-label",
  });
  label.append(picker);
  const bars = Object.assign(document.createElement("canvas"), {
    width: 320,
    height: 24,
    className: "mixture",
  });
  const paragraph = Object.assign(document.createElement("p"), { className: "paragraph" });
  parent.append(list, label, bars, paragraph);
  let latest: EmbeddingsView | null = null;
  const drawMixture = () => {
    if (!latest) return;
    const K = latest.topics.length;
    const d = Math.max(0, Math.min(latest.paragraphs.length - 1, Number(picker.value) || 0));
    picker.max = String(latest.paragraphs.length - 1);
    const ctx = bars.getContext("2d")!;
    ctx.clearRect(0, 0, bars.width, bars.height);
    let x = 0;
    for (let k = 0; k < K; k++) {
      const w = latest.mixtures[d * K + k] * bars.width;
      ctx.fillStyle = colourOf(k);
      ctx.fillRect(x, 0, w, bars.height);
      x += w;
    }
    paragraph.textContent =
      latest.paragraphs[d].slice(0, 400) + (latest.paragraphs[d].length > 400 ? "…" : "");
  };
  picker.addEventListener("change", drawMixture);
  return (view) => {
    latest = view;
    list.replaceChildren(
      ...view.topics.map((words, k) => {
        const item = Object.assign(document.createElement("li"), { textContent: words.join(" ") });
        item.style.borderLeft = `6px solid ${colourOf(k)}`;
        return item;
      }),
    );
    drawMixture();
  };
}
