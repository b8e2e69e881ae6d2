# PyTorch's float32 GEMM on the shapes of bench/gemm.ts, with the same memory layouts and a preallocated
# output (torch.mm(..., out=c)), so that it compares kernel with kernel.
# usage: /usr/bin/python3 bench/torch/gemm_shapes.py   (prints one JSON line per workload)
# or: python3 bench/torch/gemm_shapes.py '[[batch, m, n, k, transA, transB], ...]' (bench/gemm-shapes.ts):
# those products only, printed as one JSON list of ms per call; with GEMM_COLD=1, as {"warm": [...],
# "cold": [...]}, where each cold call follows a sweep of 64 MiB on torch's threads, as gemm-shapes.ts
# --cold sweeps on gradstack's.
import json, os, statistics, sys, time
import torch

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "2")))
torch.manual_seed(0)


def median_ms(fn, budget_s=0.3):
    for _ in range(3):
        fn()
    t0 = time.perf_counter(); fn(); once = time.perf_counter() - t0
    reps = max(5, min(200, round(budget_s / max(once, 1e-6))))
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


SWEEP = torch.zeros(16 << 20)


def cold_median_ms(fn, reps=31):
    # Every cache line of 64 MiB read and written (untimed) before each call, so that the call finds its
    # operands in memory; median of `reps` calls.
    fn()
    ts = []
    for _ in range(reps):
        SWEEP.neg_()
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e3


def gemm(name, m, n, k, trans_a=False, trans_b=False):
    # op(A) is m×k and op(B) is k×n; a transposed operand is stored the other way round, as in gradstack.
    a = torch.randn(k, m).t() if trans_a else torch.randn(m, k)
    b = torch.randn(n, k).t() if trans_b else torch.randn(k, n)
    c = torch.empty(m, n)
    ms = median_ms(lambda: torch.mm(a, b, out=c))
    print(json.dumps(dict(framework="torch", workload=name, median_ms=ms, throughput=2 * m * n * k / ms / 1e6,
                          unit="GFLOP/s", threads=torch.get_num_threads())), flush=True)


def product(batch, m, n, k, trans_a, trans_b):
    # As gemm() lays them out, batched with torch.bmm when batch > 1.
    a = torch.randn(batch, k, m).transpose(1, 2) if trans_a else torch.randn(batch, m, k)
    b = torch.randn(batch, n, k).transpose(1, 2) if trans_b else torch.randn(batch, k, n)
    if batch == 1:
        a, b, c = a[0], b[0], torch.empty(m, n)
        return lambda: torch.mm(a, b, out=c)
    c = torch.empty(batch, m, n)
    return lambda: torch.bmm(a, b, out=c)


if len(sys.argv) > 1:
    fns = [product(*spec) for spec in json.loads(sys.argv[1])]
    warm = [median_ms(fn) for fn in fns]
    if os.environ.get("GEMM_COLD") == "1":
        print(json.dumps(dict(warm=warm, cold=[cold_median_ms(fn) for fn in fns])))
    else:
        print(json.dumps(warm))
    sys.exit(0)

for s in [256, 512, 1024, 2048]:
    gemm(f"sgemm {s}³", s, s, s)
for k in [128, 384, 512]:
    for n in [128, 384, 512]:
        shape = f"M768 K{k} N{n}"
        gemm(f"{shape} A·B", 768, n, k)
        gemm(f"{shape} A·Bᵀ", 768, n, k, trans_b=True)
        gemm(f"{shape} Aᵀ·B", 768, n, k, trans_a=True)
