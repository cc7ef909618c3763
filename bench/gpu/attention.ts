// Attention section of the GPU report (issue 6): our prefill kernel at FlashAttention's benchmark
// shape (bf16, D = 128, B = 2, S = 8192, 16 heads: 16k tokens, hidden 2048, non-causal and
// causal) as TFLOP/s and as a fraction of the measured bf16 mma.sync peak; the Qwen2.5-VL vision
// shape (D = 80) and D = 128 at S = 4096 next to PyTorch SDPA on the same card in the same run
// (peers/torch_peers.py rows "sdpa ..."); and a decode step at 32k context (Sq = 1, GQA 32:8,
// D = 128) as a fraction of the measured device-copy bandwidth (FlashInfer's metric: K and V bytes
// read / time). FLOPs = 4 B Sq Sk H D, halved for causal. Skipped without a GPU (the kernel's
// parity runs on cuda-emu in test/ops/attention.test.ts).
import { elapsedMs, ops, recordEvent, synchronize, type DeviceId, type Tensor } from '../../src/index.js';

export interface AttentionSection {
  markdown: string;
  data: Record<string, unknown>;
}

interface TorchRow {
  case: string;
  ms: number;
  tflops: number | null;
}

interface Shape {
  label: string;
  b: number;
  sq: number;
  sk: number;
  h: number;
  hkv: number;
  d: number;
  causal?: boolean;
  /** the torch_peers.py row to compare with */
  peer?: string;
  /** decode: report bandwidth instead of FLOP/s */
  decode?: boolean;
}

const SHAPES: Shape[] = [
  { label: 'prefill bf16 B2 H16 S8192 D128', b: 2, sq: 8192, sk: 8192, h: 16, hkv: 16, d: 128, peer: 'sdpa bf16 B2 H16 S8192 D128' },
  { label: 'prefill bf16 B2 H16 S8192 D128 causal', b: 2, sq: 8192, sk: 8192, h: 16, hkv: 16, d: 128, causal: true },
  { label: 'vision bf16 B1 H16 S4096 D80', b: 1, sq: 4096, sk: 4096, h: 16, hkv: 16, d: 80, peer: 'sdpa bf16 B1 H16 S4096 D80' },
  { label: 'prefill bf16 B1 H16 S4096 D128', b: 1, sq: 4096, sk: 4096, h: 16, hkv: 16, d: 128, peer: 'sdpa bf16 B1 H16 S4096 D128' },
  { label: 'decode bf16 B1 Sk32768 H32 Hkv8 D128', b: 1, sq: 1, sk: 32768, h: 32, hkv: 8, d: 128, causal: true, decode: true },
];

function input(shape: number[], seed: number, device: DeviceId): Tensor {
  const u = ops.randomUniform(shape, { seed, low: -1, high: 1, device, dtype: 'bf16' });
  return u;
}

async function timeShape(s: Shape, device: DeviceId, repeats: number): Promise<number> {
  const q = input([s.b, s.sq, s.h, s.d], 1, device);
  const k = input([s.b, s.sk, s.hkv, s.d], 2, device);
  const v = input([s.b, s.sk, s.hkv, s.d], 3, device);
  try {
    const call = () => ops.attention(q, k, v, { causal: s.causal }).dispose();
    for (let i = 0; i < 3; i++) call();
    await synchronize(device);
    const batch = 5;
    const samples: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const a = recordEvent(device);
      for (let i = 0; i < batch; i++) call();
      const b = recordEvent(device);
      samples.push((await elapsedMs(a, b)) / batch);
    }
    samples.sort((x, y) => x - y);
    return samples[Math.floor(samples.length / 2)]!;
  } finally {
    [q, k, v].forEach((t) => t.dispose());
  }
}

export async function attentionSection(device: DeviceId, quick: boolean, mmaPeakGflops: number | null, copyGBs: number | null, peerRows: unknown, log: (l: string) => void): Promise<AttentionSection> {
  const head = '## Attention (issue 6)';
  // timings exist only on hardware (the emulator would take hours at these shapes)
  if (device === 'cpu' || device === 'cuda-emu') return { markdown: `${head}\n\nSkipped: no GPU (the kernels' parity runs on cuda-emu in the tests and in the parity section).\n`, data: { skipped: true } };
  const torch = Array.isArray(peerRows) ? (peerRows as TorchRow[]) : [];
  const lines = [
    head,
    '',
    `bf16 mma.sync peak ${mmaPeakGflops ? (mmaPeakGflops / 1e3).toFixed(0) + ' TFLOP/s' : 'n/a'}; device copy ${copyGBs ? copyGBs.toFixed(0) + ' GB/s' : 'n/a'}. Targets: prefill D128 S8192 >= 330 TFLOP/s; decode at 32k >= 80% of HBM bandwidth.`,
    '',
    '| case | ours | ours TFLOP/s | of mma peak | PyTorch SDPA | ours / SDPA | decode GB/s (of copy bw) |',
    '|---|--:|--:|--:|---|--:|---|',
  ];
  const rows: Record<string, unknown>[] = [];
  for (const s of SHAPES) {
    try {
      const ms = await timeShape(s, device, quick ? 3 : 10);
      const flops = (4 * s.b * s.sq * s.sk * s.h * s.d) / (s.causal && s.sq === s.sk ? 2 : 1);
      const tflops = flops / ms / 1e9;
      const peer = s.peer ? torch.find((r) => r.case === s.peer) : undefined;
      const bytes = 2 * s.b * s.sk * s.hkv * s.d * 2;
      const gbs = bytes / ms / 1e6;
      lines.push(
        `| ${s.label} | ${ms.toFixed(3)} ms | ${s.decode ? '–' : tflops.toFixed(1)} | ${!s.decode && mmaPeakGflops ? ((tflops * 1e3) / mmaPeakGflops * 100).toFixed(0) + '%' : '–'} | ${peer?.tflops ? peer.tflops.toFixed(1) + ' TFLOP/s' : '–'} | ${peer?.tflops && !s.decode ? (tflops / peer.tflops).toFixed(2) + 'x' : '–'} | ${s.decode ? `${gbs.toFixed(0)} GB/s${copyGBs ? ` (${((gbs / copyGBs) * 100).toFixed(0)}%)` : ''}` : '–'} |`,
      );
      rows.push({ case: s.label, ms, tflops, gbs: s.decode ? gbs : undefined, peer });
      log(`attention ${s.label}: ${ms.toFixed(3)} ms`);
    } catch (e) {
      lines.push(`| ${s.label} | error: ${(e as Error).message.split('\n')[0]} | | | | | |`);
      rows.push({ case: s.label, error: (e as Error).message });
    }
  }
  lines.push('');
  return { markdown: lines.join('\n'), data: { rows } };
}
