"""PyTorch reference for gradstack's GPT recipe: nanoGPT's shakespeare_char run on the CPU, re-implemented
from the behaviour of nanoGPT's model.py and train.py (not copied), to tell seed noise from a real gap.

usage: /usr/bin/python3 bench/torch/nanogpt_char.py [--seed 1337] [--max_iters 2000] [--eval_iters 20]
                                                    [--threads 2] [--gelu exact|tanh] [--data FILE]

The recipe is nanoGPT's README CPU command:
  python train.py config/train_shakespeare_char.py --device=cpu --compile=False --eval_iters=20
    --log_interval=1 --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128
    --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0
(README: val loss 1.88 at iter 2000). What it mirrors:
- data (data/shakespeare_char/prepare.py): vocabulary sorted(set(text)) of the whole text (65 chars);
  the first int(0.9 * n) characters train, the rest validate;
- model (model.py, bias=False, dropout 0): token + position embeddings, n_layer pre-LayerNorm blocks
  (LayerNorm weight only, eps 1e-5; causal self-attention through one c_attn Linear and c_proj;
  MLP c_fc -> GELU -> c_proj), final LayerNorm, lm_head tied to the token embedding; init N(0, 0.02)
  for Linear/Embedding weights, N(0, 0.02/sqrt(2 n_layer)) for every c_proj.weight; modules built and
  initialised in nanoGPT's order, so that with the same seed the global torch RNG draws the same
  weights and the same batches as nanoGPT (manual attention path: torch 1.13 has no
  scaled_dot_product_attention, nanoGPT falls back to the same masked softmax);
- optimizer (configure_optimizers): AdamW(betas (0.9, 0.99), eps 1e-8), weight decay 0.1 on params
  with dim >= 2, 0 on the rest;
- schedule (get_lr): lr * (it + 1) / (warmup + 1) for it < warmup (100), then cosine from 1e-3 to
  min_lr 1e-4 over [warmup, lr_decay_iters = 2000], min_lr beyond (lr_decay_iters stays 2000 when
  --max_iters is lowered, so a short run follows the first part of the full run's schedule);
- loop: the first training batch is drawn before the loop; at each iter the lr is set, the model is
  evaluated when iter % eval_interval == 0 (estimate_loss: eval_iters random batches per split, eval
  mode, mean loss), then forward, next batch drawn, backward, clip_grad_norm_(1.0), step, zero_grad.
  One departure, with no effect on what is reported: nanoGPT takes one more optimizer step after the
  evaluation at max_iters before it stops; this script stops right after that evaluation (and it also
  evaluates at max_iters when max_iters is not a multiple of eval_interval, so that short runs report
  a final val loss).
The last line printed is JSON: {"framework": "torch", "seed", "gelu", "val_loss" (at max_iters),
"best_val_loss", "val_loss_full" (the final model's exact loss on the whole validation split,
as `gradstack evaluate`), "ms_per_iter" (mean wall time of a training step, evaluations excluded), ...}.
"""

import argparse
import json
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# config/train_shakespeare_char.py with the README's CPU overrides
BLOCK_SIZE = 64
BATCH_SIZE = 12
N_LAYER = 4
N_HEAD = 4
N_EMBD = 128
DROPOUT = 0.0
BIAS = False
LEARNING_RATE = 1e-3
MIN_LR = 1e-4
WARMUP_ITERS = 100
WEIGHT_DECAY = 1e-1
BETAS = (0.9, 0.99)
GRAD_CLIP = 1.0


class LayerNorm(nn.Module):
    """LayerNorm whose bias can be switched off (nn.LayerNorm in torch 1.13 cannot)."""

    def __init__(self, dim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size, bias, dropout):
        super().__init__()
        assert n_embd % n_head == 0
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=bias)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)
        self.n_head = n_head
        self.n_embd = n_embd
        mask = torch.tril(torch.ones(block_size, block_size)).view(1, 1, block_size, block_size)
        self.register_buffer("bias", mask)  # named as nanoGPT's mask buffer

    def forward(self, x):
        b, t, c = x.shape
        hs = c // self.n_head
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q = q.view(b, t, self.n_head, hs).transpose(1, 2)  # (b, nh, t, hs)
        k = k.view(b, t, self.n_head, hs).transpose(1, 2)
        v = v.view(b, t, self.n_head, hs).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        scores = scores.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
        weights = self.attn_dropout(F.softmax(scores, dim=-1))
        y = (weights @ v).transpose(1, 2).contiguous().view(b, t, c)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, n_embd, bias, dropout, gelu):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.gelu = nn.GELU(approximate="tanh" if gelu == "tanh" else "none")
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=bias)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size, bias, dropout, gelu):
        super().__init__()
        self.ln_1 = LayerNorm(n_embd, bias)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size, bias, dropout)
        self.ln_2 = LayerNorm(n_embd, bias)
        self.mlp = MLP(n_embd, bias, dropout, gelu)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, bias, dropout, gelu):
        super().__init__()
        self.block_size = block_size
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(vocab_size, n_embd),
                wpe=nn.Embedding(block_size, n_embd),
                drop=nn.Dropout(dropout),
                h=nn.ModuleList(
                    [Block(n_embd, n_head, block_size, bias, dropout, gelu) for _ in range(n_layer)]
                ),
                ln_f=LayerNorm(n_embd, bias),
            )
        )
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        # Module.apply visits children before the parent, in registration order (as nanoGPT's init).
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding=True):
        """nanoGPT's get_num_params: shared parameters once, position embeddings left out by default."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.transformer.wpe.weight.numel() if non_embedding else n

    def forward(self, idx, targets):
        t = idx.shape[1]
        assert t <= self.block_size
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
        return logits, loss


def make_optimizer(model, weight_decay, lr, betas):
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    print(f"num decayed parameter tensors: {len(decay)}, with {sum(p.numel() for p in decay):,} parameters")
    print(
        f"num non-decayed parameter tensors: {len(no_decay)}, "
        f"with {sum(p.numel() for p in no_decay):,} parameters"
    )
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=lr, betas=betas)  # CPU: no fused kernel, as nanoGPT


def lr_at(it, lr_decay_iters):
    if it < WARMUP_ITERS:
        return LEARNING_RATE * (it + 1) / (WARMUP_ITERS + 1)
    if it > lr_decay_iters:
        return MIN_LR
    ratio = (it - WARMUP_ITERS) / (lr_decay_iters - WARMUP_ITERS)
    assert 0.0 <= ratio <= 1.0
    return MIN_LR + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (LEARNING_RATE - MIN_LR)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--max_iters", type=int, default=2000)
    p.add_argument("--lr_decay_iters", type=int, default=2000, help="the recipe's 2000, also for short runs")
    p.add_argument("--eval_interval", type=int, default=250)
    p.add_argument("--eval_iters", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--gelu", choices=["exact", "tanh"], default="exact")
    p.add_argument("--data", default=os.path.join(ROOT, "data", "tinyshakespeare", "input.txt"))
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    with open(args.data, "r", encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    ids = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    n_train = int(len(ids) * 0.9)
    splits = {"train": ids[:n_train], "val": ids[n_train:]}
    print(f"vocab size {len(chars)}, train {n_train:,} chars, val {len(ids) - n_train:,} chars")

    torch.manual_seed(args.seed)
    model = GPT(len(chars), BLOCK_SIZE, N_LAYER, N_HEAD, N_EMBD, BIAS, DROPOUT, args.gelu)
    print("number of parameters: %.2fM" % (model.num_params() / 1e6,))
    print(f"  ({model.num_params():,} without wpe; {model.num_params(False):,} in all)")
    optimizer = make_optimizer(model, WEIGHT_DECAY, LEARNING_RATE, BETAS)

    offsets = torch.arange(BLOCK_SIZE)

    def get_batch(split):
        data = splits[split]
        ix = torch.randint(len(data) - BLOCK_SIZE, (BATCH_SIZE,))
        pos = ix[:, None] + offsets  # rows data[i : i + block], targets shifted by one
        return data[pos], data[pos + 1]

    @torch.no_grad()
    def estimate_loss():
        model.eval()
        out = {}
        for split in ("train", "val"):
            losses = torch.zeros(args.eval_iters)
            for k in range(args.eval_iters):
                x, y = get_batch(split)
                losses[k] = model(x, y)[1].item()
            out[split] = losses.mean().item()
        model.train()
        return out

    @torch.no_grad()
    def split_loss(split, batch=64):
        """Exact mean loss over consecutive windows covering the split once (gradstack's splitLoss)."""
        data = splits[split]
        windows = (len(data) - 1) // BLOCK_SIZE
        model.eval()
        total = 0.0
        for w in range(0, windows, batch):
            b = min(batch, windows - w)
            start = w * BLOCK_SIZE
            x = data[start : start + b * BLOCK_SIZE].view(b, BLOCK_SIZE)
            y = data[start + 1 : start + b * BLOCK_SIZE + 1].view(b, BLOCK_SIZE)
            total += model(x, y)[1].item() * b * BLOCK_SIZE
        model.train()
        return total / (windows * BLOCK_SIZE)

    x, y = get_batch("train")
    best_val, val_loss = float("inf"), None
    step_seconds, steps = 0.0, 0
    t_start = time.time()
    it = 0
    while True:
        lr = lr_at(it, args.lr_decay_iters)
        for group in optimizer.param_groups:
            group["lr"] = lr
        if it % args.eval_interval == 0 or it == args.max_iters:
            losses = estimate_loss()
            val_loss = losses["val"]
            best_val = min(best_val, val_loss)
            print(f"step {it}: train loss {losses['train']:.4f}, val loss {val_loss:.4f}", flush=True)
        if it >= args.max_iters:
            break
        t0 = time.perf_counter()
        _, loss = model(x, y)
        x, y = get_batch("train")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step_seconds += time.perf_counter() - t0
        steps += 1
        it += 1

    ms_per_iter = 1000.0 * step_seconds / max(steps, 1)
    print(f"{steps} steps, {ms_per_iter:.2f} ms/iter (evaluations excluded), {time.time() - t_start:.1f} s in all")
    print(
        json.dumps(
            {
                "framework": "torch",
                "seed": args.seed,
                "gelu": args.gelu,
                "max_iters": args.max_iters,
                "eval_iters": args.eval_iters,
                "lr_decay_iters": args.lr_decay_iters,
                "threads": args.threads,
                "val_loss": round(val_loss, 4),
                "best_val_loss": round(best_val, 4),
                "val_loss_full": round(split_loss("val"), 4),
                "ms_per_iter": round(ms_per_iter, 2),
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
