// GEMM section of the GPU report: linear bf16 4096^3 through our tensor-core kernel
// (XEMB_GEMM=own) and through cuBLASLt (XEMB_GEMM=cublaslt), timed with CUDA events in one run,
// as TFLOP/s, as a fraction of the measured bf16 mma.sync peak, and as ratios to each other and
// to torch (F.linear, same card, same run, from peers/torch_peers.py); then parity of the own
// kernels (tensor-core GEMM and GEMV) against cuBLASLt at ragged and decode shapes.
// kernels/cuda/linear.cu reads XEMB_GEMM when a call executes on the device queue, so the mode
// is switched only after synchronize(). Without a GPU this section is skipped (cuBLASLt and the
// timings exist only on the hardware; the own kernels' parity runs on cuda-emu in the tests).
import { Tensor, elapsedMs, ops, recordEvent, synchronize, type DeviceId, type DType } from '../../src/index.js';

export interface GemmSection {
  markdown: string;
  data: Record<string, unknown>;
  failures: number;
}

interface TorchRow {
  case: string;
  ms: number;
  tflops: number | null;
}

const SIZE = 4096;
const TORCH_CASE = 'linear bf16 4096^3';

function input(shape: number[], dtype: DType, seed: number, device: DeviceId): Tensor {
  const u = ops.randomUniform(shape, { seed, low: -1, high: 1, device });
  const t = dtype === 'f32' ? u : u.cast(dtype);
  if (t !== u) u.dispose();
  return t;
}

async function withMode<T>(mode: 'own' | 'cublaslt', device: DeviceId, fn: () => Promise<T>): Promise<T> {
  const before = process.env.XEMB_GEMM;
  await synchronize(device);
  process.env.XEMB_GEMM = mode;
  try {
    const r = await fn();
    await synchronize(device);
    return r;
  } finally {
    if (before === undefined) delete process.env.XEMB_GEMM;
    else process.env.XEMB_GEMM = before;
  }
}

// median ms of one call over `repeats` samples of `batch` back-to-back calls
async function timeLinear(x: Tensor, w: Tensor, device: DeviceId, repeats: number): Promise<number> {
  for (let i = 0; i < 3; i++) ops.linear(x, w).dispose();
  await synchronize(device);
  const batch = 10;
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const a = recordEvent(device);
    for (let i = 0; i < batch; i++) ops.linear(x, w).dispose();
    const b = recordEvent(device);
    samples.push((await elapsedMs(a, b)) / batch);
  }
  samples.sort((p, q) => p - q);
  return samples[Math.floor(samples.length / 2)]!;
}

// the result as f64 values; disposes t
async function values(t: Tensor): Promise<Float64Array> {
  const f = t.dtype === 'f32' ? t : t.cast('f32');
  const d = (await f.data()) as Float32Array;
  if (f !== t) f.dispose();
  t.dispose();
  return Float64Array.from(d);
}

function nmse(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return den === 0 ? num : num / den;
}

export async function gemmSection(device: DeviceId, quick: boolean, mmaPeakGflops: number | null, torchRows: unknown, log: (s: string) => void): Promise<GemmSection> {
  const lines = ['## GEMM: own tensor-core kernel vs cuBLASLt vs torch (linear bf16)', ''];
  if (device !== 'cuda') {
    lines.push('skipped: no GPU (cuBLASLt and GPU timings exist only on the hardware; the own kernels run on cuda-emu in test/ops/linear-tc.test.ts)', '');
    return { markdown: lines.join('\n'), data: { skipped: true }, failures: 0 };
  }
  let failures = 0;
  const data: Record<string, unknown> = {};
  const flops = 2 * SIZE ** 3;
  const x = input([SIZE, SIZE], 'bf16', 11, device);
  const w = input([SIZE, SIZE], 'bf16', 12, device);
  const repeats = quick ? 5 : 15;
  const ms: Record<string, number | string> = {};
  for (const mode of ['own', 'cublaslt'] as const) {
    log(`gemm ${mode} ${SIZE}^3`);
    try {
      ms[mode] = await withMode(mode, device, () => timeLinear(x, w, device, repeats));
    } catch (e) {
      ms[mode] = (e as Error).message;
    }
  }
  const torch = Array.isArray(torchRows) ? (torchRows as TorchRow[]).find((r) => r.case === TORCH_CASE) : undefined;
  if (torch) ms.torch = torch.ms;
  const tf = (v: number) => flops / v / 1e9;
  lines.push(`measured bf16 mma.sync peak: ${mmaPeakGflops ? `${(mmaPeakGflops / 1000).toFixed(1)} TFLOP/s` : 'n/a'}`, '');
  lines.push('| path | median | TFLOP/s | of mma peak | vs cuBLASLt | vs torch |', '|---|--:|--:|--:|--:|--:|');
  for (const [name, v] of Object.entries(ms)) {
    if (typeof v === 'string') {
      lines.push(`| ${name} | error: ${v.replace(/\|/g, '/')} | | | | |`);
      failures++;
      continue;
    }
    const peak = mmaPeakGflops ? `${((tf(v) * 1000) / mmaPeakGflops * 100).toFixed(0)}%` : '–';
    const vsLt = typeof ms.cublaslt === 'number' ? `${(ms.cublaslt / v).toFixed(2)}x` : '–';
    const vsTorch = typeof ms.torch === 'number' ? `${(ms.torch / v).toFixed(2)}x` : '–';
    lines.push(`| ${name} | ${v.toFixed(3)} ms | ${tf(v).toFixed(1)} | ${peak} | ${vsLt} | ${vsTorch} |`);
  }
  lines.push('', 'Ratios are speed relative to the named peer (>1: faster). Targets (issue 5): own >= 0.60x cuBLASLt; the cuBLASLt path >= 0.95x torch.', '');
  data.timings = ms;

  // parity: own kernel vs cuBLASLt on the same inputs
  const shapes: [string, number[], number, number, DType, boolean][] = [
    ['tc 4096^3', [SIZE], SIZE, SIZE, 'bf16', false],
    ['tc ragged 1000x1030x1000 +bias', [1000], 1030, 1000, 'bf16', true],
    ['tc f16 777x520x333 (K % 8 != 0)', [777], 520, 333, 'f16', true],
    ['gemv M=1 11008x4096', [1], 11008, 4096, 'bf16', false],
    ['gemv M=8 4096x4096 +bias', [8], 4096, 4096, 'bf16', true],
  ];
  lines.push('| parity own vs cuBLASLt | nmse | limit | ok |', '|---|--:|--:|---|');
  const par: Record<string, number | string> = {};
  for (const [name, lead, n, k, dtype, bias] of shapes) {
    const xi = input([...lead, k], dtype, 21, device);
    const wi = input([n, k], dtype, 22, device);
    const bi = bias ? input([n], dtype, 23, device) : undefined;
    const limit = dtype === 'bf16' ? 1e-4 : 1e-6;
    try {
      const own = await withMode('own', device, async () => values(ops.linear(xi, wi, bi)));
      const lt = await withMode('cublaslt', device, async () => values(ops.linear(xi, wi, bi)));
      const e = nmse(own, lt);
      par[name] = e;
      const ok = e <= limit;
      if (!ok) failures++;
      lines.push(`| ${name} | ${e.toExponential(2)} | ${limit.toExponential(0)} | ${ok ? 'yes' : 'NO'} |`);
    } catch (err) {
      par[name] = (err as Error).message;
      failures++;
      lines.push(`| ${name} | error: ${(err as Error).message.replace(/\|/g, '/')} | | NO |`);
    }
    for (const t of [xi, wi, bi]) t?.dispose();
  }
  data.parity = par;
  x.dispose();
  w.dispose();
  lines.push('');
  return { markdown: lines.join('\n'), data, failures };
}
