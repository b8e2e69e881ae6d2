"""gradstack's random stream (src/tensor/random.ts: xoshiro128**, 53-bit uniforms), so that PyTorch can
draw the training batches a gradstack run would have drawn next (src/data/token-windows.ts)."""

import torch

M = 0xFFFFFFFF


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M


class Generator:
    def __init__(self, state=None, seed=None):
        if state is not None:
            self.s = [int(v) & M for v in state["s"]]
        else:
            self.s = _splitmix_seed(seed)

    def next_uint32(self):
        s = self.s
        result = (_rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 9) & M
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
        return lo + int(self.random() * (hi - lo))


def _splitmix_seed(seed):
    """Generator.manualSeed for integer seeds."""
    s = ((seed & M) ^ (((seed // 2**32) & M) * 0x27D4EB2D)) & M
    out = []
    for _ in range(4):
        s = (s + 0x9E3779B9) & M
        z = s
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M
        out.append((z ^ (z >> 16)) & M)
    return out


def random_windows(data, batch_size, block_size, gen):
    """randomWindows: batch_size windows x = data[i:i+T], y = data[i+1:i+T+1] at gen's offsets."""
    ix = torch.tensor([gen.randint(0, len(data) - block_size) for _ in range(batch_size)])
    pos = ix[:, None] + torch.arange(block_size)
    return data[pos], data[pos + 1]
