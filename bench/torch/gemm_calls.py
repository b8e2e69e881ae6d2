# PyTorch's float32 GEMM on a given list of products (bench/gemm-shapes.ts): each [batch, m, n, k, transA,
# transB], with a transposed operand stored the other way round as in gradstack and a preallocated output.
# usage: python3 bench/torch/gemm_calls.py '[[1,768,512,128,0,1], ...]'  (prints one JSON list of ms per call)
import json, os, statistics, sys, time
import torch

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", os.environ.get("GRADSTACK_NUM_THREADS", "2"))))
torch.manual_seed(0)


def median_ms(fn, budget_s=0.3):
    for _ in range(3):
        fn()
    t0 = time.perf_counter(); fn(); once = time.perf_counter() - t0
    reps = max(5, min(500, round(budget_s / max(once, 1e-6))))
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def product(batch, m, n, k, trans_a, trans_b):
    a = torch.randn(batch, k, m).transpose(1, 2) if trans_a else torch.randn(batch, m, k)
    b = torch.randn(batch, n, k).transpose(1, 2) if trans_b else torch.randn(batch, k, n)
    if batch == 1:
        a, b, c = a[0], b[0], torch.empty(m, n)
        return lambda: torch.mm(a, b, out=c)
    c = torch.empty(batch, m, n)
    return lambda: torch.bmm(a, b, out=c)


print(json.dumps([median_ms(product(*spec)) for spec in json.loads(sys.argv[1])]))
