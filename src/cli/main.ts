#!/usr/bin/env node
/**
 * The `gradstack` command. Each subcommand lives in its own file under commands/ and is loaded only
 * when used, so `gradstack sample` does not pay for what `gradstack train` imports.
 */
type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<void> | void }> };

const COMMANDS: Record<string, Command> = {
  demo: {
    summary: "train a small GPT on tiny Shakespeare for about two minutes, then sample",
    load: () => import("./commands/demo.js"),
  },
  train: {
    summary: "train a model: gradstack train gpt [--config FILE] [--key=value ...]",
    load: () => import("./commands/train.js"),
  },
  sample: {
    summary: "sample from a trained model: gradstack sample --ckpt DIR --start TEXT",
    load: () => import("./commands/sample.js"),
  },
  evaluate: {
    summary: "the exact loss of a trained GPT on its validation split: gradstack evaluate --ckpt DIR",
    load: () => import("./commands/evaluate.js"),
  },
  topics: {
    summary: "LDA topics of a text file, one document per line: gradstack topics --data FILE --num_topics 10",
    load: () => import("./commands/topics.js"),
  },
  word2vec: {
    summary: "word vectors: gradstack word2vec train|similar|analogy|evaluate (gradstack word2vec help)",
    load: () => import("./commands/word2vec.js"),
  },
  tfidf: {
    summary: "tf-idf search over the lines of a file: gradstack tfidf search --data FILE --query TEXT",
    load: () => import("./commands/tfidf.js"),
  },
  translate: {
    summary: 'translate with a trained model: gradstack translate --ckpt DIR "ein Mann fährt Fahrrad ."',
    load: () => import("./commands/translate.js"),
  },
  "eval-bleu": {
    summary: "corpus BLEU of a trained translation model: gradstack eval-bleu --ckpt DIR [--beam_size 5]",
    load: () => import("./commands/eval-bleu.js"),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: gradstack <command> [options]\n\ncommands:\n${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(usage());
    return;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`gradstack: unknown command "${name}"\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  await (await command.load()).run(rest);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  // Errors from bad input are meant for the user: show the message, not a stack trace.
  process.stderr.write(`gradstack: ${e instanceof Error ? e.message : String(e)}\n`);
  if (process.env.GRADSTACK_DEBUG) console.error(e);
  process.exitCode = 1;
});
