// rope, rope_cos_sin, vision_rope_cos_sin. rope is rounding-defined (PyTorch rounds every tensor
// op), so results must equal the HF-recipe oracle bit for bit: per-op rounding to x's dtype with
// tables in x's dtype (text path), f32 math with one final rounding with f32 tables (vision path).
// Tables are compared bit for bit with HF's inv_freq / angle recipe (f32) and cos/sin rounded
// once. Shapes: head dims 2, 8, 16, 80, 128, batched tables, views of a fused qkv tensor.
import { describe, expect, it } from 'vitest';
import { KernelError, Tensor, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectClose, expectExact, toNumbers } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { nmseOf, runAtIsa, usableIsas } from '../harness/nn-isa.js';
import { Rng, makeInput } from '../harness/random.js';
import { type FloatDType, type Storage } from '../reference/cast.js';
import { type ViewStep } from '../reference/copy.js';
import { fixtureTensor, fixtureValues, hfFixture } from '../harness/nn-fixture.js';
import { ulpStats } from '../reference/nn-common.js';
import { ropeIdeal, ropeRef, ropeTableRef } from '../reference/rope.js';
import { expectKernelError } from '../harness/errors.js';

// [name, x base shape, x view steps, table shape]
const GRID: [string, number[], ViewStep[], number[]][] = [
  ['minimal [1,1,2]', [1, 1, 2], [], [1, 2]],
  ['[5,3,8]', [5, 3, 8], [], [5, 8]],
  ['text head dim [7,2,128]', [7, 2, 128], [], [7, 128]],
  ['vision head dim, batch [2,6,4,80]', [2, 6, 4, 80], [], [6, 80]],
  ['per-batch tables [2,5,3,16] with [2,5,16]', [2, 5, 3, 16], [], [2, 5, 16]],
  ['q view of a fused qkv [6,6,16] -> [6,2,16]', [6, 6, 16], [['slice', 1, 2, 4, 1]], [6, 16]],
  ['transposed [3,4,8] -> [4,3,8]', [3, 4, 8], [['transpose', 0, 1]], [4, 8]],
];
const COMBOS: [FloatDType, FloatDType][] = [['f32', 'f32'], ['bf16', 'bf16'], ['f16', 'f16'], ['bf16', 'f32'], ['f16', 'f32'], ['f32', 'bf16']];

describe('rope', () => {
  cudaNotice();
  describe.each(COMBOS)('x %s, cos/sin %s', (xt, ct) => {
    it.each(GRID)('%s', async (name, base, steps, tshape) => {
      const seed = 2000 + COMBOS.findIndex((c) => c[0] === xt && c[1] === ct) * 40 + GRID.findIndex((g) => g[0] === name);
      await withScope(async (s) => {
        const results = new Map<DeviceId, Storage>();
        for (const dev of backends()) {
          const label = `rope x ${xt} cos ${ct} ${name} on ${dev}`;
          const x = makeInput(s, new Rng(seed), xt, base, steps, dev);
          const c = makeInput(s, new Rng(seed + 1), ct, tshape, [], dev, { lo: 0.01, hi: 1 });
          const sn = makeInput(s, new Rng(seed + 2), ct, tshape, [], dev, { lo: 0.01, hi: 1 });
          const batched = tshape.length > 2;
          const out = s.keep(ops.rope(x.t, c.t, sn.t));
          expect(out.shape, label).toEqual(x.shape);
          expect(out.dtype, label).toBe(xt);
          const raw = (await out.data()) as Storage;
          const got = toNumbers(raw, xt);
          const xv = x.values as number[];
          const cv = c.values as number[];
          const sv = sn.values as number[];
          expectExact(got, ropeRef(xv, x.shape, cv, sv, batched, xt, ct), { label });
          expectClose(got, ropeIdeal(xv, x.shape, cv, sv, batched), { nmse: xt === 'f32' ? 1e-13 : 1e-4, label: `${label} vs fp64` });
          results.set(dev, raw);
        }
        expectBackendsAgree(results, { dtype: xt, label: name });
      });
    });
  });

  it('the exact check tells the bf16 text path (per-op rounding) from f32 math with one rounding', () => {
    const r = new Rng(5);
    const shape = [4, 2, 64];
    const n = 4 * 2 * 64;
    const bf = (v: number) => ropeRef([v], [1, 1, 1], [1], [0], false, 'bf16', 'f32')[0]!; // rounds to bf16
    const x = Array.from({ length: n }, () => bf(r.uniform(-4, 4)));
    const c = Array.from({ length: 4 * 64 }, () => bf(r.uniform(-1, 1)));
    const sn = Array.from({ length: 4 * 64 }, () => bf(r.uniform(-1, 1)));
    const perOp = ropeRef(x, shape, c, sn, false, 'bf16', 'bf16');
    const once = ropeRef(x, shape, c, sn, false, 'bf16', 'f32');
    let diff = 0;
    for (let i = 0; i < n; i++) if (perOp[i] !== once[i]) diff++;
    expect(diff).toBeGreaterThan(n / 50);
  });
});

describe('rope_cos_sin / vision_rope_cos_sin', () => {
  const posTensor = (s: { keep<T extends Tensor>(t: T): T }, rows: number[][], dtype: 'i32' | 'i64', dev: DeviceId) =>
    s.keep(Tensor.from(dtype === 'i64' ? BigInt64Array.from(rows.flat().map(BigInt)) : rows.flat(), { shape: rows.length === 1 ? [rows[0]!.length] : [rows.length, rows[0]!.length], dtype, device: dev }));

  const r = new Rng(77);
  const text = [[...Array.from({ length: 29 }, (_, i) => i), 255, 1023, 4095, 8191, 32767, 65535, 100000, 131071]];
  const mrope = [0, 1, 2].map(() => Array.from({ length: 40 }, () => r.int(0, 5000)));
  const vision = [0, 1].map(() => Array.from({ length: 50 }, () => r.int(0, 128)));
  // [name, positions rows, dim, theta, mode, positions dtype, out dtype]
  const TABLES: [string, number[][], number, number, { mrope?: number[]; vision?: boolean }, 'i32' | 'i64', FloatDType][] = [
    ['1-D Qwen2 / MiMo theta 640000, D 128, f32', text, 128, 640000, {}, 'i64', 'f32'],
    ['1-D, D 128, bf16 (HF casts to the activation dtype)', text, 128, 1000000, {}, 'i32', 'bf16'],
    ['1-D, D 2', text, 2, 10000, {}, 'i64', 'f16'],
    ['M-RoPE [16,24,24], D 128', mrope, 128, 1000000, { mrope: [16, 24, 24] }, 'i64', 'f32'],
    ['M-RoPE [16,24,24], D 128, bf16', mrope, 128, 1000000, { mrope: [16, 24, 24] }, 'i32', 'bf16'],
    ['M-RoPE uneven [2,3,1], D 12', mrope, 12, 10000, { mrope: [2, 3, 1] }, 'i32', 'f32'],
    ['M-RoPE with an empty section [0,4,2], D 12', mrope, 12, 10000, { mrope: [0, 4, 2] }, 'i64', 'f32'],
    ['vision 2-D, head dim 80', vision, 80, 10000, { vision: true }, 'i64', 'f32'],
    ['vision 2-D, head dim 4', vision, 4, 10000, { vision: true }, 'i32', 'f32'],
  ];

  it.each(TABLES)('%s', async (name, rows, dim, theta, mode, pt, dt) => {
    await withScope(async (s) => {
      const ref = ropeTableRef(rows, dim, theta, mode, dt);
      const cosR = new Map<DeviceId, Storage>();
      const sinR = new Map<DeviceId, Storage>();
      for (const dev of backends()) {
        const label = `${name} on ${dev}`;
        const pos = posTensor(s, rows, pt, dev);
        const t = mode.vision
          ? ops.visionRopeCosSin(pos, { theta, dim, dtype: dt })
          : ops.ropeCosSin(pos, { theta, dim, dtype: dt, mropeSection: mode.mrope });
        s.keep(t.cos);
        s.keep(t.sin);
        expect(t.cos.shape).toEqual([rows[0]!.length, dim]);
        expect(t.sin.dtype).toBe(dt);
        const c = (await t.cos.data()) as Storage;
        const sn = (await t.sin.data()) as Storage;
        expectExact(toNumbers(c, dt), ref.cos, { label: `${label} cos` });
        expectExact(toNumbers(sn, dt), ref.sin, { label: `${label} sin` });
        cosR.set(dev, c);
        sinR.set(dev, sn);
      }
      expectBackendsAgree(cosR, { dtype: dt, label: `${name} cos` });
      expectBackendsAgree(sinR, { dtype: dt, label: `${name} sin` });
    });
  });

  it('M-RoPE with equal t/h/w positions is the 1-D table (text-only sequences)', async () => {
    await withScope(async (s) => {
      for (const dev of backends()) {
        const p = Array.from({ length: 20 }, (_, i) => 3 * i);
        const a = ops.ropeCosSin(posTensor(s, [p, p, p], 'i64', dev), { theta: 1e6, dim: 128, mropeSection: [16, 24, 24] });
        const b = ops.ropeCosSin(posTensor(s, [p], 'i64', dev), { theta: 1e6, dim: 128 });
        for (const t of [a.cos, a.sin, b.cos, b.sin]) s.keep(t);
        expectExact((await a.cos.data()) as Float32Array, (await b.cos.data()) as Float32Array, { label: dev });
        expectExact((await a.sin.data()) as Float32Array, (await b.sin.data()) as Float32Array, { label: dev });
      }
    });
  });
});

describe('PyTorch fixture (tools/make-nn-fixtures.py: HF Qwen2.5-VL M-RoPE and vision rotary)', () => {
  // PyTorch's CPU cos/sin/pow are 1-ulp SLEEF routines; ours are rounded from f64: the f32 tables
  // may differ by 1 ulp in a few percent of the elements, the bf16 tables and the rotated q not at all
  it('tables within 1 ulp (f32) / identical (bf16); rope on HF tables and on ours equals HF bit for bit', async () => {
    const F = hfFixture();
    await withScope(async (s) => {
      for (const dev of backends()) {
        const T = (f: Parameters<typeof fixtureTensor>[0]) => s.keep(fixtureTensor(f, dev));
        const f32 = async (t: Tensor) => toNumbers((await s.keep(t).data()) as Storage, 'f32');
        const bf = async (t: Tensor) => toNumbers((await s.keep(t).data()) as Storage, 'bf16');
        const read = async (t: Tensor, d: FloatDType) => toNumbers((await t.data()) as Storage, d);
        const near = (got: Float64Array, want: Float64Array, label: string) => {
          const st = ulpStats(got, want, 'f32');
          expect(st.maxUlps, label).toBeLessThanOrEqual(1);
          expect(st.exact, label).toBeGreaterThanOrEqual(0.85);
        };
        const m = F.mrope;
        const tf = ops.ropeCosSin(T(m.positions), { theta: m.theta, dim: m.dim, mropeSection: m.mrope_section });
        near(await f32(tf.cos), fixtureValues(m.cos_f32), `M-RoPE cos on ${dev}`);
        near(await f32(tf.sin), fixtureValues(m.sin_f32), `M-RoPE sin on ${dev}`);
        const tb = ops.ropeCosSin(T(m.positions), { theta: m.theta, dim: m.dim, mropeSection: m.mrope_section, dtype: 'bf16' });
        s.keep(tb.cos);
        s.keep(tb.sin);
        expectExact(await read(tb.cos, 'bf16'), fixtureValues(m.cos_bf16), { label: `M-RoPE bf16 cos on ${dev}` });
        expectExact(await bf(ops.rope(T(m.q), T(m.cos_bf16), T(m.sin_bf16))), fixtureValues(m.q_embed), { label: `text q_embed (HF tables) on ${dev}` });
        expectExact(await bf(ops.rope(T(m.q), tb.cos, tb.sin)), fixtureValues(m.q_embed), { label: `text q_embed (our tables) on ${dev}` });
        const l = F.rope_large_positions;
        const tl = ops.ropeCosSin(T(l.positions), { theta: l.theta, dim: l.dim });
        near(await f32(tl.cos), fixtureValues(l.cos_f32), `large positions cos on ${dev}`);
        near(await f32(tl.sin), fixtureValues(l.sin_f32), `large positions sin on ${dev}`);
        const v = F.vision_rope;
        const tv = ops.visionRopeCosSin(T(v.positions), { theta: v.theta, dim: v.dim });
        s.keep(tv.cos);
        s.keep(tv.sin);
        near(await read(tv.cos, 'f32'), fixtureValues(v.cos), `vision cos on ${dev}`);
        near(await read(tv.sin, 'f32'), fixtureValues(v.sin), `vision sin on ${dev}`);
        expectExact(await bf(ops.rope(T(v.q), T(v.cos), T(v.sin))), fixtureValues(v.q_embed), { label: `vision q_embed (HF tables) on ${dev}` });
        expectExact(await bf(ops.rope(T(v.q), tv.cos, tv.sin)), fixtureValues(v.q_embed), { label: `vision q_embed (our tables) on ${dev}` });
      }
    });
  });
});

describe('bad input', () => {
  const T = (shape: number[], dtype: 'f32' | 'bf16' | 'i32' | 'i64' = 'f32', device: DeviceId = 'cpu') =>
    Tensor.from(
      dtype === 'i64' ? new BigInt64Array(shape.reduce((a, b) => a * b, 1)) : new Array(shape.reduce((a, b) => a * b, 1)).fill(1),
      { shape, dtype, device },
    );

  it('rope: rank, odd head dim, table shapes and dtypes', async () => {
    await withScope((s) => {
      for (const dev of backends()) {
        const cs = s.keep(T([4, 8], 'f32', dev));
        expectKernelError(() => ops.rope(s.keep(T([4, 8], 'f32', dev)), cs, cs), 'rope', [/rank >= 3/, /received \[4, 8\]/]);
        expectKernelError(() => ops.rope(s.keep(T([4, 2, 7], 'f32', dev)), s.keep(T([4, 7], 'f32', dev)), s.keep(T([4, 7], 'f32', dev))), 'rope', [
          /even head dim/,
          /received 7/,
        ]);
        expectKernelError(() => ops.rope(s.keep(T([4, 2, 8], 'f32', dev)), s.keep(T([5, 8], 'f32', dev)), s.keep(T([5, 8], 'f32', dev))), 'rope', [
          /cos of shape \[4, 8\]/,
          /received \[5, 8\]/,
        ]);
        expectKernelError(() => ops.rope(s.keep(T([4, 2, 8], 'f32', dev)), cs, s.keep(T([4, 8], 'bf16', dev))), 'rope', [/sin with the dtype of cos \(f32\)/, /received bf16/]);
        expectKernelError(() => ops.rope(s.keep(T([4, 2, 8], 'i32', dev)), cs, cs), 'rope', [/x with dtype/, /received i32/]);
      }
    });
  });

  it('rope_cos_sin: mrope_section that does not divide the rotary half, counts, dim, theta, positions dtype', async () => {
    await withScope((s) => {
      for (const dev of backends()) {
        const p3 = s.keep(T([3, 5], 'i64', dev));
        expectKernelError(() => ops.ropeCosSin(p3, { theta: 1e6, dim: 128, mropeSection: [16, 24, 23] }), 'rope_cos_sin', [/mrope_section summing to dim \/ 2 = 64/, /sum of 63/]);
        expectKernelError(() => ops.ropeCosSin(p3, { theta: 1e6, dim: 128, mropeSection: [32, 32] }), 'rope_cos_sin', [/mrope_section with one entry per positions row \(3\)/, /received 2/]);
        expectKernelError(() => ops.ropeCosSin(p3, { theta: 1e6, dim: 128 }), 'rope_cos_sin', [/mrope_section/, /received nothing/]);
        expectKernelError(() => ops.ropeCosSin(p3, { theta: 1e6, dim: 128, mropeSection: [80, -16, 0] }), 'rope_cos_sin', [/mrope_section entries >= 0/, /-16/]);
        expectKernelError(() => ops.ropeCosSin(s.keep(T([5], 'i64', dev)), { theta: 1e6, dim: 7 }), 'rope_cos_sin', [/dim a positive multiple of 2/, /received 7/]);
        expectKernelError(() => ops.ropeCosSin(s.keep(T([5], 'i64', dev)), { theta: 0, dim: 8 }), 'rope_cos_sin', [/theta finite and > 0/]);
        expectKernelError(() => ops.ropeCosSin(s.keep(T([5], 'f32', dev)), { theta: 1e4, dim: 8 }), 'rope_cos_sin', [/positions with dtype i32 or i64/, /received f32/]);
        expectKernelError(() => ops.visionRopeCosSin(s.keep(T([2, 5], 'i32', dev)), { theta: 1e4, dim: 6 }), 'vision_rope_cos_sin', [/multiple of 4/, /received 6/]);
        expectKernelError(() => ops.visionRopeCosSin(s.keep(T([3, 5], 'i32', dev)), { theta: 1e4, dim: 8 }), 'vision_rope_cos_sin', [/\[2, S\]/, /received \[3, 5\]/]);
      }
    });
  });

  it('JS-type mistakes are TypeErrors', async () => {
    await withScope((s) => {
      const p = s.keep(T([5], 'i64'));
      expect(() => ops.ropeCosSin(p, { theta: '1e4' as unknown as number, dim: 8 })).toThrowError(/for theta but received string/);
      expect(() => ops.ropeCosSin(p, { theta: 1e4, dim: 8, mropeSection: 3 as unknown as number[] })).toThrowError(/for mropeSection/);
      expect(() => ops.rope(p, 1 as unknown as Tensor, p)).toThrowError(/for cos but received number 1/);
    });
  });
});

describe('CPU instruction sets', () => {
  // the per-ISA row loops (generic, AVX2, AVX-512) in child processes with XEMB_CPU_ISA: identical
  // where the result is rounding-defined (budget 0), else within f32 reassociation / FMA error
  it(`${usableIsas().join(', ')} agree`, () => {
    const body = `for (const [xt, ct] of [['bf16', 'bf16'], ['bf16', 'f32'], ['f32', 'f32'], ['f16', 'f16']]) {
  const x = ops.cast(ops.randomNormal([13, 3, 80], { seed: 1 }), xt);
  const c = ops.cast(ops.randomUniform([13, 80], { seed: 2, low: -1, high: 1 }), ct);
  const s = ops.cast(ops.randomUniform([13, 80], { seed: 3, low: -1, high: 1 }), ct);
  out[xt + ct] = Array.from(await ops.rope(x, c, s).toArray());
}`;
    const runs = usableIsas().map((isa) => runAtIsa(isa, body));
    runs.forEach((r, i) => expect(r.isa).toBe(usableIsas()[i]));
    const [ref, ...rest] = runs;
    for (const r of rest) {
      for (const [k, budget] of [['bf16bf16', 0], ['bf16f32', 0], ['f32f32', 0], ['f16f16', 0]] as [string, number][]) {
        if (budget === 0) expect(r[k], `${k} at ${r.isa}`).toEqual(ref![k]);
        else expect(nmseOf(r[k]!, ref![k]!), `${k} at ${r.isa}`).toBeLessThanOrEqual(budget);
      }
    }
  });
});

backendSummary();
