"""Writes a whole nanoGPT CPU-recipe run in PyTorch for gradstack to replay (bench/gpt-replay.ts).

usage: /usr/bin/python3 bench/torch/nanogpt_lockstep.py OUT.json [--seed 1337] [--steps 2000]

The model of bench/torch/nanogpt_char.py (tanh GELU, as gradstack's GPT) drawn with the seed, the
recipe's AdamW groups, warmup + cosine lr and clipping, trained on windows drawn up front. OUT.json
holds the initial weights, every step's window offsets and loss, and the final model's exact loss on the
whole validation split. Replaying it, gradstack starts from the same weights and sees the same batches,
so any difference in the losses is a difference in the arithmetic.
"""

import argparse
import importlib.util
import json
import os
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("ng", os.path.join(ROOT, "bench/torch/nanogpt_char.py"))
ng = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ng)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--steps", type=int, default=2000)
    args = p.parse_args()
    torch.set_num_threads(1)
    text = open(os.path.join(ROOT, "data/tinyshakespeare/input.txt"), encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(len(ids) * 0.9)
    train, val = ids[:n], ids[n:]
    T = ng.BLOCK_SIZE
    torch.manual_seed(args.seed)
    model = ng.GPT(len(chars), T, ng.N_LAYER, ng.N_HEAD, ng.N_EMBD, ng.BIAS, ng.DROPOUT, "tanh")
    init = {k: v.flatten().tolist() for k, v in model.state_dict().items() if not k.endswith("attn.bias")}
    opt = ng.make_optimizer(model, ng.WEIGHT_DECAY, ng.LEARNING_RATE, ng.BETAS)
    offsets = torch.randint(len(train) - T, (args.steps, ng.BATCH_SIZE))
    losses = []
    t0 = time.time()
    for it in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = ng.lr_at(it, 2000)
        pos = offsets[it][:, None] + torch.arange(T)
        _, loss = model(train[pos], train[pos + 1])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), ng.GRAD_CLIP)
        opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())

    with torch.no_grad():  # the exact validation loss, as gradstack's splitLoss
        model.eval()
        windows = (len(val) - 1) // T
        x = val[: windows * T].view(windows, T)
        y = val[1 : windows * T + 1].view(windows, T)
        total = 0.0
        for i in range(0, windows, 64):
            total += model(x[i : i + 64], y[i : i + 64])[1].item() * len(x[i : i + 64])
        val_full = total / windows
    run = dict(seed=args.seed, init=init, offsets=offsets.tolist(), losses=losses, val_full=val_full)
    json.dump(run, open(args.out, "w"))
    seconds = round(time.time() - t0)
    print(json.dumps(dict(seed=args.seed, steps=args.steps, val_full=round(val_full, 4), seconds=seconds)))


if __name__ == "__main__":
    main()
