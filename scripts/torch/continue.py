"""Continues a gradstack GPT run in PyTorch, single-process or data-parallel (DDP), from the hand-over that
`gradstack export --format pytorch` writes; logs one JSON line per step and per evaluation.

usage:
  python3 scripts/torch/continue.py RUN.safetensors --max_iters 5000 --out NEXT.safetensors
  torchrun --nproc_per_node=N scripts/torch/continue.py RUN.safetensors --max_iters 5000 --out NEXT.safetensors

It is nanoGPT's train.py loop on the run's config (the same keys: batch_size, learning_rate, warmup_iters,
lr_decay_iters, min_lr, grad_clip, gradient_accumulation_steps, eval_interval, eval_iters, ...):
- the AdamW state (step, exp_avg, exp_avg_sq) is loaded in configure_optimizers' group order, so the
  first step here is the step gradstack would have taken next;
- with --batches gradstack (the default when the hand-over carries gradstack's RNG state) the windows
  are drawn from gradstack's own random stream (gradstack_rng.py), so the losses are gradstack's
  continuation's to float32 rounding; --batches torch draws them with torch.randint (seed + rank), as
  nanoGPT does;
- one optimizer step takes gradient_accumulation_steps micro-batches, drawn in order; under torchrun
  with N processes rank r takes micro-batches r, r + N, ... (the count must divide by N) and DDP
  averages the gradients, so N processes compute the same step as one (gloo on CPU, nccl on GPUs);
- every eval_interval steps and at the end rank 0 estimates the train/val loss like gradstack (its
  evaluation stream does not move the training one);
- at the end rank 0 writes --out (same format: `gradstack import --from NEXT.safetensors` reads it).
Uses torch and the standard library only.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gradstack_rng  # noqa: E402
import handover  # noqa: E402
from optimizer_state import load_optimizer  # noqa: E402
from model import GPT  # noqa: E402


def lr_at(it, c):
    """nanoGPT's get_lr (gradstack's cosineWithWarmupLr)."""
    if not c["decay_lr"]:
        return c["learning_rate"]
    if it < c["warmup_iters"]:
        return c["learning_rate"] * (it + 1) / (c["warmup_iters"] + 1)
    if it > c["lr_decay_iters"]:
        return c["min_lr"]
    ratio = (it - c["warmup_iters"]) / (c["lr_decay_iters"] - c["warmup_iters"])
    return c["min_lr"] + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (c["learning_rate"] - c["min_lr"])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("handover", help="RUN.safetensors (with RUN.json beside it)")
    p.add_argument("--max_iters", type=int, required=True, help="train until this iteration")
    p.add_argument("--out", default="", help="write the final state here (.safetensors)")
    p.add_argument("--eval_interval", type=int, default=None, help="default: the run's")
    p.add_argument("--eval_iters", type=int, default=None, help="default: the run's")
    p.add_argument("--batch_size", type=int, default=None, help="windows per micro-batch (default: the run's)")
    p.add_argument("--gradient_accumulation_steps", type=int, default=None,
                   help="micro-batches per step, over all processes (default: the run's)")
    p.add_argument("--batches", choices=["gradstack", "torch"], default=None)
    p.add_argument("--device", default="auto", help="auto (cuda if available), cpu or cuda")
    p.add_argument("--threads", type=int, default=0, help="torch threads per process (0: torch's default)")
    p.add_argument("--jsonl", default="", help="also append the JSON lines to this file")
    p.add_argument("--save_ranks", action="store_true", help="every rank writes OUT.rank<r>.safetensors (its weights)")
    args = p.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    ddp = "RANK" in os.environ
    use_cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    if ddp:
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        local = int(os.environ.get("LOCAL_RANK", 0))
    else:
        rank, world, local = 0, 1, 0
    device = torch.device(f"cuda:{local}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    log_file = open(args.jsonl, "a", encoding="utf-8") if args.jsonl and rank == 0 else None

    def log(**fields):
        if rank != 0:
            return
        line = json.dumps(fields)
        print(line, flush=True)
        if log_file:
            log_file.write(line + "\n")
            log_file.flush()

    ck = handover.read(args.handover)
    c = dict(ck["config"])
    for k in ("eval_interval", "eval_iters", "batch_size", "gradient_accumulation_steps"):
        if getattr(args, k) is not None:
            c[k] = getattr(args, k)
    accum = int(c.get("gradient_accumulation_steps", 1))
    if accum % world != 0:
        raise SystemExit(
            f"gradient_accumulation_steps ({accum}) must be a multiple of the processes ({world}): "
            f"pass --gradient_accumulation_steps {world * max(1, accum // world)}"
        )
    batches = args.batches or ("gradstack" if ck.get("rng") else "torch")
    if not ck.get("data"):
        raise SystemExit(f"{args.handover}: no token data named in the .json")
    splits = {s: handover.read_tokens(ck["data"][s]) for s in ("train", "val")}
    B, T = int(c["batch_size"]), int(ck["model_args"]["block_size"])

    model = GPT(ck["model_args"]).to(device)
    weights = {k: v for k, v in ck["model"].items() if not k.endswith(".attn.bias")}
    model.load_state_dict(weights)
    opt = model.configure_optimizers(c["weight_decay"], c["learning_rate"], (c["beta1"], c["beta2"]))
    if ck.get("optimizer"):
        load_optimizer(opt, model, ck["optimizer"])
    net = DDP(model, device_ids=[local] if use_cuda else None) if ddp else model

    if batches == "gradstack":
        gen = gradstack_rng.Generator(state=ck["rng"])
        draw = lambda split, gen=gen: gradstack_rng.random_windows(splits[split], B, T, gen)  # noqa: E731
    else:
        torch.manual_seed(int(c.get("seed", 1337)) + rank + ck["iter_num"])
        draw = lambda split: _torch_windows(splits[split], B, T)  # noqa: E731

    @torch.no_grad()
    def estimate_loss(it):
        model.eval()
        out = {}
        eval_gen = gradstack_rng.Generator(seed=int(c.get("seed", 1337)) * 7919 + it)
        for split in ("train", "val"):
            total = 0.0
            for _ in range(int(c["eval_iters"])):
                if batches == "gradstack":
                    x, y = gradstack_rng.random_windows(splits[split], B, T, eval_gen)
                else:
                    x, y = _torch_windows(splits[split], B, T)
                total += model(x.to(device), y.to(device))[1].item()
            out[split] = total / int(c["eval_iters"])
        model.train()
        return out

    it, best = ck["iter_num"], ck["best_val_loss"]
    mine = [k for k in range(accum) if k % world == rank]
    log(event="start", iter=it, max_iters=args.max_iters, world_size=world, device=str(device),
        batches=batches, torch=torch.__version__)
    model.train()
    while True:
        last = it >= args.max_iters
        if rank == 0 and (last or it % int(c["eval_interval"]) == 0):
            losses = estimate_loss(it)
            best = min(best, losses["val"])
            log(event="eval", iter=it, train_loss=losses["train"], val_loss=losses["val"])
        if last:
            break
        lr = lr_at(it, c)
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.perf_counter()
        micro = [draw("train") for _ in range(accum)]  # every rank draws all, so the stream stays in step
        total = torch.zeros(1, device=device)
        for j, k in enumerate(mine):
            if ddp:
                net.require_backward_grad_sync = j == len(mine) - 1  # all-reduce once, after the last
            x, y = micro[k]
            _, loss = net(x.to(device), y.to(device))
            (loss / len(mine) if len(mine) > 1 else loss).backward()
            total += loss.detach()
        if ddp:
            dist.all_reduce(total)
        if c.get("grad_clip", 0) > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), c["grad_clip"])
        opt.step()
        opt.zero_grad(set_to_none=True)
        log(event="step", iter=it, loss=total.item() / accum, lr=lr, ms=1000 * (time.perf_counter() - t0))
        it += 1

    if args.save_ranks and args.out:
        handover.save_safetensors(args.out.replace(".safetensors", f".rank{rank}.safetensors"), model.state_dict())
    if rank == 0 and args.out:
        sd = opt.state_dict()
        for g, names in zip(sd["param_groups"], model.group_param_names()):
            g["param_names"] = names
        rng = None
        if batches == "gradstack":
            rng = {"s": gen.s, "spare": ck["rng"].get("spare")}
        handover.write(args.out, dict(ck, model=model.state_dict(), optimizer=sd, iter_num=it,
                                      best_val_loss=best, config=c, rng=rng))
        log(event="saved", file=args.out, iter=it)
    if ddp:
        dist.barrier()
        dist.destroy_process_group()
        # Every rank's work is written. Leave without the interpreter's teardown: under load a gloo
        # worker thread still joinable then aborts the process ("terminate called without an active
        # exception", seen once in npm test after the run had saved), which torchrun reports as failure.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def _torch_windows(data, batch_size, block_size):
    ix = torch.randint(len(data) - block_size, (batch_size,))
    pos = ix[:, None] + torch.arange(block_size)
    return data[pos], data[pos + 1]


if __name__ == "__main__":
    main()
