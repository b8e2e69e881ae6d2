/**
 * A GPT to and from a .safetensors file in the browser. Reads a `gradstack train gpt` checkpoint (tensors
 * model.<nanoGPT name>, the run's config and tokenizer in the metadata) or any nanoGPT-named safetensors
 * (transformer.wte.weight, …, as nanoGPT's state_dict). Writes nanoGPT names, with nanoGPT's model_args
 * and the characters of the tokenizer in the metadata, so gradstack, nanoGPT and this page read it back.
 */
import * as gs from "gradstack";

export interface LoadedGPT {
  model: gs.models.GPT;
  tokenizer: gs.text.CharTokenizer;
  /** What was loaded, for the page: layers, heads, width, where the tokenizer came from. */
  description: string;
}

const EXPECTED =
  "expected a `gradstack train gpt` checkpoint (tensors model.transformer.wte.weight, …) or a nanoGPT-named " +
  ".safetensors (transformer.wte.weight, transformer.wpe.weight, transformer.h.0.attn.c_attn.weight, …, lm_head.weight)";

const parseJSON = (s: string | undefined): Record<string, unknown> => {
  try {
    return s === undefined ? {} : (JSON.parse(s) as Record<string, unknown>);
  } catch {
    return {};
  }
};

/** The state dict, the heads and the tokenizer's characters that a file holds, whichever its kind. */
function contents(bytes: Uint8Array, name: string) {
  let parsed: ReturnType<typeof gs.io.parseSafetensors>;
  try {
    parsed = gs.io.parseSafetensors(bytes, name);
  } catch (e) {
    throw new Error(`${name} is not a safetensors file (${(e as Error).message}); ${EXPECTED}`);
  }
  const { tensors, metadata } = parsed;
  if (metadata?.format === "gradstack-checkpoint") {
    const dict = Object.fromEntries(
      Object.entries(tensors)
        .filter(([key]) => key.startsWith("model."))
        .map(([key, t]) => [key.slice("model.".length), t]),
    );
    const config = parseJSON(metadata.config);
    const tokenizer = parseJSON(metadata.extra).tokenizer as { chars?: string[] } | undefined;
    return {
      dict,
      nHead: config.n_head as number | undefined,
      chars: tokenizer?.chars,
      kind: "gradstack checkpoint",
    };
  }
  const vocab = parseJSON(metadata?.vocab ?? "null") as unknown;
  return {
    dict: tensors,
    nHead: metadata?.n_head === undefined ? undefined : Number(metadata.n_head),
    chars: Array.isArray(vocab) ? (vocab as string[]) : undefined,
    kind: "nanoGPT safetensors",
  };
}

/**
 * The GPT of a file; without a tokenizer in the file, the characters of `text` (as nanoGPT's shakespeare_char
 * builds its vocabulary), which must then number the model's vocabulary size.
 */
export function gptFromFile(bytes: Uint8Array, name: string, text: string): LoadedGPT {
  const { dict, nHead, chars, kind } = contents(bytes, name);
  const wte = dict["transformer.wte.weight"];
  if (!wte || !dict["transformer.wpe.weight"] || !dict["transformer.h.0.attn.c_attn.weight"]) {
    const keys = Object.keys(dict);
    throw new Error(
      `${name} holds no GPT: ${EXPECTED}; it has ${keys.length} tensors (${keys.slice(0, 4).join(", ")}${keys.length > 4 ? ", …" : ""})`,
    );
  }
  const tokenizer = chars
    ? gs.text.CharTokenizer.fromJSON({ type: "CharTokenizer", chars })
    : gs.text.CharTokenizer.fromText(text);
  if (tokenizer.vocabSize !== wte.shape[0])
    throw new Error(
      `${name}: the model has a vocabulary of ${wte.shape[0]} tokens, but ${chars ? "its tokenizer has" : "the text of this page has"} ${tokenizer.vocabSize} characters; ` +
        "expected a character-level GPT (nanoGPT's shakespeare_char on tiny Shakespeare, or a file with its vocabulary)",
    );
  let model: gs.models.GPT;
  try {
    model = gs.models.GPT.fromStateDict(dict, { nHead });
  } catch (e) {
    throw new Error(`${name}: the tensors do not make a GPT (${(e as Error).message}); ${EXPECTED}`);
  }
  const c = model.config;
  return {
    model,
    tokenizer,
    description:
      `${name} (${kind}): ${c.nLayer} layers, ${c.nHead} heads, width ${c.nEmbd}, context ${c.blockSize}, ` +
      `${model.numParameters().toLocaleString()} parameters, tokenizer ${chars ? "from the file" : "from the text"}`,
  };
}

/** The model as nanoGPT-named safetensors, with nanoGPT's model_args and the vocabulary in the metadata. */
export function gptFileBytes(model: gs.models.GPT, tokenizer: gs.text.CharTokenizer): Uint8Array {
  const c = model.config;
  return gs.io.serializeSafetensors(model.stateDict(), {
    format: "nanogpt",
    n_layer: String(c.nLayer),
    n_head: String(c.nHead),
    n_embd: String(c.nEmbd),
    block_size: String(c.blockSize),
    bias: String(c.bias),
    vocab_size: String(c.vocabSize),
    vocab: JSON.stringify(tokenizer.toJSON().chars),
  });
}
