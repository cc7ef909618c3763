// attention: every option combination (causal, sliding window, softcap, returnLse, GQA, varlen)
// on small shapes, lengths 1, 7, 64, 257 and 1000+ (long ones on the CPU only), Sq != Sk with
// causal (bottom-right), empty segments, fully masked rows (0 / lse -inf), non-contiguous
// inputs; every backend. f32 within nmse 1e-9 of fp64; f16/bf16 no more than 2x the error of a
// naive same-precision implementation; lse within nmse 1e-9; CUDA f16/bf16 only (f32 is
// UNSUPPORTED there). Bad input is a KernelError at the call.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops, synchronize, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectClose, nmse, toNumbers } from '../harness/compare.js';
import { withScope, type Scope } from '../harness/guard.js';
import { Rng, makeInput } from '../harness/random.js';
import { type FloatDType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { expectKernelError } from '../harness/errors.js';
import { attentionNaive, attentionRef, denseSegments, varlenSegments, type AttnProblem } from '../reference/attention.js';

const EPS = 1e-12;
const VALS = { lo: 0.05, hi: 1.5 };

interface Case {
  name: string;
  b: number;
  sq: number;
  sk: number;
  h: number;
  hkv: number;
  d: number;
  causal?: boolean;
  window?: [number, number];
  softcap?: number;
  scale?: number;
  lse?: boolean;
  /** varlen: per-segment lengths (q, k); b is then their count */
  seg?: { q: number[]; k: number[] };
  /** q given as a transposed view of [B, H, Sq, D] storage */
  strided?: boolean;
  cpuOnly?: boolean;
}

const SHAPES: Case[] = [
  { name: 'S=1', b: 1, sq: 1, sk: 1, h: 2, hkv: 2, d: 64 },
  { name: 'S=7 causal GQA 2:1 D80', b: 2, sq: 7, sk: 7, h: 2, hkv: 1, d: 80, causal: true, lse: true },
  { name: 'S=64 MQA 4:1 D128', b: 1, sq: 64, sk: 64, h: 4, hkv: 1, d: 128, lse: true },
  { name: 'Sq=7 Sk=64 causal (bottom-right)', b: 1, sq: 7, sk: 64, h: 2, hkv: 2, d: 64, causal: true, lse: true },
  { name: 'Sq=64 Sk=7 causal (first rows fully masked)', b: 1, sq: 64, sk: 7, h: 2, hkv: 2, d: 80, causal: true, lse: true },
  { name: 'Sq=40 Sk=0 (every row masked)', b: 2, sq: 40, sk: 0, h: 2, hkv: 1, d: 64, lse: true },
  { name: 'Sq=0', b: 2, sq: 0, sk: 9, h: 2, hkv: 2, d: 64, lse: true },
  { name: 'S=150 window (32, 0)', b: 1, sq: 150, sk: 150, h: 2, hkv: 1, d: 64, window: [32, 0], lse: true },
  { name: 'S=130 window (16, 8) D128', b: 1, sq: 130, sk: 130, h: 2, hkv: 1, d: 128, window: [16, 8] },
  { name: 'Sq=100 Sk=120 softcap 5', b: 1, sq: 100, sk: 120, h: 2, hkv: 2, d: 64, softcap: 5, lse: true },
  { name: 'Sq=33 Sk=47 scale 0.3 D72', b: 1, sq: 33, sk: 47, h: 3, hkv: 3, d: 72, scale: 0.3 },
  { name: 'S=40 D96 causal', b: 1, sq: 40, sk: 40, h: 2, hkv: 2, d: 96, causal: true },
  { name: 'Sq=24 Sk=40 D256 causal', b: 1, sq: 24, sk: 40, h: 1, hkv: 1, d: 256, causal: true, lse: true },
  { name: 'non-contiguous q (transposed [B, H, S, D])', b: 2, sq: 33, sk: 33, h: 2, hkv: 2, d: 64, strided: true },
  { name: 'varlen with empty segments, causal', b: 5, sq: 0, sk: 0, h: 2, hkv: 1, d: 80, causal: true, lse: true, seg: { q: [5, 0, 64, 1, 70], k: [5, 3, 80, 0, 70] } },
  { name: 'varlen windows (16, 16), like a ViT window layer', b: 3, sq: 0, sk: 0, h: 2, hkv: 2, d: 80, window: [16, 16], lse: true, seg: { q: [64, 17, 64], k: [64, 17, 64] } },
  { name: 'S=257 causal GQA', b: 1, sq: 257, sk: 257, h: 2, hkv: 1, d: 64, causal: true, lse: true, cpuOnly: true },
  { name: 'S=1030 D80 (ViT-like)', b: 1, sq: 1030, sk: 1030, h: 1, hkv: 1, d: 80, lse: true, cpuOnly: true },
  { name: 'Sq=1 Sk=1100 decode-like causal D128 GQA', b: 2, sq: 1, sk: 1100, h: 4, hkv: 1, d: 128, causal: true, lse: true, cpuOnly: true },
];

// Every combination of the options on one small GQA shape, dense and varlen.
const COMBOS: Case[] = [];
for (const varlen of [false, true])
  for (const causal of [false, true])
    for (const window of [undefined, [9, -1], [6, 3]] as ([number, number] | undefined)[])
      for (const softcap of [undefined, 8])
        COMBOS.push({
          name: `combo ${varlen ? 'varlen' : 'dense'} causal=${causal} window=${window ? window.join(',') : 'none'} softcap=${softcap ?? 0}`,
          b: 2,
          sq: 37,
          sk: 45,
          h: 4,
          hkv: 2,
          d: 64,
          causal,
          window,
          softcap,
          lse: true,
          seg: varlen ? { q: [21, 16], k: [30, 15] } : undefined,
        });

function cumsum(xs: number[]): number[] {
  const out = [0];
  for (const x of xs) out.push(out[out.length - 1]! + x);
  return out;
}

async function runCase(c: Case, dtype: FloatDType, seed: number): Promise<void> {
  const devs = backends().filter((d) => (d === 'cpu' ? true : dtype !== 'f32' && !c.cpuOnly));
  await withScope(async (s) => {
    const results = new Map<DeviceId, Storage>();
    const lses = new Map<DeviceId, Storage>();
    let budget = 0;
    for (const dev of devs) {
      const label = `attention ${dtype} ${c.name} on ${dev}`;
      const varlen = c.seg !== undefined;
      const tq = varlen ? c.seg!.q.reduce((a, b) => a + b, 0) : c.b * c.sq;
      const tk = varlen ? c.seg!.k.reduce((a, b) => a + b, 0) : c.b * c.sk;
      const qShape = varlen ? [tq, c.h, c.d] : [c.b, c.sq, c.h, c.d];
      const kShape = varlen ? [tk, c.hkv, c.d] : [c.b, c.sk, c.hkv, c.d];
      const qBase = c.strided ? [c.b, c.h, c.sq, c.d] : qShape;
      const qSteps: ViewStep[] = c.strided ? [['transpose', 1, 2]] : [];
      const q = makeInput(s, new Rng(seed), dtype, qBase, qSteps, dev, VALS);
      const k = makeInput(s, new Rng(seed + 1), dtype, kShape, [], dev, VALS);
      const v = makeInput(s, new Rng(seed + 2), dtype, kShape, [], dev, VALS);
      const cuQ = varlen ? cumsum(c.seg!.q) : undefined;
      const cuK = varlen ? cumsum(c.seg!.k) : undefined;
      const prob: AttnProblem = {
        q: q.values as number[],
        k: k.values as number[],
        v: v.values as number[],
        tq,
        h: c.h,
        hkv: c.hkv,
        d: c.d,
        segments: varlen ? varlenSegments(cuQ!, cuK!, tq, tk) : denseSegments(c.b, c.sq, c.sk),
        causal: c.causal,
        scale: c.scale,
        window: c.window,
        softcap: c.softcap,
      };
      const ref = attentionRef(prob);
      const opts = { causal: c.causal, scale: c.scale, window: c.window, softcap: c.softcap, cuSeqlensQ: cuQ, cuSeqlensK: cuK };
      let out: Tensor;
      let lse: Tensor | undefined;
      if (c.lse) {
        const r = ops.attention(q.t, k.t, v.t, { ...opts, returnLse: true });
        out = s.keep(r.out);
        lse = s.keep(r.lse);
      } else {
        out = s.keep(ops.attention(q.t, k.t, v.t, opts));
      }
      expect(out.shape, label).toEqual(qShape);
      expect(out.dtype, label).toBe(dtype);
      const raw = (await out.data()) as Storage;
      const got = toNumbers(raw, dtype);
      // rows that see no key are exactly 0
      for (let r = 0; r < tq * c.h; r++)
        if (ref.visible[r] === 0) for (let x = 0; x < c.d; x++) if (got[r * c.d + x] !== 0) throw new Error(`${label}: fully masked row ${r} has ${got[r * c.d + x]} at ${x}, expected 0`);
      if (dtype === 'f32') {
        expectClose(got, ref.out, { nmse: 1e-9, label });
      } else {
        if (budget === 0) budget = 2 * nmse(attentionNaive(prob, dtype).out, ref.out) + EPS;
        expectClose(got, ref.out, { nmse: budget, label: `${label} (budget 2x naive ${dtype}: ${budget.toExponential(2)})` });
      }
      results.set(dev, raw);
      if (lse) {
        expect(lse.shape, label).toEqual(varlen ? [c.h, tq] : [c.b, c.h, c.sq]);
        expect(lse.dtype, label).toBe('f32');
        const lraw = (await lse.data()) as Float32Array;
        // reference lse is [H, Tq]; dense output is [B, H, Sq]
        const want = new Float64Array(lraw.length);
        for (let hh = 0; hh < c.h; hh++)
          for (let t = 0; t < tq; t++) {
            const idx = varlen ? hh * tq + t : (Math.floor(t / c.sq) * c.h + hh) * c.sq + (t % c.sq);
            want[idx] = ref.lse[hh * tq + t]!;
          }
        expectClose(Float64Array.from(lraw), want, { nmse: 1e-9, label: `${label} lse` });
        lses.set(dev, lraw);
      }
    }
    expectBackendsAgree(results, { dtype, nmse: Math.max(4 * budget, 1e-9), label: c.name });
    if (lses.size > 1) expectBackendsAgree(lses, { nmse: 1e-9, label: `${c.name} lse` });
  });
}

describe('attention', () => {
  cudaNotice();
  const DTYPES: FloatDType[] = ['f32', 'f16', 'bf16'];
  describe.each(DTYPES)('%s', (dtype) => {
    it.each(SHAPES.map((c, i) => [c.name, i] as const))('%s', async (_n, i) => {
      await runCase(SHAPES[i]!, dtype, 9100 + 100 * DTYPES.indexOf(dtype) + i);
    });
    it.each(COMBOS.map((c, i) => [c.name, i] as const))('%s', async (_n, i) => {
      await runCase(COMBOS[i]!, dtype, 9500 + 100 * DTYPES.indexOf(dtype) + i);
    });
  });

  it('known values: one key gives its value row; two equal logits average', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const dtype = dev === 'cpu' ? 'f32' : 'f16';
        const d = 64;
        const q = s.keep(Tensor.from(new Array(2 * d).fill(0.5), { shape: [1, 1, 2, d], dtype, device: dev }));
        const k = s.keep(Tensor.from(new Array(2 * d).fill(0.25), { shape: [1, 2, 1, d], dtype, device: dev }));
        const vv = Array.from({ length: 2 * d }, (_, i) => (i < d ? 1 : 3));
        const v = s.keep(Tensor.from(vv, { shape: [1, 2, 1, d], dtype, device: dev }));
        const got = Array.from((await s.keep(ops.attention(q, k, v)).toArray()) as Float32Array);
        // both query heads share the kv head; equal logits: mean of 1 and 3
        expect(got).toEqual(new Array(2 * d).fill(2));
        const causal = ops.attention(q, k, v, { causal: true, returnLse: true, cuSeqlensQ: undefined });
        s.keep(causal.out);
        s.keep(causal.lse);
        // Sq = 1, Sk = 2: bottom-right causal lets the single query see both keys
        expect(Array.from((await causal.out.toArray()) as Float32Array)).toEqual(new Array(2 * d).fill(2));
        const l = Array.from((await causal.lse.toArray()) as Float32Array);
        const want = (0.5 * 0.25 * d) / Math.sqrt(d) + Math.log(2);
        for (const x of l) expect(Math.abs(x - want)).toBeLessThan(1e-5);
      }
    });
  });

  it('device-resident boundaries are clamped (running max within [0, T]), never faulting', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const dtype: FloatDType = dev === 'cpu' ? 'f32' : 'f16';
        const h = 2;
        const d = 64;
        const tq = 30;
        const tk = 20;
        const q = makeInput(s, new Rng(1), dtype, [tq, h, d], [], dev, VALS);
        const k = makeInput(s, new Rng(2), dtype, [tk, h, d], [], dev, VALS);
        const v = makeInput(s, new Rng(3), dtype, [tk, h, d], [], dev, VALS);
        const cuQ = [3, 12, 7, 25, 99];
        const cuK = [-4, 10, 8, 30, 5];
        const cq = s.keep(Tensor.from(Int32Array.from(cuQ), { dtype: 'i32', device: dev }));
        const ck = s.keep(Tensor.from(Int32Array.from(cuK), { dtype: 'i32', device: dev }));
        const r = ops.attention(q.t, k.t, v.t, { cuSeqlensQ: cq, cuSeqlensK: ck, returnLse: true });
        s.keep(r.out);
        s.keep(r.lse);
        const prob: AttnProblem = { q: q.values as number[], k: k.values as number[], v: v.values as number[], tq, h, hkv: h, d, segments: varlenSegments(cuQ, cuK, tq, tk) };
        const ref = attentionRef(prob);
        const got = toNumbers((await r.out.data()) as Storage, dtype);
        const tol = dtype === 'f32' ? 1e-9 : 2 * nmse(attentionNaive(prob, dtype).out, ref.out) + EPS;
        expectClose(got, ref.out, { nmse: tol, label: `clamped boundaries on ${dev}` });
        expectClose(Float64Array.from((await r.lse.data()) as Float32Array), ref.lse, { nmse: 1e-9, label: `clamped boundaries lse on ${dev}` });
      }
    });
  });

  describe('bad input', () => {
    const expectAttnError = (f: () => unknown, code: string, pats: RegExp[]) => expectKernelError(f, 'attention', pats, code);
    const T = (s: Scope, shape: number[], dtype: 'f32' | 'f16' | 'i32' = 'f32', device: DeviceId = 'cpu') =>
      s.keep(Tensor.from(new Array(shape.reduce((x, y) => x * y, 1)).fill(1), { shape, dtype, device }));

    it('shape, head and dtype mismatches name the argument, expected and received', async () => {
      await withScope((s) => {
        for (const dev of backends()) {
          const dt = dev === 'cpu' ? 'f32' : 'f16';
          const q = T(s, [1, 4, 4, 64], dt, dev);
          const kv = T(s, [1, 4, 2, 64], dt, dev);
          expectAttnError(() => ops.attention(q, T(s, [1, 4, 2, 80], dt, dev), T(s, [1, 4, 2, 80], dt, dev)), 'INVALID_ARGUMENT', [/head dim 64/, /received \[1, 4, 2, 80\]/]);
          expectAttnError(() => ops.attention(q, T(s, [1, 4, 3, 64], dt, dev), T(s, [1, 4, 3, 64], dt, dev)), 'INVALID_ARGUMENT', [/multiple of the key\/value heads/, /\[1, 4, 3, 64\]/]);
          expectAttnError(() => ops.attention(q, kv, T(s, [1, 5, 2, 64], dt, dev)), 'INVALID_ARGUMENT', [/v of the shape of k \[1, 4, 2, 64\]/, /received \[1, 5, 2, 64\]/]);
          expectAttnError(() => ops.attention(q, T(s, [2, 4, 2, 64], dt, dev), T(s, [2, 4, 2, 64], dt, dev)), 'INVALID_ARGUMENT', [/batch 1/, /received \[2, 4, 2, 64\]/]);
          expectAttnError(() => ops.attention(T(s, [1, 4, 4, 32], dt, dev), T(s, [1, 4, 2, 32], dt, dev), T(s, [1, 4, 2, 32], dt, dev)), 'INVALID_ARGUMENT', [/head dim D one of 64, 72, 80, 96, 128, 256/, /\[1, 4, 4, 32\]/]);
          expectAttnError(() => ops.attention(T(s, [4, 4, 64], dt, dev), kv, kv), 'INVALID_ARGUMENT', [/q of shape \[B, Sq, H, D\]/, /received \[4, 4, 64\]/]);
          expectAttnError(() => ops.attention(q, T(s, [1, 4, 2, 64], dt === 'f32' ? 'f16' : 'f32', dev), kv), 'INVALID_ARGUMENT', [/k with the dtype of q/]);
          expectAttnError(() => ops.attention(T(s, [1, 4, 4, 64], 'i32', dev), kv, kv), 'INVALID_ARGUMENT', [/q with dtype one of f32, f16, bf16, received i32/]);
          expectAttnError(() => ops.attention(q, kv, kv, { window: [-2, 0] }), 'INVALID_ARGUMENT', [/window_left >= 0 or -1/, /received -2/]);
          expectAttnError(() => ops.attention(q, kv, kv, { window: [0, -5] }), 'INVALID_ARGUMENT', [/window_right/, /received -5/]);
          expectAttnError(() => ops.attention(q, kv, kv, { softcap: -1 }), 'INVALID_ARGUMENT', [/softcap finite and >= 0/]);
          expectAttnError(() => ops.attention(q, kv, kv, { scale: NaN }), 'INVALID_ARGUMENT', [/scale finite and non-zero/]);
        }
      });
    });

    it('bad cuSeqlens: not starting at 0, decreasing, not matching the totals, wrong length, wrong dtype', async () => {
      await withScope((s) => {
        for (const dev of backends()) {
          const dt = dev === 'cpu' ? 'f32' : 'f16';
          const q = T(s, [10, 2, 64], dt, dev);
          const kv = T(s, [12, 2, 64], dt, dev);
          expectAttnError(() => ops.attention(q, kv, kv, { cuSeqlensQ: [1, 10], cuSeqlensK: [0, 12] }), 'INVALID_ARGUMENT', [/cu_seqlens_q\[0\] = 0/, /received 1/]);
          expectAttnError(() => ops.attention(q, kv, kv, { cuSeqlensQ: [0, 6, 4, 10], cuSeqlensK: [0, 4, 8, 12] }), 'INVALID_ARGUMENT', [/cu_seqlens_q non-decreasing/, /\[2\] = 4 < cu_seqlens_q\[1\] = 6/]);
          expectAttnError(() => ops.attention(q, kv, kv, { cuSeqlensQ: [0, 10], cuSeqlensK: [0, 11] }), 'INVALID_ARGUMENT', [/cu_seqlens_k\[1\] = 12 \(the packed length\)/, /received 11/]);
          expectAttnError(() => ops.attention(q, kv, kv, { cuSeqlensQ: [0, 10], cuSeqlensK: [0, 6, 12] }), 'INVALID_ARGUMENT', [/cu_seqlens_k of the shape of cu_seqlens_q \[2\]/, /received \[3\]/]);
          expectAttnError(() => ops.attention(q, kv, kv, { cuSeqlensQ: T(s, [2], 'f32', dev), cuSeqlensK: [0, 12] }), 'INVALID_ARGUMENT', [/cu_seqlens_q with dtype i32, received f32/]);
          expectAttnError(() => ops.attention(q, kv, kv, { cuSeqlensQ: [0], cuSeqlensK: [0] }), 'INVALID_ARGUMENT', [/\[B \+ 1\] with B >= 1/]);
          expect(() => ops.attention(q, kv, kv, { cuSeqlensQ: [0, 10] })).toThrowError(TypeError);
        }
      });
    });

    const emu = backends().filter((d) => d !== 'cpu');
    it.runIf(emu.length > 0)('f32 on CUDA is UNSUPPORTED at the call', async () => {
      await withScope((s) => {
        for (const dev of emu) {
          const q = T(s, [1, 4, 2, 64], 'f32', dev);
          expectAttnError(() => ops.attention(q, q, q), 'UNSUPPORTED', [/f16 or bf16/, /received f32/]);
        }
      });
    });
  });
});

// ---- attentionWithKvCache ----

interface KvCase {
  name: string;
  b: number;
  sq: number;
  h: number;
  hkv: number;
  d: number;
  seqlens: number[];
  sNew: number;
  /** contiguous capacity, or paged page size */
  smax?: number;
  page?: number;
  pages?: number;
  causal?: boolean;
  window?: [number, number];
  softcap?: number;
  /** split-KV blocks per KV head on CUDA (flash-decoding) */
  numSplits?: number;
}

const KV_CASES: KvCase[] = [
  { name: 'decode Sq=1 GQA 4:1 D128, paged P=16, shuffled pages', b: 2, sq: 1, h: 4, hkv: 1, d: 128, seqlens: [37, 70], sNew: 1, page: 16, pages: 12, causal: true },
  { name: 'chunked prefill Sq=Snew=20 causal, contiguous D64', b: 2, sq: 20, h: 2, hkv: 2, d: 64, seqlens: [0, 45], sNew: 20, smax: 80, causal: true },
  { name: 'no append, Sq=3 window (8, 0) D80 contiguous', b: 1, sq: 3, h: 2, hkv: 1, d: 80, seqlens: [50], sNew: 0, smax: 64, causal: true, window: [8, 0] },
  { name: 'split-KV decode (3 splits) MQA 8:1 D64, contiguous', b: 2, sq: 1, h: 8, hkv: 1, d: 64, seqlens: [150, 99], sNew: 1, smax: 160, causal: true, numSplits: 3 },
  { name: 'split-KV decode (5 splits, some without keys) GQA 2:1 D128 paged P=16', b: 1, sq: 2, h: 4, hkv: 2, d: 128, seqlens: [60], sNew: 2, page: 16, pages: 6, causal: true, numSplits: 5 },
  { name: 'paged P=32 softcap 6, append 5 across a page boundary', b: 2, sq: 5, h: 4, hkv: 2, d: 64, seqlens: [30, 0], sNew: 5, page: 32, pages: 5, causal: true, softcap: 6 },
];

function shuffled(n: number, r: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = r.int(0, i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function runKvCase(c: KvCase, dtype: FloatDType, seed: number): Promise<void> {
  const devs = backends().filter((d) => d === 'cpu' || dtype !== 'f32');
  await withScope(async (s) => {
    const results = new Map<DeviceId, Storage>();
    for (const dev of devs) {
      const label = `attentionWithKvCache ${dtype} ${c.name} on ${dev}`;
      const rowLen = c.hkv * c.d;
      const paged = c.page !== undefined;
      const maxPages = paged ? Math.max(...c.seqlens.map((x) => Math.ceil((x + c.sNew) / c.page!))) : 0;
      const cacheShape = paged ? [c.pages!, c.page!, c.hkv, c.d] : [c.b, c.smax!, c.hkv, c.d];
      const q = makeInput(s, new Rng(seed), dtype, [c.b, c.sq, c.h, c.d], [], dev, VALS);
      const kc = makeInput(s, new Rng(seed + 1), dtype, cacheShape, [], dev, VALS);
      const vc = makeInput(s, new Rng(seed + 2), dtype, cacheShape, [], dev, VALS);
      const kn = c.sNew ? makeInput(s, new Rng(seed + 3), dtype, [c.b, c.sNew, c.hkv, c.d], [], dev, VALS) : undefined;
      const vn = c.sNew ? makeInput(s, new Rng(seed + 4), dtype, [c.b, c.sNew, c.hkv, c.d], [], dev, VALS) : undefined;
      // shuffled page table: sequence b's logical page p is physical page table[b][p]
      const perm = paged ? shuffled(c.pages!, new Rng(seed + 5)) : [];
      const table = paged ? c.seqlens.map((_, b) => Array.from({ length: maxPages }, (_, pg) => perm[b * maxPages + pg]!)) : undefined;
      const slot = (b: number, pos: number) => (paged ? table![b]![Math.floor(pos / c.page!)]! * c.page! + (pos % c.page!) : b * c.smax! + pos);
      // expected cache after the append, and the keys each sequence attends to (packed)
      const kAfter = [...(kc.values as number[])];
      const vAfter = [...(vc.values as number[])];
      const kAll: number[] = [];
      const vAll: number[] = [];
      const segments = [];
      let kBegin = 0;
      for (let b = 0; b < c.b; b++) {
        for (let i = 0; i < c.sNew; i++)
          for (let x = 0; x < rowLen; x++) {
            kAfter[slot(b, c.seqlens[b]! + i) * rowLen + x] = (kn!.values as number[])[(b * c.sNew + i) * rowLen + x]!;
            vAfter[slot(b, c.seqlens[b]! + i) * rowLen + x] = (vn!.values as number[])[(b * c.sNew + i) * rowLen + x]!;
          }
        const sk = c.seqlens[b]! + c.sNew;
        for (let pos = 0; pos < sk; pos++)
          for (let x = 0; x < rowLen; x++) {
            kAll.push(kAfter[slot(b, pos) * rowLen + x]!);
            vAll.push(vAfter[slot(b, pos) * rowLen + x]!);
          }
        segments.push({ qBegin: b * c.sq, qLen: c.sq, kBegin, kLen: sk });
        kBegin += sk;
      }
      const prob: AttnProblem = { q: q.values as number[], k: kAll, v: vAll, tq: c.b * c.sq, h: c.h, hkv: c.hkv, d: c.d, segments, causal: c.causal, window: c.window, softcap: c.softcap };
      const ref = attentionRef(prob);
      const r = ops.attentionWithKvCache(q.t, kc.t, vc.t, { cacheSeqlens: c.seqlens, kNew: kn?.t, vNew: vn?.t, blockTable: table, causal: c.causal, window: c.window, softcap: c.softcap, numSplits: c.numSplits, returnLse: true });
      s.keep(r.out);
      s.keep(r.lse);
      const raw = (await r.out.data()) as Storage;
      const got = toNumbers(raw, dtype);
      if (dtype === 'f32') expectClose(got, ref.out, { nmse: 1e-9, label });
      else {
        const budget = 2 * nmse(attentionNaive(prob, dtype).out, ref.out) + EPS;
        expectClose(got, ref.out, { nmse: budget, label: `${label} (budget ${budget.toExponential(2)})` });
      }
      const lseWant = new Float64Array(c.b * c.h * c.sq);
      for (let hh = 0; hh < c.h; hh++) for (let t = 0; t < c.b * c.sq; t++) lseWant[(Math.floor(t / c.sq) * c.h + hh) * c.sq + (t % c.sq)] = ref.lse[hh * c.b * c.sq + t]!;
      expectClose(Float64Array.from((await r.lse.data()) as Float32Array), lseWant, { nmse: 1e-9, label: `${label} lse` });
      // the cache now holds the appended rows, every other slot unchanged (bit-exact)
      expect(Array.from(toNumbers((await kc.t.data()) as Storage, dtype)), `${label}: k cache after the append`).toEqual(kAfter);
      expect(Array.from(toNumbers((await vc.t.data()) as Storage, dtype)), `${label}: v cache after the append`).toEqual(vAfter);
      results.set(dev, raw);
    }
    expectBackendsAgree(results, { dtype, nmse: dtype === 'f32' ? 1e-9 : 1e-4, label: c.name });
  });
}

describe('attentionWithKvCache', () => {
  const DTYPES: FloatDType[] = ['f32', 'f16', 'bf16'];
  describe.each(DTYPES)('%s', (dtype) => {
    it.each(KV_CASES.map((c, i) => [c.name, i] as const))('%s', async (_n, i) => {
      await runKvCase(KV_CASES[i]!, dtype, 9900 + 100 * DTYPES.indexOf(dtype) + i);
    });
  });

  it('an append that does not happen poisons the cache: kCache/vCache reject instead of being read stale', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const dt = dev === 'cpu' ? 'f32' : 'f16';
        const T = (shape: number[]) => s.keep(Tensor.from(new Array(shape.reduce((x, y) => x * y, 1)).fill(0.5), { shape, dtype: dt, device: dev }));
        const q = T([1, 1, 2, 64]);
        const kc = T([1, 8, 1, 64]);
        const vc = T([1, 8, 1, 64]);
        const untouched = T([1, 8, 1, 64]);
        // kNew comes from an op that fails while running (row 5 of a 3-row table)
        const bad = s.keep(Tensor.from(Int32Array.from([5]), { dtype: 'i32', device: dev }));
        const kn = s.keep(s.keep(ops.indexSelect(T([3, 1, 64]), 0, bad)).reshape([1, 1, 1, 64]));
        const vn = T([1, 1, 1, 64]);
        const out = s.keep(ops.attentionWithKvCache(q, kc, vc, { cacheSeqlens: [2], kNew: kn, vNew: vn }));
        for (const [name, t] of [['out', out], ['kCache', kc], ['vCache', vc]] as const)
          await expect(t.data(), `${name} on ${dev}`).rejects.toBeInstanceOf(KernelError);
        await synchronize(dev).catch(() => undefined);
        expect(Array.from((await untouched.data()) as ArrayLike<number>).length).toBe(8 * 64);
      }
    });
  });

  it('bad input: cache too small, page out of range, bad page size, negative length, mismatched kNew', async () => {
    await withScope((s) => {
      for (const dev of backends()) {
        const dt = dev === 'cpu' ? 'f32' : 'f16';
        const T = (shape: number[]) => s.keep(Tensor.from(new Array(shape.reduce((x, y) => x * y, 1)).fill(0.5), { shape, dtype: dt, device: dev }));
        const q = T([2, 1, 2, 64]);
        const kc = T([2, 10, 1, 64]);
        const kn = T([2, 1, 1, 64]);
        const pc = T([4, 16, 1, 64]);
        const err = (f: () => unknown, pats: RegExp[]) => expectKernelError(f, 'attention_with_kv_cache', pats);
        err(() => ops.attentionWithKvCache(q, kc, kc, { cacheSeqlens: [3, 10], kNew: kn, vNew: kn }), [/cache too small/, /cache_seqlens\[1\] \+ Snew <= 10/, /received 10 \+ 1/]);
        err(() => ops.attentionWithKvCache(q, pc, pc, { cacheSeqlens: [3, 20], blockTable: [[0, 1], [2, 4]] }), [/block_table\[1, 1\] in \[0, 4\)/, /received 4/]);
        err(() => ops.attentionWithKvCache(q, pc, pc, { cacheSeqlens: [3, 20], blockTable: [[0, 1], [-1, 2]] }), [/block_table\[1, 0\]/, /received -1/]);
        err(() => ops.attentionWithKvCache(q, pc, pc, { cacheSeqlens: [3, 40], blockTable: [[0, 1], [2, 3]] }), [/cache too small/, /<= 32 tokens/]);
        err(() => ops.attentionWithKvCache(q, T([4, 8, 1, 64]), T([4, 8, 1, 64]), { cacheSeqlens: [3, 2], blockTable: [[0], [1]] }), [/page size .* in \[16, 256\], received 8/]);
        err(() => ops.attentionWithKvCache(q, kc, kc, { cacheSeqlens: [-1, 2] }), [/cache_seqlens\[0\] >= 0, received -1/]);
        err(() => ops.attentionWithKvCache(q, kc, kc, { cacheSeqlens: [1, 2], kNew: T([2, 1, 2, 64]), vNew: T([2, 1, 2, 64]) }), [/k_new of shape \[2, Snew, 1, 64\]/, /received \[2, 1, 2, 64\]/]);
        err(() => ops.attentionWithKvCache(q, kc, kc, { cacheSeqlens: [1] }), [/cache_seqlens i32 \[2\], received i32 \[1\]/]);
        err(() => ops.attentionWithKvCache(q, T([2, 10, 3, 64]), T([2, 10, 3, 64]), { cacheSeqlens: [1, 1] }), [/multiple of the cache heads/]);
      }
    });
  });
});

backendSummary();
