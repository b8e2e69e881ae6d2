// A nanoGPT checkpoint written by PyTorch (torch.save of nanoGPT's dict: model, optimizer, model_args,
// iter_num, best_val_loss, config; the vocabulary in meta.pkl) converted by scripts/torch/nanogpt_ckpt.py
// and `gradstack import` gives PyTorch's logits in gradstack, and keeps its AdamW state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Tensor } from "../src/index.js";
import { importGPTRun } from "../src/train/gpt-handover.js";
import { loadGPTCheckpoint } from "../src/train/gpt-train.js";
import { loadCheckpoint } from "../src/io/checkpoint.js";
import { repoRoot } from "./helpers/fixtures.js";
import { runPython, skipReason } from "./helpers/torch-python.js";

// Trains a tiny nanoGPT-shaped model 3 steps in PyTorch and saves it as nanoGPT's train.py does.
const TRAIN_IN_TORCH = `
import json, os, pickle, sys
import torch
sys.path.insert(0, os.path.join(sys.argv[1], "scripts/torch"))
from model import GPT
out = sys.argv[2]
torch.manual_seed(0)
chars = list("\\n !',.:;?abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
args = dict(n_layer=2, n_head=2, n_embd=16, block_size=12, bias=True, vocab_size=len(chars), dropout=0.0)
model = GPT(args)
opt = model.configure_optimizers(0.1, 1e-2, (0.9, 0.99))
for _ in range(3):
    x = torch.randint(len(chars), (4, 12))
    _, loss = model(x, torch.roll(x, -1, 1))
    loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
config = dict(batch_size=4, block_size=12, learning_rate=1e-2, weight_decay=0.1, beta1=0.9, beta2=0.99)
torch.save(dict(model=model.state_dict(), optimizer=opt.state_dict(), model_args=args, iter_num=3,
                best_val_loss=torch.tensor(3.5), config=config), os.path.join(out, "ckpt.pt"))
itos = dict(enumerate(chars))
pickle.dump(dict(vocab_size=len(chars), itos=itos, stoi={c: i for i, c in itos.items()}),
            open(os.path.join(out, "meta.pkl"), "wb"))
idx = torch.randint(len(chars), (3, 12))
model.eval()
with torch.no_grad():
    logits, _ = model(idx, idx)
json.dump(dict(idx=idx.tolist(), logits=logits.flatten().tolist(),
               exp_avg_sq0=opt.state_dict()["state"][0]["exp_avg_sq"].flatten().tolist()),
          open(os.path.join(out, "logits.json"), "w"))
`;

test(
  "a nanoGPT checkpoint saved by PyTorch imports into gradstack with PyTorch's logits and AdamW state",
  { skip: skipReason },
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gs-import-"));
    runPython(["-c", TRAIN_IN_TORCH, repoRoot, dir]);
    const pair = path.join(dir, "from-torch.safetensors");
    runPython([
      path.join(repoRoot, "scripts/torch/nanogpt_ckpt.py"),
      "from-pt",
      path.join(dir, "ckpt.pt"),
      pair,
      "--meta",
      path.join(dir, "meta.pkl"),
    ]);
    const ckpt = importGPTRun(pair, path.join(dir, "imported"));

    const expected = JSON.parse(readFileSync(path.join(dir, "logits.json"), "utf8"));
    const { model, tokenizer, config } = loadGPTCheckpoint(ckpt);
    assert.equal(tokenizer.vocabSize, 61);
    assert.equal(config.bias, true);
    const idx = new Tensor(Int32Array.from(expected.idx.flat()), [3, 12]);
    const logits = model.forward(idx, idx).logits.toArray() as Float32Array;
    assert.equal(logits.length, expected.logits.length);
    logits.forEach((v, i) =>
      assert.ok(
        Math.abs(v - expected.logits[i]) < 1e-5,
        `logit ${i}: ${v} vs PyTorch's ${expected.logits[i]}`,
      ),
    );

    const saved = loadCheckpoint(ckpt);
    assert.equal(saved.step, 3);
    const state = (saved.optimizer as { state: Record<number, { step: number; exp_avg_sq: Tensor }> }).state;
    assert.equal(state[0].step, 3);
    const v = state[0].exp_avg_sq.toArray() as Float32Array;
    v.forEach((x, i) => assert.ok(Math.abs(x - expected.exp_avg_sq0[i]) < 1e-9, `exp_avg_sq[${i}]`));
    assert.equal((saved.extra as { bestValLoss: number }).bestValLoss, 3.5);
  },
);
