/** The GPT shapes the webgpu benches record: nanoGPT's shakespeare_char GPU recipe, GPT-2 small, a tiny one. */
export const GPT_PRESETS = {
  "gpu-recipe": { nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, vocabSize: 65, batch: 64 },
  "gpt2-small": { nLayer: 12, nHead: 12, nEmbd: 768, blockSize: 1024, vocabSize: 50304, batch: 8 },
  tiny: { nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, vocabSize: 65, batch: 2 },
} as const;
export type GptPreset = keyof typeof GPT_PRESETS;
