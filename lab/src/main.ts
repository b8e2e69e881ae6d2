/** The lab's shell: a tab per page, chosen by the URL's hash (#playground, #char-lm, #gpt). */
import "./style.css";
import { mountMicrogradPage } from "./pages/micrograd-page";
import { mountPlaygroundPage } from "./pages/playground-page";
import { mountMnistPage } from "./pages/mnist-page";
import { mountNgramPage } from "./pages/ngram-page";
import { mountCharLMPage } from "./pages/char-lm-page";
import { mountGPTPage } from "./pages/gpt-page";
import { mountRNNPage } from "./pages/rnn-page";
import { mountEmbeddingsPage } from "./pages/embeddings-page";
import { mountTranslationPage } from "./pages/translation-page";

const PAGES = {
  micrograd: { title: "micrograd", mount: mountMicrogradPage },
  playground: { title: "MLP on 2-D data", mount: mountPlaygroundPage },
  mnist: { title: "MNIST digits", mount: mountMnistPage },
  ngram: { title: "n-gram models", mount: mountNgramPage },
  "char-lm": { title: "Character language model", mount: mountCharLMPage },
  gpt: { title: "GPT and its attention", mount: mountGPTPage },
  rnn: { title: "RNN, LSTM, GRU", mount: mountRNNPage },
  embeddings: { title: "Embeddings and topics", mount: mountEmbeddingsPage },
  translation: { title: "Translation", mount: mountTranslationPage },
} as const;
type PageName = keyof typeof PAGES;

const nav = document.querySelector<HTMLElement>("nav")!;
const main = document.querySelector<HTMLElement>("main")!;
let unmount: (() => void) | null = null;

function pageOfHash(): PageName {
  const name = location.hash.slice(1);
  return name in PAGES ? (name as PageName) : "playground";
}

function show(): void {
  const name = pageOfHash();
  unmount?.();
  unmount = PAGES[name].mount(main);
  for (const link of nav.querySelectorAll("a")) link.classList.toggle("active", link.hash === `#${name}`);
}

for (const [name, page] of Object.entries(PAGES)) {
  const link = Object.assign(document.createElement("a"), { href: `#${name}`, textContent: page.title });
  nav.append(link);
}
window.addEventListener("hashchange", show);
show();
