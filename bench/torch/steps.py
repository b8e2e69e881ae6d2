"""PyTorch twins of `npm run bench`'s workloads (bench/workloads.ts): one process times one workload.

usage: python3 bench/torch/steps.py {gpt,gptlarge,lstm,mlp,sgemm,seq2seq} [--steps N] [--warm N] [--threads N]

Runs with any PyTorch from 1.13 on (Debian's /usr/bin/python3 has 1.13 with OpenBLAS; a current wheel
has MKL and oneDNN). Random data, `--warm` untimed steps, then `--steps` timed ones. Prints one JSON
line: {"framework": "torch", "version", "workload", "unit", "times_ms": [...], "threads", "blas", ...}.

- gpt, gptlarge: nanoGPT's model.py (bias off, dropout 0, tied head, exact GELU; causal attention with
  scaled_dot_product_attention where PyTorch has it, as nanoGPT does, else written out), AdamW
  (0.9, 0.99) with weight decay 0.1 on 2-D parameters. gpt is the README's CPU recipe (L4 H4 E128
  T64 B12), gptlarge L6 H8 E256 T128 B32.
- lstm: Embedding(65, 64), LSTM(64, 256), Linear(256, 65), B32 T64, Adam.
- mlp: 784-256-10 with ReLU, B128, Adam.
- sgemm: float32 1024x1024 times 1024x1024 into a preallocated output (torch.mm(a, b, out=c)).
- seq2seq: the GRU + attention translation step of seq2seq_step.py.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def blas_tag():
    """Which BLAS this process uses (Debian's PyTorch loads the system's; wheels bring MKL)."""
    try:
        maps = open("/proc/self/maps").read()
    except OSError:
        maps = ""
    for tag in ("openblas-openmp", "openblas-pthread"):
        if tag in maps:
            return tag
    if torch.backends.mkl.is_available():
        return "mkl"
    return "refblas" if "libblas.so.3" in maps else "unknown"


class GPTConfig:
    def __init__(self, n_layer, n_head, n_embd, block_size, batch, vocab=65):
        self.n_layer, self.n_head, self.n_embd = n_layer, n_head, n_embd
        self.block_size, self.batch, self.vocab = block_size, batch, vocab


class LayerNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_attn = nn.Linear(c.n_embd, 3 * c.n_embd, bias=False)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd, bias=False)
        self.n_head = c.n_head
        self.flash = hasattr(F, "scaled_dot_product_attention")
        if not self.flash:
            mask = torch.tril(torch.ones(c.block_size, c.block_size))
            self.register_buffer("mask", mask.view(1, 1, c.block_size, c.block_size))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        if self.flash:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf")).softmax(dim=-1)
            y = att @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1, self.attn, self.ln_2 = LayerNorm(c.n_embd), CausalSelfAttention(c), LayerNorm(c.n_embd)
        self.c_fc = nn.Linear(c.n_embd, 4 * c.n_embd, bias=False)
        self.c_proj = nn.Linear(4 * c.n_embd, c.n_embd, bias=False)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(c.vocab, c.n_embd), nn.Embedding(c.block_size, c.n_embd)
        self.h = nn.ModuleList([Block(c) for _ in range(c.n_layer)])
        self.ln_f = LayerNorm(c.n_embd)
        self.lm_head = nn.Linear(c.n_embd, c.vocab, bias=False)
        self.wte.weight = self.lm_head.weight
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * c.n_layer))

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


class LSTMLM(nn.Module):
    def __init__(self, vocab=65, emb=64, hid=256):
        super().__init__()
        self.emb, self.lstm, self.out = nn.Embedding(vocab, emb), nn.LSTM(emb, hid, batch_first=True), nn.Linear(hid, vocab)

    def forward(self, idx, targets):
        h, _ = self.lstm(self.emb(idx))
        logits = self.out(h)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2 = nn.Linear(784, 256), nn.Linear(256, 10)

    def forward(self, x, y):
        return F.cross_entropy(self.l2(F.relu(self.l1(x))), y)


def training_step(loss_of, params, opt, batches, clip=0.0):
    """A step over a ring of batches: loss, backward, (clip,) optimizer step."""
    params = list(params)
    i = [0]

    def step():
        x, y = batches[i[0] % len(batches)]
        i[0] += 1
        loss = loss_of(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(params, clip)
        opt.step()

    return step


def gpt_step(c):
    model = GPT(c)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.99))
    B, T = c.batch, c.block_size
    batches = [(torch.randint(0, c.vocab, (B, T)), torch.randint(0, c.vocab, (B, T))) for _ in range(8)]
    return training_step(model, model.parameters(), opt, batches)


def lstm_step():
    model = LSTMLM()
    batches = [(torch.randint(0, 65, (32, 64)), torch.randint(0, 65, (32, 64))) for _ in range(8)]
    return training_step(model, model.parameters(), torch.optim.Adam(model.parameters(), lr=1e-3), batches)


def mlp_step():
    model = MLP()
    batches = [(torch.randn(128, 784), torch.randint(0, 10, (128,))) for _ in range(8)]
    return training_step(model, model.parameters(), torch.optim.Adam(model.parameters(), lr=1e-3), batches)


def sgemm_step(n=1024):
    a, b, c = torch.randn(n, n), torch.randn(n, n), torch.empty(n, n)
    return lambda: torch.mm(a, b, out=c)


def seq2seq_step():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import seq2seq_step as s2s

    model = s2s.Seq2SeqAttention()
    src, tgt_in, tgt_out = (torch.randint(4, v, (s2s.B, n)) for v, n in
                            ((s2s.SRC_VOCAB, s2s.S), (s2s.TGT_VOCAB, s2s.T), (s2s.TGT_VOCAB, s2s.T)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss_of(x, y):
        logits = model(*x)
        return F.cross_entropy(logits.reshape(-1, s2s.TGT_VOCAB), y.reshape(-1), ignore_index=s2s.PAD)

    return training_step(loss_of, model.parameters(), opt, [((src, tgt_in), tgt_out)], clip=1.0)


WORKLOADS = {
    "gpt": lambda: gpt_step(GPTConfig(4, 4, 128, 64, 12)),
    "gptlarge": lambda: gpt_step(GPTConfig(6, 8, 256, 128, 32)),
    "lstm": lstm_step,
    "mlp": mlp_step,
    "sgemm": sgemm_step,
    "seq2seq": seq2seq_step,
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warm", type=int, default=5)
    p.add_argument("--threads", type=int, default=0, help="0: PyTorch's default")
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    step = WORKLOADS[args.workload]()
    for _ in range(args.warm):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"framework": "torch", "version": torch.__version__, "workload": args.workload,
                      "times_ms": times, "threads": torch.get_num_threads(), "blas": blas_tag()}))


if __name__ == "__main__":
    main()
