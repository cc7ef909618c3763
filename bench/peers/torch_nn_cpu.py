#!/usr/bin/env python3
"""PyTorch CPU peer timings for the nn ops' bench cases (bench/ops/{norm,rope,activation,softmax}
.bench.ts), written the way HF transformers runs them: Qwen2RMSNorm's unfused sequence, the
residual add then the norm, q * cos + rotate_half(q) * sin in bf16 (text) or f32 (vision),
silu(gate) * up, GELU, softmax(dtype=f32). Median of `reps` calls after warm-up, all threads of
the machine (torch.set_num_threads(os.cpu_count()): the
library's default may be 1 here). Prints a markdown table; run it in the same session as
`npm run bench -- norm rope activation softmax` so the two see the same machine load.

usage: python3 bench/peers/torch_nn_cpu.py [reps]
"""
import os
import statistics
import sys
import time

import torch

bf, f32 = torch.bfloat16, torch.float32


def rms(x, w, eps=1e-6):
    dt = x.dtype
    h = x.to(f32)
    h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + eps)
    return w * h.to(dt)


def rot(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def cases():
    r = lambda *s, dt=bf: torch.randn(*s).to(dt)  # noqa: E731
    x, w = r(256, 3584), r(3584)
    yield "rms_norm bf16 LLM prefill 256", lambda: rms(x, w)
    x4 = r(4096, 3584)
    yield "rms_norm bf16 LLM prefill 4096", lambda: rms(x4, w)
    xv, wv = r(4096, 1280, dt=f32), r(1280, dt=f32)
    yield "rms_norm f32 vision 4096 patches", lambda: rms(xv, wv)
    a, b = r(1024, 3584), r(1024, 3584)
    yield "add_rms_norm bf16 LLM prefill 1024", lambda: rms(a + b, w)
    bb = r(1280, dt=f32)
    yield "layer_norm f32 vision-size rows", lambda: torch.nn.functional.layer_norm(xv, (1280,), wv, bb, 1e-5)
    q, c, s = r(4096, 28, 128), r(4096, 1, 128), r(4096, 1, 128)
    yield "rope bf16 (tables bf16) LLM q prefill 4096", lambda: q * c + rot(q) * s
    qv, cv, sv = r(4096, 16, 80), r(4096, 1, 80, dt=f32), r(4096, 1, 80, dt=f32)
    yield "rope bf16 (tables f32) vision q 4096 patches", lambda: (qv.float() * cv + rot(qv.float()) * sv).to(bf)
    g, u = r(256, 18944), r(256, 18944)
    yield "swiglu bf16 gate, up LLM prefill 256", lambda: torch.nn.functional.silu(g) * u
    yield "silu bf16 LLM prefill 256", lambda: torch.nn.functional.silu(g)
    m = r(1024, 5120, dt=f32)
    yield "gelu f32 merger 1024 units", lambda: torch.nn.functional.gelu(m)
    yield "gelu_tanh f32 merger 1024 units", lambda: torch.nn.functional.gelu(m, approximate="tanh")
    sc = r(28 * 256, 4096)
    yield "softmax bf16->bf16 LLM 28x256 queries, 4096 keys", lambda: torch.softmax(sc, -1)
    yield "softmax bf16->f32 LLM eager (f32 probs)", lambda: torch.softmax(sc, -1, dtype=f32)
    sv2 = r(16 * 1024, 1024, dt=f32)
    yield "softmax f32->f32 vision 16x1024, 1024 keys", lambda: torch.softmax(sv2, -1)


def main(reps):
    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    print(f"PyTorch {torch.__version__} CPU, {torch.get_num_threads()} threads\n")
    print("| case | median ms | min ms |\n|---|--:|--:|")
    for name, fn in cases():
        for _ in range(2):
            fn()
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t0) * 1e3)
        print(f"| {name} | {statistics.median(ts):.3f} | {min(ts):.3f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
