// rms_norm / layer_norm / add_rms_norm: rows of odd and model sizes (D = 1, 7, 33, 1280, 3584),
// empty shapes, views; every dtype and a mixed (bf16 x, f32 weight) case. f32 within nmse 1e-12
// of fp64; f16/bf16 within 2x the error of a naive f32 implementation with HF's rounding points;
// and HF fidelity: at most 1 ulp from HF's rounding sequence (fp64 statistics) and >= 99% of the
// elements identical, which fails a kernel that multiplies the weight before rounding to x's dtype.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectClose, expectExact, nmse, toNumbers } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { nmseOf, runAtIsa, usableIsas } from '../harness/nn-isa.js';
import { Rng, makeInput } from '../harness/random.js';
import { type FloatDType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { ulpStats } from '../reference/nn-common.js';
import { fixtureTensor, fixtureValues, hfFixture } from '../harness/nn-fixture.js';
import { addRound, layerNormNaive, layerNormRef, rmsNormHf, rmsNormRef } from '../reference/norm.js';
import { expectKernelError } from '../harness/errors.js';

const DTYPES: FloatDType[] = ['f32', 'f16', 'bf16'];
const CROSS_NMSE: Record<FloatDType, number> = { f32: 1e-12, f16: 1e-6, bf16: 1e-4 };

// [name, base shape of x, view steps]
const GRID: [string, number[], ViewStep[]][] = [
  ['D=1 [3,1]', [3, 1], []],
  ['[5,7]', [5, 7], []],
  ['[2,3,33]', [2, 3, 33], []],
  ['vision D [4,1280]', [4, 1280], []],
  ['LLM D [2,3584]', [2, 3584], []],
  ['transposed view [33,5]^T', [33, 5], [['transpose', 0, 1]]],
  ['sliced rows [8,64] step 2', [8, 64], [['slice', 0, 0, 8, 2]]],
];

function checkRms(got: Float64Array, x: number[], d: number, w: number[], eps: number, t: FloatDType, o: FloatDType, label: string) {
  const c = { x, d, w, eps };
  const ideal = rmsNormRef(c);
  if (t === 'f32' && o === 'f32') {
    expectClose(got, ideal, { nmse: 1e-12, label });
    return;
  }
  const naive = rmsNormHf(c, t, o, true);
  const budget = 2 * nmse(naive, ideal) + 1e-14;
  expectClose(got, ideal, { nmse: budget, label: `${label} (naive nmse ${nmse(naive, ideal).toExponential(2)})` });
  const st = ulpStats(got, rmsNormHf(c, t, o), t);
  expect(st.exact, `${label}: fraction identical to HF's rounding sequence`).toBeGreaterThanOrEqual(0.99);
  if (o === t) expect(st.maxUlps, `${label}: ulps from HF's rounding sequence`).toBeLessThanOrEqual(1);
}

describe('rms_norm', () => {
  cudaNotice();
  const cases: [FloatDType, FloatDType][] = [['f32', 'f32'], ['f16', 'f16'], ['bf16', 'bf16'], ['bf16', 'f32'], ['f16', 'bf16']];
  describe.each(cases)('x %s, weight %s', (t, wt) => {
    it.each(GRID)('%s', async (name, base, steps) => {
      const seed = 100 + cases.findIndex((c) => c[0] === t && c[1] === wt) * 50 + GRID.findIndex((g) => g[0] === name);
      const o: FloatDType = t === wt ? t : 'f32';
      await withScope(async (s) => {
        const results = new Map<DeviceId, Storage>();
        for (const dev of backends()) {
          const label = `rms_norm ${t}/${wt} ${name} on ${dev}`;
          const x = makeInput(s, new Rng(seed), t, base, steps, dev);
          const d = x.shape[x.shape.length - 1]!;
          const w = makeInput(s, new Rng(seed + 1), wt, [d], [], dev, { lo: 0.5, hi: 2 });
          const out = s.keep(ops.rmsNorm(x.t, w.t, 1e-6));
          expect(out.shape, label).toEqual(x.shape);
          expect(out.dtype, label).toBe(o);
          const raw = (await out.data()) as Storage;
          checkRms(toNumbers(raw, o), x.values as number[], d, w.values as number[], 1e-6, t, o, label);
          results.set(dev, raw);
        }
        expectBackendsAgree(results, { dtype: o, nmse: CROSS_NMSE[t], label: name });
      });
    });
  });

  it('empty shapes: no rows, and D = 0', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        for (const shape of [[0, 16], [3, 0]]) {
          const x = s.keep(Tensor.from([], { shape, dtype: 'bf16', device: dev }));
          const w = s.keep(Tensor.from(new Array(shape[1]).fill(1), { shape: [shape[1]!], dtype: 'bf16', device: dev }));
          const out = s.keep(ops.rmsNorm(x, w, 1e-6));
          expect(out.shape).toEqual(shape);
          expect((await out.data()).length).toBe(0);
        }
      }
    });
  });

  it('a zero row with eps = 0 is NaN (0 * inf), as PyTorch; eps > 0 gives zeros', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const x = s.keep(Tensor.from([0, 0, 0, 0, 1, 2, 3, 4], { shape: [2, 4], dtype: 'f32', device: dev }));
        const w = s.keep(Tensor.from([1, 1, 1, 1], { shape: [4], dtype: 'f32', device: dev }));
        const a = Array.from((await s.keep(ops.rmsNorm(x, w, 0)).toArray()) as Float32Array);
        expect(a.slice(0, 4).every(Number.isNaN), dev).toBe(true);
        const b = Array.from((await s.keep(ops.rmsNorm(x, w, 1e-6)).toArray()) as Float32Array);
        expect(b.slice(0, 4), dev).toEqual([0, 0, 0, 0]);
        expect(b[7]).toBeCloseTo(4 / Math.sqrt(7.5), 5);
      }
    });
  });
});

describe('add_rms_norm', () => {
  describe.each(DTYPES)('%s', (t) => {
    it.each(GRID)('%s', async (name, base, steps) => {
      const seed = 600 + DTYPES.indexOf(t) * 50 + GRID.findIndex((g) => g[0] === name);
      await withScope(async (s) => {
        const outs = new Map<DeviceId, Storage>();
        const resids = new Map<DeviceId, Storage>();
        for (const dev of backends()) {
          const label = `add_rms_norm ${t} ${name} on ${dev}`;
          const x = makeInput(s, new Rng(seed), t, base, steps, dev);
          const r = makeInput(s, new Rng(seed + 7), t, x.shape, [], dev, { lo: 1, hi: 30 });
          const d = x.shape[x.shape.length - 1]!;
          const w = makeInput(s, new Rng(seed + 1), t, [d], [], dev, { lo: 0.5, hi: 2 });
          const both = ops.addRmsNorm(x.t, r.t, w.t, 1e-5);
          const res = s.keep(both.out);
          const resOut = s.keep(both.residual);
          const sum = addRound(x.values as number[], r.values as number[], t);
          const rawR = (await resOut.data()) as Storage;
          // residual' = cast_T(x + residual) is rounding-defined: exact
          expectExact(toNumbers(rawR, t), Float64Array.from(sum), { label: `${label} residual` });
          const raw = (await res.data()) as Storage;
          checkRms(toNumbers(raw, t), sum, d, w.values as number[], 1e-5, t, t, label);
          outs.set(dev, raw);
          resids.set(dev, rawR);
        }
        expectBackendsAgree(resids, { dtype: t, label: `${name} residual` });
        expectBackendsAgree(outs, { dtype: t, nmse: CROSS_NMSE[t], label: name });
      });
    });
  });
});

describe('layer_norm', () => {
  describe.each(DTYPES)('%s', (t) => {
    it.each(GRID.flatMap(([n, b, st]) => [[`${n} bias`, b, st, true], [`${n} no bias`, b, st, false]] as [string, number[], ViewStep[], boolean][]))(
      '%s',
      async (name, base, steps, withBias) => {
        const seed = 900 + DTYPES.indexOf(t) * 50 + name.length * 3 + (withBias ? 1 : 0);
        await withScope(async (s) => {
          const results = new Map<DeviceId, Storage>();
          for (const dev of backends()) {
            const label = `layer_norm ${t} ${name} on ${dev}`;
            // an offset mean makes the two-pass variance matter
            const x = makeInput(s, new Rng(seed), t, base, steps, dev, { lo: 2, hi: 6, positive: true });
            const d = x.shape[x.shape.length - 1]!;
            const w = makeInput(s, new Rng(seed + 1), t, [d], [], dev, { lo: 0.5, hi: 2 });
            const b = withBias ? makeInput(s, new Rng(seed + 2), t, [d], [], dev) : undefined;
            const c = { x: x.values as number[], d, w: w.values as number[], b: b?.values as number[] | undefined, eps: 1e-5 };
            const out = s.keep(ops.layerNorm(x.t, w.t, b?.t, 1e-5));
            expect(out.dtype).toBe(t);
            const raw = (await out.data()) as Storage;
            const got = toNumbers(raw, t);
            const ideal = layerNormRef(c);
            if (t === 'f32' || d === 1) {
              expectClose(got, ideal, { nmse: d === 1 ? 1e-12 : 1e-11, label });
            } else {
              const naive = layerNormNaive(c, t);
              expectClose(got, ideal, { nmse: 2 * nmse(naive, ideal) + 1e-14, label: `${label} (naive nmse ${nmse(naive, ideal).toExponential(2)})` });
            }
            results.set(dev, raw);
          }
          expectBackendsAgree(results, { dtype: t, nmse: CROSS_NMSE[t], label: name });
        });
      },
    );
  });
});

describe('PyTorch fixture (tools/make-nn-fixtures.py: HF Qwen2RMSNorm and the decoder residual add)', () => {
  it('rms_norm (bf16 and f32 weights) and add_rms_norm equal PyTorch bit for bit', async () => {
    const F = hfFixture();
    await withScope(async (s) => {
      for (const dev of backends()) {
        const T = (f: Parameters<typeof fixtureTensor>[0]) => s.keep(fixtureTensor(f, dev));
        for (const k of ['rms_norm', 'rms_norm_f32_weight']) {
          const f = F[k];
          const out = s.keep(ops.rmsNorm(T(f.x), T(f.weight), f.eps));
          expect(out.dtype).toBe(f.out.dtype);
          expectExact(toNumbers((await out.data()) as Storage, out.dtype), fixtureValues(f.out), { label: `${k} on ${dev}` });
        }
        const f = F.add_rms_norm;
        const r = ops.addRmsNorm(T(f.x), T(f.residual), T(f.weight), f.eps);
        s.keep(r.out);
        s.keep(r.residual);
        expectExact(toNumbers((await r.residual.data()) as Storage, 'bf16'), fixtureValues(f.residual_out), { label: `add_rms_norm residual on ${dev}` });
        expectExact(toNumbers((await r.out.data()) as Storage, 'bf16'), fixtureValues(f.out), { label: `add_rms_norm out on ${dev}` });
      }
    });
  });
});

describe('bad input', () => {
  const T = (shape: number[], dtype: 'f32' | 'bf16' | 'i32' = 'f32', device: DeviceId = 'cpu') =>
    Tensor.from(new Array(shape.reduce((a, b) => a * b, 1)).fill(1), { shape, dtype, device });

  it('weight / bias / residual shapes and dtypes, eps and rank are checked, naming the argument', async () => {
    await withScope((s) => {
      for (const dev of backends()) {
        const x = s.keep(T([2, 7], 'f32', dev));
        const w = s.keep(T([7], 'f32', dev));
        expectKernelError(() => ops.rmsNorm(x, s.keep(T([6], 'f32', dev)), 1e-6), 'rms_norm', [/weight of shape \[7\]/, /received \[6\]/]);
        expectKernelError(() => ops.rmsNorm(s.keep(T([2, 7], 'i32', dev)), w, 1e-6), 'rms_norm', [/x with dtype/, /received i32/]);
        expectKernelError(() => ops.rmsNorm(x, w, -1), 'rms_norm', [/eps finite and >= 0/, /received -1/]);
        expectKernelError(() => ops.rmsNorm(x, w, NaN), 'rms_norm', [/eps/, /nan/]);
        expectKernelError(() => ops.rmsNorm(s.keep(T([], 'f32', dev)), s.keep(T([1], 'f32', dev)), 1e-6), 'rms_norm', [/rank >= 1/]);
        expectKernelError(() => ops.layerNorm(x, w, s.keep(T([2, 7], 'f32', dev)), 1e-5), 'layer_norm', [/bias of shape \[7\]/, /received \[2, 7\]/]);
        expectKernelError(() => ops.addRmsNorm(x, s.keep(T([7, 2], 'f32', dev)), w, 1e-6), 'add_rms_norm', [/residual of the shape of x \[2, 7\]/, /received \[7, 2\]/]);
        expectKernelError(() => ops.addRmsNorm(x, s.keep(T([2, 7], 'bf16', dev)), w, 1e-6), 'add_rms_norm', [/residual with the dtype of x \(f32\)/, /received bf16/]);
      }
    });
  });

  it('JS-type mistakes are TypeErrors naming the argument', async () => {
    await withScope((s) => {
      const x = s.keep(T([2, 7]));
      const w = s.keep(T([7]));
      expect(() => ops.rmsNorm(x, w, '1e-6' as unknown as number)).toThrowError(/for eps but received string/);
      expect(() => ops.rmsNorm(x, [1] as unknown as Tensor, 1e-6)).toThrowError(/for weight but received an array/);
      expect(() => ops.layerNorm(x, w, 3 as unknown as Tensor, 1e-6)).toThrowError(/for bias but received number 3/);
    });
  });

  const other = backends().find((d) => d !== 'cpu');
  it.runIf(other)(`inputs on different devices are rejected (cpu and ${other})`, async () => {
    await withScope((s) => {
      expectKernelError(() => ops.rmsNorm(s.keep(T([2, 7], 'f32', 'cpu')), s.keep(T([7], 'f32', other!)), 1e-6), 'rms_norm', [/device/]);
    });
  });
});

describe('CPU instruction sets', () => {
  // the per-ISA row loops (generic, AVX2, AVX-512) in child processes with XEMB_CPU_ISA: identical
  // where the result is rounding-defined (budget 0), else within f32 reassociation / FMA error
  it(`${usableIsas().join(', ')} agree`, () => {
    const body = `const x = ops.cast(ops.randomNormal([9, 1280], { seed: 1 }), 'bf16');
const w = ops.cast(ops.randomUniform([1280], { seed: 2, low: 0.5, high: 2 }), 'bf16');
out.rms = Array.from(await ops.rmsNorm(x, w, 1e-6).toArray());
const r = ops.addRmsNorm(x, ops.cast(ops.randomNormal([9, 1280], { seed: 3 }), 'bf16'), w, 1e-6);
out.res = Array.from(await r.residual.toArray());
out.add = Array.from(await r.out.toArray());
const xf = ops.randomNormal([9, 1280], { seed: 4, mean: 3, std: 1 });
out.ln = Array.from(await ops.layerNorm(xf, ops.randomUniform([1280], { seed: 5, low: 0.5, high: 2 }), ops.randomNormal([1280], { seed: 6 }), 1e-5).toArray());`;
    const runs = usableIsas().map((isa) => runAtIsa(isa, body));
    runs.forEach((r, i) => expect(r.isa).toBe(usableIsas()[i]));
    const [ref, ...rest] = runs;
    for (const r of rest) {
      for (const [k, budget] of [['res', 0], ['rms', 1e-4], ['add', 1e-4], ['ln', 1e-12]] as [string, number][]) {
        if (budget === 0) expect(r[k], `${k} at ${r.isa}`).toEqual(ref![k]);
        else expect(nmseOf(r[k]!, ref![k]!), `${k} at ${r.isa}`).toBeLessThanOrEqual(budget);
      }
    }
  });
});

backendSummary();
