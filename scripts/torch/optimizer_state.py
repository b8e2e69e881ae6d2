"""AdamW's state from a hand-over onto a model built here: parameter indices mapped group by group, position by
position (nanoGPT's configure_optimizers order), after checking the parameter names when they were saved."""

import torch


def load_optimizer(opt, model, saved):
    """Maps the saved state_dict onto this optimizer's parameter indices, group by group, position by position."""
    sd = opt.state_dict()
    names = model.group_param_names()
    if len(saved["param_groups"]) != len(sd["param_groups"]):
        raise ValueError(f"{len(saved['param_groups'])} optimizer groups saved, configure_optimizers makes 2")
    state = {}
    for gi, (mine, theirs) in enumerate(zip(sd["param_groups"], saved["param_groups"])):
        if "param_names" in theirs and theirs["param_names"] != names[gi]:
            raise ValueError(f"optimizer group {gi}: saved parameters {theirs['param_names']}, model has {names[gi]}")
        if len(theirs["params"]) != len(mine["params"]):
            raise ValueError(f"optimizer group {gi}: {len(theirs['params'])} parameters saved, {len(mine['params'])} here")
        for k in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
            if k in theirs:
                mine[k] = tuple(theirs[k]) if k == "betas" else theirs[k]
        for new, old in zip(mine["params"], theirs["params"]):
            if old in saved["state"]:
                entry = dict(saved["state"][old])
                entry["step"] = torch.tensor(float(entry["step"]))  # a tensor since torch 1.12
                state[new] = entry
    sd["state"] = state
    opt.load_state_dict(sd)


def full_optimizer_state(model, ck):
    """The hand-over's optimizer as a complete optimizer.state_dict() of this torch (every group flag)."""
    c = ck["config"]
    opt = model.configure_optimizers(c["weight_decay"], c["learning_rate"], (c["beta1"], c["beta2"]))
    load_optimizer(opt, model, ck["optimizer"])
    return opt.state_dict()
