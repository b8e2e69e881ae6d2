/** `gradstack train <model> [--config FILE] [--key=value ...]`: one trainer per model family. */
type Trainer = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<void> | void }> };

const TRAINERS: Record<string, Trainer> = {
  gpt: { summary: "a character-level GPT (nanoGPT's train.py)", load: () => import("./train-gpt.js") },
  bigram: { summary: "makemore's bigram on names (counts|neural)", load: () => import("./train-bigram.js") },
  mlp: { summary: "the Bengio MLP language model on names", load: () => import("./train-mlp.js") },
  rnn: { summary: "an RNN LM, --data timemachine|names|FILE", load: () => import("./train-rnn.js") },
  lstm: { summary: "an LSTM LM, --data timemachine|names|FILE", load: () => import("./train-lstm.js") },
  gru: { summary: "a GRU LM, --data timemachine|names|FILE", load: () => import("./train-gru.js") },
  translate: {
    summary: "a translation model: --arch gru-attn|transformer --data multi30k|fra-eng",
    load: () => import("./train-translate.js"),
  },
  mnist: {
    summary: "softmax regression or an MLP on MNIST (d2l 3-5)",
    load: () => import("./train-mnist.js"),
  },
};

export async function run(argv: string[]): Promise<void> {
  const [model, ...rest] = argv;
  const trainer = model ? TRAINERS[model] : undefined;
  if (!trainer) {
    const list = Object.entries(TRAINERS)
      .map(([k, t]) => `  ${k}  ${t.summary}`)
      .join("\n");
    throw new Error(
      `${model ? `unknown model "${model}"` : "which model?"}; gradstack train <model> with one of:\n${list}`,
    );
  }
  await (await trainer.load()).run(rest);
}
