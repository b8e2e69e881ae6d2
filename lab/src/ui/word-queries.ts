/**
 * The questions a learner types to the word vectors: the words to project, a word's nearest neighbours,
 * an analogy "a : b :: c : ?". They are answered again on every view, so the answers change as it trains.
 */
import { analogy, neighbours, pca2d, type Neighbour, type WordVectors } from "../tasks/word-vectors";
import { DEFAULT_PROJECTED_WORDS } from "../tasks/embeddings-settings";
import { wordMap } from "./word-map";

const input = (name: string, value: string) =>
  Object.assign(document.createElement("input"), { type: "text", name, value, className: "query" });

const show = (answer: Neighbour[] | string) =>
  typeof answer === "string" ? answer : answer.map((n) => `${n.word} ${n.similarity.toFixed(2)}`).join(" · ");

export function wordQueries(parent: HTMLElement): (wv: WordVectors) => void {
  const projected = input("projected", DEFAULT_PROJECTED_WORDS);
  const drawMap = wordMap(parent);
  const neighbourOf = input("neighbours", "night");
  const neighbourAnswer = Object.assign(document.createElement("p"), { className: "answer neighbours" });
  const analogyQuery = input("analogy", "man woman he");
  const analogyAnswer = Object.assign(document.createElement("p"), { className: "answer analogy" });
  const label = (text: string, field: HTMLInputElement) => {
    const l = Object.assign(document.createElement("label"), { className: "query-label", textContent: text });
    l.append(field);
    return l;
  };
  parent.append(
    label("words to project", projected),
    label("neighbours of", neighbourOf),
    neighbourAnswer,
    label("analogy a b c (a is to b as c is to ?)", analogyQuery),
    analogyAnswer,
  );
  let latest: WordVectors | null = null;
  const answer = () => {
    const wv = latest;
    if (!wv) return;
    const known = projected.value
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => wv.words.includes(w));
    drawMap(known, known.length >= 2 ? pca2d(wv, known) : []);
    neighbourAnswer.textContent = show(neighbours(wv, neighbourOf.value.trim().toLowerCase()));
    const terms = analogyQuery.value.toLowerCase().split(/\s+/).filter(Boolean);
    analogyAnswer.textContent =
      terms.length === 3 ? show(analogy(wv, terms[0], terms[1], terms[2])) : "type three words: a b c";
  };
  for (const field of [projected, neighbourOf, analogyQuery]) field.addEventListener("change", answer);
  return (wv) => {
    latest = wv;
    answer();
  };
}
