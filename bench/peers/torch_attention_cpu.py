#!/usr/bin/env python3
"""PyTorch CPU peer for bench/ops/attention.bench.ts (run with --peers).

Reads a JSON object {threads, repeats, cases: [{name, b, s, h, d, causal}]} from argv[1] (or
stdin) and times, on the CPU in f32, the unfused attention a PyTorch user writes:
    p = softmax(q @ k^T * scale [+ causal mask]) ; out = p @ v     (q/k/v [B, H, S, D])
and, when this torch has it, F.scaled_dot_product_attention (PyTorch >= 2.0; its fused CPU
kernel). Prints one JSON object with the median time and GFLOP/s (FLOPs = 4 B S^2 H D, halved for
causal, as FlashAttention counts) of each case and the torch version.
"""
import json
import math
import os
import sys
import time


def median_time(fn, repeats):
    fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return samples[len(samples) // 2]


def main():
    spec = json.loads(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read())
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(int(spec.get('threads') or os.cpu_count() or 1))
    repeats = int(spec.get('repeats', 3))
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'cases': []}
    torch.manual_seed(0)
    for c in spec['cases']:
        b, s, h, d, causal = c['b'], c['s'], c['h'], c['d'], bool(c.get('causal'))
        q, k, v = (torch.rand(b, h, s, d) * 2 - 1 for _ in range(3))
        scale = 1.0 / math.sqrt(d)
        mask = torch.ones(s, s, dtype=torch.bool).tril() if causal else None

        def unfused():
            att = (q @ k.transpose(-1, -2)) * scale
            if mask is not None:
                att = att.masked_fill(~mask, float('-inf'))
            return torch.softmax(att, dim=-1) @ v

        flops = 4 * b * s * s * h * d / (2 if causal else 1)
        row = {'name': c['name']}
        with torch.no_grad():
            t = median_time(unfused, repeats)
            row['ms'] = t * 1e3
            row['gflops'] = flops / t / 1e9
            if hasattr(F, 'scaled_dot_product_attention'):
                t = median_time(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal), repeats)
                row['sdpaMs'] = t * 1e3
                row['sdpaGflops'] = flops / t / 1e9
        out['cases'].append(row)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
