// attention at the model's shapes: the Qwen2.5-VL vision tower (head dim 80, 16 heads, packed
// images / 64-patch windows), the Qwen2/MiMo decoder prefill (head dim 128, GQA 28:4, causal) and
// a decode-like single query against a long context. FLOPs = 4 B Sq Sk H D (halved for causal,
// the FlashAttention count; a window counts its visible keys). The custom part is the issue's
// CPU target, measured in one run: S = 4096, H = 16, D = 80, f32 against PyTorch CPU
// matmul-softmax-matmul (bench/peers/torch_attention_cpu.py, with --peers or XEMB_BENCH_PEERS=1)
// and against our own f32 GEMM (linear 256 x 4096 x 4096) and the measured f32 FMA peak.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuPeaks, elapsedMs, ops, recordEvent, synchronize, type DeviceId, type Tensor } from '../../src/index.js';
import { type DType } from '../../src/dtype.js';
import { fmtTime, input, runner, shapeText, size, type BenchCase, type CustomBench, type RunContext } from '../harness.js';

interface Shape {
  label: string;
  b: number;
  sq: number;
  sk: number;
  h: number;
  hkv: number;
  d: number;
  causal?: boolean;
  /** varlen: equal segments of this many tokens (windows / images) */
  segment?: number;
  dtype: DType;
}

/**
 * 4 D FLOPs per visible (query, key) pair and head (QK^T and PV): S^2 / 2 pairs for square causal
 * (FlashAttention's count), the exact bottom-right count when Sq != Sk, segment^2 per segment.
 */
export function attentionFlops(s: Shape): number {
  let pairs = s.segment ? s.sq * s.segment : s.sq * s.sk;
  if (s.causal && s.sq === s.sk) pairs = (s.sq * s.sk) / 2;
  else if (s.causal) {
    pairs = 0;
    for (let i = 0; i < s.sq; i++) pairs += Math.min(s.sk, Math.max(0, i + s.sk - s.sq + 1));
  }
  return 4 * s.b * pairs * s.h * s.d;
}

function att(s: Shape): BenchCase {
  const tq = s.b * s.sq;
  return {
    name: `attention ${s.dtype} ${s.label}`,
    op: 'attention',
    shape: shapeText([s.b, s.sq, s.h, s.d], [s.b, s.sk, s.hkv, s.d]),
    bytes: (tq * s.h * s.d * 2 + s.b * s.sk * s.hkv * s.d * 2) * size(s.dtype), // q, k, v read once, out written once
    flops: attentionFlops(s),
    setup(device) {
      const q = input(device, s.segment ? [tq, s.h, s.d] : [s.b, s.sq, s.h, s.d], s.dtype, 1);
      const k = input(device, s.segment ? [tq, s.hkv, s.d] : [s.b, s.sk, s.hkv, s.d], s.dtype, 2);
      const v = input(device, s.segment ? [tq, s.hkv, s.d] : [s.b, s.sk, s.hkv, s.d], s.dtype, 3);
      const cu = s.segment ? Array.from({ length: tq / s.segment + 1 }, (_, i) => i * s.segment!) : undefined;
      return runner(() => ops.attention(q, k, v, { causal: s.causal, cuSeqlensQ: cu, cuSeqlensK: cu }), [q, k, v]);
    },
  };
}

const VISION_TOKENS = 1024; // a 448 x 448 image after 14-px patches: 32 x 32 = 1024 patches
export const SHAPES: Shape[] = [
  { label: 'vision full S=1024 H=16 D=80', b: 1, sq: VISION_TOKENS, sk: VISION_TOKENS, h: 16, hkv: 16, d: 80, dtype: 'f32' },
  { label: 'vision full S=1024 H=16 D=80', b: 1, sq: VISION_TOKENS, sk: VISION_TOKENS, h: 16, hkv: 16, d: 80, dtype: 'bf16' },
  { label: 'vision windows of 64 (varlen) S=1024 H=16 D=80', b: 1, sq: VISION_TOKENS, sk: VISION_TOKENS, h: 16, hkv: 16, d: 80, segment: 64, dtype: 'bf16' },
  { label: 'decoder prefill causal S=1024 H=28 Hkv=4 D=128', b: 1, sq: 1024, sk: 1024, h: 28, hkv: 4, d: 128, causal: true, dtype: 'bf16' },
  { label: 'decode Sq=1 Sk=4096 H=28 Hkv=4 D=128', b: 1, sq: 1, sk: 4096, h: 28, hkv: 4, d: 128, causal: true, dtype: 'f32' },
];

// One decode step of the Qwen2 decoder against a paged cache (64-token pages, shuffled): append
// this token's K/V (fused) and attend to 4096 keys. Bytes: the cache's K and V read once.
function kvDecode(dtype: DType, ctxLen: number): BenchCase {
  const h = 28;
  const hkv = 4;
  const d = 128;
  const page = 64;
  const pages = ctxLen / page;
  return {
    name: `attention_with_kv_cache ${dtype} decode paged P=${page} Sk=${ctxLen} H=${h} Hkv=${hkv} D=${d}`,
    op: 'attention_with_kv_cache',
    shape: shapeText([1, 1, h, d], [pages, page, hkv, d]),
    bytes: 2 * ctxLen * hkv * d * size(dtype),
    flops: 4 * ctxLen * h * d,
    setup(device) {
      const q = input(device, [1, 1, h, d], dtype, 1);
      const kc = input(device, [pages, page, hkv, d], dtype, 2);
      const vc = input(device, [pages, page, hkv, d], dtype, 3);
      const kn = input(device, [1, 1, hkv, d], dtype, 4);
      const table = [Array.from({ length: pages }, (_, i) => (i * 37) % pages)]; // 37 is coprime to the page count
      return runner(() => ops.attentionWithKvCache(q, kc, vc, { cacheSeqlens: [ctxLen - 1], kNew: kn, vNew: kn, blockTable: table, causal: true }), [q, kc, vc, kn]);
    },
  };
}

export const cases: BenchCase[] = [...SHAPES.map(att), kvDecode('bf16', 4096)];

// ---- the CPU target, with peers in the same run ----

const TARGETS: Shape[] = [
  { label: 'S=4096 H=16 D=80', b: 1, sq: 4096, sk: 4096, h: 16, hkv: 16, d: 80, dtype: 'f32' },
  { label: 'S=4096 H=16 D=80 causal', b: 1, sq: 4096, sk: 4096, h: 16, hkv: 16, d: 80, causal: true, dtype: 'f32' },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Device (queue clock) ms of one call of `call`, median of `repeats` after one warm-up. */
async function timeCall(device: DeviceId, call: () => Tensor, repeats: number, batch = 1): Promise<number> {
  call().dispose();
  await synchronize(device);
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const e0 = recordEvent(device);
    for (let i = 0; i < batch; i++) call().dispose();
    const e1 = recordEvent(device);
    samples.push((await elapsedMs(e0, e1)) / batch);
  }
  return median(samples);
}

async function timeOurs(device: DeviceId, s: Shape, repeats: number): Promise<number> {
  const q = input(device, [s.b, s.sq, s.h, s.d], s.dtype, 1);
  const k = input(device, [s.b, s.sk, s.hkv, s.d], s.dtype, 2);
  const v = input(device, [s.b, s.sk, s.hkv, s.d], s.dtype, 3);
  try {
    return await timeCall(device, () => ops.attention(q, k, v, { causal: s.causal }), repeats);
  } finally {
    [q, k, v].forEach((t) => t.dispose());
  }
}

async function gemmGflops(device: DeviceId, repeats: number): Promise<number> {
  const m = 256;
  const n = 4096;
  const k = 4096;
  const x = input(device, [m, k], 'f32', 4);
  const w = input(device, [n, k], 'f32', 5);
  try {
    const ms = await timeCall(device, () => ops.linear(x, w), repeats, 4);
    return (2 * m * n * k) / (ms / 1e3) / 1e9;
  } finally {
    x.dispose();
    w.dispose();
  }
}

interface PeerCase {
  name: string;
  ms: number;
  gflops: number;
  sdpaMs?: number;
  sdpaGflops?: number;
}
interface PeerRun {
  torch?: string;
  threads?: number;
  cases?: PeerCase[];
  error?: string;
}

function runTorch(shapes: Shape[], threads: number, repeats: number): PeerRun {
  const script = fileURLToPath(new URL('../peers/torch_attention_cpu.py', import.meta.url));
  const spec = JSON.stringify({ threads, repeats, cases: shapes.map((s) => ({ name: s.label, b: s.b, s: s.sq, h: s.h, d: s.d, causal: !!s.causal })) });
  // Debian's python3-torch belongs to the system interpreter, which a version manager's python3 may hide
  const pythons = [process.env.XEMB_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const errors: string[] = [];
  for (const py of pythons) {
    try {
      const out = execFileSync(py, [script, spec], { encoding: 'utf8', timeout: 1_200_000, stdio: ['ignore', 'pipe', 'pipe'] });
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
    if (device !== 'cpu') return { markdown: 'The attention CPU target runs for --device cpu only (GPU numbers: bench/gpu/attention.ts).', data: {} };
    const repeats = ctx.quick ? 1 : 3;
    const wantPeers = ctx.peers || process.env.XEMB_BENCH_PEERS === '1';
    const fma = (await cpuPeaks()).fmaGflops;
    const gemm = await gemmGflops(device, repeats + 2);
    const rows: string[] = [];
    const data: Record<string, unknown>[] = [];
    let peers: PeerRun = { error: 'PyTorch not run (pass --peers)' };
    for (const s of TARGETS) {
      // PyTorch right before ours, case by case: on a shared machine the load changes by the minute
      if (wantPeers) peers = runTorch([s], ctx.header.threads, repeats);
      const ms = await timeOurs(device, s, repeats);
      const gflops = attentionFlops(s) / (ms / 1e3) / 1e9;
      const p = peers.cases?.[0];
      const ratio = p ? gflops / p.gflops : undefined;
      const peerText = p ? `${fmtTime(p.ms)} · ${p.gflops.toFixed(1)} GFLOP/s` : (peers.error ?? 'n/a');
      const sdpaText = p?.sdpaMs !== undefined ? `${fmtTime(p.sdpaMs)} · ${p.sdpaGflops!.toFixed(1)} GFLOP/s` : '– (torch < 2.0 has no SDPA)';
      rows.push(
        `| ${s.dtype} ${s.label} | ${fmtTime(ms)} | ${gflops.toFixed(1)} | ${peerText} | ${ratio !== undefined ? `${ratio.toFixed(2)}x` : '–'} | ${sdpaText} | ${((gflops / gemm) * 100).toFixed(0)}% | ${((gflops / fma) * 100).toFixed(0)}% |`,
      );
      data.push({ case: `${s.dtype} ${s.label}`, ms, gflops, peer: p, ratio, gemmGflops: gemm, fmaGflops: fma });
    }
    const peerHead = peers.torch ? `PyTorch ${peers.torch} on ${peers.threads} threads.` : (peers.error ?? '');
    const markdown = [
      `Targets (issue 6): >= 3x PyTorch matmul-softmax-matmul, >= 40% of our f32 GEMM (linear 256 x 4096 x 4096: ${gemm.toFixed(1)} GFLOP/s in this run; f32 FMA peak ${fma.toFixed(1)} GFLOP/s). Ours: device time (queue clock), median of ${repeats}. ${peerHead}`,
      '',
      '| case | ours | ours GFLOP/s | PyTorch matmul-softmax-matmul | ours / PyTorch | PyTorch SDPA | of our GEMM | of FMA peak |',
      '|---|--:|--:|---|--:|---|--:|--:|',
      ...rows,
    ].join('\n');
    return { markdown, data: { peers, gemmGflops: gemm, fmaGflops: fma, rows: data } };
  },
};
