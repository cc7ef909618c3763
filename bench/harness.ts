// Benchmark runner: device timing from queue events, host timing through the `benchmark` package,
// and the derived GB/s, GFLOP/s and fraction-of-peak columns. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import Benchmark from 'benchmark';
import {
  cpuPeaks,
  devicePeaks,
  devices,
  elapsedMs,
  ops,
  recordEvent,
  releaseCache,
  synchronize,
  type CpuPeaks,
  type DeviceId,
  type Tensor,
} from '../src/index.js';
import { DTYPE_SIZE, type DType } from '../src/dtype.js';
import { type OpName } from '../src/ops/index.js';

// Our fn closes over tensors; benchmark.js would otherwise try to inline its source into a
// generated function where those closures do not exist.
Benchmark.support.decompilation = false;

export interface Runner {
  /** Enqueues the op once and disposes its output (does not wait). */
  run(): void;
  dispose(): void;
}

export interface BenchCase {
  name: string;
  op: OpName;
  shape: string;
  /** Bytes moved by one call: every input element read once plus every output element written. */
  bytes: number;
  /** Floating-point operations of one call, by the op's definition (0 for pure data movement). */
  flops: number;
  setup(device: DeviceId): Runner;
}

/** A bench file that is not a list of op cases (e.g. call-overhead) renders its own table. */
export interface CustomBench {
  run(ctx: RunContext): Promise<{ markdown: string; data: unknown }>;
}

export interface RunContext {
  device: DeviceId;
  quick: boolean;
  header: Header;
  /** --peers: also run the external peers (PyTorch CPU, ...) that a bench file knows */
  peers?: boolean;
}

export interface CaseResult {
  stem: string;
  name: string;
  op: string;
  shape: string;
  bytes: number;
  flops: number;
  error?: string;
  batch?: number;
  samples?: number[]; // device ms per call, one per repeat
  medianMs?: number;
  minMs?: number;
  enqueueUs?: number; // JS time to enqueue one call (measured while timing)
  hostMeanMs?: number;
  hostRmePct?: number;
  gbs?: number;
  gflops?: number;
  bwFraction?: number | null; // null: no peak known for this device
  flopFraction?: number | null;
}

export interface Header {
  device: string;
  deviceName: string;
  isa: string;
  threads: number;
  node: string;
  date: string;
  commit: string;
  loadAvg1m: number;
  cores: number;
  peaks: CpuPeaks | null;
}

const TARGET_MS = 20; // each device sample covers at least this much queue time
const INFLIGHT_BYTES = 256 * 2 ** 20; // outputs are allocated at enqueue: cap what a batch holds

// CUDA peaks in the CPU peaks' shape (read -> copy GB/s, FMA -> tensor-core GFLOP/s); null where
// the device has no probe (cuda-emu) or the probe failed.
async function cudaPeaks(device: DeviceId): Promise<CpuPeaks | null> {
  try {
    const p = await devicePeaks(device);
    return { readGBs: p.readGBs, fmaGflops: p.gflops, threads: p.threads, isa: p.label };
  } catch {
    return null;
  }
}

export function gitCommit(): string {
  // the packed GPU kit has no git: scripts/gpu-kit.mjs bakes the commit in
  if (process.env.XEMB_KIT_COMMIT) return `${process.env.XEMB_KIT_COMMIT} (gpu kit)`;
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return 'unknown';
  }
}

export async function makeHeader(device: DeviceId): Promise<Header> {
  const all = devices();
  const cpu = all[0]!;
  const id = device === 'cuda' ? 'cuda:0' : device;
  const info = all.find((d) => d.id === id);
  const load = loadavg()[0] ?? 0; // before the peak probe, which loads the CPU itself
  // peaks are measured once per run: CPU streaming read + f32 FMA; CUDA copy bandwidth + bf16 mma
  const peaks = device === 'cpu' ? await cpuPeaks() : await cudaPeaks(device);
  return {
    device,
    deviceName: info?.name ?? device,
    isa: cpu.isa ?? 'unknown',
    threads: cpu.threads ?? 0,
    node: process.version,
    date: new Date().toISOString(),
    commit: gitCommit(),
    loadAvg1m: load,
    cores: availableParallelism(),
    peaks,
  };
}

export function formatHeader(h: Header): string {
  const peak = !h.peaks
    ? 'device peaks: n/a (no peak probe for this device)'
    : h.device === 'cpu'
      ? `CPU peaks (measured): read ${h.peaks.readGBs.toFixed(1)} GB/s, f32 FMA ${h.peaks.fmaGflops.toFixed(1)} GFLOP/s`
      : `GPU peaks (measured): device copy ${h.peaks.readGBs.toFixed(0)} GB/s, ${h.peaks.isa} ${(h.peaks.fmaGflops / 1000).toFixed(1)} TFLOP/s`;
  // other processes skew both the timings and the peak probe (it is measured once, at start)
  const busy = h.loadAvg1m >= h.cores / 2 ? ' — **machine busy: timings and peaks are contended**' : '';
  return [
    `**${h.deviceName}** (${h.device}) · ISA ${h.isa} · ${h.threads} threads · node ${h.node} · ${h.date} · commit ${h.commit}`,
    `${peak} · load avg (1 min) at start ${h.loadAvg1m.toFixed(2)} on ${h.cores} cores${busy}`,
  ].join('  \n');
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// ---- helpers for bench files ----

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
export const size = (dtype: DType) => DTYPE_SIZE[dtype];
export const shapeText = (...shapes: (readonly number[])[]) => shapes.map((s) => `[${s.join(', ')}]`).join(' x ');

/** Random input in [low, high) (random ops take f32/f16/bf16; others are cast from f32). */
export function input(device: DeviceId, shape: readonly number[], dtype: DType, seed = 1, low = -1, high = 1): Tensor {
  if (dtype === 'f32' || dtype === 'f16' || dtype === 'bf16') return ops.randomUniform(shape, { seed, device, dtype, low, high });
  const f = ops.randomUniform(shape, { seed, device, low, high });
  try {
    return ops.cast(f, dtype);
  } finally {
    f.dispose();
  }
}

/** A runner whose run() calls `call` and disposes its output; `owned` are freed by dispose(). */
export function runner(call: () => Tensor, owned: Tensor[]): Runner {
  return {
    run: () => call().dispose(),
    dispose: () => owned.forEach((t) => t.dispose()),
  };
}

// ---- device timing ----

// JS enqueues slower than the queue runs small ops, so an idle queue would time the JS calls.
// A stall (reference matmuls, small outputs) enqueued just before the first event keeps the
// queue busy until the whole batch is queued behind it.
class Staller {
  private constructor(
    private readonly a: Tensor,
    private readonly unitMs: number,
  ) {}

  static async create(device: DeviceId): Promise<Staller> {
    const n = device === 'cpu' ? 256 : 2048;
    const a = ops.randomUniform([n, n], { seed: 7, device });
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const e0 = recordEvent(device);
      ops.matmul(a, a).dispose();
      const e1 = recordEvent(device);
      times.push(await elapsedMs(e0, e1));
    }
    return new Staller(a, Math.max(median(times.slice(1)), 1e-3));
  }

  stall(ms: number): void {
    const k = Math.min(Math.ceil(ms / this.unitMs), 10_000);
    for (let i = 0; i < k; i++) ops.matmul(this.a, this.a).dispose();
  }

  dispose(): void {
    this.a.dispose();
  }
}

async function timeBatch(device: DeviceId, r: Runner, batch: number, staller: Staller, enqueueMs: number) {
  staller.stall(2 * batch * enqueueMs + 1);
  const t0 = process.hrtime.bigint();
  const e0 = recordEvent(device);
  for (let i = 0; i < batch; i++) r.run();
  const e1 = recordEvent(device);
  const hostMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms: await elapsedMs(e0, e1), enqueueMs: hostMs / batch };
}

async function measureDevice(device: DeviceId, r: Runner, c: BenchCase, repeats: number, staller: Staller) {
  r.run(); // first call: allocator warm-up, lazy kernel setup
  await synchronize(device);
  const cap = Math.max(1, Math.min(100_000, Math.floor(INFLIGHT_BYTES / Math.max(c.bytes, 1))));
  let enqueueMs = 0.05;
  // grow the batch until one sample covers TARGET_MS of queue time (also the warm-up)
  let batch = 1;
  for (;;) {
    const t = await timeBatch(device, r, batch, staller, enqueueMs);
    enqueueMs = t.enqueueMs;
    if (t.ms >= TARGET_MS || batch >= cap) break;
    batch = Math.min(cap, Math.max(batch * 2, Math.ceil((batch * TARGET_MS * 1.2) / Math.max(t.ms, 1e-3))));
  }
  const samples: number[] = [];
  const enq: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = await timeBatch(device, r, batch, staller, enqueueMs);
    enqueueMs = t.enqueueMs;
    samples.push(t.ms / batch);
    enq.push(t.enqueueMs);
  }
  return { batch, samples, medianMs: median(samples), minMs: Math.min(...samples), enqueueUs: median(enq) * 1e3 };
}

// ---- host timing (benchmark package) ----

/** Wall time of `fn` (which resolves when done) via benchmark.js with `defer: true`. */
export async function hostTime(name: string, fn: () => Promise<void>, quick: boolean): Promise<{ meanMs: number; rmePct: number }> {
  let failure: unknown;
  const bench = new Benchmark(name, {
    defer: true,
    minSamples: quick ? 5 : 10,
    maxTime: quick ? 0.5 : 2,
    fn(deferred: Benchmark.Deferred) {
      fn().then(
        () => deferred.resolve(),
        (e: unknown) => {
          failure = e;
          deferred.benchmark.abort();
          deferred.resolve();
        },
      );
    },
  });
  await new Promise((resolve) => bench.on('complete', resolve).on('abort', resolve).run({ async: true }));
  if (failure !== undefined) throw failure;
  if (bench.error) throw bench.error;
  return { meanMs: bench.stats.mean * 1e3, rmePct: bench.stats.rme };
}

// ---- running cases ----

export async function runCases(
  list: { stem: string; c: BenchCase }[],
  header: Header,
  quick: boolean,
  log: (line: string) => void,
): Promise<CaseResult[]> {
  const device = header.device as DeviceId;
  const repeats = quick ? 5 : 15;
  const staller = await Staller.create(device);
  const results: CaseResult[] = [];
  try {
    for (const [i, { stem, c }] of list.entries()) {
      const base: CaseResult = { stem, name: c.name, op: c.op, shape: c.shape, bytes: c.bytes, flops: c.flops };
      let r: Runner | undefined;
      try {
        r = c.setup(device);
        const d = await measureDevice(device, r, c, repeats, staller);
        const runner = r;
        const h = await hostTime(c.name, async () => {
          runner.run();
          await synchronize(device);
        }, quick);
        const s = d.medianMs / 1e3;
        const gbs = c.bytes / s / 1e9;
        const gflops = c.flops / s / 1e9;
        results.push({
          ...base,
          ...d,
          hostMeanMs: h.meanMs,
          hostRmePct: h.rmePct,
          gbs,
          gflops,
          bwFraction: header.peaks ? gbs / header.peaks.readGBs : null,
          flopFraction: header.peaks ? gflops / header.peaks.fmaGflops : null,
        });
        log(`[${i + 1}/${list.length}] ${c.name} ${c.shape}: ${fmtTime(d.medianMs)} (batch ${d.batch}), host ${fmtTime(h.meanMs)}`);
      } catch (e) {
        results.push({ ...base, error: e instanceof Error ? e.message : String(e) });
        log(`[${i + 1}/${list.length}] ${c.name} ${c.shape}: ERROR ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        r?.dispose();
        await synchronize(device).catch(() => undefined); // a failed case must not poison the next
        if (device !== 'cpu') releaseCache(device);
      }
    }
  } finally {
    staller.dispose();
  }
  return results;
}

// ---- formatting ----

export function fmtTime(ms: number): string {
  if (ms < 1e-3) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  return `${ms.toFixed(ms < 10 ? 3 : 1)} ms`;
}

const pct = (f: number | null | undefined) => (f == null ? 'n/a' : `${(f * 100).toFixed(f < 0.01 ? 2 : 1)}%`);

export function resultsTable(header: Header, results: CaseResult[]): string {
  const rows = results.map((r) => {
    if (r.error) return `| ${r.name} | ${r.op} | ${r.shape} | error: ${r.error.replace(/\|/g, '/')} | | | | | | | |`;
    const flops = r.flops > 0;
    return [
      r.name,
      r.op,
      r.shape,
      String(r.batch),
      fmtTime(r.medianMs!),
      fmtTime(r.minMs!),
      `${fmtTime(r.hostMeanMs!)} ±${r.hostRmePct!.toFixed(1)}%`,
      r.gbs!.toFixed(2),
      pct(r.bwFraction),
      flops ? r.gflops!.toFixed(2) : '–',
      flops ? pct(r.flopFraction) : '–',
    ].join(' | ').replace(/^/, '| ').concat(' |');
  });
  return [
    formatHeader(header),
    '',
    '| case | op | shape | batch | device median | device min | host mean ± rme | GB/s | of peak BW | GFLOP/s | of peak FLOP |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}
