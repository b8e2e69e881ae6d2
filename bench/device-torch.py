"""The PyTorch twin of bench/device-h200.sh's webgpu measurements, in the same device run: float32
sgemm (TF32 off) and GPT training steps (nanoGPT's model: bias off, tied head, tanh GELU as gradstack's
GPT, scaled_dot_product_attention, AdamW, clipping at 1.0) on the shapes the webgpu benches use.

usage: python3 bench/device-torch.py [--smoke]     (--smoke: tiny shapes, on the CPU when there is no CUDA)
Prints lines starting with RESULT.
"""

import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

smoke = "--smoke" in sys.argv
dev = "cuda" if torch.cuda.is_available() else "cpu"
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def sync():
    if dev == "cuda":
        torch.cuda.synchronize()


def timed(fn, warm, reps):
    for _ in range(warm):
        fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    sync()
    return (time.perf_counter() - t0) / reps


class Block(nn.Module):
    def __init__(self, E, H, p):
        super().__init__()
        self.H, self.p = H, p
        self.ln_1 = nn.LayerNorm(E, bias=False)
        self.c_attn = nn.Linear(E, 3 * E, bias=False)
        self.c_proj = nn.Linear(E, E, bias=False)
        self.ln_2 = nn.LayerNorm(E, bias=False)
        self.fc = nn.Linear(E, 4 * E, bias=False)
        self.proj = nn.Linear(4 * E, E, bias=False)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        B, T, E = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(E, dim=2)
        q, k, v = [t.view(B, T, self.H, E // self.H).transpose(1, 2) for t in (q, k, v)]
        p = self.p if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=True)
        x = x + self.drop(self.c_proj(y.transpose(1, 2).reshape(B, T, E)))
        return x + self.drop(self.proj(F.gelu(self.fc(self.ln_2(x)), approximate="tanh")))


class GPT(nn.Module):
    def __init__(self, V, T, L, H, E, p):
        super().__init__()
        self.wte, self.wpe, self.drop = nn.Embedding(V, E), nn.Embedding(T, E), nn.Dropout(p)
        self.h = nn.ModuleList([Block(E, H, p) for _ in range(L)])
        self.ln_f = nn.LayerNorm(E, bias=False)
        self.head = nn.Linear(E, V, bias=False)
        self.head.weight = self.wte.weight

    def forward(self, idx, y):
        x = self.drop(self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device)))
        for b in self.h:
            x = b(x)
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), y.view(-1))


def gpt_step(name, V, T, L, H, E, B, p, warm, reps):
    torch.manual_seed(0)
    m = GPT(V, T, L, H, E, p).to(dev)
    opt = torch.optim.AdamW(m.parameters(), lr=6e-4, betas=(0.9, 0.95), weight_decay=0.1)
    x = torch.randint(0, V, (B, T), device=dev)
    y = torch.randint(0, V, (B, T), device=dev)

    def step():
        loss = m(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()

    t = timed(step, warm, reps)
    print(f"RESULT torch gpt {name} (L{L} H{H} E{E} T{T} B{B} V{V}, dropout {p}) fp32: {t * 1e3:.2f} ms/step", flush=True)


print(f"RESULT torch {torch.__version__} on {torch.cuda.get_device_name(0) if dev == 'cuda' else 'cpu'}", flush=True)
n = 128 if smoke else 4096
a, b = torch.randn(n, n, device=dev), torch.randn(n, n, device=dev)
t = timed(lambda: a @ b, 2 if smoke else 3, 2 if smoke else 20)
print(f"RESULT torch.mm fp32 (TF32 off) {n}^3: {t * 1e3:.3f} ms, {2 * n**3 / t / 1e12:.2f} TFLOP/s", flush=True)
if smoke:
    gpt_step("tiny", 65, 16, 2, 2, 32, 2, 0.0, 1, 2)
else:
    gpt_step("gpu-recipe", 65, 256, 6, 6, 384, 64, 0.2, 5, 30)
    gpt_step("gpu-recipe", 65, 256, 6, 6, 384, 64, 0.0, 5, 30)
    gpt_step("gpt2-small", 50304, 1024, 12, 12, 768, 8, 0.0, 3, 10)
