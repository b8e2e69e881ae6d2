"""PyTorch twin of `gradstack train lstm --config configs/lstm_shakespeare.json`: a character LSTM
language model on tiny Shakespeare, trained for a fixed wall time, then scored on the validation text.

usage: /usr/bin/python3 bench/torch/lstm_shakespeare.py [--config FILE] [--key=value ...] [--threads 2]

Every --key=value names a key of the config file (the gradstack trainer's option names), e.g.
--max_seconds=30 or --max_iters=200. What it mirrors of src/train/lm-text.ts ("stream" batching):
- data: the characters of data/tinyshakespeare/input.txt, vocabulary sorted(set(text)); the last
  floor(len * val_fraction) characters are the validation text, the rest the training text;
- batches: each epoch cuts the training text into batch_size parallel rows starting at a random offset
  in [0, num_steps) (drawn from gradstack's own generator, seeded seed + 1, so the offsets are the same
  ones), and batch k is columns [k*T, (k+1)*T) of every row; the LSTM state is carried from batch to
  batch (detached) and reset at the start of each epoch;
- model: Embedding(V, embed_dim) -> LSTM(num_layers, dropout between layers) -> Dropout -> Linear(H, V),
  PyTorch's default initialisation (which gradstack's layers copy), parameters named as in gradstack;
- step: mean cross-entropy over all B*T positions, zero_grad, backward, clip_grad_norm_(grad_clip),
  Adam(lr, betas (0.9, 0.999), eps 1e-8) step;
- clock: max_seconds counts from the first step and includes evaluations; the check follows each step;
- validation: every eval_interval epochs and once at the end, in eval mode (no dropout): the validation
  text as min(batch_size, (len - 1) // (4 T)) rows (32 rows of 3,485 characters for tiny Shakespeare),
  read in windows of T with the state carried, the mean loss per character over all windows (54 windows,
  110,592 predictions).
The last line printed is JSON: {"framework": "torch", "val_loss": ..., "iters": ..., "tokens_per_s": ...}.
tokens_per_s counts training characters per second of optimizer steps (evaluations excluded), as
gradstack's tokens_per_s in the "final" record of its metrics.jsonl.
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
M32 = 0xFFFFFFFF


# gradstack's Generator (src/tensor/random.ts): xoshiro128** seeded through splitmix32.
def _imul(a, b):
    return (a * b) & M32


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


class GsGenerator:
    def __init__(self, seed=0):
        hi = seed // 2**32
        s = ((seed & M32) ^ _imul(hi & M32, 0x27D4EB2D)) & M32
        state = []
        for _ in range(4):
            s = (s + 0x9E3779B9) & M32
            z = s
            z = _imul(z ^ (z >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            state.append((z ^ (z >> 16)) & M32)
        self.s = state

    def next_uint32(self):
        s = self.s
        result = _imul(_rotl(_imul(s[1], 5), 7), 9)
        t = (s[1] << 9) & M32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def random(self):
        hi = self.next_uint32() >> 5
        lo = self.next_uint32() >> 6
        return (hi * 67108864 + lo) / 9007199254740992

    def randint(self, lo, hi):
        return lo + math.floor(self.random() * (hi - lo))


def load_text(data):
    if data in ("shakespeare", "tinyshakespeare"):
        data = os.path.join(ROOT, "data", "tinyshakespeare", "input.txt")
    elif data == "timemachine":
        sys.exit("lstm_shakespeare.py: data=timemachine (d2l's preprocessing) is not mirrored here")
    with open(data, encoding="utf-8", newline="") as f:
        return f.read()


def stream_batches(ids, B, T, offset=0):
    """data/char-lm.ts streamBatches: B rows of equal length from `offset`, batch k = columns [kT, (k+1)T)."""
    row_len = (len(ids) - offset - 1) // B
    n = row_len // T
    if n < 1:
        sys.exit(f"stream_batches: {len(ids)} tokens are too few for {B} rows of windows of {T}")
    starts = offset + torch.arange(B) * row_len
    out = []
    for k in range(n):
        idx = (starts + k * T).unsqueeze(1) + torch.arange(T)  # (B, T)
        out.append((ids[idx], ids[idx + 1]))
    return out


class CharLSTM(nn.Module):
    """src/models/rnn-lm.ts RNNLanguageModel with an embedding and an LSTM: the same parameter names."""

    def __init__(self, vocab, embed_dim, hidden, layers, dropout):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed_dim)
        self.rnn = nn.LSTM(
            embed_dim, hidden, num_layers=layers, batch_first=True, dropout=dropout if layers > 1 else 0
        )
        self.drop = nn.Dropout(dropout)
        self.lm_head = nn.Linear(hidden, vocab)

    def forward(self, idx, targets, state=None):
        out, state = self.rnn(self.embedding(idx), state)
        logits = self.lm_head(self.drop(out))  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1)
        return loss, state


def mean_loss(model, batches):
    """Mean loss per character over the batches in eval mode, the state carried across them."""
    model.eval()
    total, count, state = 0.0, 0, None
    with torch.no_grad():
        for x, y in batches:
            loss, state = model(x, y, state)
            total += loss.item() * y.numel()
            count += y.numel()
    model.train()
    return total / count


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default=os.path.join(ROOT, "configs", "lstm_shakespeare.json"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out_dir", default="runs/lstm-shakespeare-torch")
    p.add_argument("--print_every", type=float, default=5.0, help="seconds between progress lines")
    args, rest = p.parse_known_args(argv)
    with open(args.config) as f:
        cfg = json.load(f)
    for arg in rest:
        if not arg.startswith("--") or "=" not in arg:
            sys.exit(f'lstm_shakespeare.py: unexpected argument "{arg}" (options are --key=value)')
        key, value = arg[2:].split("=", 1)
        key = key.replace("-", "_")
        if key not in cfg:
            sys.exit(f'lstm_shakespeare.py: unknown key "{key}"; known keys: {", ".join(cfg)}')
        if isinstance(cfg[key], str):
            cfg[key] = value
        else:
            number = float(value)
            cfg[key] = int(number) if number.is_integer() and isinstance(cfg[key], int) else number
    cfg["out_dir"] = args.out_dir
    if cfg.get("cell", "lstm") != "lstm" or cfg.get("batching") != "stream":
        sys.exit('lstm_shakespeare.py: only cell "lstm" with batching "stream" is mirrored')
    if cfg.get("optimizer") != "adam" or cfg.get("embed_dim", 0) <= 0:
        sys.exit('lstm_shakespeare.py: only optimizer "adam" with embed_dim > 0 is mirrored')
    return args, cfg


def main(argv):
    args, c = parse_args(argv)
    torch.set_num_threads(args.threads)
    print(json.dumps(c))
    text = load_text(c["data"])
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    ids = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    T, B = c["num_steps"], c["batch_size"]
    n_val = math.floor(len(ids) * c["val_fraction"])
    train_ids, val_ids = ids[: len(ids) - n_val], ids[len(ids) - n_val :]
    val_rows = max(1, min(B, (len(val_ids) - 1) // (T * 4)))
    val_batches = stream_batches(val_ids, val_rows, T)

    torch.manual_seed(c["seed"])
    model = CharLSTM(len(chars), c["embed_dim"], c["hidden_size"], c["num_layers"], c["dropout"])
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=c["learning_rate"], weight_decay=c["weight_decay"])
    gen = GsGenerator(c["seed"] + 1)
    print(
        f"LSTM {c['num_layers']}x{c['hidden_size']} on {c['data']} ({len(chars)} characters, stream) · "
        f"{params:,} parameters · torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(", ".join(f"{k} {tuple(p.shape)}" for k, p in model.named_parameters()))
    print(
        f"train {len(train_ids):,} characters, val {len(val_ids):,} characters as {val_rows} rows x "
        f"{len(val_batches)} windows of {T}"
    )
    os.makedirs(args.out_dir, exist_ok=True)
    metrics = open(os.path.join(args.out_dir, "metrics.jsonl"), "w")

    def log(record):
        metrics.write(json.dumps(record) + "\n")

    start = time.perf_counter()
    last_print = start
    it, epoch, best, val_loss = 0, 0, math.inf, math.nan
    step_s, tokens = 0.0, 0
    done = False
    while not done:
        state, total, count = None, 0.0, 0
        for x, y in stream_batches(train_ids, B, T, gen.randint(0, T)):
            t0 = time.perf_counter()
            loss, state = model(x, y, state)
            opt.zero_grad()
            loss.backward()
            if c["grad_clip"] > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), c["grad_clip"])
            opt.step()
            state = tuple(s.detach() for s in state)
            now = time.perf_counter()
            ms = (now - t0) * 1000
            loss_v = loss.item()
            step_s += ms / 1000
            tokens += y.numel()
            total += loss_v * y.numel()
            count += y.numel()
            log({"iter": it, "split": "train", "loss": loss_v, "lr": c["learning_rate"], "ms": ms})
            it += 1
            if now - last_print >= args.print_every:
                last_print = now
                print(
                    f"iter {it} · loss {loss_v:.4f} · {ms:.0f} ms/step · {tokens / step_s:,.0f} tok/s · "
                    f"{now - start:.0f} s elapsed",
                    flush=True,
                )
            out_of_time = c["max_seconds"] > 0 and time.perf_counter() - start >= c["max_seconds"]
            if (c["max_iters"] > 0 and it >= c["max_iters"]) or out_of_time:
                done = True
                break
        epoch += 1
        if epoch >= c["max_epochs"] and c["max_iters"] == 0:
            done = True
        if epoch % c["eval_interval"] == 0 or done:
            val_loss = mean_loss(model, val_batches)
            best = min(best, val_loss)
            train_loss = total / count
            log(
                {
                    "iter": it,
                    "split": "eval",
                    "epoch": epoch,
                    "train_loss": train_loss,
                    "val_loss": val_loss,
                    "val_ppl": math.exp(val_loss),
                }
            )
            print(
                f"step {it}: train {train_loss:.4f}, val {val_loss:.4f} (perplexity {math.exp(val_loss):.3f})",
                flush=True,
            )
    seconds = time.perf_counter() - start
    result = {
        "framework": "torch",
        "val_loss": val_loss,
        "val_ppl": math.exp(val_loss),
        "best_val_loss": best,
        "iters": it,
        "epochs": epoch,
        "seconds": seconds,
        "tokens_per_s": tokens / step_s,
        "params": params,
        "threads": torch.get_num_threads(),
    }
    final = {k: result[k] for k in ("val_loss", "val_ppl", "best_val_loss", "seconds", "tokens_per_s")}
    log({"iter": it, "split": "final", "epoch": epoch, **final})
    metrics.close()
    with open(os.path.join(args.out_dir, "results.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(f"sample: {json.dumps(sample(model, stoi, chars, c))}")
    print(json.dumps(result))


def sample(model, stoi, chars, c):
    """sample_len characters after the prefix, temperature c["temperature"] (0: the most likely)."""
    model.eval()
    prefix = [stoi[ch] for ch in (c["prefix"] or chars[0])]
    out = list(prefix)
    with torch.no_grad():
        x, state = torch.tensor([prefix]), None
        for _ in range(c["sample_len"]):
            h, state = model.rnn(model.embedding(x), state)
            logits = model.lm_head(h[:, -1])[0]
            if c["temperature"] == 0:
                nxt = int(logits.argmax())
            else:
                nxt = int(torch.multinomial(F.softmax(logits / c["temperature"], -1), 1))
            out.append(nxt)
            x = torch.tensor([[nxt]])
    model.train()
    return "".join(chars[i] for i in out)


if __name__ == "__main__":
    main(sys.argv[1:])
