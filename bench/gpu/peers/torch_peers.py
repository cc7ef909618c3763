"""PyTorch on the same GPU, at the shapes of our benchmarks (bench/ops/*.bench.ts) plus the
attention and patch-embedding shapes of the model, timed with CUDA events. Prints JSON:
{"markdown": table, "rows": [...]}. Run by bench/gpu/verify.ts; needs python3 with torch."""
import json
import sys

try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - report any import failure as "not run"
    print(json.dumps({"markdown": f"torch not importable: {e}", "rows": []}))
    sys.exit(0)

if not torch.cuda.is_available():
    print(json.dumps({"markdown": "torch has no CUDA device", "rows": []}))
    sys.exit(0)

dev = torch.device("cuda")
rows = []


def timeit(name, fn, flops=0, nbytes=0, reps=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(reps):
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    ms = times[len(times) // 2]
    rows.append({"case": name, "ms": ms, "tflops": flops / ms / 1e9 if flops else None, "gbs": nbytes / ms / 1e6 if nbytes else None})


def rand(*shape, dtype=torch.float32):
    return torch.rand(*shape, device=dev, dtype=dtype) * 2 - 1


for dt, nm in [(torch.float32, "f32"), (torch.bfloat16, "bf16")]:
    a, b = rand(4096, 3584, dtype=dt), rand(4096, 3584, dtype=dt)
    timeit(f"add {nm} [4096, 3584]", lambda: a + b, nbytes=3 * a.numel() * a.element_size())
    x, w = rand(256, 3584, dtype=dt), rand(3584, 3584, dtype=dt)
    timeit(f"matmul {nm} [256, 3584] x [3584, 3584]", lambda: x @ w, flops=2 * 256 * 3584 * 3584)
m = rand(4096, 4096, dtype=torch.bfloat16)
timeit("matmul bf16 4096^3", lambda: m @ m, flops=2 * 4096**3)
# the linear op's layout: x [M, K] times w [N, K] transposed (bench/gpu/gemm.ts compares with it)
lw = rand(4096, 4096, dtype=torch.bfloat16)
timeit("linear bf16 4096^3", lambda: F.linear(m, lw), flops=2 * 4096**3)
big = torch.empty(2**28, device=dev, dtype=torch.float32)
timeit("copy (clone) 1 GiB", lambda: big.clone(), nbytes=2 * big.numel() * 4)
for d in (80, 128):
    q = rand(1, 16, 4096, d, dtype=torch.bfloat16)
    timeit(f"sdpa bf16 B1 H16 S4096 D{d}", lambda: F.scaled_dot_product_attention(q, q, q), flops=4 * 4096 * 4096 * 16 * d)
# FlashAttention's benchmark shape (16k tokens, hidden 2048), next to bench/gpu/attention.ts
q8 = rand(2, 16, 8192, 128, dtype=torch.bfloat16)
timeit("sdpa bf16 B2 H16 S8192 D128", lambda: F.scaled_dot_product_attention(q8, q8, q8), flops=4 * 2 * 8192 * 8192 * 16 * 128)
del q8
# Qwen2.5-VL patch embedding: Conv3d(3, 1280, kernel (2, 14, 14), stride = kernel) on 1024 patches
px = rand(1024, 3, 2, 14, 14, dtype=torch.bfloat16)
conv = torch.nn.Conv3d(3, 1280, (2, 14, 14), stride=(2, 14, 14), bias=False, device=dev, dtype=torch.bfloat16)
timeit("conv3d patch-embed bf16 1024 patches", lambda: conv(px), flops=2 * 1024 * 1280 * 3 * 2 * 14 * 14)

def fmt(v, spec):
    return format(v, spec) if v is not None else "–"


md = [f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}", "", "| case | median | TFLOP/s | GB/s |", "|---|--:|--:|--:|"]
for r in rows:
    md.append(f"| {r['case']} | {r['ms']:.3f} ms | {fmt(r['tflops'], '.1f')} | {fmt(r['gbs'], '.0f')} |")
print(json.dumps({"markdown": "\n".join(md), "rows": rows}))
