// random_uniform / random_normal: exact Philox4x32-10 bits against the TS reference (checked on
// the Random123 known-answer vectors), fp64 Box-Muller within nmse 1e-12, statistics on 1e6
// samples, and stream identity (seed, offset).
import { describe, expect, it } from 'vitest';
import { DisposedError, KernelError, ops, type DeviceId } from '../../src/index.js';
import { backendSummary, backends, cudaNotice } from '../harness/backends.js';
import { expectBackendsAgree, expectClose, expectExact } from '../harness/compare.js';
import { withScope } from '../harness/guard.js';
import { Rng } from '../harness/random.js';
import { roundToBits, type DType, type FloatDType, type Storage } from '../reference/cast.js';
import { numel } from '../reference/copy.js';
import { ksStatistic, mulhi32, normalCdf, normalRef, philox4x32, philoxBits, uniformRef } from '../reference/random.js';

const FLOATS: FloatDType[] = ['f32', 'f16', 'bf16'];
const hex = (w: readonly number[]) => w.map((x) => x.toString(16).padStart(8, '0')).join(' ');

/** The f64 values stored as dtype the native way (f32 first, then f16/bf16). */
function stored(v: Float64Array, dtype: FloatDType): Storage {
  if (dtype === 'f32') return Float32Array.from(v, Math.fround);
  return Uint16Array.from(v, (x) => roundToBits(Math.fround(x), dtype));
}

async function read(t: { data(): Promise<unknown> }): Promise<Storage> {
  return (await t.data()) as Storage;
}

describe('Philox4x32-10 reference', () => {
  it('matches the Random123 known-answer vectors', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });
  it('mulhi32 equals the BigInt product', () => {
    const r = new Rng(21);
    const pairs: [number, number][] = [[0xffffffff, 0xffffffff], [0xd2511f53, 0xffffffff], [0xcd9e8d57, 1], [0x10000, 0x10000], [0xffff, 0x10001]];
    for (let i = 0; i < 20000; i++) pairs.push([r.u32(), r.u32()]);
    const bad = pairs.filter(([a, b]) => mulhi32(a, b) !== Number((BigInt(a) * BigInt(b)) >> 32n));
    expect(bad).toEqual([]);
  });
  it('element i reads word i % 4 of counter (i / 4, offset)', () => {
    const w = philox4x32([5, 0, 7, 1], [3, 2]);
    const seed = (2n << 32n) | 3n;
    const offset = (1n << 32n) | 7n;
    for (let j = 0; j < 4; j++) expect(philoxBits(seed, offset, 20 + j)).toBe(w[j]);
  });
});

describe('random', () => {
  cudaNotice();

  const SHAPES: number[][] = [[], [0], [1], [7], [33, 3], [257], [4099], [2, 3, 5, 7], [3, 0, 2]];
  // [seed, offset]
  const STREAMS: [number | bigint, number | bigint][] = [
    [0, 0],
    [1, 0],
    [12345, 3],
    [2n ** 53n + 5n, 0],
    [2n ** 64n - 1n, 2n ** 32n + 3n],
    [0xdeadbeefcafen, 2n ** 63n],
  ];

  describe('random_uniform', () => {
    const RANGES: [number, number][] = [
      [0, 1],
      [-2, 5],
      [3, 3],
      [-1e-3, 1e-3],
      [1e6, 1e6 + 1],
    ];
    it.each(FLOATS)('%s: exact bits for every shape, stream and range', async (dtype) => {
      for (const shape of SHAPES) {
        for (const [seed, offset] of STREAMS) {
          for (const [low, high] of RANGES) {
            await withScope(async (s) => {
              const results = new Map<DeviceId, Storage>();
              const opts = { seed, offset, low, high, dtype };
              const ref = stored(uniformRef(numel(shape), BigInt(seed), BigInt(offset), low, high), dtype);
              for (const dev of backends()) {
                const label = `random_uniform [${shape}] ${dtype} seed ${seed} offset ${offset} [${low}, ${high}) on ${dev}`;
                const t = s.keep(ops.randomUniform(shape, { ...opts, device: dev }));
                expect(t.shape, label).toEqual(shape);
                expect(t.dtype, label).toBe(dtype);
                const got = await read(t);
                expectExact(got, ref, { dtype, label });
                results.set(dev, got);
              }
              expectBackendsAgree(results, { dtype });
            });
          }
        }
      }
    });

    it('exact bits across thread chunks (100003 elements)', async () => {
      await withScope(async (s) => {
        const ref = stored(uniformRef(100003, 31n, 5n, -1, 1), 'f32');
        for (const dev of backends()) {
          expectExact(await read(s.keep(ops.randomUniform([100003], { seed: 31, offset: 5, low: -1, high: 1, device: dev }))), ref, { label: dev });
        }
      });
    });

    it('f16/bf16 equal the f32 result rounded to nearest even', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const f = (await read(s.keep(ops.randomUniform([5000], { seed: 77, low: -3, high: 70000, device: dev })))) as Float32Array;
          for (const d of ['f16', 'bf16'] as const) {
            const h = await read(s.keep(ops.randomUniform([5000], { seed: 77, low: -3, high: 70000, dtype: d, device: dev })));
            expectExact(h, Uint16Array.from(f, (x) => roundToBits(x, d)), { dtype: d, label: `${d} on ${dev}` });
          }
        }
      });
    });

    it('1e6 samples: in [0, 1), mean 1/2, variance 1/12, KS against U(0, 1)', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const n = 1_000_000;
          const x = (await read(s.keep(ops.randomUniform([n], { seed: 2024, device: dev })))) as Float32Array;
          let mn = Infinity;
          let mx = -Infinity;
          let sum = 0;
          for (const v of x) {
            mn = Math.min(mn, v);
            mx = Math.max(mx, v);
            sum += v;
          }
          const mean = sum / n;
          let ss = 0;
          for (const v of x) ss += (v - mean) ** 2;
          const variance = ss / (n - 1);
          expect(mn).toBeGreaterThanOrEqual(0);
          expect(mx).toBeLessThan(1);
          // 5 standard errors: sqrt(1/12/n) and sqrt((1/80 - 1/144)/n)
          expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
          expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / n));
          // KS critical value at alpha = 0.001
          expect(ksStatistic(x, (v) => Math.min(1, Math.max(0, v)))).toBeLessThan(1.95 / Math.sqrt(n));
          // all 2^24 grid points are reachable: about n distinct values expected
          expect(new Set(x).size).toBeGreaterThan(0.95 * n);
        }
      });
    });
  });

  describe('random_normal', () => {
    const PARAMS: [number, number][] = [
      [0, 1],
      [3, 2],
      [-1, 0.5],
      [1e4, 1e-3],
    ];
    it('f32: fp64 Box-Muller within nmse 1e-12 for every shape, stream and (mean, std)', async () => {
      for (const shape of SHAPES) {
        for (const [seed, offset] of STREAMS) {
          for (const [mean, std] of PARAMS) {
            await withScope(async (s) => {
              const results = new Map<DeviceId, Storage>();
              const ref = normalRef(numel(shape), BigInt(seed), BigInt(offset), mean, std);
              for (const dev of backends()) {
                const label = `random_normal [${shape}] seed ${seed} offset ${offset} N(${mean}, ${std}) on ${dev}`;
                const t = s.keep(ops.randomNormal(shape, { seed, offset, mean, std, device: dev }));
                expect(t.shape, label).toEqual(shape);
                const got = (await read(t)) as Float32Array;
                expectClose(got, ref, { nmse: 1e-12, label });
                // and no element may be off by more than a few f32 ulps
                for (let i = 0; i < got.length; i++) {
                  const tol = 4 * 2 ** -24 * Math.max(Math.abs(ref[i]!), Math.abs(mean) + std);
                  if (!(Math.abs(got[i]! - ref[i]!) <= tol)) throw new Error(`${label}: element ${i} received ${got[i]}, expected ${ref[i]}`);
                }
                results.set(dev, got);
              }
              expectBackendsAgree(results, { dtype: 'f32' });
            });
          }
        }
      }
    });

    it('f32 across thread chunks (100003 elements) within nmse 1e-12', async () => {
      await withScope(async (s) => {
        const ref = normalRef(100003, 32n, 0n, 0, 1);
        for (const dev of backends()) {
          expectClose((await read(s.keep(ops.randomNormal([100003], { seed: 32, device: dev })))) as Float32Array, ref, { nmse: 1e-12, label: dev });
        }
      });
    });

    it('std 0 gives exactly the mean', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          for (const dtype of FLOATS) {
            const got = await read(s.keep(ops.randomNormal([33], { seed: 5, mean: 1.25, std: 0, dtype, device: dev })));
            expectExact(got, stored(new Float64Array(33).fill(1.25), dtype), { dtype, label: `${dtype} on ${dev}` });
          }
        }
      });
    });

    it('f16/bf16 equal the f32 result rounded to nearest even', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          for (const [seed, offset] of STREAMS) {
            const opts = { seed, offset, mean: 0.5, std: 3 };
            const f = (await read(s.keep(ops.randomNormal([2049], { ...opts, device: dev })))) as Float32Array;
            for (const d of ['f16', 'bf16'] as const) {
              const h = await read(s.keep(ops.randomNormal([2049], { ...opts, dtype: d, device: dev })));
              expectExact(h, Uint16Array.from(f, (x) => roundToBits(x, d)), { dtype: d, label: `${d} seed ${seed} on ${dev}` });
            }
          }
        }
      });
    });

    it('1e6 samples: mean, variance and KS against N(0, 1); N(3, 2) moments', async () => {
      await withScope(async (s) => {
        for (const dev of backends()) {
          const n = 1_000_000;
          const x = (await read(s.keep(ops.randomNormal([n], { seed: 99, device: dev })))) as Float32Array;
          let sum = 0;
          for (const v of x) sum += v;
          const mean = sum / n;
          let ss = 0;
          let s4 = 0;
          for (const v of x) {
            ss += (v - mean) ** 2;
            s4 += (v - mean) ** 4;
          }
          const variance = ss / (n - 1);
          expect(x.every(Number.isFinite)).toBe(true);
          expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
          expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
          expect(Math.abs(s4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n)); // kurtosis of a normal
          expect(ksStatistic(x, normalCdf)).toBeLessThan(1.95 / Math.sqrt(n));

          const y = (await read(s.keep(ops.randomNormal([n], { seed: 100, mean: 3, std: 2, device: dev })))) as Float32Array;
          let sy = 0;
          for (const v of y) sy += v;
          const my = sy / n;
          let vy = 0;
          for (const v of y) vy += (v - my) ** 2;
          expect(Math.abs(my - 3)).toBeLessThan(5 * 2 / Math.sqrt(n));
          expect(Math.abs(vy / (n - 1) - 4)).toBeLessThan(5 * 4 * Math.sqrt(2 / n));
        }
      });
    });
  });

  describe('streams', () => {
    for (const op of ['random_uniform', 'random_normal'] as const) {
      const gen = (shape: number[], opts: { seed: number | bigint; offset?: number | bigint; device: DeviceId }) =>
        op === 'random_uniform' ? ops.randomUniform(shape, opts) : ops.randomNormal(shape, opts);

      it(`${op}: same seed identical; other seed or offset different; number and bigint seeds equal; prefixes agree`, async () => {
        await withScope(async (s) => {
          for (const device of backends()) {
            const a = (await read(s.keep(gen([1000], { seed: 2n ** 60n + 1n, device })))) as Float32Array;
            const b = (await read(s.keep(gen([1000], { seed: 2n ** 60n + 1n, device })))) as Float32Array;
            expectExact(a, b, { label: 'same seed' });
            const c = (await read(s.keep(gen([1000], { seed: 2n ** 60n, device })))) as Float32Array;
            const d = (await read(s.keep(gen([1000], { seed: 2n ** 60n + 1n, offset: 1, device })))) as Float32Array;
            const e = (await read(s.keep(gen([1000], { seed: 1n + (1n << 32n), device })))) as Float32Array; // differs only in the high key word
            const f = (await read(s.keep(gen([1000], { seed: 1, device })))) as Float32Array;
            for (const [name, other] of [['seed - 1', c], ['offset 1', d], ['high key word', e]] as const) {
              const same = a.filter((v, i) => v === other[i]).length;
              expect(same, `${op}: ${name} must give a different stream`).toBeLessThan(5);
            }
            expect(f.filter((v, i) => v === e[i]).length).toBeLessThan(5);
            expectExact((await read(s.keep(gen([1000], { seed: 1n, offset: 0n, device })))) as Float32Array, f, { label: 'bigint 1n == number 1' });
            const long = (await read(s.keep(gen([4096], { seed: 1, device })))) as Float32Array;
            expectExact(long.subarray(0, 1000), f, { label: 'prefix' });
            const shaped = (await read(s.keep(gen([10, 100], { seed: 1, device })))) as Float32Array;
            expectExact(shaped, f, { label: 'shape does not change the stream' });
          }
        });
      });
    }
  });

  describe('bad input', () => {
    const kernelCases: [string, () => unknown, RegExp[]][] = [
      ['uniform dtype i32', () => ops.randomUniform([3], { seed: 1, dtype: 'i32' }), [/random_uniform/, /dtype/, /i32/]],
      ['normal dtype bool', () => ops.randomNormal([3], { seed: 1, dtype: 'bool' }), [/random_normal/, /dtype/, /bool/]],
      ['uniform low > high', () => ops.randomUniform([3], { seed: 1, low: 2, high: 1 }), [/low/, /high/, /low=2/]],
      ['uniform infinite high', () => ops.randomUniform([3], { seed: 1, high: Infinity }), [/high=inf/]],
      ['normal negative std', () => ops.randomNormal([3], { seed: 1, std: -1 }), [/std/, /-1/]],
      ['normal NaN mean', () => ops.randomNormal([3], { seed: 1, mean: NaN }), [/mean/, /nan/i]],
      ['negative dimension', () => ops.randomUniform([3, -2], { seed: 1 }), [/\[3, -2\]/]],
    ];
    it.each(kernelCases)('%s is INVALID_ARGUMENT naming the argument and value', async (_, f, pats) => {
      await withScope(() => {
        let err: unknown;
        try {
          (f() as { dispose(): void }).dispose();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(KernelError);
        const ke = err as KernelError;
        expect(ke.code).toBe('INVALID_ARGUMENT');
        expect(ke.op).toMatch(/^random_(uniform|normal)$/);
        for (const p of pats) expect(ke.message).toMatch(p);
      });
    });

    it('seeds and offsets must be non-negative integers below 2^64', () => {
      expect(() => ops.randomUniform([3], { seed: -1 })).toThrowError(/for seed but received number -1/);
      expect(() => ops.randomUniform([3], { seed: 1.5 })).toThrowError(/for seed but received number 1.5/);
      expect(() => ops.randomUniform([3], { seed: '1' as unknown as number })).toThrowError(TypeError);
      expect(() => ops.randomNormal([3], { seed: 2 ** 53 })).toThrowError(/for seed/);
      expect(() => ops.randomNormal([3], { seed: 1, offset: -1 })).toThrowError(/for offset but received number -1/);
      expect(() => ops.randomUniform([3], { seed: 2n ** 64n })).toThrowError(/seed/);
      expect(() => ops.randomUniform([3], { seed: -1n })).toThrowError(/seed/);
    });

    it('JS-type mistakes are TypeErrors naming the argument', () => {
      expect(() => ops.randomUniform(3 as unknown as number[], { seed: 1 })).toThrowError(/for shape but received number 3/);
      expect(() => ops.randomUniform([3], { seed: 1, low: '0' as unknown as number })).toThrowError(/for low but received string 0/);
      expect(() => ops.randomNormal([3], { seed: 1, std: '2' as unknown as number })).toThrowError(/for std but received string 2/);
      expect(() => ops.randomNormal([3], { seed: 1, dtype: 'f64' as DType })).toThrowError(/for dtype but received string f64/);
      // null is a mistake, not "use the default"
      expect(() => ops.randomNormal([3], { seed: 1, std: null as unknown as number })).toThrowError(/for std but received null/);
    });

    it('reading a disposed result rejects with DisposedError', async () => {
      await withScope(async () => {
        const t = ops.randomNormal([4], { seed: 1 });
        t.dispose();
        await expect(t.data()).rejects.toThrowError(DisposedError);
      });
    });
  });
});

backendSummary();
