#!/usr/bin/env python3
"""PyTorch CPU peer for bench/ops/linear.bench.ts (run with --peers).

Reads a JSON list of cases {name, m, n, k, dtype} from argv[1] (or stdin), runs
torch.nn.functional.linear(x [m, k], w [n, k]) on the CPU with the given thread count, and prints
one JSON object: the median time and GFLOP/s of each case, the torch version, and which library
served the matmul (oneDNN for bf16 - with its ISA when its verbose log names one - and the BLAS
library mapped into the process for f32). Timing: warm-up calls, then the median of repeats,
each repeat long enough (>= 50 ms) to make the clock's resolution irrelevant.
"""
import json
import os
import sys
import tempfile
import time


def blas_library():
    try:
        with open('/proc/self/maps') as f:
            libs = {os.path.basename(line.split()[-1]) for line in f if '.so' in line}
    except OSError:
        return 'unknown'
    found = sorted(x for x in libs if any(k in x for k in ('openblas', 'blis', 'mkl_rt', 'libblas')))
    return ', '.join(found) if found else 'unknown'


def onednn_isa(torch, fn):
    """Runs fn once with oneDNN's verbose log on (fd 1 captured) and returns the kernel names."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        with tempfile.TemporaryFile(mode='w+') as tmp:
            os.dup2(tmp.fileno(), 1)
            try:
                with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON):
                    fn()
            finally:
                sys.stdout.flush()
                os.dup2(saved, 1)
                os.close(saved)
            tmp.seek(0)
            log = tmp.read()
        impls = set()
        for line in log.splitlines():
            parts = line.split(',')
            if line.startswith('onednn_verbose,exec') or line.startswith('dnnl_verbose,exec'):
                # exec,cpu,<primitive>,<implementation>,...
                if len(parts) > 4:
                    impls.add(f'{parts[3]}:{parts[4]}')
        return ', '.join(sorted(impls)) if impls else 'no oneDNN primitive ran'
    except Exception as e:  # noqa: BLE001 - diagnostics only
        return f'unknown ({e})'


def main():
    spec = json.loads(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read())
    import torch

    threads = int(spec.get('threads') or os.cpu_count() or 1)
    torch.set_num_threads(threads)
    dtypes = {'f32': torch.float32, 'bf16': torch.bfloat16, 'f16': torch.float16}
    out = {
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': blas_library(),
        'mkldnn': bool(torch.backends.mkldnn.is_available()),
        'cases': [],
    }
    torch.manual_seed(0)
    for c in spec['cases']:
        m, n, k, dt = c['m'], c['n'], c['k'], dtypes[c['dtype']]
        x = (torch.rand(m, k) * 2 - 1).to(dt)
        w = (torch.rand(n, k) * 2 - 1).to(dt)
        f = torch.nn.functional.linear
        with torch.no_grad():
            for _ in range(3):
                f(x, w)
            t0 = time.perf_counter()
            f(x, w)
            one = max(time.perf_counter() - t0, 1e-6)
            reps = max(1, int(0.05 / one))
            samples = []
            for _ in range(int(spec.get('repeats', 7))):
                t0 = time.perf_counter()
                for _ in range(reps):
                    f(x, w)
                samples.append((time.perf_counter() - t0) / reps)
            samples.sort()
            ms = samples[len(samples) // 2] * 1e3
            lib = onednn_isa(torch, lambda: f(x, w)) if c['dtype'] == 'bf16' else out['blas']
        out['cases'].append({'name': c['name'], 'ms': ms, 'gflops': 2 * m * n * k / (ms / 1e3) / 1e9, 'library': lib})
    print(json.dumps(out))


if __name__ == '__main__':
    main()
