"""Reads and writes gradstack's PyTorch hand-over (src/io/export/torch-handover.ts): FILE.safetensors (the
model's state dict under nanoGPT's names, and AdamW's buffers as optimizer.state.<i>.exp_avg/exp_avg_sq)
and FILE.json (model_args, iter_num, best_val_loss, config, the optimizer in state_dict() layout with
buffers named by key, vocab, data files, gradstack's RNG state). Uses torch and the stdlib only: the
safetensors package is used when installed, else the format (an 8-byte header length, a JSON header,
raw little-endian data) is read and written here."""

import ctypes
import json
import os
import struct

import torch

FORMAT = "gradstack-torch-handover"
DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64,
          "F16": torch.float16, "BF16": torch.bfloat16, "U8": torch.uint8, "BOOL": torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}
# What a group keeps in the .json: its parameters and AdamW's options (not torch's foreach/fused/... flags).
GROUP_KEYS = ("params", "param_names", "lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")


def sidecar(path):
    return (path[: -len(".safetensors")] if path.endswith(".safetensors") else path) + ".json"


def load_safetensors(path):
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    data = bytearray(raw[8 + n :])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        if end == begin:
            out[name] = torch.empty(info["shape"], dtype=dtype)
            continue
        count = (end - begin) // torch.empty(0, dtype=dtype).element_size()
        t = torch.frombuffer(data, dtype=dtype, offset=begin, count=count)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def save_safetensors(path, tensors, metadata=None):
    """Writes the file (atomically: a temporary file renamed over it)."""
    items = [(k, v.detach().cpu().contiguous()) for k, v in sorted(tensors.items())]
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        size = t.numel() * t.element_size()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    blob = json.dumps(header).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _, t in items:
            f.write(ctypes.string_at(t.data_ptr(), t.numel() * t.element_size()))
    os.replace(tmp, path)


def read(path):
    """The pair as a dict shaped like nanoGPT's ckpt.pt (model, optimizer, model_args, iter_num,
    best_val_loss, config) plus vocab, data (absolute paths) and rng."""
    with open(sidecar(path), "r", encoding="utf-8") as f:
        body = json.load(f)
    if body.get("format") != FORMAT:
        raise ValueError(f"{sidecar(path)} is not a gradstack PyTorch hand-over")
    tensors = load_safetensors(path)
    model = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    optimizer = None
    if body.get("optimizer"):
        state = {}
        for i, entry in body["optimizer"]["state"].items():
            state[int(i)] = {
                k: (tensors[v] if isinstance(v, str) else torch.tensor(float(v))) for k, v in entry.items()
            }
        optimizer = {"state": state, "param_groups": body["optimizer"]["param_groups"]}
    data = body.get("data")
    if data:
        here = os.path.dirname(os.path.abspath(sidecar(path)))
        data = dict(data, train=os.path.join(here, data["train"]), val=os.path.join(here, data["val"]))
    best = body.get("best_val_loss")
    return dict(
        model=model,
        optimizer=optimizer,
        model_args=body["model_args"],
        iter_num=int(body.get("iter_num", 0)),
        best_val_loss=float("inf") if best is None else best,
        config=body.get("config", {}),
        vocab=body.get("vocab"),
        data=data,
        rng=body.get("rng"),
    )


def write(path, ckpt):
    """Writes ckpt (the keys read() returns; optimizer as optimizer.state_dict(), with param_names per
    group if known) as the pair. Data paths are written relative to the pair's folder."""
    tensors = {k: v for k, v in ckpt["model"].items()}
    optimizer = None
    if ckpt.get("optimizer"):
        state = {}
        for i, entry in ckpt["optimizer"]["state"].items():
            state[str(i)] = {}
            for k, v in entry.items():
                if k == "step":
                    state[str(i)][k] = int(round(float(v)))
                else:
                    name = f"optimizer.state.{i}.{k}"
                    tensors[name] = v
                    state[str(i)][k] = name
        groups = [{k: v for k, v in g.items() if k in GROUP_KEYS} for g in ckpt["optimizer"]["param_groups"]]
        optimizer = {"state": state, "param_groups": groups}
    data = ckpt.get("data")
    if data:
        here = os.path.dirname(os.path.abspath(sidecar(path)))
        data = dict(data, train=os.path.relpath(data["train"], here), val=os.path.relpath(data["val"], here))
    best = ckpt.get("best_val_loss", float("inf"))
    body = dict(
        format=FORMAT,
        version=1,
        model_args=ckpt["model_args"],
        iter_num=int(ckpt.get("iter_num", 0)),
        best_val_loss=None if best == float("inf") else float(best),
        config=ckpt.get("config", {}),
        optimizer=optimizer,
        vocab=ckpt.get("vocab"),
        data=data,
        rng=ckpt.get("rng"),
    )
    save_safetensors(path, tensors, {"format": FORMAT})
    tmp = f"{sidecar(path)}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({k: v for k, v in body.items() if v is not None or k == "best_val_loss"}, f, indent=1)
    os.replace(tmp, sidecar(path))


def read_tokens(path):
    """nanoGPT's train.bin/val.bin: uint16 little-endian ids, as an int64 tensor."""
    with open(path, "rb") as f:
        raw = f.read()
    ids = struct.unpack(f"<{len(raw) // 2}H", raw)
    return torch.tensor(ids, dtype=torch.long)
