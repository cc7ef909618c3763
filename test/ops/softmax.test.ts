// softmax over the last dim: odd and model row lengths, views, every dtype, f32 output from half
// input (HF eager attention: softmax(dtype=f32)). f32 within nmse 1e-12 of fp64, halves within 2x
// the error of the exact value rounded once. Masked rows as PyTorch: -inf entries give exact 0,
// a row of only -inf, or with NaN or +inf in it, is NaN everywhere; huge logits do not overflow.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectClose, expectExact, nmse, toNumbers } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { nmseOf, runAtIsa, usableIsas } from '../harness/nn-isa.js';
import { Rng, makeInput } from '../harness/random.js';
import { type FloatDType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { softmaxRef } from '../reference/activation.js';
import { fixtureTensor, fixtureValues, hfFixture } from '../harness/nn-fixture.js';
import { roundTo, ulpStats } from '../reference/nn-common.js';
import { expectKernelError } from '../harness/errors.js';

const CROSS_NMSE: Record<FloatDType, number> = { f32: 1e-12, f16: 1e-6, bf16: 1e-4 };
const GRID: [string, number[], ViewStep[]][] = [
  ['[1,1]', [1, 1], []],
  ['[3,7]', [3, 7], []],
  ['[2,3,33]', [2, 3, 33], []],
  ['attention row [2,4096]', [2, 4096], []],
  ['transposed [20,9]^T', [20, 9], [['transpose', 0, 1]]],
  ['empty [0,5]', [0, 5], []],
];
const COMBOS: [FloatDType, FloatDType][] = [['f32', 'f32'], ['f16', 'f16'], ['bf16', 'bf16'], ['bf16', 'f32'], ['f32', 'bf16']];

describe('softmax', () => {
  cudaNotice();
  describe.each(COMBOS)('x %s -> %s', (t, o) => {
    it.each(GRID)('%s', async (name, base, steps) => {
      const seed = 5000 + COMBOS.findIndex((c) => c[0] === t && c[1] === o) * 20 + GRID.findIndex((g) => g[0] === name);
      await withScope(async (s) => {
        const results = new Map<DeviceId, Storage>();
        for (const dev of backends()) {
          const label = `softmax ${t}->${o} ${name} on ${dev}`;
          const x = makeInput(s, new Rng(seed), t, base, steps, dev, { lo: 0.01, hi: 12 });
          const out = s.keep(ops.softmax(x.t, o === t ? {} : { dtype: o }));
          expect(out.shape).toEqual(x.shape);
          expect(out.dtype).toBe(o);
          const raw = (await out.data()) as Storage;
          const got = toNumbers(raw, o);
          const ideal = softmaxRef(x.values as number[], x.shape[x.shape.length - 1]!);
          if (o === 'f32') expectClose(got, ideal, { nmse: 1e-12, label });
          else {
            const naive = ideal.map((v) => roundTo(v, o));
            expectClose(got, ideal, { nmse: 2 * nmse(naive, ideal) + 1e-14, label: `${label} (naive nmse ${nmse(naive, ideal).toExponential(2)})` });
          }
          results.set(dev, raw);
        }
        expectBackendsAgree(results, { dtype: o, nmse: CROSS_NMSE[o], label: name });
      });
    });
  });

  it('masked, NaN, infinite and huge rows behave as torch.softmax', async () => {
    const rows = [
      [-Infinity, -Infinity, -Infinity, -Infinity], // fully masked: NaN (torch: nan)
      [0.5, -Infinity, 1.5, -Infinity], // causal-style mask: exact zeros
      [1, NaN, 2, 3], // NaN anywhere: NaN row
      [1, Infinity, 2, 3], // +inf: inf - inf = NaN row
      [1e30, 1e30, -1e30, 0], // huge logits: stable, [0.5, 0.5, 0, 0]
      [-Infinity, 7, -Infinity, -Infinity], // one finite entry: exactly 1
    ];
    const want = softmaxRef(rows.flat(), 4);
    expect(Array.from(want.slice(16, 20))).toEqual([0.5, 0.5, 0, 0]);
    await withScope(async (s) => {
      for (const dev of backends()) {
        for (const dt of ['f32', 'bf16'] as const) {
          const x = s.keep(Tensor.from(rows.flat(), { shape: [rows.length, 4], dtype: dt, device: dev }));
          const got = Array.from((await s.keep(ops.softmax(x, { dtype: 'f32' })).toArray()) as Float32Array);
          for (let i = 0; i < got.length; i++) {
            const w = want[i]!;
            if (Number.isNaN(w)) expect(got[i], `${dt} ${dev} [${i}]`).toBeNaN();
            else if (w === 0 || w === 1 || w === 0.5) expect(got[i], `${dt} ${dev} [${i}]`).toBe(w);
            else expect(got[i]! / w, `${dt} ${dev} [${i}]`).toBeCloseTo(1, 6);
          }
        }
      }
    });
  });
});

describe('PyTorch fixture (tools/make-nn-fixtures.py: masked bf16 scores)', () => {
  it('bf16 out equals PyTorch bit for bit; f32 out within 4 ulps; masked rows identical (NaN rows included)', async () => {
    const f = hfFixture().softmax;
    await withScope(async (s) => {
      for (const dev of backends()) {
        const x = s.keep(fixtureTensor(f.x, dev));
        const b = toNumbers((await s.keep(ops.softmax(x)).data()) as Storage, 'bf16');
        expectExact(b, fixtureValues(f.out_bf16), { label: `bf16 on ${dev}` });
        const g = toNumbers((await s.keep(ops.softmax(x, { dtype: 'f32' })).data()) as Storage, 'f32');
        const st = ulpStats(g, fixtureValues(f.out_f32), 'f32');
        expect(st.maxUlps, `f32 on ${dev}`).toBeLessThanOrEqual(4);
        expect(Array.from(g.slice(2 * 37, 3 * 37)).every(Number.isNaN), `all -inf row on ${dev}`).toBe(true);
      }
    });
  });
});

describe('bad input', () => {
  const expectOpError = (f: () => unknown, pats: RegExp[]) => expectKernelError(f, 'softmax', pats);
  it('dtypes and rank are checked, naming the argument', async () => {
    await withScope((s) => {
      for (const dev of backends()) {
        expectOpError(() => ops.softmax(s.keep(Tensor.from([1, 2], { shape: [2], dtype: 'i32', device: dev }))), [/x with dtype/, /received i32/]);
        expectOpError(() => ops.softmax(s.keep(Tensor.from([1, 2], { shape: [2], dtype: 'f32', device: dev })), { dtype: 'i64' }), [/dtype one of f32, f16, bf16/, /received i64/]);
        expectOpError(() => ops.softmax(s.keep(Tensor.from([1], { shape: [], dtype: 'f32', device: dev }))), [/rank >= 1/]);
      }
    });
  });
  it('JS-type mistakes are TypeErrors', () => {
    expect(() => ops.softmax('x' as unknown as Tensor)).toThrowError(/for x but received string x/);
    const t = Tensor.from([1], { shape: [1] });
    expect(() => ops.softmax(t, { dtype: 'f64' as 'f32' })).toThrowError(/for dtype but received string f64/);
    t.dispose();
  });
});

describe('CPU instruction sets', () => {
  // the per-ISA row loops (generic, AVX2, AVX-512) in child processes with XEMB_CPU_ISA: identical
  // where the result is rounding-defined (budget 0), else within f32 reassociation / FMA error
  it(`${usableIsas().join(', ')} agree`, () => {
    const body = `const x = ops.randomUniform([17, 1000], { seed: 1, low: -12, high: 12 });
out.f32 = Array.from(await ops.softmax(x).toArray());
out.bf16 = Array.from(await ops.softmax(ops.cast(x, 'bf16')).toArray());`;
    const runs = usableIsas().map((isa) => runAtIsa(isa, body));
    runs.forEach((r, i) => expect(r.isa).toBe(usableIsas()[i]));
    const [ref, ...rest] = runs;
    for (const r of rest) {
      for (const [k, budget] of [['f32', 1e-12], ['bf16', 1e-4]] as [string, number][]) {
        if (budget === 0) expect(r[k], `${k} at ${r.isa}`).toEqual(ref![k]);
        else expect(nmseOf(r[k]!, ref![k]!), `${k} at ${r.isa}`).toBeLessThanOrEqual(budget);
      }
    }
  });
});

backendSummary();
