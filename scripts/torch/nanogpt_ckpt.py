"""Converts between gradstack's PyTorch hand-over (RUN.safetensors + RUN.json) and nanoGPT's ckpt.pt.

usage:
  python3 scripts/torch/nanogpt_ckpt.py to-pt RUN.safetensors OUT_DIR
      writes OUT_DIR/ckpt.pt (model, optimizer, model_args, iter_num, best_val_loss, config: what
      nanoGPT's train.py --init_from=resume --out_dir=OUT_DIR loads) and OUT_DIR/data/ (train.bin,
      val.bin and meta.pkl, as nanoGPT's prepare.py writes them).
  python3 scripts/torch/nanogpt_ckpt.py from-pt CKPT.pt OUT.safetensors [--meta meta.pkl]
      writes the pair from a checkpoint torch.save wrote (nanoGPT's train.py or continue.py's model);
      the vocabulary comes from meta.pkl's itos. `gradstack import --from OUT.safetensors` reads it.
torch.save files are zips of pickles, which gradstack does not read: this script is the bridge.
gradstack's GPT uses GELU's tanh approximation, nanoGPT's model.py the exact GELU: logits differ by
about 1e-3 between the two on the same weights (the model in this folder follows gradstack).
"""

import argparse
import os
import pickle
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import handover  # noqa: E402
from model import GPT  # noqa: E402
from optimizer_state import full_optimizer_state  # noqa: E402


def to_pt(src, out_dir):
    ck = handover.read(src)
    os.makedirs(os.path.join(out_dir, "data"), exist_ok=True)
    model = GPT(ck["model_args"])
    model.load_state_dict({k: v for k, v in ck["model"].items() if not k.endswith(".attn.bias")})
    optimizer = full_optimizer_state(model, ck) if ck.get("optimizer") else None
    torch.save(
        dict(model=model.state_dict(), optimizer=optimizer, model_args=ck["model_args"],
             iter_num=ck["iter_num"], best_val_loss=ck["best_val_loss"], config=ck["config"]),
        os.path.join(out_dir, "ckpt.pt"),
    )
    if ck.get("data"):
        for split in ("train", "val"):
            shutil.copyfile(ck["data"][split], os.path.join(out_dir, "data", f"{split}.bin"))
    if ck.get("vocab"):
        itos = dict(enumerate(ck["vocab"]))
        meta = dict(vocab_size=len(itos), itos=itos, stoi={c: i for i, c in itos.items()})
        with open(os.path.join(out_dir, "data", "meta.pkl"), "wb") as f:
            pickle.dump(meta, f)
    print(f"wrote {os.path.join(out_dir, 'ckpt.pt')}")


def from_pt(src, out, meta):
    ck = torch.load(src, map_location="cpu")
    # torch.compile'd models save their weights under _orig_mod. (nanoGPT strips it the same way)
    sd = {k.replace("_orig_mod.", "", 1): v for k, v in ck["model"].items()}
    if "lm_head.weight" not in sd:
        sd["lm_head.weight"] = sd["transformer.wte.weight"]
    optimizer = ck.get("optimizer")
    if optimizer:
        model = GPT(ck["model_args"])
        for g, names in zip(optimizer["param_groups"], model.group_param_names()):
            g["param_names"] = names
    vocab = None
    if meta:
        with open(meta, "rb") as f:
            itos = pickle.load(f)["itos"]
        vocab = [itos[i] for i in range(len(itos))]
    best = ck.get("best_val_loss", float("inf"))
    handover.write(out, dict(model=sd, optimizer=optimizer, model_args=ck["model_args"],
                             iter_num=int(ck.get("iter_num", 0)), best_val_loss=float(best),
                             config=ck.get("config", {}), vocab=vocab))
    print(f"wrote {out}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("to-pt")
    a.add_argument("src")
    a.add_argument("out_dir")
    b = sub.add_parser("from-pt")
    b.add_argument("src")
    b.add_argument("out")
    b.add_argument("--meta", default="")
    args = p.parse_args()
    if args.cmd == "to-pt":
        to_pt(args.src, args.out_dir)
    else:
        from_pt(args.src, args.out, args.meta)


if __name__ == "__main__":
    main()
