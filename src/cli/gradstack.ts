/** The `gradstack` command: its table of commands, each in its own file under commands/. */
import { defineGroup } from "./command.js";

export const gradstack = defineGroup({
  name: "",
  summary: "gradstack: a deep-learning stack in TypeScript",
  member: "command",
  commands: {
    demo: () => import("./commands/demo.js"),
    train: () => import("./commands/train.js"),
    sample: () => import("./commands/sample.js"),
    evaluate: () => import("./commands/evaluate.js"),
    topics: () => import("./commands/topics.js"),
    word2vec: () => import("./commands/word2vec.js"),
    tfidf: () => import("./commands/tfidf.js"),
    translate: () => import("./commands/translate.js"),
    "eval-bleu": () => import("./commands/eval-bleu.js"),
    lab: () => import("./commands/lab.js"),
    export: () => import("./commands/export.js"),
    import: () => import("./commands/import.js"),
    search: () => import("./commands/search.js"),
    embed: () => import("./commands/embed.js"),
    "eval-retrieval": () => import("./commands/eval-retrieval.js"),
    rag: () => import("./commands/rag.js"),
  },
});
