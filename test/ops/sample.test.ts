// sample: tokens equal, on every backend, the documented algorithm replayed in JS doubles
// (test/reference/sample.ts: same filters, fixed-point mass, Philox Gumbel-max), so CPU and CUDA
// agree token for token over many seeds; chi-square of 20000 draws against the exact filtered
// softmax; temperature 0 and topK 1 are argmax; NaN logits are -inf; bad options are named.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectExact, toNumbers } from '../harness/compare.js';
import { expectRunFailure } from '../harness/failure.js';
import { withScope } from '../harness/guard.js';
import { Rng } from '../harness/random.js';
import { roundToBits, type FloatDType } from '../reference/cast.js';
import { argmaxRef } from '../reference/argmax.js';
import { normalRef } from '../reference/random.js';
import { filteredProbs, sampleSpec, specExp, specLog, type SampleOpts } from '../reference/sample.js';

type Opts = Partial<SampleOpts>;
const full = (o: Opts): SampleOpts => ({ temperature: 1, topK: 0, topP: 1, minP: 0, ...o });

function encode(v: ArrayLike<number>, dtype: FloatDType): Float32Array | Uint16Array {
  return dtype === 'f32' ? Float32Array.from(v) : Uint16Array.from(v, (x) => roundToBits(Math.fround(x), dtype));
}

/** Logits of b rows x v, normal with std `scale` (the spread of real LM logits), in dtype. */
function logitsOf(b: number, v: number, seed: number, scale: number, dtype: FloatDType): { storage: Float32Array | Uint16Array; values: Float64Array } {
  const raw = normalRef(b * v, BigInt(seed), 0n, 0, scale);
  const storage = encode(raw, dtype);
  return { storage, values: toNumbers(storage, dtype) };
}

const OPTIONS: [string, Opts][] = [
  ['plain softmax', {}],
  ['temperature 0.7', { temperature: 0.7 }],
  ['temperature 2.5', { temperature: 2.5 }],
  ['top-k 5', { topK: 5 }],
  ['top-p 0.9', { topP: 0.9 }],
  ['top-p 0.3, T 0.5', { topP: 0.3, temperature: 0.5 }],
  ['min-p 0.1', { minP: 0.1 }],
  ['all filters', { temperature: 0.8, topK: 20, topP: 0.95, minP: 0.02 }],
  ['top-k >= V is off', { topK: 100000 }],
  ['greedy', { temperature: 0 }],
  ['min-p 1 (only the maxima)', { minP: 1 }],
];

describe('sample reference arithmetic', () => {
  it('the series exp and ln are accurate (so the documented algorithm samples the softmax)', () => {
    for (let s = -28; s <= 0; s += 0.37) expect(Math.abs(specExp(s) / Math.exp(s) - 1)).toBeLessThan(1e-14);
    for (const x of [1e-300, 2.2e-16, 0.3, 0.7071, 1, 1.4142, 1.5, 36.7, 1e10]) expect(Math.abs(specLog(x) - Math.log(x))).toBeLessThan(1e-14 * Math.max(1, Math.abs(Math.log(x))));
  });
});

describe('sample', () => {
  cudaNotice();

  describe.each(['f32', 'bf16', 'f16'] as const)('%s logits', (dtype) => {
    it.each(OPTIONS)('%s: every backend returns the documented token', async (name, o) => {
      const seed = 3000 + OPTIONS.findIndex((x) => x[0] === name);
      for (const [b, v] of [[1, 1], [3, 2], [4, 7], [6, 50], [2, 300]] as const) {
        await withScope(async (s) => {
          const { storage, values } = logitsOf(b, v, seed + v, 3, dtype);
          const results = new Map<DeviceId, BigInt64Array>();
          for (const rngSeed of [0n, 7n, 2n ** 63n + 5n]) {
            const want = Array.from({ length: b }, (_, r) => BigInt(sampleSpec(values.subarray(r * v, (r + 1) * v), r, { ...full(o), seed: rngSeed, offset: 11n })));
            for (const dev of backends()) {
              const label = `sample ${dtype} ${name} [${b}, ${v}] seed ${rngSeed} on ${dev}`;
              const x = s.keep(Tensor.from(storage, { shape: [b, v], dtype, device: dev }));
              const out = s.keep(ops.sample(x, { ...o, seed: rngSeed, offset: 11 }));
              expect(out.shape, label).toEqual([b]);
              expect(out.dtype, label).toBe('i64');
              const got = (await out.data()) as BigInt64Array;
              expectExact(got, want, { label });
              results.set(dev, got);
            }
            expectBackendsAgree(results, { label: `${name} [${b}, ${v}]` });
          }
        });
      }
    });
  });

  it('CPU and CUDA draw the same token for 200 seeds (all filters on, V = 97)', async () => {
    await withScope(async (s) => {
      const b = 4;
      const v = 97;
      const { storage, values } = logitsOf(b, v, 77, 2, 'f32');
      const o = { temperature: 0.9, topK: 40, topP: 0.9, minP: 0.01 };
      const byDev = new Map<DeviceId, bigint[]>();
      for (const dev of backends()) {
        const x = s.keep(Tensor.from(storage, { shape: [b, v], device: dev }));
        const all: bigint[] = [];
        for (let seed = 0; seed < 200; seed++) all.push(...((await s.keep(ops.sample(x, { ...o, seed, offset: seed % 3 })).data()) as BigInt64Array));
        byDev.set(dev, all);
      }
      // spot-check the CPU tokens against the documented algorithm, then every backend against the CPU
      const cpu = byDev.get('cpu')!;
      for (let seed = 0; seed < 200; seed += 23)
        for (let r = 0; r < b; r++)
          expect(cpu[seed * b + r]).toBe(BigInt(sampleSpec(values.subarray(r * v, (r + 1) * v), r, { ...full(o), seed: BigInt(seed), offset: BigInt(seed % 3) })));
      expectBackendsAgree(new Map([...byDev].map(([d, t]) => [d, BigInt64Array.from(t)])));
      expect(new Set(cpu).size).toBeGreaterThan(10);
    });
  });

  describe('distribution: chi-square of 20000 draws against the exact filtered softmax', () => {
    // 8 logits chosen so that no filter boundary is close to a tie
    const LOGITS = [2.0, 1.1, -0.3, 0.6, 2.4, -1.7, 0.15, -3.0];
    const CASES: [string, Opts][] = [
      ['plain', {}],
      ['T 0.6', { temperature: 0.6 }],
      ['top-k 3', { topK: 3 }],
      ['top-p 0.8', { topP: 0.8 }],
      ['min-p 0.2', { minP: 0.2 }],
      ['T 1.5, top-k 6, top-p 0.9, min-p 0.05', { temperature: 1.5, topK: 6, topP: 0.9, minP: 0.05 }],
    ];
    // chi-square critical values at alpha = 1e-3 for df 1..7
    const CRIT = [10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32];
    it.each(CASES)('%s', async (_, o) => {
      await withScope(async (s) => {
        const n = 20000;
        const p = filteredProbs(LOGITS, full(o));
        for (const dev of backends().filter((d) => d !== 'cuda-emu')) {
          const x = s.keep(Tensor.from(new Float32Array(n * 8).map((_, i) => LOGITS[i % 8]!), { shape: [n, 8], device: dev }));
          const tokens = (await s.keep(ops.sample(x, { ...o, seed: 12345 })).data()) as BigInt64Array;
          const counts = new Array<number>(8).fill(0);
          for (const t of tokens) counts[Number(t)]!++;
          let chi = 0;
          let df = -1;
          for (let i = 0; i < 8; i++) {
            if (p[i] === 0) {
              expect(counts[i], `${dev}: token ${i} is filtered out but was drawn`).toBe(0);
              continue;
            }
            chi += (counts[i]! - n * p[i]!) ** 2 / (n * p[i]!);
            df++;
          }
          expect(df).toBeGreaterThan(0);
          expect(chi, `${dev}: counts ${counts} expected ${Array.from(p, (x) => (x * n).toFixed(0))}`).toBeLessThan(CRIT[df - 1]!);
        }
      });
    });

    it('the chi-square test can fail: unfiltered draws do not pass as top-k 3', () => {
      const p = filteredProbs(LOGITS, full({ topK: 3 }));
      const q = filteredProbs(LOGITS, full({}));
      let chi = 0;
      for (let i = 0; i < 8; i++) if (p[i]! > 0) chi += (20000 * q[i]! - 20000 * p[i]!) ** 2 / (20000 * p[i]!);
      expect(chi).toBeGreaterThan(100);
    });
  });

  it('temperature 0 and top-k 1 are argmax (no ties)', async () => {
    await withScope(async (s) => {
      const b = 5;
      const v = 1000;
      for (const dtype of ['f32', 'bf16'] as const) {
        const { storage, values } = logitsOf(b, v, 5, 4, dtype);
        const distinct = Array.from({ length: b }, (_, r) => {
          const row = Array.from(values.subarray(r * v, (r + 1) * v));
          const m = Math.max(...row);
          return row.filter((x) => x === m).length === 1;
        });
        const want = argmaxRef(values, [b, v], 1).map(BigInt);
        for (const dev of backends()) {
          const x = s.keep(Tensor.from(storage, { shape: [b, v], dtype, device: dev }));
          expectExact((await s.keep(ops.sample(x, { seed: 1, temperature: 0 })).data()) as BigInt64Array, want, { label: `T 0 ${dtype} on ${dev}` });
          const k1 = (await s.keep(ops.sample(x, { seed: 9, topK: 1 })).data()) as BigInt64Array;
          for (let r = 0; r < b; r++) if (distinct[r]) expect(k1[r], `topK 1 row ${r} ${dtype} on ${dev}`).toBe(want[r]);
          expectExact((await s.keep(ops.argmax(x)).data()) as BigInt64Array, want, { label: `argmax ${dtype} on ${dev}` });
        }
      }
    });
  });

  it('NaN logits count as -inf: never drawn, skipped by greedy; +inf logits share the draws', async () => {
    await withScope(async (s) => {
      const row = [NaN, 0.5, NaN, 0.2, NaN, -1];
      const inf = [1, Infinity, 3, Infinity, -Infinity, Infinity];
      const n = 3000;
      for (const dev of backends()) {
        const reps = dev === 'cuda-emu' ? 300 : n;
        const x = s.keep(Tensor.from(new Float32Array(reps * 6).map((_, i) => row[i % 6]!), { shape: [reps, 6], device: dev }));
        const t = (await s.keep(ops.sample(x, { seed: 4 })).data()) as BigInt64Array;
        expect([...new Set(t)].sort(), dev).toEqual([1n, 3n, 5n]);
        expectExact((await s.keep(ops.sample(x, { seed: 4, temperature: 0 })).data()) as BigInt64Array, new BigInt64Array(reps).fill(1n), { label: dev });
        // argmax, unlike sample, follows PyTorch: the first NaN
        expectExact((await s.keep(ops.argmax(x)).data()) as BigInt64Array, new BigInt64Array(reps).fill(0n), { label: dev });
        const y = s.keep(Tensor.from(new Float32Array(reps * 6).map((_, i) => inf[i % 6]!), { shape: [reps, 6], device: dev }));
        const ti = (await s.keep(ops.sample(y, { seed: 5 })).data()) as BigInt64Array;
        const counts = [1, 3, 5].map((k) => ti.filter((z) => z === BigInt(k)).length);
        expect(counts.reduce((a, b) => a + b), dev).toBe(reps);
        for (const c of counts) expect(Math.abs(c - reps / 3), `${dev}: ${counts}`).toBeLessThan(5 * Math.sqrt((reps * 2) / 9));
      }
    });
  });

  it('a row of only -inf / NaN fails the op at the next sync, naming the first such row', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const x = s.keep(Tensor.from([0, 1, 2, NaN, -Infinity, NaN, 5, 4, 3, -Infinity, -Infinity, -Infinity], { shape: [4, 3], device: dev }));
        for (const o of [{}, { temperature: 0 }, { topP: 0.5, topK: 2 }])
          await expectRunFailure(dev, s.keep(ops.sample(x, { ...o, seed: 1 })), 'sample', [/row 1 with none/, /NaN counts as -inf/]);
      }
    });
  });

  it('seeds and offsets select streams: same inputs same tokens, other seed or offset other tokens', async () => {
    await withScope(async (s) => {
      const { storage } = logitsOf(64, 40, 8, 0.5, 'f32');
      for (const dev of backends()) {
        const x = s.keep(Tensor.from(storage, { shape: [64, 40], device: dev }));
        const draw = async (seed: number | bigint, offset?: number) => Array.from((await s.keep(ops.sample(x, { seed, offset })).data()) as BigInt64Array);
        const a = await draw(1);
        expect(await draw(1n, 0)).toEqual(a);
        for (const other of [await draw(2), await draw(1, 1), await draw(1n + (1n << 32n))]) expect(other.filter((t, i) => t === a[i]).length).toBeLessThan(20);
      }
    });
  });

  describe('bad input', () => {
    it('options out of range are KernelErrors naming the option and the value', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const x = s.keep(Tensor.from([1, 2, 3, 4], { shape: [2, 2], device: dev }));
          const cases: [Record<string, unknown>, RegExp][] = [
            [{ topP: 0 }, /expected topP in \(0, 1\], received 0/],
            [{ topP: 1.5 }, /expected topP in \(0, 1\], received 1.5/],
            [{ topP: NaN }, /topP/],
            [{ minP: -0.1 }, /expected minP in \[0, 1\], received -0.1/],
            [{ minP: 1.01 }, /minP/],
            [{ topK: -1 }, /expected topK >= 0 \(0 = off\), received -1/],
            [{ topK: 2.5 }, /topK to be a safe integer/],
            [{ temperature: -1 }, /temperature/],
            [{ temperature: Infinity }, /temperature/],
            [{ temperature: 1e-50 }, /temperature/],
          ];
          for (const [o, pat] of cases) {
            let err: unknown;
            try {
              ops.sample(x, { seed: 1, ...o }).dispose();
            } catch (e) {
              err = e;
            }
            expect(err, JSON.stringify(o)).toBeInstanceOf(KernelError);
            expect((err as KernelError).code).toBe('INVALID_ARGUMENT');
            expect((err as KernelError).op).toBe('sample');
            expect((err as KernelError).message).toMatch(pat);
          }
          expect(() => ops.sample(s.keep(Tensor.from([1, 2], { dtype: 'i32', device: dev })), { seed: 1 })).toThrowError(/expected logits with dtype one of f32, f16, bf16, received i32/);
          expect(() => ops.sample(s.keep(Tensor.from([1, 2], { device: dev })), { seed: 1 })).toThrowError(/expected logits of shape \[B, V\], received \[2\]/);
          expect(() => ops.sample(s.keep(Tensor.from([], { shape: [2, 0], device: dev })), { seed: 1 })).toThrowError(/vocabulary size V in \[1, 8388608\]/);
          expect(() => ops.sample(x, {} as never)).toThrowError(/for seed but received undefined/);
          expect(() => ops.sample(x, { seed: -1 })).toThrowError(/for seed but received number -1/);
          expect(() => ops.sample(x, { seed: 1, topP: '0.5' as never })).toThrowError(/for topP but received string 0.5/);
        }
      });
    });
  });
});

backendSummary();
