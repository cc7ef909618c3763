// linear (x · wᵀ, w [N, K] as in checkpoints) at the model's shapes: the issue's GEMM targets
// (256 x 4096 x 4096 bf16 and f32, the decode GEMV 1 x 4096 -> 11008 bf16), the Qwen2.5-VL vision
// tower at a 1564-patch image (qkv, MLP, patch embedding, merger). The custom part prints, in one
// run, our GFLOP/s next to PyTorch's (bench/peers/torch_cpu.py, with --peers or
// XEMB_BENCH_PEERS=1: bf16 through oneDNN, f32 through the BLAS torch links) and the ratio, and
// for the GEMV the CPU's streaming read bandwidth measured right before it (cpuPeaks: 1 GiB,
// vector loads on every pool thread) and our fraction of it, once for the weight called back to
// back (it may stay in a large L3) and once cycling through 8 weights (from DRAM, the honest
// case for decode, where each layer's weights are read once); ours and PyTorch alternate for two
// rounds and each keeps its best (the machine's load varies). PyTorch is optional: without it
// the peer columns say why they are empty.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuPeaks, elapsedMs, ops, recordEvent, synchronize, type DeviceId, type Tensor } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { fmtTime, input, runner, shapeText, size, type BenchCase, type CustomBench, type RunContext } from '../harness.js';

interface Shape {
  label: string;
  m: number;
  k: number;
  n: number;
  dtype: DType;
  bias?: boolean;
}

function lin(s: Shape): BenchCase {
  return {
    name: `linear ${s.dtype} ${s.label}`,
    op: 'linear',
    shape: shapeText([s.m, s.k], [s.n, s.k]),
    bytes: (s.m * s.k + s.n * s.k + s.m * s.n + (s.bias ? s.n : 0)) * size(s.dtype), // x, w (and bias) read once, out written once
    flops: 2 * s.m * s.n * s.k,
    setup(device) {
      const x = input(device, [s.m, s.k], s.dtype, 1);
      const w = input(device, [s.n, s.k], s.dtype, 2);
      const b = s.bias ? input(device, [s.n], s.dtype, 3) : undefined;
      return runner(() => (b ? ops.linear(x, w, b) : ops.linear(x, w)), b ? [x, w, b] : [x, w]);
    },
  };
}

const TARGETS: (Shape & { target: string })[] = [
  { label: 'prefill 256 x 4096 -> 4096', m: 256, k: 4096, n: 4096, dtype: 'bf16', target: '>= 1.0x PyTorch (oneDNN)' },
  { label: 'prefill 256 x 4096 -> 4096', m: 256, k: 4096, n: 4096, dtype: 'f32', target: '>= 1.2x PyTorch (BLAS)' },
  { label: 'decode GEMV 1 x 4096 -> 11008', m: 1, k: 4096, n: 11008, dtype: 'bf16', target: '>= 85% of read bandwidth' },
];

// Qwen2.5-VL vision tower (../shared/reference/mimo-embodied-spec.md §8) on a 1564-patch image
const PATCHES = 1564;
const VISION: Shape[] = [
  { label: 'vision patch embed 1564 x 1176 -> 1280', m: PATCHES, k: 1176, n: 1280, dtype: 'bf16' },
  { label: 'vision qkv 1564 x 1280 -> 3840 + bias', m: PATCHES, k: 1280, n: 3840, dtype: 'bf16', bias: true },
  { label: 'vision mlp up 1564 x 1280 -> 3456 + bias', m: PATCHES, k: 1280, n: 3456, dtype: 'bf16', bias: true },
  { label: 'vision mlp down 1564 x 3456 -> 1280 + bias', m: PATCHES, k: 3456, n: 1280, dtype: 'bf16', bias: true },
  { label: 'vision merger fc1 391 x 5120 -> 5120 + bias', m: PATCHES / 4, k: 5120, n: 5120, dtype: 'bf16', bias: true },
];

export const cases: BenchCase[] = [
  ...TARGETS.map(lin),
  lin({ label: 'decode GEMV 1 x 4096 -> 11008', m: 1, k: 4096, n: 11008, dtype: 'f32' }),
  lin({ label: 'decode 4 rows 4 x 4096 -> 4096', m: 4, k: 4096, n: 4096, dtype: 'bf16' }),
  ...VISION.map(lin),
];

// ---- targets with peers in the same run ----

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Device time of one call (queue clock), median over repeats of batches of >= ~100 ms. */
async function timeOurs(device: DeviceId, s: Shape, repeats: number): Promise<number> {
  const x = input(device, [s.m, s.k], s.dtype, 1);
  const w = input(device, [s.n, s.k], s.dtype, 2);
  const call = (): Tensor => ops.linear(x, w);
  try {
    for (let i = 0; i < 3; i++) call().dispose(); // packs and caches w, warms the allocator
    await synchronize(device);
    let e0 = recordEvent(device);
    call().dispose();
    let e1 = recordEvent(device);
    const one = Math.max(await elapsedMs(e0, e1), 1e-3);
    const batch = Math.max(1, Math.ceil(100 / one));
    const samples: number[] = [];
    for (let r = 0; r < repeats; r++) {
      e0 = recordEvent(device);
      for (let i = 0; i < batch; i++) call().dispose();
      e1 = recordEvent(device);
      samples.push((await elapsedMs(e0, e1)) / batch);
    }
    return median(samples);
  } finally {
    x.dispose();
    w.dispose();
  }
}

/**
 * Device ms per GEMV call when `count` different weights are used in turn, so that the weights
 * (count x n x k) exceed the last-level cache and come from DRAM: the same weight called back to
 * back can stay in a large L3, which the 1 GiB read probe cannot.
 */
async function timeGemvCycled(device: DeviceId, s: Shape, count: number, repeats: number): Promise<number> {
  const x = input(device, [s.m, s.k], s.dtype, 1);
  const ws = Array.from({ length: count }, (_, i) => input(device, [s.n, s.k], s.dtype, 10 + i));
  try {
    for (const w of ws) ops.linear(x, w).dispose();
    await synchronize(device);
    const calls = 5 * count;
    const samples: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const e0 = recordEvent(device);
      for (let i = 0; i < calls; i++) ops.linear(x, ws[i % count]!).dispose();
      const e1 = recordEvent(device);
      samples.push((await elapsedMs(e0, e1)) / calls);
    }
    return median(samples);
  } finally {
    x.dispose();
    ws.forEach((w) => w.dispose());
  }
}

interface PeerCase {
  name: string;
  ms: number;
  gflops: number;
  library: string;
}
interface PeerRun {
  torch?: string;
  threads?: number;
  blas?: string;
  cases?: PeerCase[];
  error?: string;
}

function runTorch(shapes: Shape[], threads: number): PeerRun {
  const script = fileURLToPath(new URL('../peers/torch_cpu.py', import.meta.url));
  const spec = JSON.stringify({ threads, repeats: 7, cases: shapes.map((s) => ({ name: `${s.dtype} ${s.label}`, m: s.m, n: s.n, k: s.k, dtype: s.dtype })) });
  // Debian's python3-torch belongs to the system interpreter, which a version manager's python3 may hide
  const pythons = [process.env.XEMB_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const errors: string[] = [];
  for (const py of pythons) {
    try {
      // OpenBLAS runs its own threads: hold them to our thread count too
      const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
      const out = execFileSync(py, [script, spec], { encoding: 'utf8', timeout: 600_000, stdio: ['ignore', 'pipe', 'pipe'], env });
      return JSON.parse(out.trim().split('\n').pop()!) as PeerRun;
    } catch (e) {
      errors.push(`${py}: ${((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').pop()}`);
    }
  }
  return { error: `PyTorch not run (${errors.join('; ')})` };
}

export const custom: CustomBench = {
  async run(ctx: RunContext) {
    const device = ctx.device;
    const repeats = ctx.quick ? 3 : 7;
    const rounds = 2; // ours and PyTorch alternate; each side keeps its best round (the load varies)
    const wantPeers = ctx.peers || process.env.XEMB_BENCH_PEERS === '1';
    const skipped: PeerRun = wantPeers ? { error: 'the PyTorch CPU peer runs for --device cpu only' } : { error: 'PyTorch not run (pass --peers)' };
    const peerRuns: PeerRun[] = [];
    const ours: number[][] = TARGETS.map(() => []);
    const bws: number[] = [];
    const gemv = TARGETS.find((s) => s.m === 1)!;
    const cycledCount = 8; // 8 x 90 MB for the bf16 decode shape: more than this VM's 480 MiB L3
    const cycled: number[] = [];
    const cycledBws: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (wantPeers && device === 'cpu') peerRuns.push(runTorch(TARGETS, ctx.header.threads));
      for (const [i, s] of TARGETS.entries()) {
        // bandwidth right before the GEMV: the machine's load changes during a run
        if (s.m === 1 && device === 'cpu') bws.push((await cpuPeaks()).readGBs);
        ours[i]!.push(await timeOurs(device, s, repeats));
      }
      if (device === 'cpu') {
        cycledBws.push((await cpuPeaks()).readGBs);
        cycled.push(await timeGemvCycled(device, gemv, cycledCount, repeats));
      }
    }
    const peers = peerRuns.find((p) => p.cases) ?? peerRuns[0] ?? skipped;
    const rows: string[] = [];
    const data: Record<string, unknown>[] = [];
    for (const [i, s] of TARGETS.entries()) {
      const ms = Math.min(...ours[i]!);
      const gflops = (2 * s.m * s.n * s.k) / (ms / 1e3) / 1e9;
      const gbs = ((s.n * s.k + s.m * s.k + s.m * s.n) * size(s.dtype)) / (ms / 1e3) / 1e9;
      const peerCases = peerRuns.map((p) => p.cases?.[i]).filter((c): c is PeerCase => !!c);
      const p = peerCases.length ? peerCases.reduce((a, b) => (b.ms < a.ms ? b : a)) : undefined;
      const ratio = p ? gflops / p.gflops : undefined;
      const bw = s.m === 1 && bws.length ? Math.max(...bws) : undefined;
      const peerText = p ? `${fmtTime(p.ms)} · ${p.gflops.toFixed(1)} GFLOP/s (${p.library})` : (peers.error ?? 'n/a');
      const bwText = bw !== undefined ? `${gbs.toFixed(1)} GB/s of ${bw.toFixed(1)} GB/s read = ${((gbs / bw) * 100).toFixed(1)}%` : '–';
      rows.push(`| ${s.dtype} ${s.label} | ${fmtTime(ms)} | ${gflops.toFixed(1)} | ${peerText} | ${ratio !== undefined ? `${ratio.toFixed(2)}x` : '–'} | ${bwText} | ${s.target} |`);
      data.push({ case: `${s.dtype} ${s.label}`, ms, samplesMs: ours[i], gflops, gbs, readGBs: bw, readSamplesGBs: bws, peer: p, peerSamplesMs: peerCases.map((c) => c.ms), ratio });
    }
    if (cycled.length) {
      const ms = Math.min(...cycled);
      const gbs = ((gemv.n * gemv.k + gemv.m * gemv.k + gemv.m * gemv.n) * size(gemv.dtype)) / (ms / 1e3) / 1e9;
      const bw = Math.max(...cycledBws);
      rows.push(
        `| ${gemv.dtype} ${gemv.label}, ${cycledCount} weights in turn (from DRAM) | ${fmtTime(ms)} | ${((2 * gemv.m * gemv.n * gemv.k) / (ms / 1e3) / 1e9).toFixed(1)} | – | – | ${gbs.toFixed(1)} GB/s of ${bw.toFixed(1)} GB/s read = ${((gbs / bw) * 100).toFixed(1)}% | (same target, weights not cache-resident) |`,
      );
      data.push({ case: `${gemv.dtype} ${gemv.label}, ${cycledCount} weights in turn`, ms, samplesMs: cycled, gbs, readGBs: bw, readSamplesGBs: cycledBws });
    }
    const peerHead = peers.torch ? `PyTorch ${peers.torch} on ${peers.threads} threads, BLAS: ${peers.blas}` : (peers.error ?? '');
    const markdown = [
      `Targets (issue 5). Ours: device time (queue clock), median of ${repeats} batches, best of ${rounds} rounds alternating with PyTorch (best of its rounds, median of 7 each); weights packed and cached before timing; read bandwidth: best of the probes (1 GiB, every thread) run right before each GEMV round; the DRAM row cycles through ${cycledCount} different weights. ${peerHead}`,
      '',
      '| case | ours | ours GFLOP/s | PyTorch CPU | ours / PyTorch | GEMV bandwidth | target |',
      '|---|--:|--:|---|--:|---|---|',
      ...rows,
    ].join('\n');
    return { markdown, data: { peers: peerRuns, rows: data } };
  },
};
