// linear on the CUDA kernel paths (kernels/cuda/linear.cu): the tensor-core GEMM (128x128x32
// tiles) with shapes that cross tile boundaries in M, N and K, ragged edges, K % 8 != 0 and
// misaligned operands (its element-load fallback), the M <= 8 GEMV (vector and element loads),
// bias absent / same dtype / another dtype, leading batch dims, K = 0, and the mixed-dtype naive
// kernel. Every case runs on every backend (cpu, cuda-emu with the race checker, cuda) against the
// fp64 oracle of test/reference/linear-tc.ts: f16/bf16 within 2x the error of a naive
// same-precision implementation, f32 within 1e-10 of fp64.
import { describe, expect, it } from 'vitest';
import { Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectClose, expectExact, nmse, toNumbers } from '../harness/compare.js';
import { withScope, type Scope } from '../harness/guard.js';
import { Rng, makeInput } from '../harness/random.js';
import { bitsToValue, roundToBits, type FloatDType, type Storage } from '../reference/cast.js';
import { linearNaive, linearRef } from '../reference/linear-tc.js';

const EPS = 1e-12;
// backends may sum in another order and round to the half type on either side of a tie
const CROSS_NMSE: Record<FloatDType, number> = { f32: 1e-10, f16: 1e-6, bf16: 1e-4 };

interface Case {
  name: string;
  lead: number[]; // x shape without K; M = prod(lead)
  n: number;
  k: number;
  dtype: FloatDType;
  wdtype?: FloatDType; // default: dtype
  bias?: FloatDType | 'none'; // default: dtype
  misalign?: boolean; // x and w start 3 elements into their storage (not 16-byte aligned)
}

const HALF: FloatDType[] = ['bf16', 'f16'];
const CASES: Case[] = HALF.flatMap((dtype): Case[] => [
  // tensor-core GEMM, cp.async path (K % 8 == 0, aligned)
  { name: 'tc 136x200x72: M, N past one tile, K = 2 tiles + 8', lead: [136], n: 200, k: 72, dtype },
  { name: 'tc 136x200x72 no bias', lead: [136], n: 200, k: 72, dtype, bias: 'none' },
  { name: 'tc 129x129x40 (one row / column past the tile)', lead: [129], n: 129, k: 40, dtype, bias: 'f32' },
  { name: 'tc 264x392x200: 3x4 tiles, 7 k tiles (every pipeline stage reused)', lead: [264], n: 392, k: 200, dtype },
  { name: 'tc 9x7x8 (M just above the GEMV, one k chunk)', lead: [9], n: 7, k: 8, dtype },
  { name: 'tc lead [3, 5] x 24 -> 17', lead: [3, 5], n: 17, k: 24, dtype },
  // tensor-core GEMM, element-load fallback
  { name: 'tc fallback K = 45 (K % 8 != 0), 130x136', lead: [130], n: 136, k: 45, dtype },
  { name: 'tc fallback K = 201 (7 k tiles), 40x150', lead: [40], n: 150, k: 201, dtype, bias: 'f32' },
  { name: 'tc fallback K = 3, 20x33', lead: [20], n: 33, k: 3, dtype, bias: 'none' },
  { name: 'tc fallback misaligned x, w with K = 40, 24x40', lead: [24], n: 40, k: 40, dtype, misalign: true },
  // GEMV (M <= 8)
  { name: 'gemv M=1 K=264 N=40', lead: [1], n: 40, k: 264, dtype },
  { name: 'gemv M=3 K=264 N=19 no bias', lead: [3], n: 19, k: 264, dtype, bias: 'none' },
  { name: 'gemv M=8 K=520 N=12, f32 bias', lead: [8], n: 12, k: 520, dtype, bias: 'f32' },
  { name: 'gemv lead [2, 3] K=16 N=9', lead: [2, 3], n: 9, k: 16, dtype },
  { name: 'gemv rank-1 x [K=24] -> [N=5]', lead: [], n: 5, k: 24, dtype },
  { name: 'gemv M=4 K=4096 N=6 (16 chunks per lane)', lead: [4], n: 6, k: 4096, dtype },
  { name: 'gemv element loads M=5 K=37 N=11', lead: [5], n: 11, k: 37, dtype },
  { name: 'gemv misaligned M=2 K=64 N=10', lead: [2], n: 10, k: 64, dtype, misalign: true },
  { name: 'K = 0: out = bias (GEMV)', lead: [4], n: 6, k: 0, dtype },
  { name: 'K = 0: out = bias (tc)', lead: [12], n: 6, k: 0, dtype },
]);
CASES.push(
  { name: 'mixed: bf16 x, f32 w (naive kernel)', lead: [10], n: 12, k: 33, dtype: 'bf16', wdtype: 'f32' },
  { name: 'mixed: f16 x, bf16 w, bf16 bias (naive kernel)', lead: [3], n: 5, k: 16, dtype: 'f16', wdtype: 'bf16', bias: 'bf16' },
  { name: 'f32 x, f32 w 20x30x17', lead: [20], n: 30, k: 17, dtype: 'f32' },
);

// A [rows, cols] input; misaligned: a reshaped slice starting 3 elements into a flat buffer.
function operand(s: Scope, seed: number, dtype: FloatDType, shape: number[], misalign: boolean, dev: DeviceId) {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!misalign) {
    const inp = makeInput(s, new Rng(seed), dtype, shape, [], dev);
    return { t: inp.t, values: inp.values as number[] };
  }
  const flat = makeInput(s, new Rng(seed), dtype, [count + 3], [], dev);
  const sl = s.keep(flat.t.slice(0, 3, 3 + count));
  const t = s.keep(sl.reshape(shape));
  expect(t.isContiguous).toBe(true);
  return { t, values: (flat.values as number[]).slice(3) };
}

describe('linear: CUDA tensor-core GEMM and GEMV paths', () => {
  cudaNotice();

  it.each(CASES.map((c) => [`${c.dtype} ${c.name}`, c] as const))('%s', async (_label, c) => {
    const seed = 9100 + CASES.indexOf(c) * 10;
    const m = c.lead.reduce((a, b) => a * b, 1);
    const wdtype = c.wdtype ?? c.dtype;
    const bdtype = c.bias === 'none' ? undefined : (c.bias ?? c.dtype);
    await withScope(async (s) => {
      const results = new Map<DeviceId, Storage>();
      for (const dev of backends()) {
        const label = `linear ${c.dtype} ${c.name} on ${dev}`;
        const x = operand(s, seed, c.dtype, [...c.lead, c.k], c.misalign ?? false, dev);
        const w = operand(s, seed + 1, wdtype, [c.n, c.k], c.misalign ?? false, dev);
        const b = bdtype ? operand(s, seed + 2, bdtype, [c.n], false, dev) : undefined;
        const out = s.keep(ops.linear(x.t, w.t, b?.t));
        expect(out.shape, label).toEqual([...c.lead, c.n]);
        expect(out.dtype, label).toBe(c.dtype);
        const raw = (await out.data()) as Storage;
        const got = toNumbers(raw, c.dtype);
        const ref = linearRef(x.values, w.values, b?.values, m, c.n, c.k);
        if (c.dtype === 'f32') {
          expectClose(got, ref, { nmse: 1e-10, label });
        } else {
          const naive = linearNaive(x.values, w.values, b?.values, m, c.n, c.k, c.dtype);
          const e = nmse(naive, ref);
          expectClose(got, ref, { nmse: 2 * e + EPS, label: `${label} (naive ${c.dtype} nmse ${e.toExponential(2)})` });
        }
        results.set(dev, raw);
      }
      expectBackendsAgree(results, { dtype: c.dtype, nmse: CROSS_NMSE[c.dtype], label: c.name });
    });
  });

  it('K = 0 without bias gives exact zeros on every backend', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        for (const dtype of HALF) {
          for (const m of [2, 20]) {
            const x = makeInput(s, new Rng(1), dtype, [m, 0], [], dev);
            const w = makeInput(s, new Rng(2), dtype, [5, 0], [], dev);
            const out = s.keep(ops.linear(x.t, w.t));
            expectExact(toNumbers((await out.data()) as Storage, dtype), new Float64Array(m * 5), { label: `${dtype} M=${m} on ${dev}` });
          }
        }
      }
    });
  });

  it('f16 subnormal, infinite and NaN inputs: exact sums on the GEMV (f16 unpacking) and tensor-core paths', async () => {
    // x row r holds multiples of 2^-24 (f16 subnormals) and w small integers, so every partial sum
    // is exact in f32 and the result is the exact sum rounded once; row 1 carries +inf, row 2 NaN
    const k = 16;
    const n = 3;
    await withScope(async (s) => {
      for (const dev of backends()) {
        for (const m of [3, 12]) {
          const xs: number[] = [];
          for (let r = 0; r < m; r++) for (let p = 0; p < k; p++) xs.push(((r * 7 + p * 3) % 23) * 2 ** -24 * (p % 2 ? -1 : 1));
          xs[1 * k + 5] = Infinity;
          xs[2 * k + 9] = NaN;
          const ws = Array.from({ length: n * k }, (_, i) => ((i * 5) % 7) - 3 || 1);
          const x = s.keep(Tensor.from(xs, { shape: [m, k], dtype: 'f16', device: dev }));
          const w = s.keep(Tensor.from(ws, { shape: [n, k], dtype: 'f16', device: dev }));
          const got = toNumbers((await s.keep(ops.linear(x, w)).data()) as Storage, 'f16');
          const want = Array.from(linearRef(xs, ws, undefined, m, n, k), (v) => bitsToValue(roundToBits(v, 'f16'), 'f16'));
          for (let i = 0; i < m * n; i++) {
            const label = `M=${m} element ${i} on ${dev}`;
            if (Number.isNaN(want[i]!)) expect(Number.isNaN(got[i]!), label).toBe(true);
            else expect(got[i], label).toBe(want[i]);
          }
        }
      }
    });
  });

  it('the half-precision budget is tight enough to catch a kernel that rounds partial sums to the half type', () => {
    // a GEMM that stored its f32 accumulator as bf16 after every 16-wide k step would miss the bound
    const r = new Rng(5);
    const k = 256;
    const n = 64;
    const round = (v: number) => {
      const b = new Float32Array([v]);
      const u = new Uint32Array(b.buffer);
      u[0] = (u[0]! + 0x7fff + ((u[0]! >>> 16) & 1)) & 0xffff0000;
      return b[0]!;
    };
    const x = Array.from({ length: k }, () => round(r.uniform(-4, 4)));
    const w = Array.from({ length: n * k }, () => round(r.uniform(-4, 4)));
    const ref = linearRef(x, w, undefined, 1, n, k);
    const naive = linearNaive(x, w, undefined, 1, n, k, 'bf16');
    const sloppy = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p += 16) {
        let part = 0;
        for (let q = p; q < p + 16; q++) part += x[q]! * w[j * k + q]!;
        acc = round(acc + part);
      }
      sloppy[j] = acc;
    }
    expect(nmse(sloppy, ref)).toBeGreaterThan(2 * nmse(naive, ref));
  });
});

backendSummary();
