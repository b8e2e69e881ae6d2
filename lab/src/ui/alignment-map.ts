/**
 * Attention of a translation as a labelled grid: a row per output word, a column per source token, cell
 * (i, j) how much output step i looked at source token j (white 0 … dark blue 1).
 */
const CELL = 30;
const LABEL = 70;

export function alignmentMap(
  parent: HTMLElement,
  title: string,
): (source: string[], words: string[], attention: Float32Array) => void {
  const figure = Object.assign(document.createElement("figure"), { className: "alignment" });
  const caption = Object.assign(document.createElement("figcaption"), { textContent: title });
  const text = Object.assign(document.createElement("p"), { className: "translation" });
  const canvas = document.createElement("canvas");
  figure.append(caption, text, canvas);
  parent.append(figure);
  return (source, words, attention) => {
    const S = source.length;
    const rows = attention.length / S; // output steps, <eos> included when it was produced
    const labels = [...words, "<eos>"].slice(0, rows);
    text.textContent = words.join(" ") || "(nothing yet)";
    canvas.width = LABEL + S * CELL;
    canvas.height = LABEL + rows * CELL;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = "white";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#222";
    source.forEach((token, j) => {
      ctx.save();
      ctx.translate(LABEL + j * CELL + CELL / 2, LABEL - 4);
      ctx.rotate(-Math.PI / 3);
      ctx.fillText(token, 0, 0);
      ctx.restore();
    });
    labels.forEach((word, i) => ctx.fillText(word, 2, LABEL + i * CELL + CELL / 2 + 4, LABEL - 4));
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < S; j++) {
        const w = Math.sqrt(Math.max(0, Math.min(1, attention[i * S + j]))); // √w: small weights still show
        ctx.fillStyle = `rgb(${255 - 247 * w}, ${255 - 207 * w}, ${255 - 148 * w})`;
        ctx.fillRect(LABEL + j * CELL, LABEL + i * CELL, CELL - 1, CELL - 1);
      }
  };
}
